"""The record of each job's runs (``chalicelib.job_runs``), written by ``schedules.run``: start and
end, outcome, the report's counts, the time budget, the checkpoint; bounded by a TTL; never a
cause of a job's failure. The lease of a run by hand admits one at a time; and a wake-up run
twice (by hand beside the schedule) sends nothing twice."""
from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from pynamodb.models import Model

from chalicelib import fanout, job_runs, jobs, schedules
from chalicelib.job_runs import JobRun
from tests.integration.helpers import race
from tests.integration.test_wakeup import TEN_AM, _own_queue, held_out, person, sent_to  # noqa: F401  (the fixture)


@pytest.fixture
def job(monkeypatch) -> str:
    """A job of this test's own name (its runs and checkpoint are this test's alone), reporting counts."""
    name = f"test-job-{uuid.uuid4().hex[:8]}"
    monkeypatch.setitem(schedules.JOBS, name, lambda now, stop_at: {"read": 3, "closed": 2, "stopped": None})
    return name


def test_a_run_is_recorded_from_its_start_to_its_end_with_its_counts(dynamodb, job):
    now = datetime(2027, 5, 1, 1, tzinfo=timezone.utc)
    jobs.advance(job, "2027-05-01T00", now=now)
    assert schedules.run(job, now, trigger="alice") == {"read": 3, "closed": 2, "stopped": None}
    [run] = job_runs.recent(job, 5)
    assert (run.outcome, run.trigger, run.started_at, run.checkpoint) == ("done", "alice", now, "2027-05-01T00")
    assert run.finished_at is not None and run.stopped_at_budget is False and run.error is None
    assert '"closed": 2' in run.report
    assert run.expires_at == now + timedelta(days=job_runs.KEEP_DAYS)  # the TTL bounds the table


def test_the_newest_runs_come_first_and_only_as_many_as_asked(dynamodb, job):
    start = datetime(2027, 5, 2, tzinfo=timezone.utc)
    for minutes in range(7):
        schedules.run(job, start + timedelta(minutes=minutes))
    recent = job_runs.recent(job, 5)
    assert [r.started_at for r in recent] == [start + timedelta(minutes=m) for m in (6, 5, 4, 3, 2)]


def test_a_run_that_stopped_at_its_budget_says_so(dynamodb, job, monkeypatch):
    monkeypatch.setitem(schedules.JOBS, job, lambda now, stop_at: {"stopped": "time"})
    schedules.run(job, datetime(2027, 5, 3, tzinfo=timezone.utc), budget=0.0)
    assert job_runs.recent(job, 1)[0].stopped_at_budget is True


def test_a_job_that_fails_is_recorded_failed_and_still_raises(dynamodb, job, monkeypatch):
    def broken(now, stop_at):
        raise RuntimeError("the data of a user that must not be kept")

    monkeypatch.setitem(schedules.JOBS, job, broken)
    with pytest.raises(RuntimeError):
        schedules.run(job, datetime(2027, 5, 4, tzinfo=timezone.utc))
    [run] = job_runs.recent(job, 1)
    assert (run.outcome, run.error, run.report) == ("failed", "RuntimeError", None)


def test_a_record_that_cannot_be_written_never_fails_the_job(dynamodb, job, monkeypatch, caplog):
    def refuse(*args, **kwargs):
        raise RuntimeError("storage down")

    monkeypatch.setattr(JobRun, "save", refuse)
    monkeypatch.setattr(Model, "update", refuse)
    with caplog.at_level(logging.WARNING, logger="chalicelib.job_runs"):
        assert schedules.run(job, datetime(2027, 5, 5, tzinfo=timezone.utc))["closed"] == 2
    assert "job run record not written" in caplog.text
    monkeypatch.undo()
    monkeypatch.setitem(schedules.JOBS, job, lambda now, stop_at: {"closed": 1})
    run_id = job_runs.started(job, now=datetime(2027, 5, 5, 1, tzinfo=timezone.utc))
    monkeypatch.setattr(Model, "update", refuse)
    with caplog.at_level(logging.WARNING, logger="chalicelib.job_runs"):
        job_runs.finished(job, run_id, now=datetime(2027, 5, 5, 1, tzinfo=timezone.utc), outcome="done", report={},
                          stopped_at_budget=False, checkpoint=None)
    assert "job run record not finished" in caplog.text


def test_the_lease_admits_one_run_by_hand_until_it_ends_or_lapses(dynamodb, job):
    now = datetime.now(timezone.utc)

    def take(i: int) -> str:
        try:
            job_runs.lease(job, now=now, seconds=60, holder=f"h{i}")
            return f"h{i}"
        except job_runs.Busy:
            return "busy"

    taken = race(8, take)
    winners = [t for t in taken if t != "busy"]
    assert len(winners) == 1
    with pytest.raises(job_runs.Busy):
        job_runs.lease(job, now=now, seconds=60, holder="late")
    job_runs.release(job, holder="someone else")  # only its holder ends a lease
    with pytest.raises(job_runs.Busy):
        job_runs.lease(job, now=now, seconds=60, holder="late")
    job_runs.release(job, holder=winners[0])
    job_runs.lease(job, now=now, seconds=60, holder="next")
    job_runs.lease(job, now=now + timedelta(seconds=61), seconds=60, holder="after the lapse")
    assert job_runs.recent(job, 5) == []  # the lease is not a run


def test_a_wakeup_run_by_hand_beside_the_scheduled_one_sends_nothing_twice(dynamodb, sandbox, queue):
    now = TEN_AM + timedelta(days=7_000)  # a day of this test's own
    users = [person(sandbox, idle_days=3, now=now) for _ in range(4)]
    first = schedules.run("wakeup-inactive", now)
    fanout.drain(now=now)
    again = schedules.run("wakeup-inactive", now + timedelta(minutes=1), trigger="by hand")
    fanout.drain(now=now)
    assert again["checkpoint"] == "complete" and again["candidates"] == 0, (first, again)
    assert all(sent_to(sandbox, u) == (0 if held_out(u) else 1) for u in users)
    [by_hand, scheduled] = job_runs.recent("wakeup-inactive", 2)
    assert (by_hand.trigger, scheduled.trigger) == ("by hand", "schedule")
