"""A journey step due for 100,000 users at once, on DynamoDB Local with SQS on a moto server.

The users sit inside a published journey's delay step that ends in one minute, followed by a
send step; each has a consent credit for the send's template (here and at WeChat). Their
progress items are written directly (as ``engine._inside`` leaves them), then:

- The tick (``runs.tick``) over that minute: what it reads grows with who is due, nothing else.
  The floor is the due users themselves (a unit cannot be enqueued without reading its index
  entry once). Printed: index items read (``TickReport.read``) per due user, target <= 1.05; the
  tick's seconds and the pages it enqueued; every due user on the queue exactly once; and the
  same minute read again without enqueuing (moto's SQS slows as its queue grows: at 100,000 due
  users most of the tick's time is the emulator's, which SQS itself would not spend).
- The workers, each a process of its own as a Lambda is, on the tick's own pages from the queue:
  sends per second of one worker, then of four at once on the same machine (two cores shared
  with DynamoDB Local, SQS and the WeChat sandbox), and the reads a unit costs them.

``BENCH_JOURNEY_USERS`` sets how many users are due (100,000 by default, as ``make bench`` runs
it); ``BENCH_JOURNEY_PAGES`` the pages one worker works through (four workers: twice that).
"""
from __future__ import annotations

import multiprocessing
import os
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

from bench import local

DUE = int(os.environ.get("BENCH_JOURNEY_USERS", "100000"))
SAMPLE = int(os.environ.get("BENCH_JOURNEY_PAGES", "10"))
SAMPLE_PAGES = {1: SAMPLE, 4: 2 * SAMPLE}  # pages of the tick's each worker count works through
NOW = datetime(2031, 7, 14, 2, tzinfo=timezone.utc)  # 10:00 in China: no quiet hours
DUE_AT = NOW + timedelta(minutes=1)  # the minute the delay ends in
TEMPLATE = "tpl_benefit_arrived"
ITEMS_TARGET = 1.05


def run() -> None:
    with local.fanout_stack() as sandbox:
        _measure(sandbox)


def _journey() -> str:
    """Published: an event starts it, a delay, then a send (no holdout: every due user is sent to)."""
    from chalicelib.journeys import store

    journey_id = "jbench" + uuid.uuid4().hex[:8]
    doc = {"name": "基准旅程", "trigger": {"kind": "event", "name": "bench_due"},
           "entry": {"holdoutPercent": 0},
           "steps": [{"type": "delay", "id": "pause", "hours": 1},
                     {"type": "send", "id": "remind", "template": TEMPLATE,
                      "fields": {"thing1": {"text": "您的专属福利已到账"}}}]}
    saved = store.save(journey_id, doc, now=NOW, by="bench", expected=None)
    store.publish(journey_id, int(saved.version), now=NOW, by="bench")
    store.forget_cache()
    return journey_id


def _population(sandbox, journey_id: str) -> tuple[list[str], float]:
    """DUE users inside the delay, due in DUE_AT's minute, each with a consent credit. Returns
    the units (``<user>|<key>``) sorted, and the seconds the writes took."""
    from chalicelib.journeys import facts
    from chalicelib.journeys.models import Progress
    from chalicelib.wakeup.models import Consent

    tag = uuid.uuid4().hex[:6]
    names = [f"b{tag}{i:06d}" for i in range(DUE)]
    for name in names:
        sandbox.consent[(sandbox.user(name).openid, TEMPLATE)] += 1
    entered = NOW - timedelta(hours=1) + timedelta(minutes=1)

    def write(chunk: list[str]) -> None:
        with Progress.batch_write() as progress, Consent.batch_write() as consents:
            for name in chunk:
                user = f"u-{name}"
                key = f"{journey_id}#event:bench_due:{name}"
                # What engine._inside writes: inside the delay, listed in by_due at its minute.
                progress.save(Progress(user, key, journey_id=journey_id, version=1, step="pause", inside="delay",
                                       seq=1, status="active", due_at=DUE_AT, due_slot=facts.slot(DUE_AT, user),
                                       unit=f"{user}|{key}", entered_at=entered, context="{}"))
                consents.save(Consent(user, TEMPLATE, credits=1, last_answer="accept",
                                      openid=sandbox.user(name).openid, updated_at=NOW))

    started = time.perf_counter()
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(write, [names[i:i + 2_500] for i in range(0, DUE, 2_500)]))
    units = sorted(f"u-{n}|{journey_id}#event:bench_due:{n}" for n in names)
    return units, time.perf_counter() - started


def _worker(ready, results, now) -> None:
    """One worker process: works the queue until it is empty, as a Lambda worker would."""
    from chalicelib import fanout
    from chalicelib.store.roundtrips import counting

    decisions: Counter = Counter()

    def invoke(event: dict) -> None:
        decisions.update(fanout.handle(event, now=now).decisions)

    fanout.queue.url(), fanout.queue.arn()  # connected before the clock starts
    ready.wait()
    with counting() as calls:
        while fanout.work_once(invoke) or fanout.queue.counts()["waiting"]:
            pass
    results.put((dict(decisions), dict(calls)))


