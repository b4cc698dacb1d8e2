"""The scheduled jobs, by name: what cron runs, and what an operator may run by hand locally.

A wake-up job only reads its candidates and enqueues them (``chalicelib.fanout``); the sends are
the workers'. Each run has a time budget: the Lambda's remaining time less a margin, so a job
checkpoints and stops before it is killed, and the next run resumes.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

import msgspec

from chalicelib import config, job_runs, jobs, lazy, readiness

# A job's code loads when it runs (chalicelib.lazy), not in every function's cold start.
groupbuy = lazy.module("chalicelib.groupbuy.service")
alerts = lazy.module("chalicelib.alerts.service")
rollup = lazy.module("chalicelib.metrics.rollup")
wakeup = lazy.module("chalicelib.wakeup.service")
journeys = lazy.module("chalicelib.journeys.runs")

log = logging.getLogger(__name__)

MARGIN = 30  # seconds a scheduled run leaves itself to write its checkpoint and report

Job = Callable[[datetime, "float | None"], object]
JOBS: dict[str, Job] = {
    "groupbuy-close": lambda now, stop_at: groupbuy.close_due(now=now, stop_at=stop_at),
    "wakeup-inactive": lambda now, stop_at: wakeup.run_inactive(now=now, stop_at=stop_at).as_dict(),
    "wakeup-cart": lambda now, stop_at: wakeup.run_cart(now=now, stop_at=stop_at).as_dict(),
    "wakeup-post-purchase": lambda now, stop_at: wakeup.run_post_purchase(now=now, stop_at=stop_at).as_dict(),
    "wakeup-habit": lambda now, stop_at: wakeup.run_habit(now=now, stop_at=stop_at).as_dict(),
    "journeys-tick": lambda now, stop_at: journeys.tick(now=now, stop_at=stop_at),
    "journeys-enter": lambda now, stop_at: journeys.enter(now=now, stop_at=stop_at),
    "metrics-rollup": lambda now, stop_at: rollup.yesterday(now, stop_at),
    "alerts-evaluate": lambda now, stop_at: alerts.evaluate(now, stop_at),
}


def run(name: str, now: datetime | None = None, *, context: Any = None, budget: float | None = None,
        trigger: str = "schedule") -> dict:
    """Run one job now; its report is logged, recorded (``chalicelib.job_runs``) and returned.
    ``context`` (a Lambda's) or ``budget`` (seconds) bounds the run. A deployed stage that is
    not configured runs nothing (``chalicelib.readiness`` logs why). ``trigger``: who asked."""
    refused = readiness.refusal()
    if refused is not None:
        return {"job": name, "skipped": refused.code}
    if context is not None and hasattr(context, "get_remaining_time_in_millis"):
        budget = context.get_remaining_time_in_millis() / 1000 - MARGIN
    stop_at = time.monotonic() + budget if budget is not None else None
    now = now or config.utcnow()
    run_id = job_runs.started(name, now=now, trigger=trigger)
    try:
        report = JOBS[name](now, stop_at)
    except Exception as exc:
        job_runs.finished(name, run_id, now=config.utcnow(), outcome=job_runs.FAILED, report=None,
                          stopped_at_budget=False, checkpoint=_checkpoint(name), error=type(exc).__name__)
        raise
    summary = msgspec.structs.asdict(report) if isinstance(report, msgspec.Struct) else dict(report)  # type: ignore[call-overload]
    log.info("job %s done", name, extra={"job": name, **summary})
    # A job that says why it stopped says "time"; one that just returns early is known by its clock.
    stopped = summary.get("stopped") == "time" or (stop_at is not None and time.monotonic() >= stop_at)
    job_runs.finished(name, run_id, now=config.utcnow(), outcome=job_runs.DONE, report=summary,
                      stopped_at_budget=stopped, checkpoint=_checkpoint(name))
    return summary


def _checkpoint(name: str) -> str | None:
    """The job's checkpoint as the run left it, for its record; a failed read is only logged."""
    try:
        return jobs.cursor(name)
    except Exception:  # noqa: BLE001 - the record must never fail the job
        log.warning("job checkpoint not read for its record", extra={"job": name})
        return None
