"""Events and segments: validation, the decaying activity score, the segment of a user. Pure."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from typing import Annotated

import msgspec

from chalicelib import messages
from chalicelib.bounds import Days

STANDARD = ("page_view", "product_view", "add_to_cart", "remove_from_cart", "checkout_start", "share")
ORDER_PAID = "order_paid"  # written by the server's payment call only: a client cannot fake an order
REFERRAL_SIGNUP = "referral_signup"  # on the inviter, when an invitee is attributed
PRIVACY_CONSENT = "privacy_consent"  # a visitor's agreement, under their device; never in by_day
SERVER_ONLY = (ORDER_PAID, REFERRAL_SIGNUP, PRIVACY_CONSENT)
CUSTOM = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
MAX_EVENTS, MAX_BYTES = 50, 64 * 1024
MAX_PAST, MAX_FUTURE = timedelta(days=7), timedelta(minutes=5)  # client clocks are clamped into this


# The stored score doubles once per half-life from EPOCH, and DynamoDB numbers lie between about
# 2^-432 and 2^418. Kept within 2^±380, the score leaves room for a weight of up to 1,000 and 10^8
# events on top. At the shortest half-life that is 380 × 5 days, five years either side of the
# epoch: the simulated clock's window (``bounds``); a day's half-life overflowed within a year.
MAX_DOUBLINGS = 380
MIN_HALF_LIFE_DAYS, MAX_HALF_LIFE_DAYS = 5.0, 365.0
MIN_WEIGHT, MAX_WEIGHT = 0.001, 1000.0  # or 0: an event that does not count
EventName = Annotated[str, msgspec.Meta(min_length=1, max_length=32)]
Weight = Annotated[float, msgspec.Meta(ge=0, le=MAX_WEIGHT)]


class SegmentRules(msgspec.Struct, frozen=True, rename="camel", forbid_unknown_fields=True):
    """The rule book's ``segments`` document; these are the defaults."""

    new_days: Days = 7  # first seen within: new
    active_days: Days = 3  # active within: active
    at_risk_days: Days = 7  # inactive at least: at risk
    churned_days: Days = 30  # inactive at least: churned
    high_value_spend: Annotated[int, msgspec.Meta(ge=0, le=10**12)] = 100_000  # fen spent (¥1000) ...
    # ... or orders, while active within churned_days: high value
    high_value_orders: Annotated[int, msgspec.Meta(ge=1, le=100_000)] = 5
    half_life_days: Annotated[float, msgspec.Meta(ge=MIN_HALF_LIFE_DAYS, le=MAX_HALF_LIFE_DAYS)] = 7.0
    weights: Annotated[dict[EventName, Weight], msgspec.Meta(max_length=64)] = msgspec.field(default_factory=lambda: {
        "page_view": 1.0, "product_view": 2.0, "add_to_cart": 4.0, "remove_from_cart": 0.5,
        "checkout_start": 6.0, "share": 5.0, "order": 20.0, "checkin": 1.0,
    })

    def __post_init__(self) -> None:
        # A weight of 10^-300 grows into a number DynamoDB refuses as too small to store.
        if any(0 < w < MIN_WEIGHT for w in self.weights.values()):
            raise ValueError(messages.text("RULES_WEIGHTS_RANGE").format(least=MIN_WEIGHT, most=f"{MAX_WEIGHT:g}"))


def refusal(name: str, client_time: datetime | None) -> str | None:
    """Why one event is refused (None: kept)."""
    if name not in STANDARD and not CUSTOM.match(name):
        return "name must be a standard event or lowercase letters, digits and _ (at most 32)"
    if name in SERVER_ONLY:
        return f"{name} is recorded by the server, not sent by the client"
    if client_time is not None and client_time.tzinfo is None:
        return "time needs a zone"
    return None


def clamp(client_time: datetime | None, now: datetime) -> datetime:
    """Trust a client clock only within a week back and five minutes ahead."""
    if client_time is None:
        return now
    return min(max(client_time, now - MAX_PAST), now + MAX_FUTURE)


EPOCH = datetime(2026, 1, 1, tzinfo=timezone.utc)


def forward_weight(weight: float, at: datetime, rules: SegmentRules) -> float:
    """What an event of ``weight`` at ``at`` adds to the stored (forward-decayed) score."""
    return weight * 2 ** ((at - EPOCH).total_seconds() / 86400 / rules.half_life_days)


def score_at(stored: float, now: datetime, rules: SegmentRules) -> float:
    """The activity score now: every event's weight halved once per half-life since it happened.

    Stored values grow by 2 every half-life; DynamoDB numbers reach 10^125, about eight years of
    growth at a 7-day half-life: the epoch must move forward (one pass) before then.
    """
    return stored / 2 ** ((now - EPOCH).total_seconds() / 86400 / rules.half_life_days)


def segment(*, first_seen: date, last_active: date, orders: int, spend: int, today: date,
            rules: SegmentRules) -> str:
    """new / active / at_risk / churned / high_value, first match wins."""
    idle = (today - last_active).days
    if (spend >= rules.high_value_spend or orders >= rules.high_value_orders) and idle < rules.churned_days:
        return "high_value"
    if (today - first_seen).days < rules.new_days:
        return "new"
    if idle >= rules.churned_days:
        return "churned"
    if idle >= rules.at_risk_days:
        return "at_risk"
    return "active"
