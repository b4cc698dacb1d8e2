"""Coupon arithmetic: pure functions, no I/O, money in integer fen.

Kinds:
- ``cash`` (立减): ``amount`` off, with an optional minimum spend (``threshold``, default 0).
- ``threshold`` (满减): spend at least ``threshold``, get ``amount`` off (threshold > amount).
- ``discount`` (折扣): pay ``rate``% (85 = 15% off), at most ``cap`` off, optional minimum spend.
- ``no_threshold`` (无门槛): ``amount`` off anything.

The spend a coupon looks at is the *eligible* total: the cart lines in its scope (all goods,
listed products, or listed categories). A discount never exceeds that total.
"""
from __future__ import annotations

from datetime import datetime, timedelta

import msgspec

from chalicelib import messages

CASH, THRESHOLD, DISCOUNT, NO_THRESHOLD = "cash", "threshold", "discount", "no_threshold"
KINDS = (CASH, THRESHOLD, DISCOUNT, NO_THRESHOLD)
SCOPE_ALL, SCOPE_PRODUCTS, SCOPE_CATEGORIES = "all", "products", "categories"
SCOPES = (SCOPE_ALL, SCOPE_PRODUCTS, SCOPE_CATEGORIES)
UNUSED, LOCKED, USED, EXPIRED = "unused", "locked", "used", "expired"


class Terms(msgspec.Struct, frozen=True):
    """What a coupon gives, copied onto every issued coupon so later template edits never change it."""

    kind: str
    amount: int = 0  # fen off (cash, threshold, no_threshold)
    threshold: int = 0  # minimum eligible spend, fen
    rate: int = 100  # percent paid (discount)
    cap: int | None = None  # most fen off (discount)
    scope: str = SCOPE_ALL
    scope_ids: tuple[str, ...] = ()


class Line(msgspec.Struct, frozen=True):
    product_id: str
    category: str
    price: int  # fen, per unit
    qty: int

    @property
    def total(self) -> int:
        return self.price * self.qty


class Outcome(msgspec.Struct, frozen=True):
    """A coupon against a cart: how much it takes off, or why it does not apply."""

    discount: int
    reason: str | None = None  # None when it applies

    @property
    def applies(self) -> bool:
        return self.reason is None


def problems(terms: Terms) -> list[str]:
    """What is wrong with a template's terms, in words an operator can act on (empty: fine)."""
    found = []
    if terms.kind not in KINDS:
        found.append(messages.text("VALIDATION_FAILED.one_of", field="kind", allowed=", ".join(KINDS)))
    if terms.kind in (CASH, THRESHOLD, NO_THRESHOLD) and terms.amount <= 0:
        found.append(messages.text("VALIDATION_FAILED.amount_positive", field="amount"))
    if terms.kind == THRESHOLD and terms.threshold <= terms.amount:
        found.append(messages.text("VALIDATION_FAILED.threshold_above_amount"))
    if terms.kind == DISCOUNT and not 1 <= terms.rate <= 99:
        found.append(messages.text("VALIDATION_FAILED.discount_rate"))
    if terms.cap is not None and terms.cap <= 0:
        found.append(messages.text("VALIDATION_FAILED.amount_positive", field="cap"))
    if terms.threshold < 0:
        found.append(messages.text("VALIDATION_FAILED.threshold_negative"))
    if terms.scope not in SCOPES:
        found.append(messages.text("VALIDATION_FAILED.one_of", field="scope", allowed=", ".join(SCOPES)))
    if terms.scope != SCOPE_ALL and not terms.scope_ids:
        found.append(messages.text("VALIDATION_FAILED.scope_ids"))
    return found


def eligible_total(terms: Terms, lines: list[Line]) -> int:
    if terms.scope == SCOPE_PRODUCTS:
        return sum(line.total for line in lines if line.product_id in terms.scope_ids)
    if terms.scope == SCOPE_CATEGORIES:
        return sum(line.total for line in lines if line.category in terms.scope_ids)
    return sum(line.total for line in lines)


def evaluate(terms: Terms, lines: list[Line]) -> Outcome:
    """The discount of ``terms`` on the cart, exact in fen."""
    eligible = eligible_total(terms, lines)
    if eligible <= 0:
        return Outcome(0, messages.text("COUPON_NOT_APPLICABLE.nothing_covered"))
    if eligible < terms.threshold:
        return Outcome(0, messages.text("COUPON_NOT_APPLICABLE.spend_more", yuan=fen_to_yuan(terms.threshold - eligible)))
    if terms.kind == DISCOUNT:
        off = eligible * (100 - terms.rate) // 100  # rounded down: the shop never gives a fraction of a fen
        if terms.cap is not None:
            off = min(off, terms.cap)
    else:
        off = min(terms.amount, eligible)
    if off <= 0:
        return Outcome(0, messages.text("COUPON_NOT_APPLICABLE.too_cheap"))
    return Outcome(off)


def state_at(stored: str, valid_from: datetime, valid_until: datetime, now: datetime) -> str:
    """An unused coupon past its window reads as expired: no batch job flips it."""
    if stored == UNUSED and now >= valid_until:
        return EXPIRED
    return stored


def window(
    claimed_at: datetime,
    *,
    valid_from: datetime | None,
    valid_until: datetime | None,
    valid_days: int | None,
) -> tuple[datetime, datetime]:
    """A coupon's validity: the template's fixed window, or ``valid_days`` from the claim."""
    if valid_days is not None:
        return claimed_at, claimed_at + timedelta(days=valid_days)
    assert valid_from is not None and valid_until is not None, "a template has a window or valid_days"
    return valid_from, valid_until


def shard_totals(total: int, shards: int) -> list[int]:
    """Split a stock over counter items so that they add up exactly to ``total``."""
    base, extra = divmod(total, shards)
    return [base + (1 if i < extra else 0) for i in range(shards)]


def fen_to_yuan(fen: int) -> str:
    return f"¥{fen // 100}.{fen % 100:02d}"
