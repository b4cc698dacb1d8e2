"""Check-in days and each user's check-in status.

Key patterns:
- ``checkins``: ``user_id`` + ``day`` (``YYYY-MM-DD``, a China day). Written with
  ``attribute_not_exists``: that condition is the once-per-day guarantee. Each item keeps the
  streak of its day and what it paid, so a retry can answer exactly as the first time did.
- ``checkin-status``: ``user_id`` → last day, current streak, month count, make-up cards,
  the habit-reminder opt-in. Every check-in and make-up adds 1 to ``total_days`` in the
  transaction that writes its day, so ``total_days`` versions the whole calendar: each writes
  on condition that ``total_days``, ``last_day`` and ``streak`` are what it read (optimistic),
  and racing check-ins and make-ups cannot lose one another or compute from a stale neighbour.
  Sparse index ``reminders`` (``reminder_shard`` + ``user_id``) holds only the opted-in
  users, spread over ten shards, for the daily reminder job to read without a scan.
"""
from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import GlobalSecondaryIndex, IncludeProjection
from pynamodb.models import Model

from chalicelib.store.base import meta

REMINDER_SHARDS = 10


class CheckinDay(Model):
    Meta = meta("checkins")
    user_id = UnicodeAttribute(hash_key=True)
    day = UnicodeAttribute(range_key=True)
    kind = UnicodeAttribute()  # normal | makeup
    streak = NumberAttribute()
    points = NumberAttribute(default=0)
    cards = NumberAttribute(default=0)  # make-up cards this day paid out
    coupon_id = UnicodeAttribute(null=True)
    coupon_name = UnicodeAttribute(null=True)
    milestone = NumberAttribute(null=True)  # the month milestone (days) this day reached
    at = UTCDateTimeAttribute()


class RemindersIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "reminders"
        projection = IncludeProjection(["last_day"])  # the job skips who checked in today, unread

    reminder_shard = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute(range_key=True)


class CheckinStatus(Model):
    Meta = meta("checkin-status")
    user_id = UnicodeAttribute(hash_key=True)
    last_day = UnicodeAttribute(null=True)
    streak = NumberAttribute(default=0)
    total_days = NumberAttribute(default=0)
    month = UnicodeAttribute(null=True)  # YYYY-MM of month_days
    month_days = NumberAttribute(default=0)
    cards = NumberAttribute(default=0)
    reminder = BooleanAttribute(default=False)
    reminder_shard = UnicodeAttribute(null=True)  # set only while reminder is on: the sparse index key
    reminders = RemindersIndex()
