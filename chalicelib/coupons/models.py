"""Coupon templates, their stock, per-user quotas, and issued coupons.

Key patterns:
- ``coupon-templates``: ``shop_id`` + ``template_id``; a shop's templates are one Query.
- ``coupon-stock``: ``key`` = ``<template_id>#<shard>`` (shard 0..n-1). The stock is split
  over ``shards`` counter items, each under its own partition key (so in its own partition),
  so that a flash claim is not limited by one item's write rate; each shard has its own
  ``total`` and ``issued``, and a claim's condition is ``issued < total`` on one of them.
  The same table holds each template's used counter (``CouponUse``), sharded likewise.
- ``coupon-quotas``: ``user_id`` + ``template_id`` → ``claimed``; condition ``claimed < limit``.
- ``coupons``: ``user_id`` + ``coupon_id``; a user's coupons are one Query. The terms are
  copied at issue, so an edited template never changes a coupon already held. Indexes
  ``by_issued_day`` and ``by_used_day`` (China days) give the daily rollup a day's issues and
  redemptions with their source.
"""
from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import GlobalSecondaryIndex, IncludeProjection
from pynamodb.models import Model

from chalicelib.coupons import rules
from chalicelib.store.base import meta


class TermsFields:
    """The ``rules.Terms`` fields, shared by templates and coupons."""

    kind = UnicodeAttribute()
    amount = NumberAttribute(default=0)
    threshold = NumberAttribute(default=0)
    rate = NumberAttribute(default=100)
    cap = NumberAttribute(null=True)
    scope = UnicodeAttribute(default=rules.SCOPE_ALL)
    scope_ids = ListAttribute(of=UnicodeAttribute, default=list)

    def terms(self) -> rules.Terms:
        return rules.Terms(
            kind=self.kind,
            amount=int(self.amount),
            threshold=int(self.threshold),
            rate=int(self.rate),
            cap=None if self.cap is None else int(self.cap),
            scope=self.scope,
            scope_ids=tuple(self.scope_ids or ()),
        )


class CouponTemplate(TermsFields, Model):
    Meta = meta("coupon-templates")
    shop_id = UnicodeAttribute(hash_key=True)
    template_id = UnicodeAttribute(range_key=True)
    name = UnicodeAttribute()
    channel = UnicodeAttribute()  # claim | grant | points
    points_price = NumberAttribute(null=True)  # channel points: what the points shop charges
    valid_from = UTCDateTimeAttribute(null=True)
    valid_until = UTCDateTimeAttribute(null=True)
    valid_days = NumberAttribute(null=True)
    total = NumberAttribute(null=True)  # None: unlimited
    shards = NumberAttribute(default=1)
    per_user_limit = NumberAttribute(null=True)  # None: unlimited
    active = BooleanAttribute(default=True)
    sold_out = BooleanAttribute(default=False)  # a hint for lists, set after a sold-out claim; never a guard
    created_at = UTCDateTimeAttribute()


class CouponStock(Model):
    Meta = meta("coupon-stock")
    key = UnicodeAttribute(hash_key=True)
    template_id = UnicodeAttribute()
    shard = NumberAttribute()
    total = NumberAttribute()
    issued = NumberAttribute(default=0)

    @classmethod
    def of(cls, template_id: str, shard: int, **attributes: object) -> CouponStock:
        return cls(f"{template_id}#{shard}", template_id=template_id, shard=shard, **attributes)


class CouponUse(Model):
    """How many of a template's coupons were used, a counter split over ``USE_SHARDS`` items in the
    ``coupon-stock`` table (key ``<template_id>#used<n>``, which no stock shard's ``#<n>`` can be):
    a coupon always counts on the shard its id hashes to, and the counter moves in the transaction
    that marks the coupon used, so it moves once per coupon however often the order system retries
    and however many orders race; several shards, so that busy templates' consumes rarely conflict."""

    Meta = meta("coupon-stock")
    key = UnicodeAttribute(hash_key=True)
    template_id = UnicodeAttribute()
    used = NumberAttribute(default=0)

    @classmethod
    def of(cls, template_id: str, shard: int) -> CouponUse:
        return cls(f"{template_id}#used{shard}", template_id=template_id)


class CouponQuota(Model):
    Meta = meta("coupon-quotas")
    user_id = UnicodeAttribute(hash_key=True)
    template_id = UnicodeAttribute(range_key=True)
    claimed = NumberAttribute(default=0)


class CouponsByIssuedDay(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_issued_day"
        projection = IncludeProjection(["source"])

    issued_day = UnicodeAttribute(hash_key=True)
    coupon_id = UnicodeAttribute(range_key=True)


class CouponsByUsedDay(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_used_day"
        projection = IncludeProjection(["source"])

    used_day = UnicodeAttribute(hash_key=True)
    coupon_id = UnicodeAttribute(range_key=True)


class Coupon(TermsFields, Model):
    Meta = meta("coupons")
    user_id = UnicodeAttribute(hash_key=True)
    coupon_id = UnicodeAttribute(range_key=True)
    template_id = UnicodeAttribute()
    name = UnicodeAttribute()
    source = UnicodeAttribute()  # claim | points | grant:<reason>
    state = UnicodeAttribute(default=rules.UNUSED)  # unused | locked | used; "expired" is computed
    valid_from = UTCDateTimeAttribute()
    valid_until = UTCDateTimeAttribute()
    issued_at = UTCDateTimeAttribute()
    order_id = UnicodeAttribute(null=True)  # the order holding (locked) or having used it
    changed_at = UTCDateTimeAttribute(null=True)
    expires_at = TTLAttribute()  # some time after valid_until: TTL cleans up, reads never depend on it
    issued_day = UnicodeAttribute(null=True)  # China day: the rollup counts issues and redemptions by source
    used_day = UnicodeAttribute(null=True)
    by_issued_day = CouponsByIssuedDay()
    by_used_day = CouponsByUsedDay()
