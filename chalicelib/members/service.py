"""Points, growth value and tiers: what other capabilities call to reward and charge a user."""
from __future__ import annotations

from datetime import datetime

import msgspec

from chalicelib import errors, rulebook
from chalicelib.config import china_day
from chalicelib.members import rules, store
from chalicelib.members.models import LedgerEntry
from chalicelib.store.transactions import Cancelled, Transaction, backoff, run

RULES_NAME = "membership"
OPTIMISTIC_ATTEMPTS = 8


class Points(msgspec.Struct, frozen=True):
    balance: int
    expiring: int  # in the bucket that expires first
    expiring_at: datetime | None


class Summary(msgspec.Struct, frozen=True):
    tier: rules.Tier
    growth: int
    next_tier: rules.Tier | None
    points: Points


class OrderRewards(msgspec.Struct, frozen=True):
    growth: int
    points: int
    tier: str
    tier_changed: bool
    applied: bool  # False: this order had been recorded before (a retry)
    first_order: bool = False


def membership_rules() -> rules.MembershipRules:
    return rulebook.load(RULES_NAME, rules.MembershipRules)


def parse_rules(body: dict) -> rules.MembershipRules:
    return rulebook.parse(RULES_NAME, body, rules.MembershipRules)


def points_of(user_id: str, *, now: datetime) -> Points:
    live = rules.live(store.buckets(user_id), china_day(now))
    first = next(iter(live), None)
    return Points(
        balance=sum(live.values()),
        expiring=live[first] if first else 0,
        expiring_at=rules.bucket_expires_at(first) if first else None,
    )


def summary(user_id: str, *, now: datetime) -> Summary:
    member, book = store.member(user_id), membership_rules()
    growth = int(member.growth) if member else 0
    return Summary(
        tier=rules.tier_for(growth, book),
        growth=growth,
        next_tier=rules.next_tier(growth, book),
        points=points_of(user_id, now=now),
    )


def is_new_customer(user_id: str) -> bool:
    """No paid order yet: who a 老带新 group-buy admits."""
    member = store.member(user_id)
    return member is None or int(member.orders or 0) == 0


def history(user_id: str, limit: int = 20) -> list[LedgerEntry]:
    return store.history(user_id, limit)


def earn(user_id: str, points: int, reason: str, ref: str, *, now: datetime) -> bool:
    """Credit ``points`` once per (reason, ref); False when that reference was credited before."""
    try:
        run(lambda tx: points_items(tx, user_id, now=now, earn=(points, reason, ref)))
    except Cancelled as exc:
        if "entry" in exc.failed:
            return False
        raise
    return True


def points_items(tx: Transaction, user_id: str, *, now: datetime,
                 earn: tuple[int, str, str] | None = None,
                 spend: tuple[dict[str, int], str, str] | None = None) -> None:
    """Add a credit ``(points, reason, ref)`` and/or a planned debit ``(allocation, reason, ref)``
    to a transaction. Each has its own ledger item (``entry`` and ``spend-entry``), which fails
    if that reference was applied before; the bucket changes are merged, since a transaction
    may touch each item once. A debit whose buckets changed since it was planned cancels the
    transaction with ``bucket:<year>`` in ``Cancelled.failed``: plan again and retry.
    """
    delta: dict[str, int] = {}
    covers: dict[str, int] = {}
    if earn:
        points, reason, ref = earn
        if points <= 0:
            raise ValueError("earn a positive number of points")
        bucket = rules.bucket_for(china_day(now), membership_rules())
        delta[bucket] = points
        store.add_entry(tx, "entry", user_id, "points", reason, ref, now=now, delta=points, bucket=bucket)
    if spend:
        allocation, reason, ref = spend
        for bucket, taken in allocation.items():
            delta[bucket] = delta.get(bucket, 0) - taken
            covers[bucket] = taken
        store.add_entry(tx, "spend-entry", user_id, "points", reason, ref, now=now,
                        delta=-sum(allocation.values()))
    for bucket, change in delta.items():
        store.change_bucket(tx, user_id, bucket, change, covers=covers.get(bucket, 0))


