"""The server's journey facts land where they happen: a first login, a group's result for each
member who paid (in the transaction that decides it), a bargain completed or expired. Each once;
one recorded after its source's transaction is recorded again by a retry that follows a crash
between the two."""
from __future__ import annotations

import json
import uuid
from datetime import timedelta

from chalicelib import config
from chalicelib.bargain import service as bargain
from chalicelib.groupbuy import service as gb
from chalicelib.jobs import JobCursor
from chalicelib.journeys import facts, runs, store
from chalicelib.journeys.models import Fact
from chalicelib.wechat import get_wechat
from tests.integration.helpers import uid
from tests.integration import test_bargain
from tests.integration.journey_helpers import account
from tests.integration.test_groupbuy import activity, join, opened


def started(**overrides) -> bargain.Bargain:
    """A bargain whose owner has an account: facts are recorded only for an account that is there."""
    b = test_bargain.started(**overrides)
    account(b.owner_id, "o" + b.owner_id, config.utcnow())
    return b


def fact(user_id: str, name: str, ref: str) -> Fact | None:
    return facts.get(user_id, f"fact:{name}#{ref}")


def props(user_id: str, name: str, ref: str) -> dict:
    found = fact(user_id, name, ref)
    assert found is not None, f"no {name} for {user_id}"
    return json.loads(found.props)


def test_a_first_login_records_signup_once_and_a_later_login_none(dynamodb, sandbox):
    from chalicelib.auth import service
    from tests.conftest import fresh

    wechat, name = get_wechat(), "jf" + uuid.uuid4().hex[:8]
    first = service.login(fresh("demo", name), wechat=wechat, now=config.utcnow())
    again = service.login(fresh("demo", name), wechat=wechat, now=config.utcnow())

    assert first.is_new and not again.is_new
    assert props(first.user_id, "signup", first.user_id) == {"userId": first.user_id}
    assert [f.key for f in Fact.query(first.user_id)] == [f"fact:signup#{first.user_id}"]


def test_a_login_retried_after_the_fact_was_lost_records_it(dynamodb, sandbox):
    from chalicelib.auth import service
    from tests.conftest import fresh

    wechat, code = get_wechat(), fresh("demo", "jf" + uuid.uuid4().hex[:8])
    session = service.login(code, wechat=wechat, now=config.utcnow())
    facts.forget(session.user_id)  # as if the first call stopped right after creating the user

    retried = service.login(code, wechat=wechat, now=config.utcnow())  # WeChat: code used; the receipt answers

    assert retried.user_id == session.user_id and retried.is_new
    assert fact(session.user_id, "signup", session.user_id) is not None


def test_an_erased_account_that_logs_in_again_is_no_new_signup(dynamodb, sandbox):
    from chalicelib import kept_limits
    from chalicelib.auth import service
    from chalicelib.auth import store as auth_store
    from tests.conftest import fresh

    wechat, name = get_wechat(), "jf" + uuid.uuid4().hex[:8]
    first = service.login(fresh("demo", name), wechat=wechat, now=config.utcnow())
    kept_limits.remember(first.user_id, now=config.utcnow())  # what an erasure keeps, then deletes the rest
    auth_store.delete_user(first.user_id)
    facts.forget(first.user_id)

    back = service.login(fresh("demo", name), wechat=wechat, now=config.utcnow())

    assert back.user_id == first.user_id and back.is_new
    assert fact(back.user_id, "signup", back.user_id) is None


def test_the_completing_payment_records_group_succeeded_for_every_member_who_paid(dynamodb):
    now = config.utcnow()
    aid = activity(size=3)
    leader = opened(aid, now=now)
    seats = [leader, join(leader.group.group_id, now=now), join(leader.group.group_id, now=now)]
    for i, seat in enumerate(seats):
        gb.pay(seat.order_ref, f"mo-{i}", now=now)
    group_id = leader.group.group_id

    for i, seat in enumerate(seats):
        got = props(seat.member.user_id, "group_succeeded", group_id)
        assert got == {"groupId": group_id, "activityId": aid, "productId": "p-puer", "orderId": f"mo-{i}",
                       "amount": 12900}
    # Written by the success's own transaction: a resent payment report writes none again.
    assert gb.pay(seats[2].order_ref, "mo-2", now=now + timedelta(minutes=5)).already
    assert [f.at for f in Fact.query(seats[2].member.user_id)] == [now]


def test_a_failed_group_records_group_failed_for_the_paid_members_only(dynamodb):
    JobCursor(gb.JOB).delete()
    now = config.utcnow()
    leader = opened(activity(size=3, time_limit_minutes=60), now=now)
    member = join(leader.group.group_id, now=now)
    unpaid = join(leader.group.group_id, now=now)
    gb.pay(leader.order_ref, "mo-l", now=now)
    gb.pay(member.order_ref, "mo-m", now=now)

    gb.close_due(now=now + timedelta(minutes=61))

    group_id = leader.group.group_id
    assert props(leader.member.user_id, "group_failed", group_id)["orderId"] == "mo-l"
    assert props(member.member.user_id, "group_failed", group_id)["orderId"] == "mo-m"
    assert fact(unpaid.member.user_id, "group_failed", group_id) is None
    assert gb.group(group_id).due_bucket is None


