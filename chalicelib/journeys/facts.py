"""Journey facts: what happened to a user that a journey may start on, wait for, or count as its
goal. The server records its facts (an order paid, shipped, cancelled, a group's result …);
ingest records the behaviour events a published journey watches (``store.watched_names``).

A fact is keyed by what it is about (``order_paid#<order>``), written with
``attribute_not_exists``: the route's retry, or the same fact recorded twice, writes nothing
more, so it is safe to record on every call, replays included. The minute it was recorded puts
it in ``by_slot``, which the journey tick reads minute by minute (``chalicelib.journeys.runs``).
"""
from __future__ import annotations

import json
import zlib
from datetime import datetime, timedelta
from typing import Any

from chalicelib.config import china_day
from chalicelib.journeys.models import DUE_SHARDS, Fact
from chalicelib.auth import accounts
from chalicelib.store.transactions import Cancelled, Transaction, run

KEPT = timedelta(days=7)
LAG = timedelta(minutes=1)  # a minute is read once it is this far past: the index is eventually consistent


def slot(instant: datetime, user_id: str) -> str:
    """``<UTC minute>#<shard>``: a minute's facts (or due users) over ``DUE_SHARDS`` partitions."""
    return f"{minute(instant)}#{zlib.crc32(user_id.encode()) % DUE_SHARDS}"


def minute(instant: datetime) -> str:
    return instant.strftime("%Y-%m-%dT%H:%M")


def record(user_id: str, name: str, ref: str, *, now: datetime, props: dict[str, Any] | None = None) -> bool:
    """Record a fact once; False when it was recorded before, or when the account is gone or
    being erased (the order system may report an order after its user's erasure: nothing personal
    is written back for them). A storage failure raises: the caller's route answers 503 and its
    retry records the fact (recording is idempotent)."""
    item = _item(user_id, name, ref, now=now, props=props)
    model, key, active = accounts.still_active(user_id)

    def build(tx: Transaction) -> None:
        tx.save("fact", item, condition=Fact.key.does_not_exist())
        tx.check("account", model, key, condition=active)

    try:
        run(build)
    except Cancelled:
        return False
    return True


def _item(user_id: str, name: str, ref: str, *, now: datetime, props: dict[str, Any] | None) -> Fact:
    key = f"{name}#{ref}"
    return Fact(user_id, key, name=name, at=now, props=json.dumps(props or {}, ensure_ascii=False, default=str),
                slot=slot(now, user_id), unit=f"{user_id}|{key}", name_day=f"{name}#{china_day(now).isoformat()}",
                expires_at=now + KEPT)


def in_transaction(tx: Any, user_id: str, fact: str, ref: str, *, now: datetime,
                   props: dict[str, Any] | None = None) -> None:
    """A server fact written by its source's own transaction (``chalicelib.store.transactions``),
    for a fact that must not be lost to a crash between the two and that the transaction can
    happen only once (a group's result): it is then recorded exactly when its source is. Its
    item is named ``fact:<user>`` in the transaction."""
    # No condition of its own: the source's condition makes the transaction happen once, and a
    # fact's condition failing beside it would name itself among the source's failures (a racing
    # copy of the completing payment must see only the group's and its seat's).
    tx.save(f"fact:{user_id}", _item(user_id, f"fact:{fact}", ref, now=now, props=props))


def server(user_id: str, fact: str, ref: str, *, now: datetime, props: dict[str, Any] | None = None) -> bool:
    """A server fact (``order_paid``, …: ``document.FACTS``) about ``ref`` (the order, group …)."""
    return record(user_id, f"fact:{fact}", ref, now=now, props=props)


def event(user_id: str, name: str, event_id: str, *, now: datetime, props: dict[str, Any] | None = None) -> bool:
    """A behaviour event a published journey watches, keyed by the client's event id."""
    return record(user_id, f"event:{name}", event_id, now=now, props=props)


def get(user_id: str, key: str) -> Fact | None:
    try:
        return Fact.get(user_id, key, consistent_read=True)
    except Fact.DoesNotExist:
        return None


def forget(user_id: str) -> None:
    with Fact.batch_write() as batch:
        for item in Fact.query(user_id):
            batch.delete(item)
