"""The scheduled jobs, by name: what cron runs, and what an operator may run by hand locally."""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from types import ModuleType

import msgspec

from chalicelib import config, readiness
from chalicelib.groupbuy import service as groupbuy
from chalicelib.wakeup import service as wakeup
from chalicelib.wechat import get_wechat

log = logging.getLogger(__name__)

JOBS: dict[str, Callable[[datetime], object]] = {
    "groupbuy-close": lambda now: groupbuy.close_due(now=now),
    "wakeup-inactive": lambda now: wakeup.run_inactive(wechat=get_wechat(), now=now).as_dict(),
    "wakeup-cart": lambda now: wakeup.run_cart(wechat=get_wechat(), now=now).as_dict(),
    "wakeup-post-purchase": lambda now: wakeup.run_post_purchase(wechat=get_wechat(), now=now).as_dict(),
    "wakeup-habit": lambda now: wakeup.run_habit(wechat=get_wechat(), now=now).as_dict(),
    "metrics-rollup": lambda now: _rollup().yesterday(now),
}


def _rollup() -> ModuleType:
    # Imported when the nightly job runs, not in every function's cold start.
    from chalicelib.metrics import rollup

    return rollup


def run(name: str, now: datetime | None = None) -> dict:
    """Run one job now; its report is logged and returned. A deployed stage that is not
    configured runs nothing (``chalicelib.readiness`` logs why)."""
    refused = readiness.refusal()
    if refused is not None:
        return {"job": name, "skipped": refused.code}
    report = JOBS[name](now or config.utcnow())
    summary = msgspec.structs.asdict(report) if isinstance(report, msgspec.Struct) else dict(report)  # type: ignore[call-overload]
    log.info("job %s done", name, extra={"job": name, **summary})
    return summary
