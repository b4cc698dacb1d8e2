"""Journeys under faults: an edit published while users wait in a delay, a worker killed in the
middle of a step, and WeChat failing (-1) and rate limiting (45009) while a step is due. In each,
every treated user gets each step of their own version exactly once, and the holdout nothing.
Delayed pages are held by the test and released once its clock has passed their delay."""
from __future__ import annotations

import functools
import itertools
import time
from datetime import datetime, timedelta, timezone

import pytest

from chalicelib import fanout, jobs
from chalicelib.fanout import pages
from chalicelib.journeys import facts, runs, stats, store
from chalicelib.wakeup import service as pipeline
from chalicelib.wakeup.models import Send
from tests.integration.fanout_helpers import Delays
from tests.integration.journey_helpers import happen, on_event, person, progress, publish, send, texts, unique

# 10:00 in China; tests 20 days apart, a year after test_journeys': no tick reads another test's minutes.
START = datetime(2029, 4, 2, 2, tzinfo=timezone.utc)
_spaced = itertools.count()
DELAY = {"type": "delay", "id": "wait", "days": 3}  # 3 days: the contact cap lets the next marketing send through


@pytest.fixture
def now() -> datetime:
    return START + timedelta(days=20 * next(_spaced))


@pytest.fixture
def delays(queue, monkeypatch) -> Delays:
    return Delays(monkeypatch)


def ticked(minutes: list[datetime]) -> datetime:
    """A tick for each of these minutes that reads it alone (whatever another test left the
    checkpoint at); returns the clock after the last, the one the workers then run at."""
    clock = None
    for minute in sorted({m.replace(second=0, microsecond=0) for m in minutes}):
        jobs.JobCursor(runs.TICK, cursor=facts.minute(minute - timedelta(minutes=1)), updated_at=minute).save()
        clock = minute + facts.LAG + timedelta(minutes=1)
        assert runs.tick(now=clock).minutes == 1
    assert clock is not None
    return clock


def pages_of(size: int, monkeypatch) -> None:
    """The tick's pages this small (``chunks`` took ``PAGE_SIZE`` as its default when defined)."""
    monkeypatch.setattr(fanout, "chunks", functools.partial(pages.chunks, size=size))


def due(users: list[str], journey: str) -> list[datetime]:
    """When the users' delays end."""
    return [p.due_at for u in users for p in progress(u, journey) if p.inside == "delay"]


def settle(delays: Delays, clock: datetime, *, rounds: int = 20) -> fanout.Summary:
    """Drain the queue; release what went back with a delay at a clock past that delay; again,
    until nothing goes back. Returns what every drain decided."""
    summary = fanout.Summary()
    for _ in range(rounds):
        summary.add(fanout.drain(now=clock))
        held = delays.release()
        if not held:
            return summary
        clock += timedelta(seconds=max(delay for _, delay in held))
    raise AssertionError(f"units still going back after {rounds} drains: {summary.as_dict()}")


def sent_per_step(journey: str, version: int = 1) -> list[int]:
    return [s["sent"] for s in stats.report(journey, store.body_of(journey, version)["steps"])["steps"]]


def pause(journey: str, now: datetime) -> None:
    store.set_status(journey, store.PAUSED, now=now, by="test")


