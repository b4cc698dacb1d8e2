"""Coupons for users, for the merchant's order system, for operators, and for other features.

Every other capability pays out through ``grant``; the order system locks, consumes and
releases through ``lock``/``consume``/``release``. Each is safe to retry.
"""
from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

import msgspec

from chalicelib import errors, messages
from chalicelib.config import china_day, iso
from chalicelib.coupons import rules, store
from chalicelib.coupons.models import Coupon, CouponQuota, CouponTemplate
from chalicelib.idempotency import first_answer
from chalicelib.members import service as members
from chalicelib.shop import service as shop
from chalicelib.shop.service import SHOP_ID
from chalicelib.store import quotas
from chalicelib.store.transactions import Cancelled, Transaction, run

log = logging.getLogger(__name__)

CLAIM, GRANT, POINTS = "claim", "grant", "points"
CHANNELS = (CLAIM, GRANT, POINTS)
KEPT_AFTER_EXPIRY = timedelta(days=90)  # then TTL removes the coupon
MAX_SHARDS = 20
# What a feature rewarding with a grant template may meet: it then goes on without the coupon.
UNGRANTABLE = (errors.NotFound, errors.CouponNotClaimable, errors.CouponExpired, errors.CouponSoldOut,
               errors.CouponLimitReached)


class TemplateSpec(msgspec.Struct, frozen=True):
    """What an operator sends to create a template (validated by ``create_template``)."""

    template_id: str
    name: str
    terms: rules.Terms
    channel: str
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    valid_days: int | None = None
    total: int | None = None
    shards: int = 1
    per_user_limit: int | None = 1
    points_price: int | None = None


class Held(msgspec.Struct, frozen=True):
    """A coupon as its holder sees it, with its state at ``now``."""

    coupon: Coupon
    state: str


class Verdict(msgspec.Struct, frozen=True):
    coupon: Coupon
    outcome: rules.Outcome


class Quote(msgspec.Struct, frozen=True):
    """The best coupon for a cart, and why each other one does not apply or does less."""

    total: int
    best: Verdict | None
    others: list[Verdict]

    @property
    def payable(self) -> int:
        return self.total - (self.best.outcome.discount if self.best else 0)


def coupon_id(*parts: str) -> str:
    return "c" + hashlib.sha256("|".join(parts).encode()).hexdigest()[:24]


# --- users ----------------------------------------------------------------------------------
def claimable(*, now: datetime) -> list[CouponTemplate]:
    return [t for t in store.templates() if t.channel == CLAIM and _open(t, now)]


def claim(user_id: str, template_id: str, *, idempotency_key: str | None, now: datetime) -> Coupon:
    """Claim a coupon. With the same Idempotency-Key, a retry returns the same coupon."""
    cid = coupon_id(user_id, template_id, CLAIM, idempotency_key or uuid.uuid4().hex)

    def attempt() -> Coupon:
        t = store.template(template_id)
        _check_open(t, CLAIM, now)
        return store.issue(t, _new_coupon(t, user_id, cid, CLAIM, now))

    return first_answer(idempotency_key, attempt, lambda: store.get(user_id, cid))


def exchange(user_id: str, template_id: str, *, idempotency_key: str | None, now: datetime) -> Coupon:
    """The points shop: points spent and coupon issued in one transaction, or neither."""
    cid = coupon_id(user_id, template_id, POINTS, idempotency_key or uuid.uuid4().hex)
    return first_answer(idempotency_key, lambda: _exchange(user_id, template_id, cid, now),
                        lambda: store.get(user_id, cid))


def _exchange(user_id: str, template_id: str, cid: str, now: datetime) -> Coupon:
    t = store.template(template_id)
    _check_open(t, POINTS, now)
    price = int(t.points_price or 0)
    for _ in range(members.OPTIMISTIC_ATTEMPTS):
        allocation = members.plan_spend(user_id, price, now=now)
        coupon = _new_coupon(t, user_id, cid, POINTS, now)
        try:
            return store.issue(
                t, coupon,
                also=lambda tx: members.points_items(tx, user_id, now=now, spend=(allocation, "exchange", cid)),
            )
        except Cancelled as exc:
            if "coupon" in exc.failed:  # a retry of an exchange that went through: same coupon, no charge
                existing = store.get(user_id, cid)
                if existing is not None:
                    return existing
            if not any(name.startswith("bucket:") for name in exc.failed):
                raise
            # Another spend took the points first: plan again from the balance now.
    raise errors.StorageUnavailable(retry_after=1)


