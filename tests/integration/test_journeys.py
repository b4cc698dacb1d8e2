"""Journeys operators design, run by the engine over the fan-out queue: entries, delays, waits,
splits, sends through the one send pipeline, goals, versions and pauses."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.journeys import stats, store
from tests.conftest import BACKEND
from tests.integration.journey_helpers import happen, on_event, person, progress, publish, send, texts, tick, unique

NOW = datetime(2028, 2, 1, 2, tzinfo=timezone.utc)  # 10:00 in China


@pytest.fixture(autouse=True)
def _own_queue(queue):
    """No page of another test's can reach these workers."""


def test_a_chain_sends_its_first_step_at_once_and_the_next_after_its_delay_once_each(dynamodb, sandbox):
    name = unique("ev")
    journey = publish(on_event(name, [send("first", "首单立减已到账"), {"type": "delay", "id": "wait3", "days": 3},
                                      send("second", "满减券已到账")]), NOW)
    user = person(sandbox, NOW)
    happen(user, name, NOW)

    tick(NOW)
    assert texts(sandbox, user) == ["首单立减已到账"]
    [p] = progress(user, journey)
    assert (p.step, p.inside, p.status) == ("wait3", "delay", "active")
    waiting = stats.report(journey, store.body_of(journey, 1)["steps"])
    assert waiting["waiting"] == 1 and [s["waiting"] for s in waiting["steps"]] == [0, 1, 0]

    tick(NOW + timedelta(days=1))  # not yet due: nothing listed, nothing sent
    assert texts(sandbox, user) == ["首单立减已到账"]
    due = NOW + timedelta(days=3, minutes=2)
    tick(due)
    tick(due)  # the same minutes read again: each unit finds itself decided
    assert texts(sandbox, user) == ["首单立减已到账", "满减券已到账"]
    [p] = progress(user, journey)
    assert p.status == "done" and p.expires_at >= due + timedelta(days=30)  # kept a while, then TTL removes it
    figures = stats.report(journey, store.body_of(journey, 1)["steps"])
    assert (figures["entered"], figures["done"], figures["waiting"]) == (1, 1, 0)
    assert [s["sent"] for s in figures["steps"]] == [1, 0, 1]


def test_a_wait_takes_the_happened_branch_when_the_event_comes_and_the_timeout_branch_when_not(dynamodb, sandbox):
    name, bought = unique("ev"), unique("buy")
    journey = publish(on_event(name, [
        {"type": "wait", "id": "w", "until": {"kind": "event", "name": bought}, "timeoutHours": 24, "then": "thanks",
         "timeout": "nudge"},
        send("nudge", "还在考虑吗？"),
        {"type": "exit", "id": "stop"},
        send("thanks", "感谢您的购买"),
    ]), NOW)
    quick, slow = person(sandbox, NOW), person(sandbox, NOW)
    for user in (quick, slow):
        happen(user, name, NOW)
    tick(NOW)
    assert [p.waiting_for for p in progress(quick, journey)] == [f"event:{bought}"]

    happen(quick, bought, NOW + timedelta(hours=2))
    tick(NOW + timedelta(hours=2))
    tick(NOW + timedelta(hours=24, minutes=2))
    assert texts(sandbox, quick) == ["感谢您的购买"]
    assert texts(sandbox, slow) == ["还在考虑吗？"]
    assert [p.status for p in progress(slow, journey)] == ["exited"]


def test_splits_route_by_user_facts_and_random_variants_are_fixed_per_user(dynamodb, sandbox):
    from chalicelib.events.models import Activity

    name = unique("ev")
    journey = publish(on_event(name, [
        {"type": "split", "id": "buyer", "branches": [{"when": [{"fact": "orders", "op": "gte", "value": 2}],
                                                       "next": "loyal"}]},
        {"type": "random", "id": "ab", "variants": [{"name": "a", "weight": 1, "next": "copy-a"},
                                                    {"name": "b", "weight": 1, "next": "copy-b"}]},
        send("copy-a", "文案A"), {"type": "exit", "id": "end-a"},
        send("copy-b", "文案B"), {"type": "exit", "id": "end-b"},
        send("loyal", "老客专享"),
    ]), NOW)
    users = [person(sandbox, NOW) for _ in range(12)]
    Activity(users[0]).update(actions=[Activity.orders.set(3)])
    for user in users:
        happen(user, name, NOW)
    tick(NOW)

    assert texts(sandbox, users[0]) == ["老客专享"]
    got = {u: texts(sandbox, u) for u in users[1:]}
    assert all(len(t) == 1 and t[0] in ("文案A", "文案B") for t in got.values())
    assert len({t[0] for t in got.values()}) == 2  # both variants are used (a hash, 11 users)
    figures = stats.report(journey, store.body_of(journey, 1)["steps"])
    ab = next(s for s in figures["steps"] if s["id"] == "ab")
    assert sum(ab["variants"].values()) == 11


