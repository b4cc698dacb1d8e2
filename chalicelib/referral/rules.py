"""Referral rules: the window, the caps, the rewards, and what looks like abuse. Pure."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

import msgspec

from chalicelib.bounds import Days, Percent, RewardPoints, TemplateId

CLOCK_SKEW = timedelta(minutes=5)  # a sharer's phone clock a little ahead of ours


class Reward(msgspec.Struct, frozen=True, rename="camel", forbid_unknown_fields=True):
    points: RewardPoints = 0
    coupon: TemplateId | None = None  # a grant template


class ReferralRules(msgspec.Struct, frozen=True, rename="camel", forbid_unknown_fields=True):
    """The rule book's ``referral`` document; these are the defaults."""

    window_days: Days = 7  # a link's age is a timedelta: 10^12 days had none
    inviter_daily_cap: Annotated[int, msgspec.Meta(ge=1, le=10_000)] = 20
    invitee_pack: TemplateId | None = "new-user-pack"
    inviter_on_purchase: Reward = Reward(points=100)
    inviter_on_first_order: Reward = Reward(coupon="referral-thanks")
    # Judge "invitees never buy" only past this many.
    suspicious_min_invitees: Annotated[int, msgspec.Meta(ge=1, le=100_000)] = 10
    suspicious_buyer_share: Percent = 10  # fewer buyers than this among them is suspicious
    max_accounts_per_device: Annotated[int, msgspec.Meta(ge=1, le=100)] = 2

    def __post_init__(self) -> None:
        if self.window_days < 1 or self.inviter_daily_cap < 1 or self.max_accounts_per_device < 1:
            raise ValueError("windowDays, inviterDailyCap and maxAccountsPerDevice must be at least 1")


def within_window(shared_at: datetime | None, now: datetime, rules: ReferralRules) -> bool:
    """A link older than the window no longer attributes; a link with no time is taken as fresh."""
    if shared_at is None:
        return True
    age = now - shared_at
    return -CLOCK_SKEW <= age <= timedelta(days=rules.window_days)


def suspicion(invitees: int, buyers: int, device_accounts: int, rules: ReferralRules) -> list[str]:
    """Why an inviter's reward should wait for a person to look (empty: reward it)."""
    found = []
    if invitees >= rules.suspicious_min_invitees and buyers * 100 < rules.suspicious_buyer_share * invitees:
        found.append("invitees_never_buy")
    if device_accounts > rules.max_accounts_per_device:
        found.append("shared_device")
    return found


def k_factor(inviters: int, signups: int) -> float:
    """Invitees brought per inviter: above 1, the programme grows on its own."""
    return signups / inviters if inviters else 0.0
