"""Fanned-out wake-ups: the scheduler enqueues pages of the due users, workers send each message
once whatever SQS does (a page delivered twice, to two workers at once, a worker killed between
its claim and WeChat's answer), and WeChat's rate limit and quiet hours delay sends, never drop
them. Delayed pages are held by the test and released when its clock has passed their delay."""
from __future__ import annotations

import itertools
import threading
import time
from datetime import datetime, timedelta, timezone

import pytest

from chalicelib import fanout
from chalicelib.fanout import queue as sqs
from chalicelib.fanout.pages import decode
from chalicelib.jobs import JobCursor
from chalicelib.wakeup import service as wakeup
from chalicelib.wakeup.models import Send
from tests.conftest import BACKEND
from tests.integration.fanout_helpers import Delays
from tests.integration.test_wakeup import person, reachable, sent_to

# 10:00 in China; 100 days apart, 50 days off test_wakeup's: no run reads another test's users.
START = datetime(2027, 5, 4, 2, tzinfo=timezone.utc)
_spaced = itertools.count()
SEND = "/cgi-bin/message/subscribe/send"


@pytest.fixture
def now():
    return START + timedelta(days=100 * next(_spaced))


@pytest.fixture
def delays(queue, monkeypatch) -> Delays:
    return Delays(monkeypatch)


def due_and_reachable(sandbox, n: int, now: datetime) -> list[str]:
    """``n`` users due at day 3 and outside the holdout, in page order (the only ones due)."""
    return sorted(reachable(sandbox, idle_days=3, now=now) for _ in range(n))


def queued(visibility: int = 60) -> list[dict]:
    """Every message now on the queue, received (and so hidden that long), not deleted."""
    out: list[dict] = []
    while batch := sqs.receive(10, visibility=visibility):
        out += batch
    return out


def units(messages: list[dict]) -> list[str]:
    return [item[0] for m in messages for item in decode(m["Body"]).items]


def test_a_run_enqueues_each_due_user_once_in_pages_and_sends_nothing_itself(dynamodb, sandbox, queue, now):
    due = [person(sandbox, idle_days=3, now=now) for _ in range(120)]
    for idle in (1, 6, 20):
        person(sandbox, idle_days=idle, now=now)

    report = wakeup.run_inactive(now=now)
    messages = queued()

    assert sorted(units(messages)) == sorted(due) and report.enqueued == len(due) == report.candidates
    pages = [decode(m["Body"]) for m in messages]
    assert len(pages) == report.pages == 3 and all(len(p.items) <= fanout.PAGE_SIZE for p in pages)
    assert {(p.kind, p.scope) for p in pages} == {("wakeup", "inactive")}
    assert not any(sent_to(sandbox, u) for u in due)


def test_a_run_cut_short_resumes_from_its_checkpoint_and_a_finished_run_is_not_repeated(dynamodb, sandbox, queue,
                                                                                        now, monkeypatch):
    monkeypatch.setattr(fanout, "PAGE_SIZE", 2)
    monkeypatch.setattr(wakeup, "QUEUE_BATCH", 3)  # the checkpoint moves every 6 users
    due = [person(sandbox, idle_days=3, now=now) for _ in range(20)]

    cut = wakeup.run_inactive(now=now, stop_at=time.monotonic())  # out of time at once: stops at its first checkpoint
    rest = wakeup.run_inactive(now=now + timedelta(minutes=5))
    done = wakeup.run_inactive(now=now + timedelta(minutes=10))

    assert (cut.stopped, cut.enqueued) == ("time", 6)
    assert rest.checkpoint == "resumed" and rest.enqueued == 14 and rest.stopped is None
    assert done.checkpoint == "complete" and done.candidates == 0
    assert sorted(units(queued())) == sorted(due)
    assert JobCursor.get("wakeup-inactive").cursor.endswith("|~")


def test_a_page_delivered_twice_sends_each_message_once(dynamodb, sandbox, queue, now):
    users = [person(sandbox, idle_days=3, now=now) for _ in range(12)]
    wakeup.run_inactive(now=now)
    event = fanout.worker.lambda_event(queued())

    first = fanout.handle(event, now=now)
    second = fanout.handle(event, now=now + timedelta(minutes=1))  # SQS delivers at least once

    reached = [u for u in users if sent_to(sandbox, u)]
    assert first.decisions["sent"] == len(reached) > 0 and all(sent_to(sandbox, u) == 1 for u in reached)
    assert second.decisions == {"already_decided": len(users)} and second.requeued == 0


@pytest.mark.skipif(BACKEND != "dynamodb-local", reason="moto's backend is not thread-safe: races only on DynamoDB Local")
def test_two_workers_on_the_same_page_at_once_send_each_message_once(dynamodb, sandbox, queue, delays, now):
    users = [person(sandbox, idle_days=3, now=now) for _ in range(40)]
    wakeup.run_inactive(now=now)
    event = fanout.worker.lambda_event(queued())
    start = threading.Barrier(2)
    results: list[fanout.Summary] = []

    def worker() -> None:
        start.wait()
        results.append(fanout.handle(event, now=now))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    delays.release()  # claims the other worker held: looked at again after IN_FLIGHT
    later = fanout.drain(now=now + wakeup.IN_FLIGHT + timedelta(minutes=1))

    reached = [u for u in users if sent_to(sandbox, u)]
    assert all(sent_to(sandbox, u) == 1 for u in users if u in reached)
    assert sum(r.decisions["sent"] for r in results) == len(reached) > 0 and later.decisions["sent"] == 0
    assert len(results) == 2