def test_the_holdout_gets_nothing_and_the_goal_counts_conversions_on_both_sides_with_the_lift(dynamodb, sandbox):
    from chalicelib.wakeup.models import Send

    name, paid = unique("ev"), unique("paid")
    journey = publish({**on_event(name, [send("offer", "回购券已到账"), {"type": "delay", "id": "d", "days": 7},
                                         send("late", "最后机会")]),
                       "entry": {"holdoutPercent": 50},
                       "goal": {"on": {"kind": "event", "name": paid}, "withinDays": 7}}, NOW)
    users = [person(sandbox, NOW) for _ in range(16)]
    for user in users:
        happen(user, name, NOW)
    tick(NOW)
    held = [u for u in users if progress(u, journey)[0].held == "journey"]
    treated = [u for u in users if u not in held]
    assert held and treated
    assert not any(texts(sandbox, u) for u in held)
    assert all(texts(sandbox, u) == ["回购券已到账"] for u in treated)

    for user in (treated[0], held[0]):
        happen(user, paid, NOW + timedelta(days=1))
    tick(NOW + timedelta(days=1))
    tick(NOW + timedelta(days=7, minutes=2))
    assert texts(sandbox, treated[0]) == ["回购券已到账"]  # converted: the late step never comes
    assert all(texts(sandbox, u) == ["回购券已到账", "最后机会"] for u in treated[1:])
    figures = stats.report(journey, store.body_of(journey, 1)["steps"])
    assert (figures["entered"], figures["holdout"]) == (16, len(held))
    assert (figures["converted"], figures["holdoutConverted"]) == (1, 1)
    assert figures["steps"][0]["converted"] == 1  # attributed to the last send that reached the user
    # The held-out walk the steps too, each send recorded as held out: a step's lift is measurable.
    assert figures["steps"][0]["heldOut"] == len(held) and figures["steps"][2]["heldOut"] == len(held) - 1
    assert {s.state for u in held for s in Send.query(u)} == {"holdout"}
    assert figures["lift"]["treatedN"] == len(treated) and figures["lift"]["ci95"] is not None


def test_a_paused_journey_holds_its_users_and_admits_none_and_resumed_it_goes_on(dynamodb, sandbox):
    name = unique("ev")
    journey = publish(on_event(name, [{"type": "delay", "id": "d", "hours": 2}, send("after", "两小时后")]), NOW)
    inside, newcomer = person(sandbox, NOW), person(sandbox, NOW)
    happen(inside, name, NOW)
    tick(NOW)
    store.set_status(journey, store.PAUSED, now=NOW, by="test")
    store.forget_cache()

    happen(newcomer, name, NOW + timedelta(hours=2, minutes=3))
    tick(NOW + timedelta(hours=2, minutes=3))  # the minute the delay ends in
    assert texts(sandbox, inside) == [] and progress(newcomer, journey) == []

    store.set_status(journey, store.LIVE, now=NOW, by="test")
    store.forget_cache()
    tick(NOW + timedelta(hours=3, minutes=6))  # postponed an hour while paused
    assert texts(sandbox, inside) == ["两小时后"]


def test_once_ever_admits_a_user_once_and_every_n_days_once_per_window(dynamodb, sandbox):
    once, weekly = unique("ev"), unique("ev")
    # Service notices: the contact cap, which would stop the second send of a day, does not count them.
    publish({**on_event(once, [send("s", "只此一次", marketing=False)]), "entry": {"once": True, "holdoutPercent": 0}},
            NOW)
    publish({**on_event(weekly, [send("s", "每周一次", marketing=False)]),
             "entry": {"everyDays": 7, "holdoutPercent": 0}}, NOW)
    user = person(sandbox, NOW, credits=10)
    for day in (0, 1, 8):
        at = NOW + timedelta(days=day)
        happen(user, once, at)
        happen(user, weekly, at)
        tick(at)
    assert texts(sandbox, user).count("只此一次") == 1
    assert texts(sandbox, user).count("每周一次") == 2


