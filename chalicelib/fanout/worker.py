"""The worker: what ``@app.on_sqs_message`` runs for each batch of pages, and ``drain``, which
runs the same handler on what the queue holds now (tests, and the local stage's job route).

Every page goes to its kind's handler. A handler's ``Again`` units go back on the queue as new
messages with a delay, and the page is then done: a rate-limited worker returns normally rather
than failing its batch, which would deliver the part already sent again (harmless, the claims
hold, but wasteful). Only a handler that raises fails: the pages finished before it are deleted
first (Chalice reports no partial batch, and Lambda deletes nothing of a failed one), the rest
return after the queue's visibility timeout, and after ``maxReceiveCount`` receives a page that
keeps failing goes to the dead-letter queue.
"""
from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

import msgspec

from chalicelib import config
from chalicelib.fanout import queue
from chalicelib.fanout.pages import MAX_ATTEMPTS, Again, Page, Worked, backoff, decode

log = logging.getLogger(__name__)

# Seconds a worker keeps for itself at the end of its Lambda time: a page cut short by the time
# budget goes back (undelayed) rather than being killed mid-unit.
MARGIN = 10


class Handler(Protocol):
    def __call__(self, page: Page, *, now: datetime, stop_at: float | None) -> Worked: ...


def _wakeup(page: Page, *, now: datetime, stop_at: float | None) -> Worked:
    # Imported when a page of its kind arrives, not at every function's cold start.
    from chalicelib.wakeup import service
    from chalicelib.wechat import get_wechat

    return service.work(page, wechat=get_wechat(), now=now, stop_at=stop_at)


def _journey(page: Page, *, now: datetime, stop_at: float | None) -> Worked:
    from chalicelib.journeys import engine
    from chalicelib.wechat import get_wechat

    return engine.work(page, wechat=get_wechat(), now=now, stop_at=stop_at)


HANDLERS: dict[str, Handler] = {"wakeup": _wakeup, "journey": _journey}


class Summary(msgspec.Struct):
    """What one or more batches came to."""

    pages: int = 0
    decisions: Counter = msgspec.field(default_factory=Counter)
    requeued: int = 0  # units put back with a delay
    given_up: int = 0  # units left to the next scheduled run after MAX_ATTEMPTS
    stopped: str | None = None  # why WeChat was left alone (rate_limited, busy)

    def add(self, other: Summary) -> None:
        self.pages += other.pages
        self.decisions.update(other.decisions)
        self.requeued += other.requeued
        self.given_up += other.given_up
        self.stopped = other.stopped or self.stopped

    def as_dict(self) -> dict:
        return {"pages": self.pages, "decisions": dict(self.decisions), "requeued": self.requeued,
                "givenUp": self.given_up, "stopped": self.stopped}


class PagesFailed(Exception):
    """Some pages of a batch raised; the others are done and deleted. Raising makes Lambda
    deliver the failed ones again after the visibility timeout."""


def enqueue(pages: list[Page], delay: int = 0) -> int:
    """Put pages on the queue (ten to a call); returns the SQS calls made."""
    return queue.send([(page, delay) for page in pages])


def handle(event: dict[str, Any], *, context: Any = None, now: datetime | None = None) -> Summary:
    """The Lambda handler's body for one SQS batch (``{"Records": [{"body", "receiptHandle", ...}]}``).

    ``now`` is for tests (the injected clock); in Lambda each page reads the clock when it starts.
    """
    stop_at = None
    if context is not None and hasattr(context, "get_remaining_time_in_millis"):
        stop_at = time.monotonic() + context.get_remaining_time_in_millis() / 1000 - MARGIN
    summary, done, failed = Summary(), [], 0
    put_back: list[tuple[Page, int]] = []
    halted: tuple[str, int] | None = None  # (why, delay) once WeChat said stop
    for record in event["Records"]:
        try:
            page = decode(record["body"])
            if halted is not None:  # the rest of the batch waits out the rate limit untouched
                worked = Worked(again=[Again(page.items, halted[1])])
            else:
                worked = HANDLERS[page.kind](page, now=now or config.utcnow(), stop_at=stop_at)
            put_back += _again(page, worked, summary)
        except Exception:
            log.exception("fan-out page failed", extra={"messageId": record.get("messageId")})
            failed += 1
            continue
        if worked.stopped and halted is None:
            halted = (worked.stopped, backoff(page.attempt))
            summary.stopped = worked.stopped
        summary.pages += 1
        summary.decisions.update(worked.decisions)
        done.append(record["receiptHandle"])
    if put_back:
        queue.send(put_back)
    log.info("fan-out batch", extra={"records": len(event["Records"]), "failed": failed, **summary.as_dict()})
    if failed:
        queue.delete(done)
        raise PagesFailed(f"{failed} of {len(event['Records'])} pages failed")
    return summary


def _again(page: Page, worked: Worked, summary: Summary) -> list[tuple[Page, int]]:
    out = []
    for again in worked.again:
        if not again.items:
            continue
        attempt = page.attempt + 1 if again.counts else page.attempt
        if attempt > MAX_ATTEMPTS:
            log.warning("fan-out: %d %s units left to the next run after %d attempts", len(again.items), page.kind,
                        page.attempt)
            summary.given_up += len(again.items)
            continue
        out.append((Page(page.kind, page.scope, again.items, attempt), again.delay))
        summary.requeued += len(again.items)
    return out


Invoke = Callable[[dict[str, Any]], Any]


def lambda_event(messages: list[dict[str, Any]]) -> dict[str, Any]:
    """Received SQS messages in the shape Lambda hands them to an ``on_sqs_message`` handler."""
    source, region = queue.arn(), config.region()
    return {"Records": [{
        "messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
        "attributes": m.get("Attributes", {}), "messageAttributes": {}, "md5OfBody": m.get("MD5OfBody", ""),
        "eventSource": "aws:sqs", "eventSourceARN": source, "awsRegion": region,
    } for m in messages]}


def work_once(invoke: Invoke, *, batch: int = 2, visibility: int | None = None) -> int:
    """Receive one batch and run ``invoke`` on it as Lambda would: delete the batch when it
    returns, leave it to come back after the visibility timeout when it raises. Returns the
    messages received."""
    messages = queue.receive(batch, visibility=visibility)
    if messages:
        invoke(lambda_event(messages))
        queue.delete([m["ReceiptHandle"] for m in messages])
    return len(messages)


def drain(*, now: datetime | None = None, timeout: float = 60.0, visibility: int | None = 60,
          invoke: Invoke | None = None) -> Summary:
    """Run the handler on the queue until nothing is waiting or being worked on (delayed pages
    stay for later), or ``timeout`` seconds pass. Another consumer's pages in flight (the local
    stack's worker loop) are waited for, not taken."""
    summary = Summary()

    def run(event: dict[str, Any]) -> None:
        summary.add(handle(event, now=now))

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if work_once(invoke or run, visibility=visibility):
            continue
        left = queue.counts()
        if not left["waiting"] and not left["in_flight"]:
            break
        time.sleep(0.05)
    return summary
