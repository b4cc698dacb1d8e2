"""The inactivity wake-up, fanned out, on DynamoDB Local with SQS on a moto server: 100,000 users
due at day 3 (and 10,000 who are not).

- The scheduler: what it reads grows with who is due, not with how many users there are. The
  floor is the due users themselves: a run cannot decide about a user without reading at least
  that user's index entry once. Printed: items read (index items, and every GetItem, BatchGet
  and Query item the run and the workers make) per due user, target <= 1.05.
- The workers, each a process of its own as a Lambda is: sends per second of one worker, then
  of four at once on the same machine (two cores shared with DynamoDB Local, SQS and the WeChat
  sandbox), on pages of due users who have consent.
- From those, the time 100,000 due users take on AWS at the deployed concurrency
  (``fanout.WORKERS``), with its arithmetic and assumptions; target <= 5 minutes.
"""
from __future__ import annotations

import math
import multiprocessing
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

from bench import local

DUE, NOT_DUE = 100_000, 10_000
SAMPLE_PAGES = {1: 12, 4: 32}  # pages of consenting users each worker count works through
NOW = datetime(2031, 6, 10, 2, tzinfo=timezone.utc)  # 10:00 in China
ITEMS_TARGET, MINUTES_TARGET = 1.05, 5.0

# The AWS side of the arithmetic (docs/design-notes.md, "Fan-out"):
WECHAT_SECONDS = 0.100  # a subscribe-message send from AWS to api.weixin.qq.com, assumed (not documented)
LAMBDA_START, LAMBDA_RAMP = 5, 300  # SQS event source: 5 concurrent batches at first, +300 a minute (AWS docs)
PARTITION_WCU = 1_000  # write units a second one DynamoDB partition takes (AWS docs)
SEND_WCU = 2  # a send writes its record twice (claim, outcome) into the by_journey_day index partition
WECHAT_DAILY = 10_000_000  # subscribeMessage.send calls a day, a mini-program without payment (30M with)


def run() -> str:
    with local.fanout_stack() as sandbox:
        return _measure(sandbox)


def _population(sandbox, consenting: int) -> tuple[list[str], float]:
    """DUE users last active 3 days ago (the first ``consenting`` of them with a consent credit,
    here and at WeChat) and NOT_DUE users in no step's window. Returns the due ids in index order."""
    from chalicelib.config import china_day
    from chalicelib.events.models import Activity
    from chalicelib.wakeup.models import Consent

    today = china_day(NOW)
    quiet_days = list(range(10, 29))  # in no step's window (3-5, 7-9, 30-32 days)
    tag = uuid.uuid4().hex[:6]
    due = sorted(f"u-b{tag}{i:06d}" for i in range(DUE))
    sample = set(due[:consenting])
    for user in sample:
        sandbox.consent[(sandbox.user(user[2:]).openid, "tpl_benefit_arrived")] += 1

    def write(users: list[tuple[str, str]]) -> None:
        with Activity.batch_write() as activity, Consent.batch_write() as consents:
            for user, last in users:
                openid = sandbox.user(user[2:]).openid if user in sample else f"o-{user}"
                activity.save(Activity(user, first_seen_day="2030-01-01", last_active_day=last,
                                       active_day_set={last}, openid=openid))
                if user in sample:
                    consents.save(Consent(user, "tpl_benefit_arrived", credits=1, last_answer="accept",
                                          openid=openid, updated_at=NOW))

    everyone = [(u, (today - timedelta(days=3)).isoformat()) for u in due]
    everyone += [(f"u-n{tag}{i:06d}", (today - timedelta(days=quiet_days[i % len(quiet_days)])).isoformat())
                 for i in range(NOT_DUE)]
    started = time.perf_counter()
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(write, [everyone[i:i + 2_500] for i in range(0, len(everyone), 2_500)]))
    return due, time.perf_counter() - started


def _worker(ready, results) -> None:
    """One worker process: works the queue until it is empty, as a Lambda worker would."""
    from chalicelib import fanout
    from chalicelib.store.roundtrips import counting

    decisions: Counter = Counter()

    def invoke(event: dict) -> None:
        decisions.update(fanout.handle(event, now=NOW).decisions)

    fanout.queue.url(), fanout.queue.arn()  # connected before the clock starts
    ready.wait()
    with counting() as calls:
        while fanout.work_once(invoke) or fanout.queue.counts()["waiting"]:
            pass
    results.put((dict(decisions), dict(calls)))


def _work(pages: list, workers: int) -> tuple[float, Counter, Counter]:
    """Enqueue ``pages``, then time ``workers`` processes until they have worked them all."""
    from chalicelib import fanout

    fanout.enqueue(pages)
    context = multiprocessing.get_context("spawn")
    ready, results = context.Barrier(workers + 1), context.Queue()
    processes = [context.Process(target=_worker, args=(ready, results)) for _ in range(workers)]
    for p in processes:
        p.start()
    ready.wait()
    started = time.perf_counter()
    outcomes = [results.get() for _ in processes]
    seconds = time.perf_counter() - started
    for p in processes:
        p.join()
    decisions, calls = Counter(), Counter()
    for d, c in outcomes:
        decisions.update(d)
        calls.update(c)
    return seconds, decisions, calls