def test_a_virtually_filled_group_records_group_succeeded_for_the_real_members_once(dynamodb):
    JobCursor(gb.JOB).delete()
    now = config.utcnow()
    leader = opened(activity(size=3, time_limit_minutes=60, virtual_fill_share=60), now=now)
    member = join(leader.group.group_id, now=now)
    gb.pay(leader.order_ref, "mo-l", now=now)
    gb.pay(member.order_ref, "mo-m", now=now)
    group_id = leader.group.group_id
    after = now + timedelta(minutes=61)

    gb.close_due(now=after)
    JobCursor(gb.JOB).delete()
    gb.close_due(now=after + timedelta(minutes=1))  # a re-run, as after a crash: the group is closed

    assert gb.group(group_id).state == gb.SUCCEEDED
    assert props(leader.member.user_id, "group_succeeded", group_id)["orderId"] == "mo-l"
    assert props(member.member.user_id, "group_succeeded", group_id)["orderId"] == "mo-m"
    assert [f.at for f in Fact.query(member.member.user_id)] == [after]


def test_the_help_that_reaches_the_floor_records_bargain_completed_and_the_purchase_adds_nothing(dynamodb):
    b = started(helpers=2, floor_price=100)
    now = config.utcnow()
    for i in range(2):
        bargain.give_help(uid("h"), b.bargain_id, nickname=None, avatar_url=None, now=now)

    got = props(b.owner_id, "bargain_completed", b.bargain_id)
    assert (got["bargainId"], got["productId"]) == (b.bargain_id, "p-longjing") and "orderId" not in got
    bargain.buy(b.owner_id, b.bargain_id, now=now)
    bargain.purchased(b.bargain_id, "mo-b", now=now)
    assert "orderId" not in props(b.owner_id, "bargain_completed", b.bargain_id)  # the first one stays


def test_a_bargain_bought_early_records_bargain_completed_on_purchase_and_on_its_retry(dynamodb):
    b = started(buy_at_current=True)
    now = config.utcnow()
    bargain.give_help(uid("h"), b.bargain_id, nickname=None, avatar_url=None, now=now)
    assert fact(b.owner_id, "bargain_completed", b.bargain_id) is None
    bargain.buy(b.owner_id, b.bargain_id, now=now)

    bargain.purchased(b.bargain_id, "mo-e", now=now)
    got = props(b.owner_id, "bargain_completed", b.bargain_id)
    assert (got["orderId"], got["productName"]) == ("mo-e", "test bargain") and got["amount"] > 0

    facts.forget(b.owner_id)  # lost to a crash after the purchase's transaction
    bargain.purchased(b.bargain_id, "mo-e", now=now)  # the order system's retry
    assert fact(b.owner_id, "bargain_completed", b.bargain_id) is not None


def test_an_expired_bargain_records_bargain_expired_once_when_a_journey_uses_it(dynamodb):
    now = config.utcnow()
    b = started(duration_minutes=60)
    done = started(helpers=2, floor_price=100)
    for _ in range(2):
        bargain.give_help(uid("h"), done.bargain_id, nickname=None, avatar_url=None, now=now)
    later = now + timedelta(minutes=61)

    bargain.record_expired(now=now)
    assert fact(b.owner_id, "bargain_expired", b.bargain_id) is None  # still running
    report = bargain.record_expired(now=later)
    again = bargain.record_expired(now=later)

    assert fact(b.owner_id, "bargain_expired", b.bargain_id) is not None
    assert fact(done.owner_id, "bargain_expired", done.bargain_id) is None  # completed: not expired
    assert report["recorded"] >= 1 and again["recorded"] == 0


def test_the_hourly_journey_run_looks_for_expired_bargains_only_while_a_journey_uses_the_fact(dynamodb):
    from tests.integration.journey_helpers import publish, send

    now = config.utcnow()
    store.forget_cache()
    if "fact:bargain_expired" not in store.watched_facts():
        assert "bargain-expired" not in runs.enter(now=now)
    journey = publish({"name": "砍价过期挽回", "trigger": {"kind": "fact", "fact": "bargain_expired"},
                       "steps": [send("s")], "entry": {"holdoutPercent": 0}}, now)
    try:
        b = started(duration_minutes=60)

        out = runs.enter(now=now + timedelta(minutes=61))

        assert "bargain-expired" in out
        assert fact(b.owner_id, "bargain_expired", b.bargain_id) is not None
    finally:  # other tests' facts must not enter it
        store.set_status(journey, store.PAUSED, now=now, by="test")
        store.forget_cache()


def test_an_erased_members_seat_gets_no_fact(dynamodb):
    now = config.utcnow()
    leader = opened(activity(size=2), now=now)
    member = join(leader.group.group_id, now=now)
    gb.pay(leader.order_ref, "mo-l", now=now)
    gb.forget(leader.member.user_id)  # the leader erased their account; their paid seat stays, anonymous

    gb.pay(member.order_ref, "mo-m", now=now)

    group_id = leader.group.group_id
    assert gb.group(group_id).state == gb.SUCCEEDED
    assert fact(member.member.user_id, "group_succeeded", group_id) is not None
    stand_in = next(m.user_id for m in gb.GroupMember.query(group_id) if m.user_id != member.member.user_id)
    assert stand_in.startswith(gb.STAND_IN) and not list(Fact.query(stand_in))