def test_a_service_notice_goes_in_quiet_hours_and_a_marketing_send_waits_for_them_to_end(dynamodb, sandbox,
                                                                                         monkeypatch):
    from tests.integration.fanout_helpers import Delays

    delays = Delays(monkeypatch)
    name = unique("ev")
    publish(on_event(name, [send("notice", "订单已支付", marketing=False), send("promo", "推荐好物")]), NOW)
    user = person(sandbox, NOW)
    night = NOW + timedelta(hours=13)  # 23:00 in China
    happen(user, name, night)
    tick(night)
    assert texts(sandbox, user) == ["订单已支付"]
    assert len(delays.release()) == 1  # put back until quiet hours end (at most SQS's 15 minutes at a time)
    tick(NOW + timedelta(hours=22, minutes=2))  # 08:00 in China
    assert texts(sandbox, user) == ["订单已支付", "推荐好物"]


def test_fields_come_from_the_coupon_granted_and_a_value_wechat_would_refuse_is_not_sent(dynamodb, sandbox):
    from chalicelib.wakeup.models import Consent, Send

    name = unique("ev")
    journey = publish(on_event(name, [
        {"type": "grant", "id": "gift", "coupon": "wakeup-general"},
        {"type": "send", "id": "told", "template": "tpl_benefit_arrived",
         "fields": {"thing1": {"text": "礼券已到账"}, "thing2": {"source": "coupon.name", "fallback": "点击查看"}}},
        {"type": "send", "id": "paid", "template": "tpl_benefit_arrived", "marketing": False,
         "fields": {"thing1": {"text": "您的订单"}, "amount2": {"source": "order.amount"}}},
    ]), NOW)
    user = person(sandbox, NOW)
    happen(user, name, NOW)  # no order in the context: amount2 has no value and no fallback
    tick(NOW)
    [message] = [m for m in sandbox.messages if m["user"] == user.removeprefix("u-")]
    assert message["data"]["thing2"]["value"] and message["data"]["thing2"]["value"] != "点击查看"
    refused = Send.get(user, f"{journey}:paid:" + progress(user, journey)[0].key.split("#", 1)[1])
    assert (refused.state, refused.reason) == ("failed", "template_data")
    assert int(Consent.get(user, "tpl_benefit_arrived").credits) == 2  # the refused send's credit is kept


def test_an_inactive_trigger_enters_users_from_the_index_once_and_not_those_who_came_back(dynamodb, sandbox):
    from chalicelib.events.models import Activity
    from chalicelib.journeys import runs

    journey = publish({"name": "沉睡3天", "trigger": {"kind": "inactive", "days": 3},
                       "entry": {"holdoutPercent": 0}, "steps": [send("pack", "唤醒礼包已到账")]},
                      NOW, journey_id=unique("inactive"))
    try:
        idle = [person(sandbox, NOW, idle_days=3) for _ in range(3)]
        Activity(idle[2]).update(actions=[Activity.last_active_day.set(NOW.date().isoformat())])  # came back
        runs.enter(now=NOW)
        from chalicelib import fanout

        fanout.drain(now=NOW)
        runs.enter(now=NOW)  # the slot's run had finished: nothing read again
        fanout.drain(now=NOW)
        assert [texts(sandbox, u) for u in idle] == [["唤醒礼包已到账"], ["唤醒礼包已到账"], []]
    finally:
        store.set_status(journey, store.PAUSED, now=NOW, by="test")
        store.forget_cache()


def test_erasure_removes_a_users_places_entries_and_facts(dynamodb, sandbox):
    from chalicelib.journeys.engine import forget
    from chalicelib.journeys.models import EntryGuard, Fact, Progress

    name = unique("ev")
    publish(on_event(name, [{"type": "delay", "id": "d", "days": 1}, send("s")]), NOW)
    user = person(sandbox, NOW)
    happen(user, name, NOW)
    tick(NOW)
    assert list(Progress.query(user)) and list(Fact.query(user)) and list(EntryGuard.query(user))
    forget(user)
    assert not list(Progress.query(user)) and not list(Fact.query(user)) and not list(EntryGuard.query(user))
    tick(NOW + timedelta(days=1, minutes=2))  # the due unit finds nothing: no send to an erased user
    assert texts(sandbox, user) == []
    from chalicelib.auth.models import User

    User(user).update(actions=[User.erasing.set(NOW)])  # as the erasure marks the account first
    happen(user, name, NOW + timedelta(hours=1))  # the order system reports after the erasure
    tick(NOW + timedelta(hours=1))
    assert not list(Progress.query(user))  # no place in a journey for an account being erased



