"""Wake-ups: consent, holdouts, the contact cap, quiet hours, once per step, WeChat failures.

Each run is the scheduler (reading candidates, enqueuing pages) and then the workers on what it
enqueued (``fanout.drain``), on a queue of the test's own.
"""
from __future__ import annotations

import itertools
import time
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from chalicelib import fanout
from chalicelib.config import china_day
from chalicelib.events.models import Activity
from chalicelib.wakeup import rules
from chalicelib.wakeup import service as wakeup
from chalicelib.wakeup.models import Consent, ContactCap, Send
from tests.integration.fanout_helpers import Delays

TEN_AM = datetime(2027, 3, 15, 2, tzinfo=timezone.utc)  # 10:00 in China, after the days other tests use


def person(sandbox, *, idle_days: int, credits: int = 1, category: str | None = None, now=TEN_AM) -> str:
    """A user last active ``idle_days`` ago (China days), with consent credits at us and at WeChat."""
    name = "w" + uuid.uuid4().hex[:10]
    user_id = "u-" + name
    wx = sandbox.user(name)
    last = (china_day(now) - timedelta(days=idle_days)).isoformat()
    Activity(user_id, first_seen_day="2029-01-01", last_active_day=last, active_day_set={last},
             last_category=category, openid=wx.openid).save()
    for _ in range(credits):
        Consent(user_id, "tpl_benefit_arrived").update(actions=[
            Consent.credits.add(1), Consent.last_answer.set("accept"), Consent.openid.set(wx.openid),
            Consent.updated_at.set(now)])
        sandbox.consent[(wx.openid, "tpl_benefit_arrived")] += 1
    return user_id


def reachable(sandbox, journey: str = "inactive", **kwargs) -> str:
    """A user outside the journey's holdout (10% are held out, by a hash of id and journey). Those
    made on the way and held out are moved off the due day, so a run meets only the one returned."""
    while True:
        user = person(sandbox, **kwargs)
        if not held_out(user, journey):
            return user
        today = china_day(kwargs.get("now", TEN_AM)).isoformat()
        Activity(user).update(actions=[Activity.last_active_day.set(today)])


def held_out(user_id: str, journey: str = "inactive") -> bool:
    return rules.in_holdout(user_id, journey, rules.WakeupRules().holdout_percent)


def sent_to(sandbox, user_id: str) -> int:
    return sum(1 for m in sandbox.messages if m["user"] == user_id.removeprefix("u-"))


_spaced = itertools.count()


@pytest.fixture(autouse=True)
def _own_queue(queue):
    """No page of another test's can reach these workers."""


def run(job, now: datetime) -> tuple[wakeup.Report, fanout.Summary]:
    """A scheduled run, then the workers until its pages are done."""
    return job(now=now), fanout.drain(now=now)


@pytest.fixture
def now():
    """A day per test, 100 days from any other test's (wider than every step's window and
    catch-up), so the day buckets hold only this test's users."""
    return TEN_AM + timedelta(days=100 * next(_spaced))


def test_an_inactive_user_gets_one_message_with_a_coupon_from_their_history(dynamodb, sandbox, now):
    users = [person(sandbox, idle_days=3, category="tea", now=now) for _ in range(12)]
    reached = [u for u in users if not held_out(u)]

    _, first = run(wakeup.run_inactive, now)
    rerun, again = run(wakeup.run_inactive, now + timedelta(hours=1))

    assert first.decisions["sent"] == len(reached) and first.decisions["holdout"] == len(users) - len(reached)
    assert rerun.checkpoint == "complete" and rerun.candidates == 0 and again.decisions["sent"] == 0
    assert all(sent_to(sandbox, u) == 1 for u in reached) and all(sent_to(sandbox, u) == 0 for u in users if held_out(u))
    message = next(m for m in sandbox.messages if m["user"] == reached[0].removeprefix("u-"))
    assert message["data"]["thing2"]["value"] == "茶友回归 满99减20" and message["miniprogram_state"] == "developer"


def test_no_credit_no_message_and_the_decision_is_recorded(dynamodb, sandbox, now):
    user = reachable(sandbox, idle_days=3, credits=0, now=now)

    _, worked = run(wakeup.run_inactive, now)

    assert worked.decisions["skipped"] >= 1 and sent_to(sandbox, user) == 0
    assert Send.get(user, f"inactive:d3:{(china_day(now) - timedelta(days=3)).isoformat()}").reason == "no_consent"