def test_an_edit_published_while_users_wait_keeps_them_on_their_version_and_enters_new_users_on_the_new(
        dynamodb, sandbox, queue, now):
    name = unique("ev")
    journey = publish(on_event(name, [send("first", "旧版第一条"), DELAY, send("second", "旧版第二条")]), now)
    early = [person(sandbox, now) for _ in range(3)]
    for user in early:
        happen(user, name, now)
    fanout.drain(now=ticked([now]))
    assert [texts(sandbox, u) for u in early] == [["旧版第一条"]] * 3

    # Version 2: the same step ids with other texts, and one step more at the end.
    edited = now + timedelta(hours=1)
    store.save(journey, on_event(name, [send("first", "新版第一条"), DELAY, send("second", "新版第二条"),
                                        send("extra", "新版附加条", marketing=False)]),
               now=edited, by="test", expected=1)
    store.publish(journey, 2, now=edited, by="test")
    store.forget_cache()
    late = [person(sandbox, now) for _ in range(3)]
    for user in late:
        happen(user, name, edited)
    fanout.drain(now=ticked([edited]))
    assert [texts(sandbox, u) for u in late] == [["新版第一条"]] * 3
    assert {(p.version, p.step, p.inside) for u in early + late for p in progress(u, journey)} == \
        {(1, "wait", "delay"), (2, "wait", "delay")}

    fanout.drain(now=ticked(due(early, journey)))  # the early users' delay ends: they finish version 1
    assert [texts(sandbox, u) for u in early] == [["旧版第一条", "旧版第二条"]] * 3
    assert [texts(sandbox, u) for u in late] == [["新版第一条"]] * 3
    fanout.drain(now=ticked(due(late, journey)))
    assert [texts(sandbox, u) for u in late] == [["新版第一条", "新版第二条", "新版附加条"]] * 3
    assert [texts(sandbox, u) for u in early] == [["旧版第一条", "旧版第二条"]] * 3

    assert {(p.version, p.status) for u in early for p in progress(u, journey)} == {(1, "done")}
    assert {(p.version, p.status) for u in late for p in progress(u, journey)} == {(2, "done")}
    figures = stats.report(journey, store.body_of(journey, 2)["steps"])
    assert figures["versions"] == {"1": {"entered": 3, "converted": 0}, "2": {"entered": 3, "converted": 0}}
    assert sent_per_step(journey, 2) == [6, 0, 6, 3]
    pause(journey, edited)


def test_a_worker_killed_mid_step_goes_on_after_redelivery_and_every_user_gets_each_step_once(
        dynamodb, sandbox, queue, delays, now, monkeypatch):
    pages_of(3, monkeypatch)  # two pages in one batch: the kill leaves both undeleted, the done work too
    name = unique("ev")
    journey = publish(on_event(name, [send("first", "第一步"), DELAY, send("second", "第二步")]), now)
    users = [person(sandbox, now) for _ in range(6)]
    for user in users:
        happen(user, name, now)
    real = pipeline._coupon

    def kill(victim: str) -> None:
        def killed(user_id, *args, **kwargs):
            if user_id == victim:  # the send is claimed (credit spent), WeChat not yet called
                raise SystemExit("the Lambda was killed")
            return real(user_id, *args, **kwargs)

        monkeypatch.setattr(pipeline, "_coupon", killed)

    def killed_then_redelivered(clock: datetime, victim: str, text: str) -> None:
        had = texts(sandbox, victim)
        kill(victim)
        with pytest.raises(SystemExit):
            fanout.drain(now=clock, visibility=1)
        monkeypatch.setattr(pipeline, "_coupon", real)
        assert len(claims(victim)) == 1 and texts(sandbox, victim) == had  # claimed, never sent
        time.sleep(1.2)  # the batch was never deleted: SQS delivers both pages again
        redelivered = fanout.drain(now=clock + timedelta(minutes=6))
        assert redelivered.decisions["in_flight"] == 1  # the dead claim is too young to retake
        (page, delay), = delays.release()  # the victim's, back once the dead claim is old enough to retake
        assert [item[1] for item in page.items] == [victim]
        retaken = fanout.drain(now=clock + timedelta(minutes=6, seconds=delay))
        assert sum(retaken.decisions.values()) == 1 and texts(sandbox, victim) == [*had, text]  # sent once, now

    def claims(user: str) -> list[str]:
        """The user's sends of this journey claimed and not answered: the dead worker's."""
        return [s.key for s in Send.query(user) if s.journey == journey and s.state == "sending"]

    # The entry: the victim is killed in the first step's send, right after entering.
    entered = ticked([now])
    killed_then_redelivered(entered, users[0], "第一步")
    assert [texts(sandbox, u) for u in users] == [["第一步"]] * 6
    assert {(p.step, p.inside) for u in users for p in progress(u, journey)} == {("wait", "delay")}

    # The delay's end: another victim is killed in the second step's send, after leaving the delay.
    clock = ticked(due(users, journey))
    killed_then_redelivered(clock, users[1], "第二步")
    assert [texts(sandbox, u) for u in users] == [["第一步", "第二步"]] * 6
    assert {p.status for u in users for p in progress(u, journey)} == {"done"}
    assert {s.state for u in users for s in Send.query(u) if s.journey == journey} == {"sent"}
    assert sent_per_step(journey) == [6, 0, 6]
    assert not delays.held
    pause(journey, now)


