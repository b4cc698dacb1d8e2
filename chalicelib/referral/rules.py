"""Referral rules: the window, the caps, the rewards, and what looks like abuse. Pure."""
from __future__ import annotations

from datetime import datetime, timedelta

import msgspec

CLOCK_SKEW = timedelta(minutes=5)  # a sharer's phone clock a little ahead of ours


class Reward(msgspec.Struct, frozen=True, rename="camel", forbid_unknown_fields=True):
    points: int = 0
    coupon: str | None = None  # a grant template


class ReferralRules(msgspec.Struct, frozen=True, rename="camel", forbid_unknown_fields=True):
    """The rule book's ``referral`` document; these are the defaults."""

    window_days: int = 7
    inviter_daily_cap: int = 20
    invitee_pack: str | None = "new-user-pack"
    inviter_on_purchase: Reward = Reward(points=100)
    inviter_on_first_order: Reward = Reward(coupon="referral-thanks")
    suspicious_min_invitees: int = 10  # judge "invitees never buy" only past this many
    suspicious_buyer_share: int = 10  # percent: fewer buyers than this among them is suspicious
    max_accounts_per_device: int = 2

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
