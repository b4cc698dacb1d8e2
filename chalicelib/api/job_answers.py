"""What the 任务 functions answer (``chalicelib.api.job_views``), for the OpenAPI document; named
by reference, so only the generator and the tests import this module."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from chalicelib.api.answers import Answer


class JobRun(Answer):
    """One run: ``report`` is the job's own (its counts); ``stoppedAtBudget``: it stopped at its
    time budget and the checkpoint holds its place; ``trigger``: "schedule" or the operator's name."""

    run_id: str
    started_at: datetime
    finished_at: datetime | None
    outcome: Literal["running", "done", "failed"]
    trigger: str
    report: dict[str, Any] | None
    stopped_at_budget: bool
    checkpoint: str | None
    error: str | None


class Checkpoint(Answer):
    cursor: str
    updated_at: datetime


class Job(Answer):
    job: str
    schedule: str  # the EventBridge expression (UTC)
    checkpoint: Checkpoint | None
    runs: list[JobRun]  # newest first


class Jobs(Answer):
    jobs: list[Job]
