"""What the daily rollup writes; every report reads only this table.

Key pattern: ``metric-rows``: ``metric`` + ``key`` → ``values`` (JSON). Three kinds of row:
- ``day`` / ``YYYY-MM-DD``: that China day's counts (active users, funnel, behaviour,
  coupons by source, group-buy, bargain, referral).
- ``cohort`` / ``<first day>#<offset>``: users first seen on the first day who were active on
  the day ``offset`` days later (split by wake-up arm), and first buyers of that day who
  ordered a second time ``offset`` days later.
- ``wakeup`` / ``<decision day>#<journey>``: the decisions of that day, treated against
  holdout, and how many of each came back or ordered within the outcome window.

A row is always written whole from one day's facts (never incremented), so re-running a day,
or a range, converges to the same table: the rollup is idempotent and can be interrupted.
"""
from __future__ import annotations

import json

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.models import Model

from chalicelib.store.base import meta

DAY, COHORT, WAKEUP = "day", "cohort", "wakeup"
RETENTION_DAYS = 30  # cohort rows for offsets 0..30: D1, D7, D30 and the curve
REPURCHASE_DAYS = 90  # ... and up to 90 for second orders


class MetricRow(Model):
    Meta = meta("metric-rows")
    metric = UnicodeAttribute(hash_key=True)
    key = UnicodeAttribute(range_key=True)
    values = UnicodeAttribute()  # JSON object of counts
    computed_at = UTCDateTimeAttribute()

    def counts(self) -> dict:
        return json.loads(self.values)