def test_a_worker_killed_between_claim_and_wechat_answer_sends_once_after_in_flight(dynamodb, sandbox, queue, delays,
                                                                                     now, monkeypatch):
    monkeypatch.setattr(fanout, "PAGE_SIZE", 3)  # two pages, one batch: the kill is mid-batch
    users = due_and_reachable(sandbox, 6, now)
    victim = users[4]
    real = wakeup._coupon

    def killed(user_id, *args, **kwargs):
        if user_id == victim:  # claimed, WeChat not yet called
            raise SystemExit("the Lambda was killed")
        return real(user_id, *args, **kwargs)

    wakeup.run_inactive(now=now)
    monkeypatch.setattr(wakeup, "_coupon", killed)
    with pytest.raises(SystemExit):
        fanout.drain(now=now, visibility=1)
    monkeypatch.setattr(wakeup, "_coupon", real)
    assert [sent_to(sandbox, u) for u in users] == [1, 1, 1, 1, 0, 0]
    time.sleep(1.2)  # the batch was never deleted: SQS delivers both pages again

    redelivered = fanout.drain(now=now + timedelta(minutes=6))
    (page, delay), = delays.release()
    retaken = fanout.drain(now=now + timedelta(minutes=6, seconds=delay))

    assert redelivered.decisions == {"already_decided": 4, "in_flight": 1, "sent": 1}
    assert page.items[0][0] == victim and 9 * 60 < delay <= 9 * 60 + 2  # IN_FLIGHT after the claim, not before
    assert retaken.decisions == {"sent": 1}
    assert [sent_to(sandbox, u) for u in users] == [1] * 6
    assert Send.get(victim, f"inactive:d3:{page.items[0][2]}").state == "sent"


def test_a_rate_limit_stops_the_worker_and_the_rest_is_sent_later(dynamodb, sandbox, queue, delays, now, monkeypatch):
    monkeypatch.setattr(fanout, "PAGE_SIZE", 4)
    users = due_and_reachable(sandbox, 8, now)
    wakeup.run_inactive(now=now)
    sandbox.send_quota = 3  # then 45009 for every send
    calls = sandbox.calls[SEND]

    limited = fanout.drain(now=now)
    held = sorted(delays.held, key=lambda h: len(h[0].items))

    assert [sent_to(sandbox, u) for u in users] == [1, 1, 1, 0, 0, 0, 0, 0]
    assert sandbox.calls[SEND] - calls == 4  # the second page never reached WeChat
    assert limited.stopped == "rate_limited" and limited.decisions == {"sent": 3, "rate_limited": 1}
    assert [[i[0] for i in p.items] for p, _ in held] == [users[3:4], users[4:]]
    assert all(p.attempt == 1 and 22 <= d <= 30 for p, d in held)
    assert wakeup.credits_of(users[3])["tpl_benefit_arrived"] == 1  # given back with the retry

    sandbox.send_quota = 0  # still limited: the delay grows
    delays.release()
    fanout.drain(now=now + timedelta(seconds=30))
    assert all(p.attempt == 2 and 45 <= d <= 60 for p, d in delays.held)

    sandbox.send_quota = None
    delays.release()
    fanout.drain(now=now + timedelta(seconds=90))
    assert [sent_to(sandbox, u) for u in users] == [1] * 8 and not delays.held


def test_a_page_met_in_quiet_hours_waits_for_their_end(dynamodb, sandbox, queue, delays, now):
    user = reachable(sandbox, idle_days=3, now=now)
    evening = now.replace(hour=13, minute=50)  # 21:50 in China
    wakeup.run_inactive(now=evening)

    night = fanout.drain(now=evening + timedelta(minutes=20))
    (page, delay), = delays.release()
    morning = fanout.drain(now=(evening + timedelta(days=1)).replace(hour=0, minute=1))  # 08:01

    assert night.decisions == {} and delay == fanout.MAX_DELAY and page.attempt == 0  # to 08:00, 900 s at a time
    assert morning.decisions == {"sent": 1} and sent_to(sandbox, user) == 1


def test_a_failing_page_fails_alone_and_its_batch_neighbours_are_done(dynamodb, sandbox, queue, now):
    user = reachable(sandbox, idle_days=3, now=now)
    wakeup.run_inactive(now=now)
    fanout.enqueue([fanout.Page("wakeup", "no-such-journey", [[user, "d3", "2020-01-01", None, None]])])
    event = fanout.worker.lambda_event(queued(visibility=2))

    with pytest.raises(fanout.PagesFailed):
        fanout.handle(event, now=now)
    time.sleep(2.2)  # the failed page is back after the visibility timeout; the good one was deleted

    left = queued()
    assert sent_to(sandbox, user) == 1 and [decode(m["Body"]).scope for m in left] == ["no-such-journey"]


def test_the_local_stacks_worker_loop_runs_the_lambda_handler_on_the_queue(dynamodb, sandbox, queue, now,
                                                                           monkeypatch):
    import app
    from chalicelib import config
    from devstack import worker

    monkeypatch.setattr(config, "utcnow", lambda: now)  # the clock the stack's simulator would have set
    users = due_and_reachable(sandbox, 3, now)
    wakeup.run_inactive(now=now)

    loop = worker.WorkerLoop(worker.handler_of(app.app), idle=0.05).start()
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not all(sent_to(sandbox, u) for u in users):
            time.sleep(0.1)
    finally:
        loop.stop()

    assert worker.handler_of(app.app) is app.fanout_worker
    assert [sent_to(sandbox, u) for u in users] == [1, 1, 1] and sqs.counts() == {"waiting": 0, "in_flight": 0,
                                                                                 "delayed": 0}
