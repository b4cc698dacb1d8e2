"""What the route wrapper asks on every operator call (``chalicelib.api.http``): who is calling,
may their role do what the route declares, and the audit record of a change.

Two credentials are taken, in this order:
- ``Authorization: Bearer <key>``: the old shared operator key, for scripts, only while the
  owner's setting allows it (``service.shared_key_enabled``); it then acts as a marketer and is
  audited as "shared key". The order system's server key is another matter (level ``server``).
- the session cookie from ``POST /operator/login``: the session and its operator are read (the
  role stored now decides); any call but a GET must carry the session's ``X-CSRF-Token``.
"""
from __future__ import annotations

import hmac
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from chalice.app import Request

from chalicelib import config, errors
from chalicelib.operators import roles, rules, service, targets
from chalicelib.operators.audit import record_after

log = logging.getLogger(__name__)


def authenticate(request: Request, *, method: str, path: str, capability: str, now: datetime) -> service.Actor:
    header = request.headers.get("authorization", "")
    if header:
        actor = _shared_key(header)
    else:
        token = rules.cookie_token(request.headers.get("cookie"), local=local_cookies())
        if token is None:
            raise errors.OperatorLoginRequired()
        actor = service.authenticate(token, now=now)
        if roles.needs_csrf(method):
            sent = request.headers.get("x-csrf-token", "")
            if not (sent and actor.csrf and hmac.compare_digest(sent.encode(), actor.csrf.encode())):
                raise errors.CsrfTokenInvalid()
    if not roles.allows(actor.role, capability):
        raise errors.OperatorForbidden()
    actor.route = (method, path)
    return actor


def local_cookies() -> bool:
    """The local stage serves plain http: its cookie cannot be Secure, nor take the __Host- name."""
    return config.stage() == "local"


def _shared_key(header: str) -> service.Actor:
    scheme, _, key = header.partition(" ")
    expected = config.settings().operator_key
    if scheme.lower() != "bearer" or not hmac.compare_digest(key.strip().encode(), expected.encode()):
        raise errors.OperatorRequired()
    if not service.shared_key_enabled():
        raise errors.SharedKeyDisabled()
    return service.Actor(service.SHARED_KEY.operator_id, service.SHARED_KEY.name, service.SHARED_KEY.role)


def perform(call: Any, view: Callable[[Any], Any], *, capability: str) -> Any:
    """Run the view; a change is audited: in its own transaction where the route says so
    (``targets.INLINE``), otherwise right after it succeeded, with the target read before and
    after (``targets.TARGETS``)."""
    actor: service.Actor = call.actor
    method, path = actor.route
    target = targets.TARGETS.get((method, path))
    if not roles.changes(method, capability) or target is targets.INLINE:
        return view(call)
    names = target.name(call) if target is not None else dict(call.path)
    before = target.load(names) if target is not None and target.load else None
    result = view(call)
    after = _answer(result)
    if target is not None and target.load:
        try:
            after = target.load(names)
        except Exception:  # noqa: BLE001  the change is made: record what it answered, never a 5xx now
            log.warning("audit target not read after the change; its answer is recorded", exc_info=True)
    record_after(actor.who, method, path, names, before, after)
    return result


def _answer(result: Any) -> Any:
    """What the view answered, when the change leaves no one item to read (a job's run)."""
    body = getattr(result, "body", result)
    return body if isinstance(body, (dict, list)) else None
