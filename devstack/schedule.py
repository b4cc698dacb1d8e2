"""The local stack's scheduler: what EventBridge's cron rules do in AWS, for the journeys.

A thread runs ``journeys-tick`` each time the app's clock enters a new minute and
``journeys-enter`` each time it enters a new hour, through ``chalicelib.schedules.run`` (so each
run is recorded as the console's jobs screen shows them, triggered "local"). It runs in the API
server's process, beside the fan-out workers (``devstack.worker``), because the simulated clock
lives there (``config.set_clock``): when the simulator moves the clock days ahead, the next poll
sees a new minute and hour at once, and the tick catches up from its checkpoint over the next
runs (a day of minutes a run at most, ``chalicelib.journeys.runs.MAX_MINUTES``); moved back, it
runs at the next minute it has not run in.

The other scheduled jobs (wake-ups, group closes, rollups) stay run by hand locally
(``POST /operator/jobs/{name}/run``): their effects are what a demo steps through.
``HUILIU_LOCAL_JOBS=off`` turns the thread off (a benchmark that wants no background writes).
"""
from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from chalicelib import config

log = logging.getLogger(__name__)

POLL = 5.0  # seconds between looks at the clock
STARTING = 60.0  # seconds the tables may take to appear
SIMULATING = timedelta(hours=1)  # a clock moved further than this is the simulator's: no local runs
BUDGET = 50.0  # seconds a run may take before it checkpoints and stops (a minute's tick must end within it)
# Each job with what names its period: a new value of it is a new run.
JOBS: tuple[tuple[str, Callable[[datetime], str]], ...] = (
    ("journeys-tick", lambda now: now.strftime("%Y-%m-%dT%H:%M")),
    ("journeys-enter", lambda now: now.strftime("%Y-%m-%dT%H")),
)


def _run(name: str) -> object:
    from chalicelib import schedules

    return schedules.run(name, budget=BUDGET, trigger="local")


class ScheduleLoop:
    def __init__(self, *, run: Callable[[str], object] = _run, clock: Callable[[], datetime] = config.utcnow,
                 poll: float = POLL, starting: float = STARTING) -> None:
        self._run, self._clock, self._poll = run, clock, poll
        # The stack makes the tables while this process starts: until then a failed run is tried
        # again at the next poll, without a complaint.
        self._quiet_until = time.monotonic() + starting
        self._last: dict[str, str] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="local-schedule", daemon=True)

    def start(self) -> ScheduleLoop:
        self._thread.start()
        return self

    def stop(self, timeout: float = BUDGET) -> None:
        self._stop.set()
        self._thread.join(timeout=timeout)

    def due(self, now: datetime) -> list[str]:
        """The jobs whose period ``now`` is in and that have not run in it."""
        return [name for name, period in JOBS if self._last.get(name) != period(now)]

    def once(self) -> list[str]:
        """Run what is due now; the jobs run, in order. A job that fails is logged and tried again
        at its next period (its checkpoint is where the failed run left it)."""
        now = self._clock()
        ran = []
        for name in self.due(now):
            try:
                self._run(name)
                ran.append(name)
            except Exception:  # the loop must outlive any one run, as the next cron run would
                if time.monotonic() < self._quiet_until:
                    continue  # not marked run: tried again at the next poll
                log.exception("local schedule: %s failed", name)
            self._last[name] = dict(JOBS)[name](now)  # a failure waits for the next period, as cron's would
        return ran

    def _loop(self) -> None:
        while not self._stop.is_set() and not _tables_made():
            self._stop.wait(self._poll)  # nothing runs (or logs) before the stack has made its tables
        while not self._stop.is_set():
            # While the simulator has moved the clock days away, catching the tick up would read
            # every simulated minute, 16 Queries each, against the one-request-at-a-time emulator:
            # the simulation would crawl. The simulator runs the jobs it measures itself; the
            # journeys run on from their checkpoint once the clock is near real time again.
            if abs(config.clock_lead()) <= SIMULATING:
                self.once()
            self._stop.wait(self._poll)


def _tables_made() -> bool:
    """The stack makes the tables while this process starts, in ``MODELS`` order: the last one made."""
    from chalicelib.tables import MODELS

    try:
        return MODELS[-1].exists()
    except Exception:  # noqa: BLE001  the database itself may still be starting
        return False


def enabled() -> bool:
    return os.environ.get("HUILIU_LOCAL_JOBS", "on").lower() not in ("off", "0", "false", "no")


def start() -> ScheduleLoop | None:
    return ScheduleLoop().start() if enabled() else None