def test_wechat_failing_and_rate_limiting_delays_sends_but_every_treated_user_gets_each_step_once_and_the_holdout_none(
        dynamodb, sandbox, queue, delays, now, monkeypatch):
    pages_of(5, monkeypatch)  # four pages: a stop halts the rest of a batch
    # Fixed ids, fixed seed: the same users held out, the same answers failing, every run.
    journey = f"jfaults{now:%Y%m%d}"
    name = f"faults{now:%Y%m%d}"
    publish({**on_event(name, [send("first", "第一步"), DELAY, send("second", "第二步")]),
             "entry": {"holdoutPercent": 30}}, now, journey_id=journey)
    users = [_consenting(sandbox, f"jfault{now:%Y%m%d}{i:02d}", now) for i in range(20)]
    for user in users:
        happen(user, name, now)
    sandbox.rng.seed(20290402)
    sandbox.busy_rate = 0.3  # -1 "system error" for 30% of the sends WeChat takes

    # The entry's sends: WeChat takes 8, then answers 45009 until its quota comes back.
    sandbox.send_quota = 8
    clock = ticked([now])
    first = fanout.drain(now=clock)
    assert first.stopped == "rate_limited" and first.decisions["rate_limited"] >= 1
    sandbox.send_quota = None
    entering = settle(delays, clock)
    entering.add(first)

    held = [u for u in users if progress(u, journey)[0].held]  # they walk the steps, sent nothing
    treated = [u for u in users if u not in held]
    assert held and treated
    assert entering.decisions["retry"] > 0 and entering.given_up == 0
    assert [texts(sandbox, u) for u in treated] == [["第一步"]] * len(treated)
    assert {(p.step, p.inside) for u in users for p in progress(u, journey)} == {("wait", "delay")}

    # The delay ends for each at its own minute (their first sends went out over the retries).
    sandbox.send_quota = 5
    clock = ticked(due(users, journey))
    second = fanout.drain(now=clock)
    assert second.stopped == "rate_limited"
    sandbox.send_quota = None
    leaving = settle(delays, clock)
    leaving.add(second)

    assert leaving.decisions["retry"] > 0 and leaving.given_up == 0
    assert [texts(sandbox, u) for u in treated] == [["第一步", "第二步"]] * len(treated)
    assert not any(texts(sandbox, u) for u in held)
    assert {p.status for u in treated for p in progress(u, journey)} == {"done"}
    assert {p.status for u in held for p in progress(u, journey)} == {"done"}
    figures = stats.report(journey, store.body_of(journey, 1)["steps"])
    assert (figures["entered"], figures["holdout"], figures["done"]) == (20, len(held), 20)
    assert [s["sent"] for s in figures["steps"]] == [len(treated), 0, len(treated)]
    assert [s["heldOut"] for s in figures["steps"]] == [len(held), 0, len(held)]
    pause(journey, now)


def _consenting(sandbox, name: str, now: datetime) -> str:
    """``journey_helpers.person`` with a name of the test's choosing (the holdout is a hash of it)."""
    from chalicelib.config import china_day
    from chalicelib.events.models import Activity
    from chalicelib.wakeup.models import Consent
    from tests.integration.journey_helpers import TEMPLATE, account

    user_id, wx = "u-" + name, sandbox.user(name)
    account(user_id, wx.openid, now)
    today = china_day(now).isoformat()
    Activity(user_id, first_seen_day="2029-01-01", last_active_day=today, active_day_set={today},
             openid=wx.openid).save()
    Consent(user_id, TEMPLATE).update(actions=[Consent.credits.add(3), Consent.last_answer.set("accept"),
                                               Consent.openid.set(wx.openid), Consent.updated_at.set(now)])
    sandbox.consent[(wx.openid, TEMPLATE)] += 3
    return user_id
