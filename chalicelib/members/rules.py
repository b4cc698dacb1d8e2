"""Membership arithmetic: pure, with the clock and the rule book as arguments.

Points expire by year: what is earned on a China day of year Y sits in the bucket that
expires at the end of Y + ``points_expiry_years`` (default: the end of next year). A spend
takes from the bucket that expires first. Growth value only grows (refunds aside, [6/7]).
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import msgspec

from chalicelib import messages
from chalicelib.bounds import Label, TemplateId
from chalicelib.config import CHINA

NEVER = "never"

# Bounds checked when the document is saved (see ``bounds``): an order is at most ¥1,000,000, so
# growth and points per order stay below 10^9, and a bucket's year stays a few years from today
# (a million years past it has no date).
Growth = Annotated[int, msgspec.Meta(ge=0, le=1_000_000_000)]
PerYuan = Annotated[int, msgspec.Meta(ge=0, le=100)]


class Tier(msgspec.Struct, frozen=True, rename="camel", forbid_unknown_fields=True):
    code: Annotated[str, msgspec.Meta(min_length=1, max_length=32)]
    name: Label
    threshold: Growth  # growth value needed
    discount_rate: Annotated[int, msgspec.Meta(ge=1, le=100)] = 100  # percent paid on goods (98 = 2% off)
    points_multiplier: Annotated[int, msgspec.Meta(ge=0, le=1000)] = 100  # percent of the base points earned
    birthday_template: TemplateId | None = None


class MembershipRules(msgspec.Struct, frozen=True, rename="camel", forbid_unknown_fields=True):
    """The rule book's ``membership`` document (camelCase JSON); these are the defaults."""

    tiers: Annotated[tuple[Tier, ...], msgspec.Meta(min_length=1, max_length=10)] = (
        Tier("normal", "普通会员", 0),
        Tier("silver", "白银会员", 500, discount_rate=99, points_multiplier=120),
        Tier("gold", "黄金会员", 2000, discount_rate=98, points_multiplier=150, birthday_template="tpl-birthday"),
        Tier("diamond", "钻石会员", 8000, discount_rate=95, points_multiplier=200, birthday_template="tpl-birthday"),
    )
    growth_per_yuan: PerYuan = 1
    points_per_yuan: PerYuan = 1
    # 0: points go at the end of the year they were earned in. None: they never expire.
    points_expiry_years: Annotated[int, msgspec.Meta(ge=0, le=10)] | None = 1

    def __post_init__(self) -> None:
        thresholds = [t.threshold for t in self.tiers]
        if not self.tiers or thresholds[0] != 0 or thresholds != sorted(set(thresholds)):
            raise ValueError(messages.text("RULES_TIERS_RISING"))
        if self.growth_per_yuan < 0 or self.points_per_yuan < 0:
            raise ValueError("growthPerYuan and pointsPerYuan cannot be negative")


def tier_for(growth: int, rules: MembershipRules) -> Tier:
    return [t for t in rules.tiers if t.threshold <= growth][-1]


def next_tier(growth: int, rules: MembershipRules) -> Tier | None:
    return next((t for t in rules.tiers if t.threshold > growth), None)


def growth_for_order(amount_fen: int, rules: MembershipRules) -> int:
    return amount_fen // 100 * rules.growth_per_yuan


def points_for_order(amount_fen: int, tier: Tier, rules: MembershipRules) -> int:
    return amount_fen // 100 * rules.points_per_yuan * tier.points_multiplier // 100


def bucket_for(day: date, rules: MembershipRules) -> str:
    """The bucket points earned on ``day`` go to: the year at whose end they expire."""
    if rules.points_expiry_years is None:
        return NEVER
    return str(day.year + rules.points_expiry_years)


def bucket_expires_at(bucket: str) -> datetime | None:
    """Midnight starting the next year, China time: the first instant the bucket is gone."""
    if bucket == NEVER:
        return None
    return datetime(int(bucket) + 1, 1, 1, tzinfo=CHINA)


def live(buckets: dict[str, int], today: date) -> dict[str, int]:
    """The buckets not yet expired on ``today``, soonest to expire first, empty ones left out."""
    alive = {b: n for b, n in buckets.items() if n > 0 and (b == NEVER or int(b) >= today.year)}
    return dict(sorted(alive.items(), key=lambda kv: (kv[0] == NEVER, kv[0])))


def allocate(buckets: dict[str, int], points: int, today: date) -> dict[str, int] | None:
    """How much of a spend each bucket pays, soonest-expiring first; None if they cannot cover it."""
    take: dict[str, int] = {}
    left = points
    for bucket, balance in live(buckets, today).items():
        if left == 0:
            break
        take[bucket] = min(balance, left)
        left -= take[bucket]
    return take if left == 0 else None