def grant(user_id: str, template_id: str, *, reason: str, ref: str, now: datetime,
          also: Callable[[Transaction], None] | None = None) -> Coupon:
    """Issue a system coupon (new-user pack, check-in reward, referral, …) once per (reason, ref).

    ``also`` adds the caller's own items to the same transaction (a check-in and its coupon
    are written together); if one of them fails, ``Cancelled`` names it and nothing is issued.
    """
    t = store.template(template_id, max_age=60)
    _check_open(t, GRANT, now)
    cid = coupon_id(user_id, template_id, GRANT, reason, ref)
    return store.issue(t, _new_coupon(t, user_id, cid, f"{GRANT}:{reason}", now), also=also)


def reward(user_id: str, template_id: str | None, *, reason: str, ref: str, now: datetime,
           also: Callable[[Transaction], None] | None = None,
           instead: Callable[[Transaction], None] | None = None) -> Coupon | None:
    """A feature's reward coupon, which must never fail the feature: ``also`` (the feature's own
    items) joins the grant's transaction; when there is no coupon to give, or it cannot be
    granted now (paused, sold out, …), ``instead`` (by default ``also``) is written alone."""
    alone = instead or also
    if template_id is not None:
        try:
            return grant(user_id, template_id, reason=reason, ref=ref, now=now, also=also)
        except UNGRANTABLE as exc:
            log.warning("reward coupon %s not granted (%s): %s", template_id, reason, exc.code)
    if alone is not None:
        run(alone)
    return None


def template_name(template_id: str) -> str:
    """A grant template's name (a minute-old copy will do), for the features that show it."""
    return store.template(template_id, max_age=60).name


def wallet(user_id: str, *, now: datetime, state: str | None = None) -> list[Held]:
    held = [Held(c, _state(c, now)) for c in store.of_user(user_id)]
    if state:
        held = [h for h in held if h.state == state]
    return sorted(held, key=lambda h: (h.coupon.valid_until, h.coupon.coupon_id))


def best_for_cart(user_id: str, items: list[tuple[str, str | None, int]], *, now: datetime) -> Quote:
    """Which of the user's coupons takes the most off this cart of (product, SKU or None, qty)
    (prices from the catalogue)."""
    lines = cart_lines(items)
    verdicts = []
    for c in store.of_user(user_id):
        state = _state(c, now)
        if state == rules.UNUSED and now < c.valid_from:
            verdicts.append(Verdict(c, rules.Outcome(0, messages.text("COUPON_NOT_APPLICABLE.not_yet", start=iso(c.valid_from)))))
        elif state == rules.UNUSED:
            verdicts.append(Verdict(c, rules.evaluate(c.terms(), lines)))
    ranked = sorted(verdicts, key=lambda v: (-v.outcome.discount, v.coupon.valid_until, v.coupon.coupon_id))
    best = ranked[0] if ranked and ranked[0].outcome.applies else None
    return Quote(total=sum(line.total for line in lines), best=best, others=[v for v in ranked if v is not best])


def cart_lines(items: list[tuple[str, str | None, int]]) -> list[rules.Line]:
    """The cart at catalogue prices: a line's SKU's, or without one its product's (the cheapest
    SKU's). Products unknown or off sale, and SKUs they do not have, are refused by name."""
    found = shop.goods([pid for pid, _, _ in items])
    lines, missing = [], set()
    for pid, sku, qty in items:
        price = found[pid].price_of(sku) if pid in found else None
        if price is None:
            missing.add(pid if sku is None else f"{pid} {sku}")
        else:
            lines.append(rules.Line(pid, found[pid].category, price, qty))
    if missing:
        raise errors.ValidationFailed(messages.text("VALIDATION_FAILED.not_on_sale", items=", ".join(sorted(missing))))
    return lines


