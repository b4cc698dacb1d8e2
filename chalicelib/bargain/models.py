"""Bargain campaigns, bargains, helps, and the caps on them.

Key patterns:
- ``bargain-campaigns``: ``shop_id`` + ``campaign_id``. Every start, help and buy carries a
  condition on it: ``active`` (not paused) and no ``ended_at`` (``chalicelib.campaigns``).
- ``bargains``: ``bargain_id`` (index ``by_owner``) → the owner, a snapshot of the campaign, the precomputed
  ``cuts`` and their ``seed``, and ``helped``: how many cuts are taken. A help moves
  ``helped`` from k to k + step on condition it is still k, so each help takes the next cut
  exactly once; the price is never stored, only derived from the cuts. Index ``by_deadline_day``
  (China day of the deadline) gives the rollup the bargains ending on a day.
- ``bargain-helps``: ``bargain_id`` + ``helper_id`` → which cuts this helper took.
  ``attribute_not_exists``: one help per helper per bargain. Index ``by_helper`` for deletion.
- ``bargain-helper-days``: ``helper_id`` + China day → helps that day, ``< cap`` (anti-abuse).
- ``bargain-quotas``: ``user_id`` + ``campaign_id`` → bargains started, ``< limit``.
"""
from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import GlobalSecondaryIndex, IncludeProjection, KeysOnlyProjection
from pynamodb.models import Model

from chalicelib.store.base import meta


class Campaign(Model):
    Meta = meta("bargain-campaigns")
    shop_id = UnicodeAttribute(hash_key=True)
    campaign_id = UnicodeAttribute(range_key=True)
    name = UnicodeAttribute()
    product_id = UnicodeAttribute()
    original_price = NumberAttribute()  # fen
    floor_price = NumberAttribute()  # fen
    helpers = NumberAttribute()  # N cuts
    duration_minutes = NumberAttribute(default=24 * 60)
    per_user_limit = NumberAttribute(default=1)
    helper_daily_cap = NumberAttribute(default=5)
    new_user_bonus = BooleanAttribute(default=False)  # a new customer's help takes two cuts
    buy_at_current = BooleanAttribute(default=False)  # the owner may buy before the floor
    starts_at = UTCDateTimeAttribute()
    ends_at = UTCDateTimeAttribute()
    active = BooleanAttribute(default=True)  # False: paused by an operator
    ended_at = UTCDateTimeAttribute(null=True)  # ended by an operator: no start, help or buy after it
    version = NumberAttribute(default=0)  # each operator change adds one: edits are conditional on it
    edit_key = UnicodeAttribute(null=True)  # the Idempotency-Key of the last edit: its replay answers it
    started = NumberAttribute(default=0)  # bargains started (counted by the start's transaction)
    bought = NumberAttribute(default=0)  # bargains paid for (counted when the order system says so)


class BargainsByOwner(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_owner"
        projection = KeysOnlyProjection()

    owner_id = UnicodeAttribute(hash_key=True)
    bargain_id = UnicodeAttribute(range_key=True)


class BargainsByDeadlineDay(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_deadline_day"
        projection = IncludeProjection(["state"])

    deadline_day = UnicodeAttribute(hash_key=True)
    bargain_id = UnicodeAttribute(range_key=True)


class Bargain(Model):
    Meta = meta("bargains")
    bargain_id = UnicodeAttribute(hash_key=True)
    campaign_id = UnicodeAttribute()
    owner_id = UnicodeAttribute()
    product_id = UnicodeAttribute()
    name = UnicodeAttribute()
    original_price = NumberAttribute()
    floor_price = NumberAttribute()
    cuts = ListAttribute(of=NumberAttribute)
    seed = NumberAttribute()
    helped = NumberAttribute(default=0)
    helper_daily_cap = NumberAttribute()
    new_user_bonus = BooleanAttribute(default=False)
    buy_at_current = BooleanAttribute(default=False)
    state = UnicodeAttribute(default="active")  # active | complete | locked | purchased
    deadline = UTCDateTimeAttribute()
    created_at = UTCDateTimeAttribute()
    lock_price = NumberAttribute(null=True)
    locked_from = UnicodeAttribute(null=True)  # the state a purchase lock returns to on release
    order_id = UnicodeAttribute(null=True)
    deadline_day = UnicodeAttribute(null=True)  # China day: the rollup's completion rate of bargains ending then
    by_owner = BargainsByOwner()
    by_deadline_day = BargainsByDeadlineDay()


class HelpsByHelper(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_helper"
        projection = KeysOnlyProjection()

    helper_id = UnicodeAttribute(hash_key=True)
    bargain_id = UnicodeAttribute(range_key=True)


class Help(Model):
    Meta = meta("bargain-helps")
    bargain_id = UnicodeAttribute(hash_key=True)
    helper_id = UnicodeAttribute(range_key=True)
    first_cut = NumberAttribute()  # index of the first cut taken
    cuts = NumberAttribute(default=1)  # how many (two for a new customer's bonus help)
    amount = NumberAttribute()  # fen cut
    at = UTCDateTimeAttribute()
    nickname = UnicodeAttribute(null=True)
    avatar_url = UnicodeAttribute(null=True)
    by_helper = HelpsByHelper()


class HelperDay(Model):
    Meta = meta("bargain-helper-days")
    helper_id = UnicodeAttribute(hash_key=True)
    day = UnicodeAttribute(range_key=True)
    helps = NumberAttribute(default=0)


class BargainQuota(Model):
    Meta = meta("bargain-quotas")
    user_id = UnicodeAttribute(hash_key=True)
    campaign_id = UnicodeAttribute(range_key=True)
    started = NumberAttribute(default=0)
