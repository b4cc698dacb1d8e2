"""What the merchant's functions answer: the operator's (``/operator/...``, the console's) and the
order system's (``/server/...``), as msgspec Structs for the OpenAPI document.

A route names these by reference, ``answer="chalicelib.api.merchant_answers:Templates"``: only
the generator (``chalicelib.api.openapi``) and the tests import this module, so neither these
types nor the rule books they show (the capabilities' ``rules`` modules) load in a cold start.

Field names are the JSON ones (``rename="camel"`` unless a view writes them otherwise); money
is integer fen; instants are UTC; days are China days.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

import msgspec

from chalicelib.api.alert_answers import AlertsRunReport
from chalicelib.api.answers import Answer, Template
from chalicelib.checkin.rules import CheckinRules
from chalicelib.events.rules import SegmentRules
from chalicelib.members.rules import MembershipRules
from chalicelib.referral.rules import ReferralRules
from chalicelib.wakeup.rules import WakeupRules

Rate = float | None  # a share from 0 to 1, rounded to 4 places; None where its whole is 0


# --- operator: coupon templates, campaigns, rule books ------------------------------------------
class OperatorTemplate(Template):
    active: bool
    issued: int  # summed over the stock shards; 0 for unlimited
    total: int | None  # None: unlimited
    used: int  # coupons of it used by a paid order (counted with the consume; never goes down)


class OperatorTemplates(Answer):
    templates: list[OperatorTemplate]


class ActivityCreated(Answer):
    activity_id: str
    name: str


class CampaignCreated(Answer):
    campaign_id: str
    name: str


class Book(Answer, tag_field="name"):
    """A rule book: as stored (``rules``; null when none is, and ``default`` true: the defaults apply),
    the built-in ``defaults`` beside it, and the current ``version`` (0: never saved)."""

    default: bool
    version: int
    schema: dict[str, Any]  # the document's JSON Schema: each field's type, range and length


class MembershipBook(Book, tag="membership"):
    rules: MembershipRules | None
    defaults: MembershipRules
    effective: MembershipRules  # what applies: the document, the defaults filling what it leaves out


class CheckinBook(Book, tag="checkin"):
    rules: CheckinRules | None
    defaults: CheckinRules
    effective: CheckinRules  # what applies: the document, the defaults filling what it leaves out


class ReferralBook(Book, tag="referral"):
    rules: ReferralRules | None
    defaults: ReferralRules
    effective: ReferralRules  # what applies: the document, the defaults filling what it leaves out


class SegmentsBook(Book, tag="segments"):
    rules: SegmentRules | None
    defaults: SegmentRules
    effective: SegmentRules  # what applies: the document, the defaults filling what it leaves out


class WakeupBook(Book, tag="wakeup"):
    rules: WakeupRules | None
    defaults: WakeupRules
    effective: WakeupRules  # what applies: the document, the defaults filling what it leaves out


RuleBook = MembershipBook | CheckinBook | ReferralBook | SegmentsBook | WakeupBook


class SavedBy(Answer):
    """Who saved a version: an operator, the shared key, or none (a seed, a script, before versions)."""

    operator_id: str | None
    name: str | None


class BookVersion(Answer):
    version: int
    saved_at: datetime
    saved_by: SavedBy
    rollback_of: int | None  # the version this one restored


class MembershipVersion(BookVersion):
    rules: MembershipRules


class CheckinVersion(BookVersion):
    rules: CheckinRules


class ReferralVersion(BookVersion):
    rules: ReferralRules


class SegmentsVersion(BookVersion):
    rules: SegmentRules


class WakeupVersion(BookVersion):
    rules: WakeupRules


class Versions(Answer, tag_field="name"):
    """A rule book's saved versions, newest first; ``current``: the version in force (0: never saved);
    ``cursor``: pass it for the next (older) page, null when there is none."""

    current: int
    cursor: int | None


class MembershipVersions(Versions, tag="membership"):
    defaults: MembershipRules
    versions: list[MembershipVersion]


class CheckinVersions(Versions, tag="checkin"):
    defaults: CheckinRules
    versions: list[CheckinVersion]


class ReferralVersions(Versions, tag="referral"):
    defaults: ReferralRules
    versions: list[ReferralVersion]


class SegmentsVersions(Versions, tag="segments"):
    defaults: SegmentRules
    versions: list[SegmentsVersion]


class WakeupVersions(Versions, tag="wakeup"):
    defaults: WakeupRules
    versions: list[WakeupVersion]


RuleVersions = MembershipVersions | CheckinVersions | ReferralVersions | SegmentsVersions | WakeupVersions


class ClockTime(Answer):
    now: datetime


# --- operator: a job run by hand --------------------------------------------------------------------
class CloseReport(msgspec.Struct, forbid_unknown_fields=True):
    """``groupbuy-close`` (its report's names are snake_case, as the job logs them)."""

    groups_read: int
    succeeded: int
    virtual_filled: int
    failed: int
    refunds: int
    reservations_freed: int


class ScheduleReport(Answer):
    """A wake-up journey's run: what it read and put on the queue."""

    candidates: int
    enqueued: int
    pages: int
    stopped: Literal["quiet_hours", "time"] | None
    checkpoint: Literal["resumed", "complete"] | None


class RollupDay(msgspec.Struct, forbid_unknown_fields=True):
    day: date
    events: int  # facts read
    users: int  # active users
    rows: int  # metric rows written


class RollupRun(Answer):
    days: list[RollupDay]  # finished by this run, oldest first
    stopped: Literal["time"] | None  # the budget ran out: the next run goes on from the checkpoint
    checkpoint: Literal["resumed", "complete"] | None


class Worked(Answer):
    """The queue's pages worked before answering (local stage)."""

    pages: int
    decisions: dict[str, int]
    requeued: int
    given_up: int
    stopped: Literal["rate_limited", "busy"] | None


class JobRun(Answer, tag_field="job"):
    worked: Worked | None  # null when deployed: the workers do the fanned-out work


class GroupbuyCloseRun(JobRun, tag="groupbuy-close"):
    report: CloseReport


class WakeupInactiveRun(JobRun, tag="wakeup-inactive"):
    report: ScheduleReport


class WakeupCartRun(JobRun, tag="wakeup-cart"):
    report: ScheduleReport


class WakeupPostPurchaseRun(JobRun, tag="wakeup-post-purchase"):
    report: ScheduleReport


class WakeupHabitRun(JobRun, tag="wakeup-habit"):
    report: ScheduleReport


class MetricsRollupRun(JobRun, tag="metrics-rollup"):
    report: RollupRun


class AlertsEvaluateRun(JobRun, tag="alerts-evaluate"):
    report: AlertsRunReport


JobAnswer = (GroupbuyCloseRun | WakeupInactiveRun | WakeupCartRun | WakeupPostPurchaseRun | WakeupHabitRun
             | MetricsRollupRun | AlertsEvaluateRun)


# --- operator: metrics ----------------------------------------------------------------------------
class RetentionCohort(Answer):
    day: date  # first seen
    size: int
    journeys: int
    holdout: int
    d1: Rate
    d7: Rate
    d30: Rate
    curve: list[Rate]  # offsets 0..30; None where the day is not rolled up yet
    active_days_per_user: float
    observed_days: int


class Curves(Answer):
    all: list[Rate]
    journeys: list[Rate]
    holdout: list[Rate]


class CurveSizes(Answer):
    all: list[int]
    journeys: list[int]
    holdout: list[int]


class Share(Answer):
    """A rate, its parts, and its 95% Wilson interval (None where ``n`` is 0)."""

    rate: Rate
    hits: int
    n: int
    ci95: tuple[float, float] | None


class RetentionMarks(Answer):
    d1: Share
    d7: Share
    d30: Share


class Retention(Answer):
    cohorts: list[RetentionCohort]
    curve: Curves
    curve_n: CurveSizes  # each point's whole: first-seen users whose day at that offset is rolled up
    marks: RetentionMarks  # D1, D7, D30 of all cohorts pooled
    active_days_per_user: float | None


class RepurchaseCohort(Answer):
    day: date  # first order
    buyers: int
    within30: int
    rate30: Rate
    matured30: bool
    within90: int
    rate90: Rate
    matured90: bool


class Repurchase(Answer):
    cohorts: list[RepurchaseCohort]
    rate30: Rate
    rate90: Rate
    buyers30: int  # the wholes of rate30 and rate90: first buyers whose window has passed
    buyers90: int
    note: str


class DailyRow(Answer, omit_defaults=True):
    """A day's active people (a count absent is 0) and paid orders."""

    day: date
    paid: int
    events_without_consent: int
    users: int = 0
    devices: int = 0
    new: int = 0
    journeys: int = 0
    holdout: int = 0


class FunnelStep(Answer):
    step: Literal["visit", "view", "cart", "checkout", "paid"]
    user_days: int
    from_previous: Rate | msgspec.UnsetType = msgspec.UNSET  # absent on the first step


class Funnel(Answer):
    steps: list[FunnelStep]
    visit_to_paid: Rate
    unit: str


class BehaviourGroup(Answer):
    users: int
    ordered: int
    repurchased: int
    referred: int
    ordered_rate: Rate
    repurchased_rate: Rate
    referred_rate: Rate


class Behaviour(Answer):
    """Users who visited, clicked a product, shared (absent: no day rolled up in the range)."""

    visit: BehaviourGroup | msgspec.UnsetType = msgspec.UNSET
    click: BehaviourGroup | msgspec.UnsetType = msgspec.UNSET
    share: BehaviourGroup | msgspec.UnsetType = msgspec.UNSET


class CouponSource(Answer):
    source: str
    issued: int
    redeemed: int
    rate: Rate


class CouponFigures(Answer):
    by_source: list[CouponSource]
    rate: Rate


# The campaigns' counts are sums over the days rolled up: absent (0) when there are none.
class GroupbuyFigures(Answer):
    success_rate: Rate
    succeeded: int = 0
    failed: int = 0
    virtual_filled: int = 0


class BargainFigures(Answer):
    completion_rate: Rate
    ended: int = 0
    completed: int = 0


class ReferralFigures(Answer):
    k_factor: float
    signups: int = 0
    purchase_level: int = 0
    first_orders: int = 0
    inviters: int = 0
    sharers: int = 0


class CampaignFigures(Answer):
    groupbuy: GroupbuyFigures
    bargain: BargainFigures
    referral: ReferralFigures


class Lift(Answer):
    """Treated against holdout: the difference of rates with its 95% interval by Newcombe's hybrid
    score method (inside [-1, 1]), each rate with its Wilson interval and its sample size."""

    treated_rate: Rate
    holdout_rate: Rate
    treated_ci95: tuple[float, float] | None
    holdout_ci95: tuple[float, float] | None
    treated_n: int
    holdout_n: int
    lift: float | None
    ci95: tuple[float, float] | None
    significant: bool


class JourneyOutcome(Answer):
    treated: int
    holdout: int
    returned: Lift
    ordered: Lift
    decision_days: int
    complete_windows: int


class Metrics(Answer, rename={"first": "from", "last": "to", "rolled_up_through": "rolledUpThrough",
                              "days_with_data": "daysWithData"}):
    """One metric (``GET /operator/metrics/retention``: only ``retention``), or ``all`` of them."""

    first: date
    last: date
    rolled_up_through: date | None
    days_with_data: int
    retention: Retention | msgspec.UnsetType = msgspec.UNSET
    repurchase: Repurchase | msgspec.UnsetType = msgspec.UNSET
    daily: list[DailyRow] | msgspec.UnsetType = msgspec.UNSET
    funnel: Funnel | msgspec.UnsetType = msgspec.UNSET
    behaviour: Behaviour | msgspec.UnsetType = msgspec.UNSET
    coupons: CouponFigures | msgspec.UnsetType = msgspec.UNSET
    campaigns: CampaignFigures | msgspec.UnsetType = msgspec.UNSET
    wakeup: dict[str, JourneyOutcome] | msgspec.UnsetType = msgspec.UNSET  # by journey, and "all"


class Rollup(Answer):
    days: list[RollupDay]


# --- the order system ------------------------------------------------------------------------------
class CouponLocked(Answer):
    coupon_id: str
    order_id: str
    state: Literal["locked"]
    discount: int


class CouponConsumed(Answer):
    coupon_id: str
    order_id: str
    state: Literal["used"]


class CouponReleased(Answer):
    coupon_id: str
    order_id: str
    state: Literal["unused"]


class GroupPayment(Answer):
    group_id: str
    group_state: Literal["open", "succeeded", "failed"]
    paid: int
    size: int
    completed_group: bool  # this payment completed the group (a resent one: as the first said)
    already_recorded: bool


class Fulfilment(Answer):
    group_id: str
    activity_id: str
    product_id: str
    price: int
    order_ids: list[str]  # the leader's first
    virtual_members: int


class Refund(Answer):
    reason: Literal["group_failed", "reservation_expired", "seat_already_paid"]
    group_id: str
    order_id: str
    amount: int


class OutboxEvent(Answer, tag_field="topic"):
    event_id: str
    created_at: datetime


class FulfilmentEvent(OutboxEvent, tag="fulfilment"):
    body: Fulfilment


class RefundEvent(OutboxEvent, tag="refunds"):
    body: Refund


class Outbox(Answer):
    events: list[FulfilmentEvent | RefundEvent]  # oldest first, at most 50


class Acked(Answer):
    event_id: str
    acked: bool


class OrderPaid(Answer):
    order_id: str
    growth: int
    points: int
    tier: str
    tier_changed: bool
    already_recorded: bool


class OrderRefunded(Answer):
    order_id: str
    already_recorded: bool


class OrderFact(Answer):
    """An order shipped or cancelled: its journey fact is on record (by this call or an earlier one)."""

    order_id: str
    recorded: bool


class BargainPurchased(Answer):
    bargain_id: str
    state: str
    price: int


class BargainReleased(Answer):
    bargain_id: str
    state: str


# The catalogue: each entry's status and the version stored now (null: nothing stored), in the
# order sent, and how many of each status.
UpsertStatus = Literal["created", "updated", "unchanged", "stale"]
DeleteStatus = Literal["deleted", "unchanged", "stale", "not_found"]


class Synced(Answer):
    status: str
    version: int | None


class ShopSynced(Synced):
    status: UpsertStatus


class CategorySynced(Synced):
    category_id: str


class ProductSynced(Synced):
    product_id: str


class SkuSynced(Synced):
    product_id: str
    sku_id: str


class UpsertCounts(Answer):
    created: int
    updated: int
    unchanged: int
    stale: int


class DeleteCounts(Answer):
    deleted: int
    unchanged: int
    stale: int
    not_found: int = msgspec.field(name="not_found")


class CatalogueUpserted(Answer):
    shop: ShopSynced | None  # null when the batch had no profile
    categories: list[CategorySynced]
    products: list[ProductSynced]
    skus: list[SkuSynced]
    counts: UpsertCounts


class CatalogueDeleted(Answer):
    categories: list[CategorySynced]
    products: list[ProductSynced]
    skus: list[SkuSynced]
    counts: DeleteCounts
