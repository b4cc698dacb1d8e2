"""Storage of coupon templates, stock, quotas and coupons. Each limit is a DynamoDB condition."""
from __future__ import annotations

import random
import time
import zlib
from collections.abc import Callable
from datetime import datetime

from pynamodb.exceptions import DoesNotExist, UpdateError

from chalicelib import errors, messages
from chalicelib.config import china_day
from chalicelib.coupons import rules
from chalicelib.coupons.models import Coupon, CouponQuota, CouponStock, CouponTemplate, CouponUse
from chalicelib.shop.service import SHOP_ID
from chalicelib.store import raw
from chalicelib.store.transactions import Cancelled, Transaction, run

# Shards this container has seen full, by (template, total). A shard's ``issued`` never falls
# and its ``total`` only rises with the template's, so this stays true until ``total`` changes
# (a new key); it spares a flash sale's late claimers a transaction per full shard.
_full_shards: dict[tuple[str, object], set[int]] = {}


# The last copy of each template this container read: the template, when, and the item as stored.
_recent: dict[str, tuple[CouponTemplate, float, dict]] = {}

USE_SHARDS = 4  # a fixed number: a coupon's shard must not move, or a retry could count twice


def template(template_id: str, *, max_age: float = 0.0) -> CouponTemplate:
    """The template; with ``max_age`` a copy this container read that recently will do.

    Grants accept a minute-old copy (they happen on hot paths like check-in, and the stock and
    quota conditions still guard them); claims always read afresh, but an item read afresh that
    is the one read last time (templates change only when an operator edits one) is not parsed
    again: parsing was a tenth of a claim's own time (store/raw.py).
    """
    hit = _recent.get(template_id)
    if max_age and hit and time.monotonic() - hit[1] < max_age:
        return hit[0]
    item = raw.send(CouponTemplate, "GetItem", {"Key": {
        "shop_id": raw.value(CouponTemplate.shop_id, SHOP_ID),
        "template_id": raw.value(CouponTemplate.template_id, template_id),
    }}).get("Item")
    if item is None:
        raise errors.NotFound(messages.text("NOT_FOUND.coupon"))
    found = hit[0] if hit and hit[2] == item else CouponTemplate.from_raw_data(item)
    _recent[template_id] = (found, time.monotonic(), item)
    return found


def templates() -> list[CouponTemplate]:
    return list(CouponTemplate.query(SHOP_ID))


def stock(t: CouponTemplate) -> list[CouponStock]:
    """The template's stock shards: one BatchGet."""
    return list(CouponStock.batch_get([CouponStock.of(t.template_id, s).key for s in range(int(t.shards))]))


def create_template(t: CouponTemplate) -> None:
    """The template and its stock shards, all or nothing; an existing id is refused."""

    def build(tx: Transaction) -> None:
        tx.save("template", t, condition=CouponTemplate.template_id.does_not_exist())
        if t.total is not None:
            for shard, total in enumerate(rules.shard_totals(int(t.total), int(t.shards))):
                tx.save(f"shard:{shard}", CouponStock.of(t.template_id, shard, total=total, issued=0))

    try:
        run(build)
    except Cancelled as exc:
        raise errors.TemplateExists() from exc


def update_template(template_id: str, actions: list) -> None:
    try:
        CouponTemplate(SHOP_ID, template_id).update(actions=actions, condition=CouponTemplate.template_id.exists())
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            raise errors.NotFound(messages.text("NOT_FOUND.coupon_template")) from exc
        raise


def add_stock(t: CouponTemplate, more: int) -> None:
    """Raise the total, spread over the shards (their ``total`` only grows, so no claim is hurt)."""

    def build(tx: Transaction) -> None:
        tx.update("template", CouponTemplate(SHOP_ID, t.template_id),
                  actions=[CouponTemplate.total.add(more), CouponTemplate.sold_out.set(False)])
        for shard, extra in enumerate(rules.shard_totals(more, int(t.shards))):
            if extra:
                tx.update(f"shard:{shard}", CouponStock.of(t.template_id, shard), actions=[CouponStock.total.add(extra)])

    run(build)


