"""The journeys' scheduled reads: what is due goes on the fan-out queue, the workers decide.

- ``tick`` (every minute): the minutes that have passed since its checkpoint, each read from
  two sparse indexes, ``DUE_SHARDS`` partitions each: the facts recorded in that minute
  (``journey-facts.by_slot``) and the users whose delay or wait ends in it
  (``journey-progress.by_due``). A minute is read once it is ``facts.LAG`` old (the indexes are
  eventually consistent); the checkpoint is the last minute whose units are all on the queue,
  so a run cut short (its time budget, a crash) resumes at the next, and a minute enqueued twice
  costs a claim per unit that finds itself decided. A run reads at most ``MAX_MINUTES``; a
  stage that was down longer catches up over the next runs (facts are kept 7 days).
- ``enter`` (hourly): the bargains that expired (``bargain_expired``, while a journey uses it);
  each live journey with a timed trigger reads its candidates from the
  activity indexes the wake-ups read (inactive N days, cart left N hours, N days since the last
  order), with the wake-ups' catch-up window and checkpoint (``wakeup.service._schedule``).
"""
from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta
from typing import Any

import msgspec

from chalicelib import fanout, jobs
from chalicelib.config import china_day, hour_bucket
from chalicelib.events.models import Activity
from chalicelib.journeys import document as d
from chalicelib.journeys import facts, store
from chalicelib.journeys.engine import KIND
from chalicelib.journeys.models import DUE_SHARDS, Fact, Progress
from chalicelib.wakeup import service as wakeup

log = logging.getLogger(__name__)

TICK = "journeys-tick"
MAX_MINUTES = 24 * 60
FIRST_LOOK_BACK = timedelta(minutes=10)  # a stage's first tick starts this far back
READ_PAGE = 1_000


class TickReport(msgspec.Struct):
    minutes: int = 0
    facts: int = 0
    due: int = 0
    read: int = 0  # index items read
    pages: int = 0
    stopped: str | None = None
    checkpoint: str | None = None


def tick(*, now: datetime, stop_at: float | None = None) -> TickReport:
    report = TickReport()
    last = now - facts.LAG - timedelta(minutes=1)  # the newest minute that may be read
    saved = jobs.cursor(TICK)
    start = datetime.fromisoformat(saved + ":00+00:00") + timedelta(minutes=1) if saved else \
        (now - FIRST_LOOK_BACK).replace(second=0, microsecond=0)
    start = max(start, now - facts.KEPT)
    minute = start.replace(second=0, microsecond=0)
    with fanout.Sender(lambda position: jobs.advance(TICK, position, now=now)) as sender:
        while minute <= last and report.minutes < MAX_MINUTES:
            pages = _minute(minute, now, report)
            sender.send(pages, facts.minute(minute))
            report.minutes += 1
            report.checkpoint = facts.minute(minute)
            minute += timedelta(minutes=1)
            if stop_at is not None and time.monotonic() > stop_at:
                report.stopped = "time"
                break
    log.info("journeys tick", extra=msgspec.structs.asdict(report))
    return report


def _minute(minute: datetime, now: datetime, report: TickReport) -> list[fanout.Page]:
    units: list[list[Any]] = []
    stamp = facts.minute(minute)
    for shard in range(DUE_SHARDS):
        for item in Fact.by_slot.query(f"{stamp}#{shard}", page_size=READ_PAGE):
            report.read += 1
            report.facts += 1
            user_id, key = item.unit.split("|", 1)
            units.append(["fact", user_id, key])
        for item in Progress.by_due.query(f"{stamp}#{shard}", page_size=READ_PAGE):
            report.read += 1
            user_id, key = item.unit.split("|", 1)
            report.due += 1
            units.append(["due", user_id, key])
    pages = [fanout.Page(KIND, "", chunk) for chunk in fanout.chunks(units)]
    report.pages += len(pages)
    return pages


# --- timed triggers -----------------------------------------------------------------------------------
def enter(*, now: datetime, stop_at: float | None = None) -> dict[str, Any]:
    """Every live journey with a timed trigger: its candidates, as entry units."""
    out: dict[str, Any] = {}
    if "fact:bargain_expired" in store.watched_facts():
        # No job flips a bargain to expired (it reads so past its deadline): this hourly run finds
        # them, and only while a journey starts on, waits for or counts the fact.
        from chalicelib.bargain import service as bargain

        out["bargain-expired"] = bargain.record_expired(now=now, stop_at=stop_at)
    book = wakeup.wakeup_rules()
    for journey in store.live():
        if journey.status != store.LIVE or not isinstance(journey.doc.trigger, d.TIMED):
            continue
        slot, slices = candidates(journey.doc.trigger, now, book.catch_up_days)
        report = wakeup._schedule(
            f"journeys-enter:{journey.journey_id}", journey.journey_id, slot, slices, book, now=now, stop_at=stop_at,
            kind=KIND, unit=lambda part, item, jid=journey.journey_id: ["enter", jid, item.user_id, part.anchor])
        out[journey.journey_id] = report.as_dict()
        if report.stopped == "time":
            break
    return out


def candidates(trigger: Any, now: datetime, catch_up_days: int) -> tuple[str, list[Any]]:
    """The slot a timed trigger's run belongs to (its checkpoint) and the index slices it reads."""
    today = china_day(now)
    if isinstance(trigger, d.CartLeft):
        hours, hour = [], now - timedelta(hours=trigger.hours, days=catch_up_days)
        while hour <= now - timedelta(hours=trigger.hours):
            hours.append(hour_bucket(hour))
            hour += timedelta(hours=1)
        return hour_bucket(now), [wakeup._Slice(None, h, wakeup._after(Activity.by_cart_hour, h, Activity.user_id))
                                  for h in hours]
    days = [(today - timedelta(days=trigger.days + back)).isoformat() for back in range(catch_up_days + 1)]
    index = {d.Inactive: Activity.by_last_active, d.SinceLastOrder: Activity.by_last_order,
             d.SinceFirstOrder: Activity.by_first_order}[type(trigger)]
    return today.isoformat(), [wakeup._Slice(None, day, wakeup._after(index, day, Activity.user_id)) for day in days]
