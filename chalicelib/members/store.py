"""Storage of members, points buckets and the ledger; writes are transaction items."""
from __future__ import annotations

from datetime import datetime

from pynamodb.exceptions import DoesNotExist, UpdateError

from chalicelib.config import iso
from chalicelib.members.models import LedgerEntry, Member, PointsBucket
from chalicelib.store.transactions import Transaction


def member(user_id: str) -> Member | None:
    try:
        return Member.get(user_id)
    except DoesNotExist:
        return None


def buckets(user_id: str) -> dict[str, int]:
    return {b.bucket: int(b.balance) for b in PointsBucket.query(user_id)}


def history(user_id: str, limit: int) -> list[LedgerEntry]:
    return list(LedgerEntry.by_time.query(user_id, scan_index_forward=False, limit=limit))


def entry_key(kind: str, reason: str, ref: str) -> str:
    return f"{kind}:{reason}:{ref}"


def add_entry(tx: Transaction, name: str, user_id: str, kind: str, reason: str, ref: str, *, now: datetime,
              delta: int = 0, bucket: str | None = None, note: str | None = None) -> None:
    """A ledger item, written once per (kind, reason, ref): the guard against double application."""
    key = entry_key(kind, reason, ref)
    item = LedgerEntry(user_id, key, kind=kind, delta=delta, reason=reason, ref=ref, bucket=bucket, note=note,
                       at=f"{iso(now)}#{key}")
    tx.save(name, item, condition=LedgerEntry.entry.does_not_exist())


def change_bucket(tx: Transaction, user_id: str, bucket: str, delta: int, *, covers: int = 0) -> None:
    """Add ``delta`` (negative to spend) to a bucket, on condition it holds ``covers`` already.

    The condition is the guarantee: a bucket never goes below zero, whatever runs concurrently.
    """
    tx.update(
        f"bucket:{bucket}",
        PointsBucket(user_id, bucket),
        actions=[PointsBucket.balance.add(delta)],
        condition=(PointsBucket.balance >= covers) if covers > 0 else None,
    )


def record_growth(tx: Transaction, user_id: str, old: Member | None, growth: int, tier: str, *, now: datetime) -> None:
    """A paid order's growth and the tier it leads to, on condition nobody changed the member
    since ``old`` was read."""
    actions = [Member.growth.set(growth), Member.tier.set(tier), Member.orders.add(1)]
    if old is None or old.tier != tier:
        actions.append(Member.tier_since.set(now))
    condition = Member.user_id.does_not_exist() if old is None else Member.growth == old.growth
    tx.update("member", Member(user_id), actions=actions, condition=condition)


def restore_orders(user_id: str, orders: int) -> None:
    """At least ``orders`` paid orders on the member (a new item otherwise empty)."""
    try:
        Member(user_id).update(actions=[Member.orders.set(orders)],
                               condition=Member.orders.does_not_exist() | (Member.orders < orders))
    except UpdateError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise


def forget(user_id: str) -> None:
    for model in (PointsBucket, LedgerEntry):
        with model.batch_write() as batch:
            for item in model.query(user_id):
                batch.delete(item)
    Member(user_id).delete()