def _work(pages: list, workers: int, now: datetime) -> tuple[float, Counter, Counter]:
    """Enqueue ``pages``, then time ``workers`` processes until they have worked them all."""
    from chalicelib import fanout

    fanout.enqueue(pages)
    context = multiprocessing.get_context("spawn")
    ready, results = context.Barrier(workers + 1), context.Queue()
    processes = [context.Process(target=_worker, args=(ready, results, now)) for _ in range(workers)]
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


def say(line: str) -> None:
    """Each figure as soon as it is measured: a run cut short still shows what it got to."""
    print(line, flush=True)


def _measure(sandbox) -> None:
    from chalicelib import jobs
    from chalicelib.fanout import queue
    from chalicelib.journeys import facts, runs

    journey_id = _journey()
    units, written = _population(sandbox, journey_id)
    say(f"a journey step due for {DUE:,} users, on DynamoDB Local (progress and consent written in {written:.0f} s):")

    # The tick that reads DUE_AT's minute and no other: its checkpoint is the minute before.
    clock = DUE_AT + facts.LAG + timedelta(minutes=1)
    jobs.advance(runs.TICK, facts.minute(DUE_AT - timedelta(minutes=1)), now=NOW)
    pages: list = []
    real_send = queue.send

    def recorded(batch: list) -> int:  # what the tick enqueues, kept to check without receiving it
        pages.extend(page for page, _ in batch)
        return real_send(batch)

    queue.send = recorded
    try:
        started = time.perf_counter()
        report = runs.tick(now=clock)
        ticked = time.perf_counter() - started
    finally:
        queue.send = real_send
    ratio = report.read / report.due if report.due else float("inf")
    say(f"  tick: {report.minutes} minute, {report.read:,} index items read for {report.due:,} due, "
        f"enqueued in {report.pages:,} pages in {ticked:.1f} s")
    say(f"  index items read per due user: {ratio:.3f}x the due floor (target <= {ITEMS_TARGET}: "
        f"{'met' if ratio <= ITEMS_TARGET else 'NOT met'})")

    # The tick's pages, as it sent them; the queue is emptied (receiving them one batch at a time
    # from moto is quadratic) and the workers are given samples of them.
    on_queue = sum(queue.counts().values())
    queue.client().purge_queue(QueueUrl=queue.url())
    enqueued = sorted(f"{u}|{k}" for p in pages for _, u, k in p.items)
    say(f"  on the queue: {on_queue:,} pages; every due user once: {enqueued == units}")
    # The same minute read again without enqueuing: what is the index's, what the queue's. moto's
    # SQS slows as its queue grows (2,000 pages: most of the tick); SendMessageBatch on SQS does not.
    started = time.perf_counter()
    again = runs.TickReport()
    runs._minute(DUE_AT, clock, again)
    reading = time.perf_counter() - started
    say(f"  the tick's reading alone: {again.read:,} items in {reading:.1f} s; its other {max(0.0, ticked - reading):.1f} s"
        f" were spent waiting on moto's SQS")
    one, four = pages[:SAMPLE_PAGES[1]], pages[SAMPLE_PAGES[1]:SAMPLE_PAGES[1] + SAMPLE_PAGES[4]]
    seconds1, decisions1, calls1 = _work(one, 1, clock)
    seconds4, decisions4, calls4 = _work(four, 4, clock)

    worked = sum(len(p.items) for p in one + four)
    calls = calls1 + calls4
    reads = sum(calls[op] for op in ("GetItem", "BatchGetItem", "Query")) / worked
    each = ", ".join(f"{op} {n / worked:.2f}" for op, n in sorted(calls.items()))
    rate1 = decisions1["sent"] / seconds1
    rate4 = decisions4["sent"] / seconds4
    say(f"  workers, on the tick's pages: {reads:.2f} reads a unit; calls a unit: {each}")
    say(f"  1 worker:  {decisions1['sent']:,} sent in {seconds1:.1f} s = {rate1:.1f} sends/s "
        f"({1000 / rate1:.1f} ms a send); {dict(decisions1)}")
    say(f"  4 workers: {decisions4['sent']:,} sent in {seconds4:.1f} s = {rate4:.1f} sends/s, "
        f"{rate4 / 4:.1f} a worker: {rate4 / rate1:.2f}x one worker "
        f"(2 cores shared with DynamoDB Local, SQS and the sandbox: this machine's ceiling, not the design's)")
    sent = decisions1["sent"] + decisions4["sent"]
    say(f"  WeChat sandbox: {len(sandbox.messages):,} messages delivered for {sent:,} sent: "
        f"{len(sandbox.messages) == sent}")


if __name__ == "__main__":
    run()