def test_a_user_whose_unit_the_queue_gave_up_on_is_found_by_the_tick_an_hour_later_and_sent_once(
        dynamodb, sandbox, monkeypatch):
    from chalicelib.fanout import worker
    from tests.integration.fanout_helpers import Delays

    delays = Delays(monkeypatch)
    monkeypatch.setattr(worker, "MAX_ATTEMPTS", 0)  # the first busy answer gives the unit up
    name = unique("ev")
    journey = publish(on_event(name, [send("s", "迟到的问候")]), NOW)
    user = person(sandbox, NOW)
    happen(user, name, NOW)
    sandbox.busy_rate = 1.0
    summary = tick(NOW)
    assert summary.given_up == 1 and not delays.release() and texts(sandbox, user) == []

    sandbox.busy_rate = 0.0
    tick(NOW + timedelta(hours=1, minutes=3))
    tick(NOW + timedelta(hours=1, minutes=3))
    assert texts(sandbox, user) == ["迟到的问候"]
    assert [p.status for p in progress(user, journey)] == ["done"]


def test_a_user_who_comes_back_leaves_an_inactive_chain_at_its_next_send(dynamodb, sandbox):
    from chalicelib import fanout
    from chalicelib.events.models import Activity
    from chalicelib.journeys import runs

    journey = publish({"name": "沉睡链路", "trigger": {"kind": "inactive", "days": 3}, "entry": {"holdoutPercent": 0},
                       "steps": [send("d3", "想您了"), {"type": "delay", "id": "wait", "days": 4}, send("d7", "再送一张券")]},
                      NOW, journey_id=unique("inactive"))
    try:
        stays, returns = person(sandbox, NOW, idle_days=3), person(sandbox, NOW, idle_days=3)
        runs.enter(now=NOW)
        fanout.drain(now=NOW)
        Activity(returns).update(actions=[Activity.last_active_day.set("2028-02-03")])  # back two days later
        tick(NOW + timedelta(days=4, minutes=2))
        assert texts(sandbox, stays) == ["想您了", "再送一张券"]
        assert texts(sandbox, returns) == ["想您了"]
        assert [p.status for p in progress(returns, journey)] == ["exited"]
        figures = stats.report(journey, store.body_of(journey, 1)["steps"])
        assert figures["steps"][2]["skipped"] == {"no_longer_due": 1} and figures["exited"] == 1
    finally:
        store.set_status(journey, store.PAUSED, now=NOW, by="test")
        store.forget_cache()


@pytest.mark.skipif(BACKEND != "dynamodb-local", reason="moto's backend is not thread-safe: races only on DynamoDB Local")
def test_the_same_unit_on_four_workers_at_once_enters_and_sends_once(dynamodb, sandbox):
    """SQS may hand one message to two workers; a crash may hand it again while the first still works."""
    import threading

    from chalicelib.journeys import engine, facts
    from chalicelib.journeys.models import Fact
    from chalicelib.wakeup import service as wakeup
    from chalicelib.wechat import get_wechat

    name = unique("ev")
    journey = publish(on_event(name, [send("first", "只发一次"), {"type": "delay", "id": "d", "days": 3},
                                      send("second", "第二条")]), NOW)  # three days: past the contact cap
    user = person(sandbox, NOW)
    happen(user, name, NOW)
    [fact] = [f.key for f in Fact.query(user) if f.name == f"event:{name}"]
    book, wechat = wakeup.wakeup_rules(), get_wechat()
    barrier, errors = threading.Barrier(4), []

    def worker(at) -> None:
        barrier.wait()
        try:
            engine.on_fact(user, fact, book, wechat=wechat, now=at)
        except wakeup._InFlight:  # another worker holds the send's claim: its unit comes back later
            pass
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(NOW + timedelta(minutes=3),)) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert texts(sandbox, user) == ["只发一次"]
    [p] = progress(user, journey)
    assert (p.step, p.inside) == ("d", "delay")

    due = NOW + timedelta(days=3, minutes=5)
    [key] = [p.key]
    barrier = threading.Barrier(4)

    def due_worker() -> None:
        barrier.wait()
        try:
            engine._due(user, key, book, wechat=wechat, now=due)
        except wakeup._InFlight:
            pass
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=due_worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and texts(sandbox, user) == ["只发一次", "第二条"]
    figures = stats.report(journey, store.body_of(journey, 1)["steps"])
    assert figures["entered"] == 1 and [s["sent"] for s in figures["steps"]] == [1, 0, 1]
    assert facts.get(user, fact) is not None


