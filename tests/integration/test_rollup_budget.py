"""The scheduled rollup within its time budget: a run that would overrun stops at a shard's
checkpoint, and the runs after it go on from there, to the very rows one uninterrupted run writes.

These tests live on China days 70 to 66 before today (the tables are shared by the session).
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from itertools import count

import msgspec
import pytest

from chalicelib import config, jobs
from chalicelib.api import merchant_answers
from chalicelib.events import consent
from chalicelib.events import service as events
from chalicelib.events.models import DAY_SHARDS
from chalicelib.metrics import rollup
from chalicelib.metrics.models import COHORT, DAY, WAKEUP, MetricRow
from chalicelib.wakeup.models import Send
from tests.integration.helpers import uid

BASE = config.china_day(datetime.now(timezone.utc)) - timedelta(days=70)
DAYS = [BASE + timedelta(days=i) for i in range(4)]


def noon(day: date) -> datetime:
    return datetime.combine(day, time(4), tzinfo=timezone.utc)  # 12:00 in China


def visit(user: str, day: date, *names: str) -> None:
    consent.record(user, agreed=True, version="v1", now=noon(day))
    events.ingest([events.Incoming(uid("e"), n, None, {}) for n in names or ("page_view",)], user_id=user,
                  device_id=None, now=noon(day))


@pytest.fixture(scope="module")
def world():
    """Thirty people over four days, so that every shard of a day has someone: visits, views,
    carts, shares, orders (some a second one), a device, and wake-up decisions on day 1."""
    people = [uid() for _ in range(30)]
    for i, user in enumerate(people):
        visit(user, DAYS[0], *("page_view", "product_view", "add_to_cart", "share")[: 1 + i % 4])
        if i % 3 == 0:
            events.record_order(user, uid("o"), 1000 + i, now=noon(DAYS[0]))
        if i % 2 == 0:
            visit(user, DAYS[1 + i % 3])
        if i % 6 == 0:
            events.record_order(user, uid("o"), 500, now=noon(DAYS[2]))
        if i % 5 == 0:
            Send(user, f"inactive:d3:{DAYS[0]}", journey="inactive", step="d3",
                 state="holdout" if i % 10 == 0 else "sent", at=noon(DAYS[1]),
                 journey_day=f"inactive#{DAYS[1].isoformat()}").save()
    events.ingest([events.Incoming(uid("e"), "page_view", None, {})], user_id=None, device_id=uid("dev"),
                  now=noon(DAYS[0]))
    return people


def rows() -> dict:
    low, high = DAYS[0].isoformat(), DAYS[-1].isoformat() + "~"
    return {(r.metric, r.key): r.values for metric in (DAY, COHORT, WAKEUP)
            for r in MetricRow.query(metric, MetricRow.key.between(low, high), consistent_read=True)}


def partials() -> list[str]:
    low, high = DAYS[0].isoformat(), DAYS[-1].isoformat() + "~"
    return [r.key for r in MetricRow.query(rollup.PARTIAL, MetricRow.key.between(low, high), consistent_read=True)]


def test_runs_cut_short_by_their_budget_end_with_the_rows_of_one_uninterrupted_run(world, monkeypatch):
    now = noon(DAYS[-1] + timedelta(days=1))  # yesterday is the last day
    whole = rollup.backfill(DAYS[0], DAYS[-1], now=now)
    expected = rows()
    assert sum(r.events for r in whole) > 0 and expected
    for metric, key in expected:
        MetricRow(metric, key).delete()

    job = uid("job-")
    jobs.advance_in(job, (DAYS[0] - timedelta(days=1)).isoformat(), "~", now=now)  # the day before was done
    ticks = count()
    monkeypatch.setattr(rollup, "monotonic", lambda: float(next(ticks)))  # each reading of the clock: 1 s
    runs = []
    while not runs or runs[-1]["stopped"]:
        runs.append(rollup.yesterday(now, stop_at=next(ticks) + 10.0, job=job))  # about three shards a run
        assert len(runs) < 40, "a run made no progress"
        if len(runs) == 1:  # the first run stopped inside the first day, its shares kept
            assert runs[0]["stopped"] == "time" and not runs[0]["days"]
            day, shard = jobs.cursor(job).split("|")
            assert day == DAYS[0].isoformat() and 0 <= int(shard) < DAY_SHARDS - 1
            assert len(partials()) == int(shard) + 1

    assert len(runs) > len(DAYS)  # cut short inside days, not only between them
    assert {r["checkpoint"] for r in runs[1:]} <= {"resumed", None} and runs[1]["checkpoint"] == "resumed"
    done = [d for r in runs for d in r["days"]]
    assert done == [{"day": r.day, "events": r.events, "users": r.users, "rows": r.rows} for r in whole]
    assert rows() == expected  # the same figures: nothing counted twice or lost
    assert partials() == []  # each day's shares go with its rows
    assert jobs.cursor(job) == f"{DAYS[-1].isoformat()}|~"
    assert rollup.yesterday(now, stop_at=next(ticks) + 10.0, job=job) == {
        "days": [], "stopped": None, "checkpoint": "complete"}
    for run in runs:  # what POST /operator/jobs/metrics-rollup shows, as the OpenAPI document says
        msgspec.convert({"job": "metrics-rollup", "report": run, "worked": None}, merchant_answers.JobAnswer,
                        strict=False)


def test_a_run_with_time_for_nothing_stops_before_reading(world, monkeypatch):
    now, job = noon(DAYS[-1] + timedelta(days=1)), uid("job-")
    monkeypatch.setattr(rollup, "monotonic", lambda: 100.0)
    run = rollup.yesterday(now, stop_at=99.0, job=job)
    assert (run["days"], run["stopped"], jobs.cursor(job)) == ([], "time", None)


@pytest.mark.parametrize("saved, start, resume", [
    (None, 0, None),  # no run yet: yesterday
    ("-3|~", -2, None),  # the day after the last one done
    ("-2|04", -2, 5),  # a day cut short: its kept shares, then shard 5
    ("0|~", 1, None),  # yesterday done: nothing
    ("6|~", 0, None),  # done ahead of today (a clock moved back): yesterday afresh
    (f"-{rollup.CATCH_UP_DAYS + 1}|02", -rollup.CATCH_UP_DAYS, None),  # too old: the catch-up window's first day
])
def test_where_a_scheduled_run_starts(saved, start, resume):
    """``saved`` and ``start``: days from yesterday (``last``)."""
    job, last = uid("job-"), DAYS[3]
    if saved:
        offset, position = saved.split("|")
        jobs.advance_in(job, (last + timedelta(days=int(offset))).isoformat(), position, now=noon(last))
    assert rollup._start(job, last, rollup.Run()) == (last + timedelta(days=start), resume)
