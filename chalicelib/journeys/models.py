"""Journeys, their versions, each user's progress, and the facts that move them.

Key patterns:
- ``journeys``: ``shop`` (one partition: a shop has tens of journeys, listed by one Query) +
  ``journey_id`` → name, status (draft | live | paused), the ``live_version`` users enter, the
  latest saved ``version``, and the trigger's lookup key (``fact:order_paid``, ``event:share``,
  ``time:inactive``) so a fact finds the journeys it starts without reading their documents.
- ``journey-versions``: ``journey_id`` + ``version`` → the document as saved, who, when. Never
  changed: a user inside version 3 keeps running version 3 when version 4 is published.
- ``journey-progress``: ``user_id`` + ``key`` (``<journey>#<entry>``) → the version, the step the
  user is at, ``seq`` (every move is conditioned on it, so two workers never both move a user),
  the status, what the user waits for, and the context carried from the entry fact. Sparse index
  ``by_due`` (``due_slot``: ``<UTC minute>#<shard>``, range ``unit``) holds only users waiting on
  the clock: a run reads the minutes that have passed, never a scan.
- ``journey-entries``: ``user_id`` + ``journey_id`` → when the user last entered: the
  once-ever / once-per-N-days condition of every entry.
- ``journey-facts``: ``user_id`` + ``key`` (``<name>#<ref>``): what the server (or, for the
  event names a live journey uses, the mini-program) says happened, written once by a
  conditional put, with the minute it was recorded in sparse index ``by_slot`` and its name and
  China day in ``by_name_day`` (who would enter: yesterday's count). Kept 7 days (TTL).
- ``journey-stats``: ``journey_id`` + ``<version>#<shard>`` → counters (``entered``,
  ``sent:<step>``, ``skipped:<step>:<reason>``, …), added after each decision that is recorded
  once; 16 shards so a step sent to 100 000 users at once is not one hot item.
"""
from __future__ import annotations

from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.indexes import GlobalSecondaryIndex, IncludeProjection, KeysOnlyProjection
from pynamodb.models import Model

from chalicelib.store.base import meta

SHOP = "shop"
DUE_SHARDS = 8
STATS_SHARDS = 16


class JourneyHead(Model):
    Meta = meta("journeys")
    shop = UnicodeAttribute(hash_key=True)
    journey_id = UnicodeAttribute(range_key=True)
    name = UnicodeAttribute()
    status = UnicodeAttribute()  # draft | live | paused
    version = NumberAttribute()  # the latest saved
    live_version = NumberAttribute(null=True)  # what users enter (None: never published)
    trigger_key = UnicodeAttribute(null=True)  # of the live version
    updated_at = UTCDateTimeAttribute()
    updated_by = UnicodeAttribute(null=True)
    built_in = UnicodeAttribute(null=True)  # the default it was installed from


class JourneyVersion(Model):
    Meta = meta("journey-versions")
    journey_id = UnicodeAttribute(hash_key=True)
    version = NumberAttribute(range_key=True)
    body = UnicodeAttribute()  # JSON, as the operator sent it (camelCase)
    saved_at = UTCDateTimeAttribute()
    saved_by = UnicodeAttribute(null=True)


class ProgressByDue(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_due"
        projection = IncludeProjection(["due_at", "seq"])

    due_slot = UnicodeAttribute(hash_key=True)
    unit = UnicodeAttribute(range_key=True)  # ``<user>|<key>``


class Progress(Model):
    Meta = meta("journey-progress")
    user_id = UnicodeAttribute(hash_key=True)
    key = UnicodeAttribute(range_key=True)  # <journey>#<entry>
    journey_id = UnicodeAttribute()
    version = NumberAttribute()
    step = UnicodeAttribute(null=True)  # the step the user is at (None: finished)
    inside = UnicodeAttribute(null=True)  # "delay" | "wait": inside that step, not yet through it
    seq = NumberAttribute(default=0)
    status = UnicodeAttribute()  # active | done | exited | converted
    # Held out (``all``: the universal control group; ``journey``: this journey's): the user walks
    # the steps like the others, every send recorded as held out and nothing sent or granted, so
    # each step, and the goal, compare treated with held out (intention to treat).
    held = UnicodeAttribute(null=True)
    due_at = UTCDateTimeAttribute(null=True)
    due_slot = UnicodeAttribute(null=True)
    unit = UnicodeAttribute(null=True)
    waiting_for = UnicodeAttribute(null=True)  # ``fact:<name>`` or ``event:<name>``
    entered_at = UTCDateTimeAttribute()
    last_step = UnicodeAttribute(null=True)  # the last send that reached the user: the conversion's
    converted_at = UTCDateTimeAttribute(null=True)
    context = UnicodeAttribute(default="{}")  # JSON: the entry fact's order, coupon, product …
    goal_until = UTCDateTimeAttribute(null=True)
    # Set when the user's steps end: kept past the goal's window (a conversion may still come),
    # then removed (TTL), so a user's progress items, which every fact about them reads, stay few.
    expires_at = TTLAttribute(null=True)
    by_due = ProgressByDue()


class EntryGuard(Model):
    Meta = meta("journey-entries")
    user_id = UnicodeAttribute(hash_key=True)
    journey_id = UnicodeAttribute(range_key=True)
    last_at = UTCDateTimeAttribute()
    entries = NumberAttribute(default=0)


class FactsBySlot(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_slot"
        projection = KeysOnlyProjection()

    slot = UnicodeAttribute(hash_key=True)
    unit = UnicodeAttribute(range_key=True)


class FactsByNameDay(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_name_day"
        projection = KeysOnlyProjection()

    name_day = UnicodeAttribute(hash_key=True)
    unit = UnicodeAttribute(range_key=True)


class Fact(Model):
    Meta = meta("journey-facts")
    user_id = UnicodeAttribute(hash_key=True)
    key = UnicodeAttribute(range_key=True)  # <name>#<ref>
    name = UnicodeAttribute()
    at = UTCDateTimeAttribute()
    props = UnicodeAttribute(default="{}")  # JSON
    slot = UnicodeAttribute()
    unit = UnicodeAttribute()
    name_day = UnicodeAttribute()
    expires_at = TTLAttribute()
    by_slot = FactsBySlot()
    by_name_day = FactsByNameDay()


class JourneyStats(Model):
    """Counters as plain number attributes named by what they count (written by UpdateItem ADD)."""

    Meta = meta("journey-stats")
    journey_id = UnicodeAttribute(hash_key=True)
    shard = UnicodeAttribute(range_key=True)  # <version>#<0..STATS_SHARDS-1>