# --- the order side -------------------------------------------------------------------------
def lock(user_id: str, coupon_id_: str, order_id: str, lines: list[rules.Line], *, now: datetime) -> int:
    """Hold a coupon for an order; returns the discount in fen. A coupon is held by one order only."""
    coupon = _held(user_id, coupon_id_)
    if coupon.state == rules.LOCKED and coupon.order_id == order_id:
        return rules.evaluate(coupon.terms(), lines).discount  # a retry of the same lock
    outcome = rules.evaluate(coupon.terms(), lines)
    if not outcome.applies:
        raise errors.CouponNotApplicable(messages.text("COUPON_NOT_APPLICABLE.reason", reason=outcome.reason))
    if store.lock(user_id, coupon_id_, order_id, now=now):
        return outcome.discount
    _explain(_held(user_id, coupon_id_), order_id, now, done_state=rules.LOCKED)
    return outcome.discount


def consume(user_id: str, coupon_id_: str, order_id: str, *, now: datetime) -> None:
    """The order was paid: its locked coupon is used, and counted once on its template's used
    counter (in the same transaction). Idempotent for that order: a retry finds it used and
    writes nothing. Two round trips: the coupon's template is known only by reading it."""
    coupon = _held(user_id, coupon_id_)
    if coupon.state == rules.USED and coupon.order_id == order_id:
        return
    if not store.consume(coupon, order_id, now=now):
        _explain(_held(user_id, coupon_id_), order_id, now, done_state=rules.USED)


def release(user_id: str, coupon_id_: str, order_id: str, *, now: datetime) -> None:
    """The order was cancelled or timed out: the coupon is free again. Idempotent."""
    if store.release(user_id, coupon_id_, order_id, now=now):
        return
    coupon = _held(user_id, coupon_id_)
    if coupon.state == rules.UNUSED:
        return  # released already, or never locked by this order: nothing to undo
    if coupon.state == rules.USED:
        raise errors.CouponUsed(messages.text("COUPON_USED.paid"))
    raise errors.CouponLocked()


# --- operators ------------------------------------------------------------------------------
def create_template(spec: TemplateSpec, *, now: datetime) -> CouponTemplate:
    found = rules.problems(spec.terms)
    if spec.channel not in CHANNELS:
        found.append(messages.text("VALIDATION_FAILED.one_of", field="channel", allowed=", ".join(CHANNELS)))
    if (spec.valid_days is None) == (spec.valid_from is None or spec.valid_until is None):
        found.append(messages.text("VALIDATION_FAILED.valid_window"))
    if spec.valid_from and spec.valid_until and spec.valid_from >= spec.valid_until:
        found.append(messages.text("VALIDATION_FAILED.before", field="validFrom", other="validUntil"))
    if spec.valid_days is not None and spec.valid_days <= 0:
        found.append(messages.text("VALIDATION_FAILED.positive", field="validDays"))
    if spec.total is not None and spec.total <= 0:
        found.append(messages.text("VALIDATION_FAILED.positive_or_none", field="total"))
    if not 1 <= spec.shards <= MAX_SHARDS:
        found.append(messages.text("VALIDATION_FAILED.between", field="shards", least=1, most=MAX_SHARDS))
    if spec.per_user_limit is not None and spec.per_user_limit <= 0:
        found.append(messages.text("VALIDATION_FAILED.positive_or_none", field="perUserLimit"))
    if (spec.channel == POINTS) != (spec.points_price is not None and spec.points_price > 0):
        found.append(messages.text("VALIDATION_FAILED.points_price"))
    if found:
        raise errors.ValidationFailed("; ".join(found))
    t = CouponTemplate(
        SHOP_ID, spec.template_id, name=spec.name, channel=spec.channel, points_price=spec.points_price,
        valid_from=spec.valid_from, valid_until=spec.valid_until, valid_days=spec.valid_days,
        total=spec.total, shards=spec.shards if spec.total is not None else 1,
        per_user_limit=spec.per_user_limit, created_at=now, **_terms_fields(spec.terms),
    )
    store.create_template(t)
    return t


