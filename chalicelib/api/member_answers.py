"""What the 会员 functions answer (``chalicelib.api.member_lookup_views``), for the OpenAPI
document; named by reference, so only the generator and the tests import this module. No answer
holds an openid, unionid, session_key or a phone in clear: ``phone`` is always masked."""
from __future__ import annotations

from datetime import datetime

from chalicelib.api.answers import Answer


class MemberMatch(Answer):
    id: str
    level: str
    phone: str | None  # masked: 138****5678
    first_seen: datetime
    last_active: datetime


class MemberMatches(Answer):
    members: list[MemberMatch]


class MemberProfile(Answer):
    id: str
    level: str
    phone: str | None  # masked
    phone_country: str | None
    first_seen: datetime
    last_active: datetime
    logins: int


class MemberTier(Answer):
    tier: str
    tier_name: str
    growth: int
    next_tier: str | None
    next_tier_name: str | None
    growth_needed: int | None
    points: int
    points_expiring: int
    points_expiring_at: datetime | None


class MemberActivity(Answer):
    segment: str
    active_days: int
    last_active_day: str | None
    orders: int
    spend: int  # fen, net of refunds
    privacy_agreed: bool | None


class MemberCheckinStatus(Answer):
    streak: int
    total_days: int
    last_day: str | None
    cards: int
    reminder: bool


class MemberConsentCredit(Answer):
    template_id: str
    credits: int
    last_answer: str
    updated_at: datetime


class MemberLedgerItem(Answer):
    kind: str  # points | growth | tier
    delta: int
    reason: str
    ref: str
    bucket: str | None
    note: str | None
    at: datetime


class MemberOrderItem(Answer):
    order_id: str
    amount: int | None  # fen
    at: datetime


class MemberCouponItem(Answer):
    coupon_id: str
    template_id: str
    name: str
    source: str
    state: str
    issued_at: datetime
    valid_until: datetime
    order_id: str | None


class MemberCheckinItem(Answer):
    day: str
    kind: str
    streak: int
    points: int
    coupon: str | None
    at: datetime


class MemberJourneyItem(Answer):
    journey: str
    step: str
    state: str
    reason: str | None
    template_id: str | None
    coupon_id: str | None
    at: datetime


class MemberLedgerPage(Answer):
    items: list[MemberLedgerItem]
    next: str | None


class MemberOrderPage(Answer):
    items: list[MemberOrderItem]
    next: str | None


class MemberCouponPage(Answer):
    items: list[MemberCouponItem]
    next: str | None


class MemberCheckinPage(Answer):
    items: list[MemberCheckinItem]
    next: str | None


class MemberJourneyPage(Answer):
    items: list[MemberJourneyItem]
    next: str | None


class MemberCard(Answer):
    profile: MemberProfile
    tier: MemberTier
    activity: MemberActivity
    checkin: MemberCheckinStatus
    consents: list[MemberConsentCredit]
    ledger: MemberLedgerPage
    orders: MemberOrderPage
    coupons: MemberCouponPage
    checkins: MemberCheckinPage
    journeys: MemberJourneyPage


class MemberErased(Answer):
    erased: bool
