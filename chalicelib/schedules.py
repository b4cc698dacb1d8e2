"""The scheduled jobs, by name: what cron runs, and what an operator may run by hand locally."""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict, is_dataclass
from datetime import datetime

from chalicelib import config
from chalicelib.groupbuy import service as groupbuy

log = logging.getLogger(__name__)

JOBS: dict[str, Callable[[datetime], object]] = {
    "groupbuy-close": lambda now: groupbuy.close_due(now=now),
}


def run(name: str, now: datetime | None = None) -> dict:
    """Run one job now; its report is logged and returned."""
    report = JOBS[name](now or config.utcnow())
    summary = asdict(report) if is_dataclass(report) else {"result": report}
    log.info("job %s done", name, extra={"job": name, **summary})
    return summary
