"""Group-buy activities, groups and their members.

Key patterns:
- ``groupbuy-activities``: ``shop_id`` + ``activity_id``; the rules of one campaign, and
  ``opened`` (groups opened so far) guarded by ``opened < stock`` when it has a stock. Every
  open and join carries a condition on it: ``active`` (not paused) and no ``ended_at``
  (``chalicelib.campaigns`` pauses and ends, under ``version``).
- ``groups``: ``group_id`` → the group with a snapshot of its activity's rules, ``reserved``
  slots (paid or awaiting payment) guarded by ``reserved < size``, and ``paid``; the payment
  that fills it leaves its order id in ``completed_by``, so a resent report gets the same
  answer. While open it
  carries ``due_bucket`` (the hour of its deadline, ``YYYY-MM-DDTHH``): the sparse index
  ``due`` (``due_bucket`` + ``deadline``) is how the expiry job finds groups to close without
  a scan; the attribute is removed when the group closes.
- ``group-members``: ``group_id`` + ``user_id`` → reserved | paid | expired | refunded, the
  payment deadline, the order. ``attribute_not_exists`` on it: nobody is in a group twice.
  Index ``by_user`` finds a user's memberships (their groups; account deletion).
  Reservations awaiting payment also carry ``pay_bucket`` (sparse index ``unpaid``) so the
  job can free the slots of those who never paid. A closed group carries ``closed_day``
  (index ``by_closed_day``): the daily rollup's success rate.
- ``groupbuy-quotas``: ``user_id`` + ``activity_id`` → groups taken part in, ``< limit``.
"""
from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import GlobalSecondaryIndex, IncludeProjection, KeysOnlyProjection
from pynamodb.models import Model

from chalicelib.store.base import meta


class Activity(Model):
    Meta = meta("groupbuy-activities")
    shop_id = UnicodeAttribute(hash_key=True)
    activity_id = UnicodeAttribute(range_key=True)
    name = UnicodeAttribute()
    product_id = UnicodeAttribute()
    original_price = NumberAttribute()  # fen
    group_price = NumberAttribute()  # fen
    size = NumberAttribute()  # 2..10
    time_limit_minutes = NumberAttribute(default=24 * 60)
    pay_minutes = NumberAttribute(default=15)
    stock = NumberAttribute(null=True)  # groups that may be opened; None: unlimited
    opened = NumberAttribute(default=0)  # groups opened so far (every open adds one, stock or not)
    succeeded = NumberAttribute(default=0)  # groups that succeeded (paid full, or virtually filled)
    per_user_limit = NumberAttribute(default=1)
    new_users_only = BooleanAttribute(default=False)  # 老带新: only users with no paid order may join
    leader_coupon = UnicodeAttribute(null=True)  # a grant template for the leader of a group that succeeds
    virtual_fill_share = NumberAttribute(null=True)  # percent of size paid at expiry that gets completed
    starts_at = UTCDateTimeAttribute()
    ends_at = UTCDateTimeAttribute()
    active = BooleanAttribute(default=True)  # False: paused by an operator
    ended_at = UTCDateTimeAttribute(null=True)  # ended by an operator: no open, no join after it
    version = NumberAttribute(default=0)  # each operator change adds one: edits are conditional on it
    edit_key = UnicodeAttribute(null=True)  # the Idempotency-Key of the last edit: its replay answers it


class DueIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "due"
        projection = KeysOnlyProjection()

    due_bucket = UnicodeAttribute(hash_key=True)
    deadline = UTCDateTimeAttribute(range_key=True)


class ClosedByDay(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_closed_day"
        projection = IncludeProjection(["state", "virtual"])

    closed_day = UnicodeAttribute(hash_key=True)
    group_id = UnicodeAttribute(range_key=True)


class Group(Model):
    Meta = meta("groups")
    group_id = UnicodeAttribute(hash_key=True)
    activity_id = UnicodeAttribute()
    leader_id = UnicodeAttribute()
    product_id = UnicodeAttribute()
    name = UnicodeAttribute()
    original_price = NumberAttribute()
    group_price = NumberAttribute()
    size = NumberAttribute()
    pay_minutes = NumberAttribute()
    per_user_limit = NumberAttribute(default=1)
    new_users_only = BooleanAttribute(default=False)
    leader_coupon = UnicodeAttribute(null=True)
    virtual_fill_share = NumberAttribute(null=True)
    state = UnicodeAttribute(default="open")  # open | succeeded | failed
    reserved = NumberAttribute(default=0)
    paid = NumberAttribute(default=0)
    virtual = NumberAttribute(default=0)  # system members added by virtual fill
    created_at = UTCDateTimeAttribute()
    deadline = UTCDateTimeAttribute()
    closed_at = UTCDateTimeAttribute(null=True)
    completed_by = UnicodeAttribute(null=True)  # the order whose payment filled the group
    due_bucket = UnicodeAttribute(null=True)
    closed_day = UnicodeAttribute(null=True)  # China day it succeeded or failed: the rollup's index
    due = DueIndex()
    by_closed_day = ClosedByDay()


class MembersByUser(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_user"
        projection = KeysOnlyProjection()

    user_id = UnicodeAttribute(hash_key=True)
    group_id = UnicodeAttribute(range_key=True)


class UnpaidIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "unpaid"
        projection = KeysOnlyProjection()

    pay_bucket = UnicodeAttribute(hash_key=True)
    pay_by = UTCDateTimeAttribute(range_key=True)


class GroupMember(Model):
    Meta = meta("group-members")
    group_id = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute(range_key=True)
    activity_id = UnicodeAttribute()
    role = UnicodeAttribute()  # leader | member
    state = UnicodeAttribute()  # reserved | paid | expired | refunded
    pay_by = UTCDateTimeAttribute()
    order_id = UnicodeAttribute(null=True)
    joined_at = UTCDateTimeAttribute()
    nickname = UnicodeAttribute(null=True)  # what the share card shows; erased with the account
    avatar_url = UnicodeAttribute(null=True)
    pay_bucket = UnicodeAttribute(null=True)  # only while reserved: the sparse ``unpaid`` index
    by_user = MembersByUser()
    unpaid = UnpaidIndex()


class GroupQuota(Model):
    Meta = meta("groupbuy-quotas")
    user_id = UnicodeAttribute(hash_key=True)
    activity_id = UnicodeAttribute(range_key=True)
    taken = NumberAttribute(default=0)
