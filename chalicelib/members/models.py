"""Members, their points buckets and the ledger.

Key patterns:
- ``members``: ``user_id`` → growth value and tier.
- ``points-buckets``: ``user_id`` + ``bucket`` (the year its points expire at the end of, or
  ``never``) → ``balance``. A spend's condition is ``balance >= taken`` on each bucket it
  touches, so no bucket, and so no balance, ever goes below zero.
- ``points-ledger``: ``user_id`` + ``entry`` (``<kind>:<reason>:<ref>``): one item per earn,
  spend, growth change or tier change, written with ``attribute_not_exists`` so that the same
  reference is applied once whatever the retries. Local index ``by_time`` pages the history.
"""
from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UnicodeSetAttribute, UTCDateTimeAttribute
from pynamodb.indexes import AllProjection, LocalSecondaryIndex
from pynamodb.models import Model

from chalicelib.store.base import meta


class Member(Model):
    Meta = meta("members")
    user_id = UnicodeAttribute(hash_key=True)
    growth = NumberAttribute(default=0)
    orders = NumberAttribute(default=0)  # paid orders: 0 means a new customer (老带新)
    tier = UnicodeAttribute(default="normal")
    tier_since = UTCDateTimeAttribute(null=True)
    flags = UnicodeSetAttribute(null=True)  # set by journeys (chalicelib.members.flags)


class PointsBucket(Model):
    Meta = meta("points-buckets")
    user_id = UnicodeAttribute(hash_key=True)
    bucket = UnicodeAttribute(range_key=True)
    balance = NumberAttribute(default=0)


class LedgerByTime(LocalSecondaryIndex):
    class Meta:
        index_name = "by_time"
        projection = AllProjection()

    user_id = UnicodeAttribute(hash_key=True)
    at = UnicodeAttribute(range_key=True)  # ISO-8601 UTC, then the entry key: unique and sortable


class LedgerEntry(Model):
    Meta = meta("points-ledger")
    user_id = UnicodeAttribute(hash_key=True)
    entry = UnicodeAttribute(range_key=True)
    kind = UnicodeAttribute()  # points | growth | tier
    delta = NumberAttribute(default=0)
    reason = UnicodeAttribute()
    ref = UnicodeAttribute()
    bucket = UnicodeAttribute(null=True)
    note = UnicodeAttribute(null=True)  # tier changes: "silver->gold"
    at = UnicodeAttribute()
    by_time = LedgerByTime()
