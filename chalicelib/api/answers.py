"""What the user-facing functions answer, as msgspec Structs: the OpenAPI document's response
schemas (``route(..., answer=...)``), which the mini-program SDK is typed from. The views still
build dicts; schemathesis and the ``functions/`` examples check that the two agree.

Field names are the JSON ones (``rename="camel"``); money is integer fen; instants are UTC.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Literal

import msgspec

Level = Literal["session", "purchase"]


class Answer(msgspec.Struct, rename="camel", forbid_unknown_fields=True):
    """Every answer object: camelCase names, as the views write them, and no others (a field a
    view adds must be added here, or the examples' replay fails)."""


# Login and the user's record.
class SessionUser(Answer):
    id: str
    level: Level
    is_new: bool


class Session(Answer):
    token: str
    expires_in: int  # seconds
    user: SessionUser


class NextTier(Answer):
    tier: str
    growth_needed: int


class Benefits(Answer):
    discount_rate: int  # percent paid on goods (98 = 2% off)
    points_multiplier: int  # percent of the base points earned
    birthday_coupon: bool
    paused: bool


class Member(Answer):
    tier: str
    tier_name: str
    growth: int
    next_tier: NextTier | None
    benefits: Benefits
    points: int


class Me(Answer):
    id: str
    level: Level
    phone: str | None  # masked: 138****0000
    first_seen: datetime
    last_active: datetime
    member: Member
    segment: str


class AnonymousId(Answer):
    anonymous_id: str


class PrivacyDecision(Answer):
    agreed: bool
    version: str
    at: datetime


# Shop.
class CategoryEntry(Answer):
    category_id: str
    name: str
    parent: str | None
    sort: int


class Listed(Answer):
    product_id: str
    name: str
    category: str
    price: int
    price_max: int
    image: str
    stock: str


class Shop(Answer):
    name: str
    notice: str
    categories: list[str]
    category_list: list[CategoryEntry]
    products: list[Listed]


class Sku(Answer):
    sku_id: str
    spec: dict[str, str]
    price: int
    list_price: int | None
    stock: str


class Product(Listed):
    summary: str
    on_sale: bool
    skus: list[Sku]


# Coupons and points.
class Terms(Answer):
    kind: str
    amount: int
    threshold: int
    rate: int
    cap: int | None
    scope: str
    scope_ids: list[str]


class Coupon(Terms):
    coupon_id: str
    template_id: str
    name: str
    state: Literal["unused", "locked", "used", "expired"]
    valid_from: datetime
    valid_until: datetime
    source: str


class Template(Terms):
    template_id: str
    name: str
    channel: str
    points_price: int | None
    valid_from: datetime | None
    valid_until: datetime | None
    valid_days: int | None
    per_user_limit: int | None
    sold_out: bool


class Templates(Answer):
    templates: list[Template]


class Coupons(Answer):
    coupons: list[Coupon]


class BestCoupon(Answer):
    coupon_id: str
    discount: int


class OtherCoupon(Answer):
    coupon_id: str
    name: str
    discount: int
    reason: str | None


class Quote(Answer):
    total: int
    payable: int
    best: BestCoupon | None
    others: list[OtherCoupon]


class PointsEntry(Answer):
    delta: int
    reason: str
    ref: str | None
    at: str


class Points(Answer):
    balance: int
    expiring: int
    expiring_at: datetime | None
    history: list[PointsEntry]


# Check-in.
class CouponGranted(Answer):
    coupon_id: str
    name: str | None


class Payout(Answer):
    points: int
    makeup_cards: int
    coupon: CouponGranted | None


class CheckIn(Answer):
    day: date
    kind: str
    streak: int
    cycle_day: int
    reward: Payout
    milestone: int | None
    already_checked_in: bool


class Reward(Answer):
    points: int
    coupon: str | None  # the template id granted
    makeup_cards: int


class CalendarDay(Answer):
    day: date
    kind: str


class NextDay(Answer):
    cycle_day: int
    reward: Reward


class NextMilestone(Answer):
    days: int
    reward: Reward


class MakeupTerms(Answer):
    window_days: int
    points_cost: int


class Calendar(Answer):
    month: str
    days: list[CalendarDay]
    streak: int
    today_checked: bool
    next: NextDay
    month_days: int
    next_milestone: NextMilestone | None
    makeup_cards: int
    makeup: MakeupTerms
    reminder: bool


class ReminderSet(Answer):
    reminder: bool


# Group-buy.
class Activity(Answer):
    activity_id: str
    name: str
    product_id: str
    original_price: int
    group_price: int
    size: int
    new_users_only: bool
    ends_at: datetime


class Activities(Answer):
    activities: list[Activity]


class Seat(Answer):
    group_id: str
    order_ref: str
    price: int
    pay_by: datetime
    role: str
    state: str


class GroupMember(Answer):
    nickname: str | None
    avatar_url: str | None
    leader: bool
    paid: bool


class GroupCard(Answer):
    group_id: str
    activity_id: str
    product_id: str
    name: str
    original_price: int
    group_price: int
    size: int
    state: str
    slots_left: int
    seconds_left: int
    deadline: datetime
    members: list[GroupMember]
    virtual_members: int


# Bargain and referral.
class Campaign(Answer):
    campaign_id: str
    name: str
    product_id: str
    original_price: int
    floor_price: int
    helpers: int


class Campaigns(Answer):
    campaigns: list[Campaign]


class Helper(Answer):
    nickname: str | None
    avatar_url: str | None
    cut: int


class BargainCard(Answer):
    bargain_id: str
    campaign_id: str
    product_id: str
    name: str
    original_price: int
    floor_price: int
    price: int
    helpers_needed: int
    cuts_taken: int
    state: str
    seconds_left: int
    helpers: list[Helper]
    mine: bool


class Help(Answer):
    bargain_id: str
    cut: int
    cuts: int
    price: int
    complete: bool


class BargainBought(Answer):
    bargain_id: str
    state: str
    price: int
    product_id: str


class Invitee(Answer):
    stage: str
    attributed_at: datetime
    flagged: bool


class Referrals(Answer):
    code: str
    invitees: list[Invitee]
    rewards_earned: int


# Events and subscribe messages.
class Refused(Answer):
    id: str
    reason: str


class Ingested(Answer):
    accepted: int
    rejected: list[Refused]
    kept: Literal["user", "device", "aggregate"]


class Credits(Answer):
    credits: dict[str, int]  # subscribe-message template id: sends left


class MomentTemplates(Answer):
    moment: str
    templates: list[str]  # at most 3 template ids, for wx.requestSubscribeMessage