def plan_spend(user_id: str, points: int, *, now: datetime) -> dict[str, int]:
    """Which buckets a spend takes from; raises PointsInsufficient. Reads the buckets (one Query)."""
    allocation = rules.allocate(store.buckets(user_id), points, china_day(now))
    if allocation is None:
        raise errors.PointsInsufficient()
    return allocation


def spend(user_id: str, points: int, reason: str, ref: str, *, now: datetime) -> bool:
    """Debit ``points`` once per (reason, ref); False when already debited; never below zero."""
    for _ in range(OPTIMISTIC_ATTEMPTS):
        allocation = plan_spend(user_id, points, now=now)
        try:
            run(lambda tx: points_items(tx, user_id, now=now, spend=(allocation, reason, ref)))
            return True
        except Cancelled as exc:
            if "spend-entry" in exc.failed:
                return False
            if not any(name.startswith("bucket:") for name in exc.failed):
                raise
    raise errors.StorageUnavailable(retry_after=1)


def record_order(user_id: str, order_id: str, amount: int, *, now: datetime) -> OrderRewards:
    """A paid order: growth value, points at the tier's multiplier, and the tier that follows."""
    book = membership_rules()
    for attempt in range(OPTIMISTIC_ATTEMPTS):
        member = store.member(user_id)
        old = int(member.growth) if member else 0
        held = rules.tier_for(old, book)
        grown = rules.growth_for_order(amount, book)
        tier = rules.tier_for(old + grown, book)
        points = rules.points_for_order(amount, held, book)
        bucket = rules.bucket_for(china_day(now), book)

        def build(tx: Transaction) -> None:
            store.record_growth(tx, user_id, member, old + grown, tier.code, now=now)
            store.add_entry(tx, "entry", user_id, "growth", "order", order_id, now=now, delta=grown)
            if points:
                store.change_bucket(tx, user_id, bucket, points)
                store.add_entry(tx, "points-entry", user_id, "points", "order", order_id, now=now, delta=points,
                                bucket=bucket)
            if tier.code != held.code:
                store.add_entry(tx, "tier-entry", user_id, "tier", "order", order_id, now=now,
                                note=f"{held.code}->{tier.code}")

        try:
            run(build)
            first = member is None or int(member.orders or 0) == 0
            return OrderRewards(grown, points, tier.code, tier.code != held.code, applied=True, first_order=first)
        except Cancelled as exc:
            if "entry" in exc.failed:
                return OrderRewards(0, 0, held.code, False, applied=False)
            if exc.failed != {"member"}:
                raise
            backoff(attempt)  # another order of the same user moved the growth: read again
    raise errors.StorageUnavailable(retry_after=1)


def record_refund(user_id: str, order_id: str, amount: int, *, now: datetime) -> bool:
    """A refunded order takes back its growth value (never below zero; the tier stays until
    the merchant's own review). Once per order; False when recorded before."""
    book = membership_rules()
    for attempt in range(OPTIMISTIC_ATTEMPTS):
        member = store.member(user_id)
        old = int(member.growth) if member else 0
        back = min(old, rules.growth_for_order(amount, book))

        def build(tx: Transaction) -> None:
            store.add_entry(tx, "entry", user_id, "growth", "refund", order_id, now=now, delta=-back)
            if member is not None and back:
                tx.update("member", store.Member(user_id), actions=[store.Member.growth.add(-back)],
                          condition=store.Member.growth == old)

        try:
            run(build)
            return True
        except Cancelled as exc:
            if "entry" in exc.failed:
                return False
            if exc.failed != {"member"}:
                raise
            backoff(attempt)
    raise errors.StorageUnavailable(retry_after=1)


def forget(user_id: str) -> None:
    store.forget(user_id)


def limits_used(user_id: str) -> dict[str, int]:
    """Paid orders, so that a returning customer is not new again (老带新 groups, first-order
    rewards): kept through an erasure as a count, nothing about the orders themselves."""
    member = store.member(user_id)
    orders = int(member.orders or 0) if member else 0
    return {"orders": orders} if orders else {}


def restore_limits(user_id: str, used: dict[str, int]) -> None:
    if used.get("orders"):
        store.restore_orders(user_id, used["orders"])