def issue(t: CouponTemplate, coupon: Coupon, also: Callable[[Transaction], None] | None = None) -> Coupon:
    """Issue ``coupon`` from ``t`` in one transaction: a unit of stock (``issued < total`` on a
    shard), the user's quota (``claimed < limit``), and the coupon itself (``attribute_not_exists``,
    so a retry with the same coupon id issues nothing and returns the first coupon). ``also``
    adds items to the same transaction (the points shop's spend).

    Shards are tried in random order; a shard that is out sends the claim to the next. Once
    all are out the template is marked ``sold_out``, and later claims are refused without a
    transaction: the flag is set only while ``total`` is what this claim read, and adding
    stock clears it in the transaction that raises ``total``, so it is never wrong for long.
    """
    if t.sold_out:
        raise errors.CouponSoldOut()
    full = _full_shards.setdefault((t.template_id, t.total), set())
    shards: list[int | None] = [s for s in range(int(t.shards)) if s not in full] if t.total is not None else [None]
    random.shuffle(shards)
    for shard in shards:

        def build(tx: Transaction, shard: int | None = shard) -> None:
            if shard is not None:
                tx.update("stock", CouponStock.of(t.template_id, shard), actions=[CouponStock.issued.add(1)],
                          condition=CouponStock.issued < CouponStock.total)
            within_limit = None
            if t.per_user_limit is not None:
                within_limit = CouponQuota.claimed.does_not_exist() | (CouponQuota.claimed < int(t.per_user_limit))
            tx.update("quota", CouponQuota(coupon.user_id, t.template_id), actions=[CouponQuota.claimed.add(1)],
                      condition=within_limit)
            tx.save("coupon", coupon, condition=Coupon.coupon_id.does_not_exist())
            if also:
                also(tx)

        try:
            run(build)
            return coupon
        except Cancelled as exc:
            if exc.failed - {"coupon", "quota", "stock"}:
                raise  # one of the caller's own items (``also``) failed: theirs to judge
            if "coupon" in exc.failed:
                existing = get(coupon.user_id, coupon.coupon_id)
                if existing is not None:
                    return existing
            if "quota" in exc.failed:
                raise errors.CouponLimitReached() from exc
            if exc.failed != {"stock"}:
                raise
            full.add(shard)  # type: ignore[arg-type]
    try:
        CouponTemplate(SHOP_ID, t.template_id).update(
            actions=[CouponTemplate.sold_out.set(True)], condition=CouponTemplate.total == t.total
        )
    except UpdateError as exc:  # stock was added meanwhile: leave the flag down
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
    raise errors.CouponSoldOut()


def get(user_id: str, coupon_id: str) -> Coupon | None:
    try:
        return Coupon.get(user_id, coupon_id)
    except DoesNotExist:
        return None


def of_user(user_id: str) -> list[Coupon]:
    return list(Coupon.query(user_id))


def lock(user_id: str, coupon_id: str, order_id: str, *, now: datetime) -> bool:
    """unused and inside its window → locked to ``order_id``. False when the condition fails."""
    return _transition(
        user_id, coupon_id,
        actions=[Coupon.state.set(rules.LOCKED), Coupon.order_id.set(order_id), Coupon.changed_at.set(now)],
        condition=(Coupon.state == rules.UNUSED) & (Coupon.valid_from <= now) & (Coupon.valid_until > now),
    )


def consume(coupon: Coupon, order_id: str, *, now: datetime) -> bool:
    """locked to ``order_id`` → used, and one more used on the template's counter, in one
    transaction. False when the coupon's condition fails (nothing counted then)."""
    shard = zlib.crc32(coupon.coupon_id.encode()) % USE_SHARDS

    def build(tx: Transaction) -> None:
        tx.update("coupon", Coupon(coupon.user_id, coupon.coupon_id),
                  actions=[Coupon.state.set(rules.USED), Coupon.changed_at.set(now),
                           Coupon.used_day.set(china_day(now).isoformat())],
                  condition=(Coupon.state == rules.LOCKED) & (Coupon.order_id == order_id) & Coupon.coupon_id.exists())
        tx.update("used", CouponUse.of(coupon.template_id, shard),
                  actions=[CouponUse.used.add(1), CouponUse.template_id.set(coupon.template_id)])

    try:
        run(build)
        return True
    except Cancelled as exc:
        if exc.failed != {"coupon"}:
            raise
        return False


def used(template_ids: list[str]) -> dict[str, int]:
    """Coupons used, by template: one BatchGet for all of them (PynamoDB splits it by 100 keys)."""
    counts = dict.fromkeys(template_ids, 0)
    keys = [CouponUse.of(t, shard).key for t in template_ids for shard in range(USE_SHARDS)]
    for item in CouponUse.batch_get(keys):
        counts[item.template_id] = counts.get(item.template_id, 0) + int(item.used)
    return counts


def release(user_id: str, coupon_id: str, order_id: str, *, now: datetime) -> bool:
    """locked to ``order_id`` → unused again. False when the condition fails."""
    return _transition(
        user_id, coupon_id,
        actions=[Coupon.state.set(rules.UNUSED), Coupon.order_id.remove(), Coupon.changed_at.set(now)],
        condition=(Coupon.state == rules.LOCKED) & (Coupon.order_id == order_id),
    )


def _transition(user_id: str, coupon_id: str, *, actions: list, condition) -> bool:
    try:
        Coupon(user_id, coupon_id).update(actions=actions, condition=condition & Coupon.coupon_id.exists())
        return True
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise


def forget(user_id: str) -> None:
    for model in (Coupon, CouponQuota):
        with model.batch_write() as batch:
            for item in model.query(user_id):
                batch.delete(item)
