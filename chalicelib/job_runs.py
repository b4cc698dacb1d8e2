"""The record of each scheduled job's runs: when it started and finished, how it ended, what it
reported, and whether it stopped at its time budget with a checkpoint. The 任务 screen reads it.

Key pattern:
- ``job-runs``: ``job`` + ``run_id`` (``<started UTC>#<random>``, so a Query backwards is newest
  first). ``expires_at`` (TTL) bounds the table: runs are kept ``KEEP_DAYS``; the busiest job
  (every 5 minutes) then holds about 8,600 items, and a listing reads only the newest few.
- ``job-runs``: ``job`` + ``LEASE`` is the lease of a run by hand: a conditional put that a
  second "run now" finds taken until the first ends or the lease lapses.

The record is a report, never a part of the job: a failed write is logged, and the job runs on.
"""
from __future__ import annotations

import json
import logging
import secrets
from datetime import datetime, timedelta, timezone
from typing import Any

from pynamodb.attributes import BooleanAttribute, TTLAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import DeleteError, PutError
from pynamodb.models import Model

from chalicelib.store.base import meta

log = logging.getLogger(__name__)

KEEP_DAYS = 30
LEASE = "~lease"  # sorts after every run id (digits): a newest-first Query starts past it
RUNNING, DONE, FAILED = "running", "done", "failed"


class JobRun(Model):
    Meta = meta("job-runs")
    job = UnicodeAttribute(hash_key=True)
    run_id = UnicodeAttribute(range_key=True)
    started_at = UTCDateTimeAttribute()
    finished_at = UTCDateTimeAttribute(null=True)
    outcome = UnicodeAttribute(default=RUNNING)
    trigger = UnicodeAttribute(default="schedule")  # "schedule", or the operator's name
    report = UnicodeAttribute(null=True)  # the job's own report (its counts), JSON
    stopped_at_budget = BooleanAttribute(default=False)
    checkpoint = UnicodeAttribute(null=True)  # the job's checkpoint when the run ended
    error = UnicodeAttribute(null=True)  # the exception's type, never its text (it may hold data)
    expires_at = TTLAttribute()


def started(job: str, *, now: datetime, trigger: str = "schedule") -> str | None:
    """Record a run's start; its id, or None when the record could not be written (logged)."""
    run_id = f"{now.astimezone(timezone.utc):%Y-%m-%dT%H:%M:%S.%f}Z#{secrets.token_hex(3)}"
    try:
        JobRun(job, run_id, started_at=now, trigger=trigger,
               expires_at=now + timedelta(days=KEEP_DAYS)).save()
    except Exception:  # noqa: BLE001 - the record must never fail the job
        log.warning("job run record not written", extra={"job": job}, exc_info=True)
        return None
    return run_id


def finished(job: str, run_id: str | None, *, now: datetime, outcome: str, report: dict[str, Any] | None,
             stopped_at_budget: bool, checkpoint: str | None, error: str | None = None) -> None:
    """Record how the run ended. Never raises."""
    if run_id is None:
        return
    try:
        JobRun(job, run_id).update(actions=[
            JobRun.finished_at.set(now), JobRun.outcome.set(outcome),
            JobRun.report.set(None if report is None else json.dumps(report, ensure_ascii=False, default=str)),
            JobRun.stopped_at_budget.set(stopped_at_budget), JobRun.checkpoint.set(checkpoint),
            JobRun.error.set(error),
        ])
    except Exception:  # noqa: BLE001
        log.warning("job run record not finished", extra={"job": job, "run": run_id}, exc_info=True)


def recent(job: str, limit: int) -> list[JobRun]:
    """The newest ``limit`` runs of ``job``, newest first: one Query."""
    return list(JobRun.query(job, JobRun.run_id < LEASE, scan_index_forward=False, limit=limit))


# --- the lease of a run by hand -----------------------------------------------------------------
class Busy(Exception):
    """Another run by hand of this job holds the lease."""


def lease(job: str, *, now: datetime, seconds: float, holder: str) -> None:
    """Take the job's lease for ``seconds``: absent, or lapsed. Raises ``Busy`` otherwise."""
    item = JobRun(job, LEASE, started_at=now, trigger=holder, outcome=RUNNING,
                  expires_at=now + timedelta(seconds=seconds))
    try:
        # The condition owns the guarantee: of two runs by hand at once, one puts and one is refused.
        item.save(condition=JobRun.run_id.does_not_exist() | (JobRun.expires_at < now))
    except PutError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            raise Busy() from exc
        raise


def release(job: str, *, holder: str) -> None:
    try:
        JobRun(job, LEASE).delete(condition=JobRun.trigger == holder)
    except DeleteError:
        log.warning("job lease not released (it lapses by itself)", extra={"job": job})
