"""Operators' metric reports: three range queries on the rollup's rows, never the raw events."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

from chalicelib import bounds, errors, messages
from chalicelib.config import china_day
from chalicelib.metrics import stats
from chalicelib.metrics.models import COHORT, DAY, REPURCHASE_DAYS, WAKEUP, MetricRow

MAX_RANGE_DAYS = 366
MAX_BACKFILL_DAYS = 31  # per HTTP call: API Gateway gives a request 29 s; the CLI has no limit


class Rows:
    """The rows a report reads, fetched once: day rows of the range, cohort rows of cohorts that
    start in it (with offsets up to 90 days, so later), wake-up rows of decisions in it."""

    def __init__(self, first: date, last: date) -> None:
        self.first, self.last = first, last
        # Days rolled up from first to 90 days after last: which cohort offsets are known yet.
        later = _between(DAY, first.isoformat(), (last + timedelta(days=REPURCHASE_DAYS)).isoformat())
        self.rolled = {r.key for r in later}
        self.days = {r.key: r.counts() for r in later if r.key <= last.isoformat()}
        self.cohorts = {(r.key[:10], int(r.key[11:])): r.counts()
                        for r in _between(COHORT, f"{first.isoformat()}#", f"{last.isoformat()}#~")}
        self.wakeups = {(r.key[:10], r.key[11:]): r.counts()
                        for r in _between(WAKEUP, f"{first.isoformat()}#", f"{last.isoformat()}#~")}
        self.latest = max(self.rolled, default=None)


REPORTS: dict[str, Callable[[Rows], object]] = {
    "retention": lambda r: stats.retention({k: v for k, v in r.cohorts.items() if k[1] <= 30}, r.rolled),
    "repurchase": lambda r: stats.repurchase(r.cohorts, r.rolled),
    "daily": lambda r: stats.daily(r.days),
    "funnel": lambda r: stats.funnel(r.days),
    "behaviour": lambda r: stats.behaviour(r.days),
    "coupons": lambda r: stats.coupons(r.days),
    "campaigns": lambda r: stats.campaigns(r.days),
    "wakeup": lambda r: stats.wakeup(r.wakeups),
}


def report(name: str, first: date, last: date) -> dict:
    """One metric (or ``all`` of them) for cohorts and days in ``first..last``."""
    if name != "all" and name not in REPORTS:
        raise errors.NotFound(messages.text("NOT_FOUND.choices", choices=", ".join(["all", *REPORTS])))
    rows = Rows(first, last)
    wanted = REPORTS if name == "all" else {name: REPORTS[name]}
    return {"from": first.isoformat(), "to": last.isoformat(), "rolledUpThrough": rows.latest,
            "daysWithData": len(rows.days), **{key: build(rows) for key, build in wanted.items()}}


def parse_range(start: str | None, end: str | None, *, now: datetime, max_days: int = MAX_RANGE_DAYS) -> tuple[date, date]:
    """``from``/``to`` as China days; by default the 30 days up to yesterday."""
    yesterday = china_day(now) - timedelta(days=1)
    try:
        last = date.fromisoformat(end) if end else yesterday
        first = date.fromisoformat(start) if start else None
    except ValueError:
        raise errors.ValidationFailed(messages.text("VALIDATION_FAILED.day_range")) from None
    for name, day in (("from", first), ("to", last)):
        if day is not None and not bounds.in_window(day):  # before any arithmetic on them
            raise errors.ValidationFailed(bounds.window_message(name))
    first = first or last - timedelta(days=29)
    if first > last:
        raise errors.ValidationFailed(messages.text("VALIDATION_FAILED.from_after_to"))
    if (last - first).days + 1 > max_days:
        raise errors.ValidationFailed(messages.text("VALIDATION_FAILED.max_days", days=max_days))
    return first, last


def _between(metric: str, low: str, high: str) -> list[MetricRow]:
    return list(MetricRow.query(metric, MetricRow.key.between(low, high)))

