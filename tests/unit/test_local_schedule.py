"""The local stack's scheduler: the journeys' tick once per minute and entries once per hour of
the app's clock, simulated or not; a failed run logged and tried at its next period."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

from devstack import schedule

T0 = datetime(2028, 2, 1, 2, 0, 10, tzinfo=timezone.utc)


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def loop(clock: Clock, ran: list[str], fail: set[str] | None = None, starting: float = 0.0) -> schedule.ScheduleLoop:
    def run(name: str) -> None:
        ran.append(name)
        if name in (fail or set()):
            raise RuntimeError("down")

    return schedule.ScheduleLoop(run=run, clock=clock, poll=0.01, starting=starting)


def test_the_tick_runs_once_a_minute_and_the_entries_once_an_hour():
    clock, ran = Clock(T0), []
    s = loop(clock, ran)

    assert s.once() == ["journeys-tick", "journeys-enter"]
    clock.at += timedelta(seconds=40)  # the same minute
    assert s.once() == []
    clock.at += timedelta(seconds=20)  # 02:01
    assert s.once() == ["journeys-tick"]
    clock.at += timedelta(minutes=59)  # 03:00
    assert s.once() == ["journeys-tick", "journeys-enter"]
    assert ran == ["journeys-tick", "journeys-enter", "journeys-tick", "journeys-tick", "journeys-enter"]


def test_a_clock_the_simulator_moves_runs_both_at_the_next_poll_forward_or_back():
    clock, ran = Clock(T0), []
    s = loop(clock, ran)
    s.once()
    clock.at += timedelta(days=3)
    assert s.once() == ["journeys-tick", "journeys-enter"]
    clock.at = T0 - timedelta(hours=5)
    assert s.once() == ["journeys-tick", "journeys-enter"]


def test_a_failed_run_is_logged_and_waits_for_its_next_period(caplog):
    clock, ran = Clock(T0), []
    s = loop(clock, ran, fail={"journeys-tick"})

    assert s.once() == ["journeys-enter"]
    assert s.once() == []  # the same minute: not again
    assert "journeys-tick failed" in caplog.text
    clock.at += timedelta(minutes=1)
    s.once()
    assert ran.count("journeys-tick") == 2


def test_while_the_stack_starts_a_failed_run_is_tried_at_the_next_poll_quietly(caplog):
    clock, ran = Clock(T0), []
    s = loop(clock, ran, fail={"journeys-tick"}, starting=60.0)
    s.once()
    s.once()
    assert ran.count("journeys-tick") == 2 and "failed" not in caplog.text


def test_the_thread_runs_on_its_own_and_stops():
    clock, ran, seen = Clock(T0), [], threading.Event()

    def run(name: str) -> None:
        ran.append(name)
        seen.set()

    s = schedule.ScheduleLoop(run=run, clock=clock, poll=0.01).start()
    try:
        assert seen.wait(5)
    finally:
        s.stop(timeout=5)
    assert ran[:2] == ["journeys-tick", "journeys-enter"]


def test_the_jobs_are_the_scheduled_ones_and_can_be_turned_off(monkeypatch):
    from chalicelib import schedules

    assert {name for name, _ in schedule.JOBS} <= set(schedules.JOBS)
    monkeypatch.setenv("HUILIU_LOCAL_JOBS", "off")
    assert schedule.start() is None