def update_template(template_id: str, *, name: str | None = None, active: bool | None = None,
                    per_user_limit: int | None = None, valid_until: datetime | None = None,
                    add_stock: int | None = None) -> CouponTemplate:
    """What may change after launch. Coupons already issued keep their own terms and window."""
    t = store.template(template_id)
    actions = []
    if name is not None:
        actions.append(CouponTemplate.name.set(name))
    if active is not None:
        actions.append(CouponTemplate.active.set(active))
    if per_user_limit is not None:
        if per_user_limit <= 0:
            raise errors.ValidationFailed(messages.text("VALIDATION_FAILED.positive", field="perUserLimit"))
        actions.append(CouponTemplate.per_user_limit.set(per_user_limit))
    if valid_until is not None:
        if t.valid_until is None or (t.valid_from and valid_until <= t.valid_from):
            raise errors.ValidationFailed(messages.text("VALIDATION_FAILED.valid_until_move"))
        actions.append(CouponTemplate.valid_until.set(valid_until))
    if add_stock is not None:
        if add_stock <= 0 or t.total is None:
            raise errors.ValidationFailed(messages.text("VALIDATION_FAILED.add_stock"))
        store.add_stock(t, add_stock)
    if actions:
        store.update_template(template_id, actions)
    return store.template(template_id)


def stock_report(t: CouponTemplate) -> tuple[int, int | None]:
    """(issued, total) summed over the shards; total None for unlimited."""
    if t.total is None:
        return 0, None
    shards = store.stock(t)
    return sum(int(s.issued) for s in shards), sum(int(s.total) for s in shards)


def templates() -> list[CouponTemplate]:
    return store.templates()


def used(template_ids: list[str]) -> dict[str, int]:
    """Coupons used, by template. It never goes down: a used coupon cannot be released (its
    order is paid), a refund does not give the coupon back, and erasing a user or the coupon's
    expiry (TTL) deletes the coupon but not its count."""
    return store.used(template_ids)


def forget(user_id: str) -> None:
    store.forget(user_id)


def limits_used(user_id: str) -> dict[str, int]:
    """How much of each template's per-user limit the user has used (kept through an erasure)."""
    return quotas.used(CouponQuota, CouponQuota.claimed, user_id)


def restore_limits(user_id: str, used: dict[str, int]) -> None:
    quotas.restore(CouponQuota, CouponQuota.claimed, user_id, used)


# --- helpers --------------------------------------------------------------------------------
def _open(t: CouponTemplate, now: datetime) -> bool:
    return bool(t.active) and (t.valid_until is None or now < t.valid_until)


def _check_open(t: CouponTemplate, channel: str, now: datetime) -> None:
    if t.channel != channel or not t.active:
        raise errors.CouponNotClaimable()
    if t.valid_until is not None and now >= t.valid_until:
        raise errors.CouponExpired(messages.text("COUPON_EXPIRED.campaign_ended"))


def _new_coupon(t: CouponTemplate, user_id: str, cid: str, source: str, now: datetime) -> Coupon:
    start, end = rules.window(now, valid_from=t.valid_from, valid_until=t.valid_until,
                              valid_days=None if t.valid_days is None else int(t.valid_days))
    return Coupon(
        user_id, cid, template_id=t.template_id, name=t.name, source=source, state=rules.UNUSED,
        valid_from=start, valid_until=end, issued_at=now, issued_day=china_day(now).isoformat(),
        expires_at=end + KEPT_AFTER_EXPIRY,
        **_terms_fields(t.terms()),
    )


def _terms_fields(terms: rules.Terms) -> dict:
    return {"kind": terms.kind, "amount": terms.amount, "threshold": terms.threshold, "rate": terms.rate,
            "cap": terms.cap, "scope": terms.scope, "scope_ids": list(terms.scope_ids)}


def _state(c: Coupon, now: datetime) -> str:
    return rules.state_at(c.state, c.valid_from, c.valid_until, now)


def _held(user_id: str, coupon_id_: str) -> Coupon:
    coupon = store.get(user_id, coupon_id_)
    if coupon is None:
        raise errors.NotFound(messages.text("NOT_FOUND.user_coupon"))
    return coupon


def _explain(coupon: Coupon, order_id: str, now: datetime, *, done_state: str) -> None:
    """A transition's condition failed: fine if it is already done for this order, else say why."""
    if coupon.state == done_state and coupon.order_id == order_id:
        return
    if coupon.state == rules.USED:
        raise errors.CouponUsed()
    if coupon.state == rules.LOCKED:
        raise errors.CouponLocked()
    if now < coupon.valid_from:
        raise errors.CouponNotYetValid()
    if now >= coupon.valid_until:
        raise errors.CouponExpired()
    raise errors.Conflict(messages.text("CONFLICT.coupon_not_locked"))