def test_a_user_who_finished_the_steps_still_converts_within_the_goal_window_and_by_history_picks_the_coupon(
        dynamodb, sandbox):
    from chalicelib.coupons.models import Coupon
    from chalicelib.events.models import Activity

    name, paid = unique("ev"), unique("paid")
    journey = publish({**on_event(name, [send("pack", "专属福利已到账", coupon="by_history")]),
                       "goal": {"on": {"kind": "event", "name": paid}, "withinDays": 3}}, NOW)
    tea, other, late = person(sandbox, NOW), person(sandbox, NOW), person(sandbox, NOW)
    Activity(tea).update(actions=[Activity.last_category.set("tea")])
    for user in (tea, other, late):
        happen(user, name, NOW)
    tick(NOW)
    assert [p.status for p in progress(tea, journey)] == ["done"]
    happen(tea, paid, NOW + timedelta(days=2))
    happen(late, paid, NOW + timedelta(days=4))  # after the goal's window: not a conversion
    tick(NOW + timedelta(days=2))
    tick(NOW + timedelta(days=4))
    assert [p.status for p in progress(tea, journey)] == ["converted"]
    assert [p.status for p in progress(late, journey)] == ["done"]
    granted = {u: [c.template_id for c in Coupon.query(u)] for u in (tea, other)}
    assert granted == {tea: ["wakeup-tea"], other: ["wakeup-general"]}
    figures = stats.report(journey, store.body_of(journey, 1)["steps"])
    assert figures["converted"] == 1 and figures["steps"][0]["converted"] == 1


def test_days_since_the_first_order_enters_first_time_buyers_of_that_day(dynamodb, sandbox):
    from chalicelib import fanout
    from chalicelib.events.models import Activity
    from chalicelib.journeys import runs

    journey = publish({"name": "首单后3天", "trigger": {"kind": "since_first_order", "days": 3},
                       "entry": {"holdoutPercent": 0}, "steps": [send("review", "来评价一下吧", marketing=False)]},
                      NOW + timedelta(days=300), journey_id=unique("first"))
    at = NOW + timedelta(days=300)  # a day no other test's first orders fall on
    try:
        buyer, earlier = person(sandbox, at), person(sandbox, at)
        Activity(buyer).update(actions=[Activity.first_order_day.set("2028-11-24")])  # 3 China days before
        Activity(earlier).update(actions=[Activity.first_order_day.set("2028-11-20")])
        runs.enter(now=at)
        fanout.drain(now=at)
        assert texts(sandbox, buyer) == ["来评价一下吧"] and texts(sandbox, earlier) == []
    finally:
        store.set_status(journey, store.PAUSED, now=at, by="test")
        store.forget_cache()


def test_a_journey_of_service_notices_holds_no_one_out_not_even_the_universal_control_group(dynamodb, sandbox):
    from chalicelib import rulebook
    from chalicelib.wakeup import service as wakeup

    name = unique("ev")
    journey = publish({**on_event(name, [send("notice", "订单已发货", marketing=False)]),
                       "entry": {"holdoutPercent": 50}}, NOW)
    before = rulebook.get(wakeup.RULES_NAME)
    rulebook.put(wakeup.RULES_NAME, {**(before or {}), "globalHoldoutPercent": 50}, now=NOW)
    rulebook.forget_cache()
    try:
        users = [person(sandbox, NOW) for _ in range(8)]
        for user in users:
            happen(user, name, NOW)
        tick(NOW)
    finally:
        rulebook.put(wakeup.RULES_NAME, before or {}, now=NOW)
        rulebook.forget_cache()
    assert all(texts(sandbox, u) == ["订单已发货"] for u in users)
    assert stats.report(journey, store.body_of(journey, 1)["steps"])["holdout"] == 0
