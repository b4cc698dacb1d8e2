"""Raw events and each user's activity summary.

Key patterns:
- ``events``: ``actor`` (``u:<user>`` or ``d:<device>`` before login) + ``event_id`` (the
  client's id: a resent batch overwrites the same items, so nothing is counted twice).
  Kept 90 days (TTL); the daily rollup keeps the facts ([7/7]).
- ``activity``: ``user_id`` → first seen, last active day, the set of active days, the
  activity score, the cart, orders, spend. Ingest updates it with one ``UpdateItem`` and no
  read: the active days are a string set (``ADD``), the cart is the snapshot the client sends,
  and the score uses forward decay (Cormode et al., 2009): each event adds
  ``w · 2^((t − epoch)/half-life)`` and a reader divides by ``2^((now − epoch)/half-life)``,
  so nothing stored ever needs decaying. The segment is derived from these facts on read. Three sparse indexes give the wake-up jobs their
  candidates without a scan, each keyed by a day or an hour bucket:
  ``by_last_active`` (``last_active_day``), ``by_cart_hour`` (``cart_hour``: the hour the cart
  last changed; removed by an order or an emptied cart, so the index holds open carts only) and
  ``by_last_order`` (``last_order_day``).
  A fourth, ``by_day`` on events (``<China day>#<shard>``), is what the daily rollup reads: a
  paid order is an event too (``order_paid``, with the buyer's order count), so one day's
  facts are one Query per shard and no scan.
  The activity item also holds the user's privacy consent (``privacy_*``: agreed or withdrawn,
  which notice, when): it is what ingest's one update is conditioned on, so checking consent
  costs no read, and erasure removes it with the rest.
- ``events`` under ``d:<device>`` also holds the visitor's consent record (``privacy``, name
  ``privacy_consent``, outside ``by_day``): a login that merges the device carries it to the user.
- ``event-counts``: ``<China day>#<shard>`` → a counter per standard event name and one for
  custom names: the events of callers who have not agreed to the privacy notice, nobody's.
"""
from __future__ import annotations

import zlib
from datetime import date, datetime

from pynamodb.attributes import (
    BooleanAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import GlobalSecondaryIndex, IncludeProjection
from pynamodb.models import Model

from chalicelib.config import china_day
from chalicelib.store.base import meta

DAY_SHARDS = 8


class EventsByDay(GlobalSecondaryIndex):
    """What the daily rollup reads: one China day's events, over ``DAY_SHARDS`` partitions."""

    class Meta:
        index_name = "by_day"
        projection = IncludeProjection(["name", "props"])

    day_shard = UnicodeAttribute(hash_key=True)
    event_id = UnicodeAttribute(range_key=True)


class Event(Model):
    Meta = meta("events")
    actor = UnicodeAttribute(hash_key=True)
    event_id = UnicodeAttribute(range_key=True)
    name = UnicodeAttribute()
    at = UTCDateTimeAttribute()
    received_at = UTCDateTimeAttribute()
    props = UnicodeAttribute(default="{}")  # JSON
    expires_at = TTLAttribute()
    day_shard = UnicodeAttribute(null=True)  # ``<China day of at>#<shard of the actor>``
    by_day = EventsByDay()

    @classmethod
    def of(cls, actor: str, event_id: str, *, at: datetime, **attributes: object) -> Event:
        return cls(actor, event_id, at=at, day_shard=day_shard(actor, china_day(at)), **attributes)


def day_shard(actor: str, day: date) -> str:
    # An actor's events of a day share a partition; a day's events spread over DAY_SHARDS.
    return f"{day.isoformat()}#{zlib.crc32(actor.encode()) % DAY_SHARDS}"



class ByLastActive(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_last_active"
        # What a wake-up personalises with comes along: no read per candidate.
        projection = IncludeProjection(["last_category", "spend", "openid"])

    last_active_day = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute(range_key=True)


class ByCartHour(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_cart_hour"
        projection = IncludeProjection(["openid"])

    cart_hour = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute(range_key=True)


class ByLastOrder(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_last_order"
        projection = IncludeProjection(["openid"])

    last_order_day = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute(range_key=True)


class ByFirstOrder(GlobalSecondaryIndex):
    """Journeys triggered N days after a user's first order ("首次购买后3天…")."""

    class Meta:
        index_name = "by_first_order"
        projection = IncludeProjection(["openid"])

    first_order_day = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute(range_key=True)


class Activity(Model):
    Meta = meta("activity")
    user_id = UnicodeAttribute(hash_key=True)
    first_seen_day = UnicodeAttribute()
    last_active_day = UnicodeAttribute()
    active_day_set = UnicodeSetAttribute(default=set)
    score_forward = NumberAttribute(default=0)  # forward-decayed: see the docstring
    cart = UnicodeSetAttribute(default=set)  # product ids, as the client's last snapshot
    cart_at = UTCDateTimeAttribute(null=True)
    cart_hour = UnicodeAttribute(null=True)
    last_category = UnicodeAttribute(null=True)
    orders = NumberAttribute(default=0)
    spend = NumberAttribute(default=0)  # fen
    refunded = NumberAttribute(default=0)  # fen
    last_order_day = UnicodeAttribute(null=True)
    last_order_id = UnicodeAttribute(null=True)
    first_order_day = UnicodeAttribute(null=True)
    order_day_set = UnicodeSetAttribute(default=set)  # China days with a paid order: wake-up outcomes
    openid = UnicodeAttribute(null=True)  # set with the first consent: where a wake-up goes, unread
    # Privacy consent (not the subscribe-message consent of ``chalicelib.wakeup``): per-user events
    # and activity are kept only while privacy_agreed is true. Withdrawn: false, never removed.
    privacy_agreed = BooleanAttribute(null=True)
    privacy_version = UnicodeAttribute(null=True)  # of the notice agreed to (or withdrawn from)
    privacy_at = UTCDateTimeAttribute(null=True)
    by_last_active = ByLastActive()
    by_cart_hour = ByCartHour()
    by_last_order = ByLastOrder()
    by_first_order = ByFirstOrder()


class EventCount(Model):
    """What is kept of events before privacy consent: counts by China day and name, no actor.
    A batch adds to one random shard of its day, so a busy day is not one hot item."""

    Meta = meta("event-counts")
    day_shard = UnicodeAttribute(hash_key=True)  # ``<China day>#<0..DAY_SHARDS-1>``
    page_view = NumberAttribute(default=0)
    product_view = NumberAttribute(default=0)
    add_to_cart = NumberAttribute(default=0)
    remove_from_cart = NumberAttribute(default=0)
    checkout_start = NumberAttribute(default=0)
    share = NumberAttribute(default=0)
    # Custom names share one counter: a name per attribute would let anyone grow the item
    # without bound (DynamoDB refuses items over 400 KB).
    custom = NumberAttribute(default=0)
    expires_at = TTLAttribute()