def test_the_contact_cap_allows_one_marketing_message_in_three_days(dynamodb, sandbox, now):
    user = reachable(sandbox, idle_days=3, credits=2, now=now)
    ContactCap(user, last_marketing_at=now - timedelta(days=2)).save()  # a message two days ago

    run(wakeup.run_inactive, now)

    assert sent_to(sandbox, user) == 0
    assert Send.get(user, f"inactive:d3:{(china_day(now) - timedelta(days=3)).isoformat()}").reason == "frequency_cap"
    assert wakeup.credits_of(user)["tpl_benefit_arrived"] == 2  # nothing spent


def test_nothing_is_sent_in_quiet_hours(dynamodb, sandbox, now):
    reachable(sandbox, idle_days=3, now=now)
    night = now.replace(hour=15)  # 23:00 in China

    report, worked = run(wakeup.run_inactive, night)

    assert report.stopped == "quiet_hours" and report.pages == 0 and worked.decisions["sent"] == 0


def test_a_withdrawn_consent_at_wechat_zeroes_the_credits(dynamodb, sandbox, now):
    user = reachable(sandbox, idle_days=3, credits=3, now=now)
    sandbox.consent[(sandbox.user(user.removeprefix("u-")).openid, "tpl_benefit_arrived")] = 0

    run(wakeup.run_inactive, now)

    assert wakeup.credits_of(user)["tpl_benefit_arrived"] == 0


def test_a_run_reads_only_the_users_who_are_due(dynamodb, sandbox, now):
    due = [person(sandbox, idle_days=3, now=now) for _ in range(5)]
    for idle in (0, 1, 2, 6, 10, 20, 29):  # not due for any step (3-5, 7-9, 30-32 days with catch-up)
        person(sandbox, idle_days=idle, now=now)

    report, _ = run(wakeup.run_inactive, now)

    assert report.candidates == len(due) and report.enqueued == len(due)


def test_with_a_third_of_sends_failing_and_a_worker_killed_halfway_each_due_user_gets_one(dynamodb, sandbox, now,
                                                                                          monkeypatch):
    users = [person(sandbox, idle_days=3, now=now) for _ in range(30)]
    sandbox.rng.seed(11)
    sandbox.busy_rate = 0.3
    delays = Delays(monkeypatch)
    real = wakeup._decide
    calls = {"n": 0}

    def killed_halfway(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 15:
            raise SystemExit("the Lambda was killed")
        return real(*args, **kwargs)

    wakeup.run_inactive(now=now)
    monkeypatch.setattr(wakeup, "_decide", killed_halfway)
    with pytest.raises(SystemExit):
        fanout.drain(now=now, visibility=1)
    monkeypatch.setattr(wakeup, "_decide", real)
    time.sleep(1.2)  # the killed worker's page comes back after its visibility timeout
    clock = now
    for _ in range(fanout.pages.MAX_ATTEMPTS):  # busy answers come back later, each after its delay
        fanout.drain(now=clock)
        if not delays.release():
            break
        clock += timedelta(seconds=fanout.MAX_DELAY)

    assert all(sent_to(sandbox, u) == (0 if held_out(u) else 1) for u in users)


def test_a_cart_left_alone_for_four_hours_gets_one_reminder_and_an_order_stops_it(dynamodb, sandbox, now):
    from chalicelib.events import consent as privacy
    from chalicelib.events import service as events

    def shopper() -> str:
        user = reachable(sandbox, "cart", idle_days=0, now=now)
        openid = sandbox.user(user.removeprefix("u-")).openid
        Consent(user, "tpl_cart_reminder", credits=1, last_answer="accept", openid=openid, updated_at=now).save()
        sandbox.consent[(openid, "tpl_cart_reminder")] += 1
        privacy.record(user, agreed=True, version="v1", now=now)  # the privacy notice: or the cart is not kept
        events.ingest([events.Incoming("c1", "add_to_cart", None, {"cart": ["p-nuts"]})], user_id=user,
                      device_id=None, now=now)
        return user

    left, bought = shopper(), shopper()
    events.record_order(bought, "o-1", 8990, now=now + timedelta(hours=1))

    early, _ = run(wakeup.run_cart, now + timedelta(hours=3))
    _, due = run(wakeup.run_cart, now + timedelta(hours=4))
    _, again = run(wakeup.run_cart, now + timedelta(hours=5))

    assert early.candidates == 0 and due.decisions["sent"] == 1 and again.decisions.get("sent", 0) == 0
    assert sent_to(sandbox, left) == 1 and sent_to(sandbox, bought) == 0
