"""Audit records: who (an operator, or the shared key), when (UTC), what (route and target),
the stored item before and after, secrets left out (``rules.snapshot``).

A change that is one transaction writes its record in that transaction (the operators' own
changes, the settings). The other operator routes' services write on their own; the route
wrapper reads the target before the view runs and again after it succeeded, then writes the
record right after (``record_after``): a crash in between leaves a change without its record,
and a failed audit write is logged with the record rather than turning a done change into an
error the client would retry.
"""
from __future__ import annotations

import json
import logging
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from chalicelib import config
from chalicelib.operators import rules
from chalicelib.operators.models import STREAM, AuditRecord

log = logging.getLogger(__name__)

SHARED_KEY_ID = "shared-key"
SHARED_KEY_NAME = "shared key"


@dataclass(frozen=True)
class Who:
    actor_id: str
    actor_name: str


def sort_key(now: datetime) -> str:
    """``<UTC time to the microsecond>Z#<real clock, ns>#<random>``: newest first; within one
    microsecond, in the order the records were written."""
    return f"{now.astimezone(timezone.utc):%Y-%m-%dT%H:%M:%S.%f}Z#{time.time_ns():016x}#{secrets.token_hex(3)}"


def new(who: Who, method: str, route: str, target: dict[str, Any], before: Any, after: Any) -> AuditRecord:
    # The real clock, never the local stage's simulated one: an operator's change happens when
    # it is made, and a simulation run ahead must not put its changes above the ones after it.
    now = datetime.now(timezone.utc)
    return AuditRecord(
        STREAM, sort_key(now), at=now, actor_id=who.actor_id,
        actor_name=who.actor_name, method=method, route=route,
        target=json.dumps(rules.snapshot(target), ensure_ascii=False, sort_keys=True),
        before=rules.encoded(before), after=rules.encoded(after),
    )


def record_after(who: Who, method: str, route: str, target: dict[str, Any], before: Any, after: Any) -> None:
    """Write the record of a change already made. Never raises: the change stands either way."""
    from chalicelib.operators import store

    item = new(who, method, route, target, before, after)
    try:
        store.record(item)
    except Exception:  # noqa: BLE001  the change is made; losing its answer helps nobody
        log.exception("audit record not written", extra={"audit": rules.snapshot(item.attribute_values)})


def as_json(r: AuditRecord) -> dict[str, Any]:
    return {
        "id": r.at_id, "at": config.iso(r.at), "operatorId": r.actor_id, "operatorName": r.actor_name,
        "method": r.method, "route": r.route, "target": json.loads(r.target),
        "before": json.loads(r.before) if r.before else None,
        "after": json.loads(r.after) if r.after else None,
    }