def _measure(sandbox) -> str:
    from chalicelib import fanout
    from chalicelib.fanout import queue
    from chalicelib.fanout.pages import decode
    from chalicelib.store.roundtrips import counting
    from chalicelib.wakeup import service as wakeup

    consenting = fanout.PAGE_SIZE * sum(SAMPLE_PAGES.values())
    due, written = _population(sandbox, consenting)

    started = time.perf_counter()
    with counting() as calls:
        report = wakeup.run_inactive(now=NOW)
    scheduled = time.perf_counter() - started
    scheduler_reads = report.candidates + calls["GetItem"] + calls["BatchGetItem"]

    # The scheduler's pages, taken off the queue; the workers get those of consenting users.
    pages, sample = [], set(due[:consenting])
    while batch := queue.receive(10, visibility=600):
        pages += [decode(m["Body"]) for m in batch]
        queue.delete([m["ReceiptHandle"] for m in batch])
    enqueued = sorted(u for p in pages for u, *_ in p.items)
    usable = sorted((p for p in pages if all(u in sample for u, *_ in p.items)), key=lambda p: p.items[0][0])
    one, four = usable[:SAMPLE_PAGES[1]], usable[SAMPLE_PAGES[1]:SAMPLE_PAGES[1] + SAMPLE_PAGES[4]]
    seconds1, decisions1, calls1 = _work(one, 1)
    seconds4, decisions4, calls4 = _work(four, 4)

    units = sum(len(p.items) for p in one + four)
    worker_reads = (calls1["GetItem"] + calls4["GetItem"] + calls1["BatchGetItem"] + calls4["BatchGetItem"]) / units
    items_read = scheduler_reads + worker_reads * DUE
    rate1 = decisions1["sent"] / seconds1
    rate4 = decisions4["sent"] / seconds4
    lines = [
        f"inactivity wake-up, fanned out, on DynamoDB Local ({DUE:,} due at day 3, {NOT_DUE:,} not; "
        f"written in {written:.0f} s):",
        f"  scheduler: {report.candidates:,} index items read, {calls['GetItem']} GetItem, enqueued {report.enqueued:,} "
        f"in {report.pages:,} pages in {scheduled:.1f} s; every due user once: {enqueued == due}",
        f"  items read per due user: {items_read / DUE:.3f}x the due floor (scheduler {scheduler_reads:,}, "
        f"workers {worker_reads:.3f} a unit) (target <= {ITEMS_TARGET}: "
        f"{'met' if items_read / DUE <= ITEMS_TARGET else 'NOT met'})",
        f"  1 worker:  {decisions1['sent']:,} sent in {seconds1:.1f} s = {rate1:.0f} sends/s "
        f"({1000 / rate1:.1f} ms a send); {dict(decisions1)}",
        f"  4 workers: {decisions4['sent']:,} sent in {seconds4:.1f} s = {rate4:.0f} sends/s, "
        f"{rate4 / 4:.0f} a worker: {rate4 / rate1:.2f}x one worker "
        f"(2 cores shared with DynamoDB Local, SQS and the sandbox: this machine's ceiling, not the design's)",
    ]
    return "\n".join(lines + _aws(rate1, scheduled))


def _aws(rate1: float, scheduled: float) -> list[str]:
    """The time for DUE users on AWS, worked out from the figures above."""
    from chalicelib import fanout

    per_send = 1 / rate1 + WECHAT_SECONDS
    workers = fanout.WORKERS
    lambdas = workers / per_send
    hot = PARTITION_WCU / SEND_WCU
    rate = min(lambdas, hot)
    ramp = max(0.0, (workers - LAMBDA_START) / LAMBDA_RAMP * 60)
    sending = DUE / rate
    last_page = fanout.PAGE_SIZE * per_send
    total = ramp + max(scheduled, sending) + last_page
    bound = scheduled + ramp + sending + last_page
    return [
        f"  on AWS, {DUE:,} due users at {workers} concurrent workers (the event source's maximum concurrency):",
        f"    a send: {1000 / rate1:.1f} ms a worker here (DynamoDB Local, whose calls are no faster than DynamoDB's"
        f" in-region) + {WECHAT_SECONDS * 1000:.0f} ms for WeChat (assumed) = {per_send * 1000:.0f} ms",
        f"    Lambdas: {workers} / {per_send:.3f} s = {lambdas:.0f} sends/s (each its own process: they share no CPU);"
        f" DynamoDB: the day's decisions share one by_journey_day partition, {PARTITION_WCU} WCU/s / {SEND_WCU}"
        f" WCU a send = {hot:.0f} sends/s; WeChat: {WECHAT_DAILY:,} sends a day, no per-second limit documented"
        f" (45009/45011 slow the workers down)",
        f"    => {rate:.0f} sends/s; SQS scaling of Lambda from {LAMBDA_START} to {workers} at +{LAMBDA_RAMP} a minute:"
        f" {ramp:.0f} s",
        f"    the workers take pages while the scheduler reads on: ramp {ramp:.0f} s + max(scheduler {scheduled:.0f} s"
        f" as measured here, {DUE:,} / {rate:.0f} = {sending:.0f} s) + the last page {last_page:.0f} s"
        f" = {total:.0f} s = {total / 60:.1f} min (target <= {MINUTES_TARGET:.0f}: "
        f"{'met' if total / 60 <= MINUTES_TARGET else 'NOT met'}); one after the other: {bound / 60:.1f} min",
    ]


if __name__ == "__main__":
    print(run())
