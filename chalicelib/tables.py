"""Every table the app uses, as its PynamoDB model: the one source of the table definitions.

``infra/`` derives the local tables, the CloudFormation template and the IAM policy from
this list; the deletion test scans all of them for leftovers of a deleted user.
"""
from __future__ import annotations

from pynamodb.models import Model

from chalicelib.alerts.models import AlertRule, FiredAlert
from chalicelib.auth.models import Receipt, User
from chalicelib.bargain.models import Bargain, BargainQuota, Campaign, Help, HelperDay
from chalicelib.checkin.models import CheckinDay, CheckinStatus
from chalicelib.coupons.models import Coupon, CouponQuota, CouponStock, CouponTemplate
from chalicelib.events.models import Activity as UserActivity
from chalicelib.events.models import Event, EventCount
from chalicelib.groupbuy.models import Activity, Group, GroupMember, GroupQuota
from chalicelib.job_runs import JobRun
from chalicelib.jobs import JobCursor
from chalicelib.journeys.models import EntryGuard, Fact, JourneyHead, JourneyStats, JourneyVersion, Progress
from chalicelib.kept_limits import ErasedAccount
from chalicelib.limits.models import RateCounter
from chalicelib.members.models import LedgerEntry, Member, PointsBucket
from chalicelib.metrics.models import MetricRow
from chalicelib.operators.models import AuditRecord, Operator, OperatorSession
from chalicelib.outbox.models import OutboxEvent
from chalicelib.referral.models import (
    DeviceAccount,
    InviteCode,
    Referral,
    ReferralDay,
    ReferralStats,
)
from chalicelib.rulebook import Rule, RuleVersion
from chalicelib.shop.models import PriceChange, Product, Shop
from chalicelib.wakeup.models import Consent, ConsentReport, ContactCap, Send
from chalicelib.wechat import AccessToken

MODELS: tuple[type[Model], ...] = (
    User,
    Receipt,
    ErasedAccount,
    AccessToken,
    Shop,
    Product,
    PriceChange,
    Rule,
    RuleVersion,
    CouponTemplate,
    CouponStock,
    CouponQuota,
    Coupon,
    Member,
    PointsBucket,
    LedgerEntry,
    CheckinDay,
    CheckinStatus,
    Activity,
    Group,
    GroupMember,
    GroupQuota,
    OutboxEvent,
    JobCursor,
    JobRun,
    Campaign,
    Bargain,
    Help,
    HelperDay,
    BargainQuota,
    InviteCode,
    Referral,
    ReferralDay,
    DeviceAccount,
    ReferralStats,
    Event,
    EventCount,
    UserActivity,
    Consent,
    ConsentReport,
    ContactCap,
    Send,
    MetricRow,
    RateCounter,
    Operator,
    OperatorSession,
    AuditRecord,
    AlertRule,
    FiredAlert,
    JourneyHead,
    JourneyVersion,
    Progress,
    EntryGuard,
    Fact,
    JourneyStats,
)
