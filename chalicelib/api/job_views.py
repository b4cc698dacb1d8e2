"""任务: the scheduled jobs, their last runs (``chalicelib.job_runs``) and checkpoints
(``chalicelib.jobs``), and a run by hand."""
from __future__ import annotations

import json
import secrets
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from chalice import Blueprint

from chalicelib import config, errors, fanout, lazy, messages
from chalicelib.api.http import Call, route
from chalicelib.auth.levels import OPERATOR

schedules = lazy.module("chalicelib.schedules")
job_runs = lazy.module("chalicelib.job_runs")
jobs = lazy.module("chalicelib.jobs")

if TYPE_CHECKING:
    from chalicelib.job_runs import JobRun

bp = Blueprint(__name__)

ANSWERS = "chalicelib.api.merchant_answers:"
JOB_ANSWERS = "chalicelib.api.job_answers:"

# What app.py schedules, as EventBridge writes it (a unit test holds the two equal).
SCHEDULES = {
    "groupbuy-close": "rate(5 minutes)",
    "wakeup-inactive": "cron(0 2 * * ? *)",
    "wakeup-cart": "rate(1 hour)",
    "wakeup-post-purchase": "cron(0 3 * * ? *)",
    "wakeup-habit": "cron(0 12 * * ? *)",
    "journeys-tick": "rate(1 minute)",
    "journeys-enter": "rate(1 hour)",
    "metrics-rollup": "cron(30 16 * * ? *)",
    "alerts-evaluate": "cron(30 17 * * ? *)",
}
RUNS_SHOWN = 5  # per job on the screen

JOB_BUDGET = 20.0  # seconds of a run by hand: API Gateway answers after 29; the checkpoint keeps the rest
DRAIN_SECONDS = 25.0
LEASE_SECONDS = 60  # longer than a run by hand can take (the budget, the drain, a margin)


@route(bp, "GET", "/operator/jobs", auth=OPERATOR, answer=JOB_ANSWERS + "Jobs")
def list_jobs(call: Call) -> dict:
    """Each job: its schedule, its newest runs and its checkpoint. A Query per job and one
    BatchGet of the checkpoints."""
    cursors = {c.name: c for c in jobs.JobCursor.batch_get(list(SCHEDULES))}
    return {"jobs": [{
        "job": name,
        "schedule": schedule,
        "checkpoint": None if name not in cursors else {
            "cursor": cursors[name].cursor, "updatedAt": config.iso(cursors[name].updated_at)},
        "runs": [_run(r) for r in job_runs.recent(name, RUNS_SHOWN)],
    } for name, schedule in SCHEDULES.items()]}


@route(bp, "POST", "/operator/jobs/{job}", auth=OPERATOR, answer=ANSWERS + "JobAnswer")
def run_job(call: Call) -> dict:
    """Run a scheduled job now (the local stack and the simulator drive time this way).

    A run that needs more than ``JOB_BUDGET`` stops at its checkpoint; calling again resumes it.
    A second run by hand while one is under way is 409 ``JOB_RUNNING`` (a lease, below); the
    jobs are idempotent besides, so a scheduled run beside it sends nothing twice. Deployed,
    the workers then do the fanned-out work (``worked`` is null). In the local stage this call
    works the queue itself before answering, with the handler the workers run, so the sends are
    made, on the simulated clock, when it answers; the stack's worker loop takes what comes back
    later (retries, deferrals)."""
    job = call.path["job"]
    if job not in schedules.JOBS:
        raise errors.NotFound(messages.text("NOT_FOUND.choices", choices=", ".join(sorted(schedules.JOBS))))
    holder = f"{call.actor.name}#{secrets.token_hex(4)}"
    try:
        # The real clock: a lease lapses in real time, whatever the local stage's simulated one says.
        job_runs.lease(job, now=datetime.now(timezone.utc), seconds=LEASE_SECONDS, holder=holder)
    except job_runs.Busy as exc:
        raise errors.JobRunning() from exc
    try:
        report = schedules.run(job, call.now, budget=JOB_BUDGET, trigger=call.actor.name)
        worked = fanout.drain(timeout=DRAIN_SECONDS).as_dict() if config.stage() == "local" else None
    finally:
        job_runs.release(job, holder=holder)
    return {"job": job, "report": report, "worked": worked}


def _run(r: JobRun) -> dict:
    return {
        "runId": r.run_id, "startedAt": config.iso(r.started_at),
        "finishedAt": None if r.finished_at is None else config.iso(r.finished_at),
        "outcome": r.outcome, "trigger": r.trigger,
        "report": None if r.report is None else json.loads(r.report),
        "stoppedAtBudget": bool(r.stopped_at_budget), "checkpoint": r.checkpoint, "error": r.error,
    }
