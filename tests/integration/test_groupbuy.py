"""Group-buy guarantees: slots, one seat per user, payments, expiry, refunds exactly once."""
from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta

import pytest

from chalicelib import config, errors
from chalicelib.coupons import store as coupon_store
from chalicelib.groupbuy import service as gb
from chalicelib.groupbuy.models import Group, GroupMember
from chalicelib.jobs import JobCursor
from chalicelib.members import service as members
from chalicelib.outbox import service as outbox
from chalicelib.store.roundtrips import counting
from tests.integration.helpers import race, uid


@pytest.fixture
def fresh_checkpoint():
    """Each close test starts the job from no checkpoint (tests move the clock back and forth)."""
    JobCursor(gb.JOB).delete()


def activity(**overrides) -> str:
    now = config.utcnow()
    spec = {"activity_id": uid("a-"), "name": "test group", "product_id": "p-puer", "original_price": 19900,
            "group_price": 12900, "size": 3, "starts_at": now - timedelta(days=1), "ends_at": now + timedelta(days=9),
            "per_user_limit": 5, **overrides}
    return gb.create_activity(gb.ActivitySpec(**spec)).activity_id


def opened(activity_id: str, leader: str | None = None, now=None) -> gb.Seat:
    return gb.open_group(leader or uid(), activity_id, nickname="leader", avatar_url=None, idempotency_key=None,
                         now=now or config.utcnow())


def join(group_id: str, user: str | None = None, now=None) -> gb.Seat:
    return gb.join(user or uid(), group_id, nickname=None, avatar_url=None, now=now or config.utcnow())


def test_the_last_slot_goes_to_exactly_one_of_racing_joiners(dynamodb):
    g = opened(activity(size=3)).group
    join(g.group_id)

    results = race(12, lambda i: join(g.group_id))

    assert sum(isinstance(r, gb.Seat) for r in results) == 1
    assert Counter(type(r).__name__ for r in results if not isinstance(r, gb.Seat)) == {"GroupFull": 11}
    seats = list(GroupMember.query(g.group_id))
    assert len(seats) == 3 == int(gb.group(g.group_id).reserved)


def test_a_user_is_never_twice_in_a_group(dynamodb):
    g, user = opened(activity(size=5)).group, uid()

    results = race(6, lambda i: join(g.group_id, user))

    assert all(isinstance(r, gb.Seat) for r in results)  # a second tap answers with the same seat
    assert [m.user_id for m in GroupMember.query(g.group_id)].count(user) == 1
    assert int(gb.group(g.group_id).reserved) == 2


def test_a_leader_cannot_join_their_own_group_and_old_customers_cannot_join_new_user_groups(dynamodb):
    seat = opened(activity(new_users_only=True))
    old = uid()
    members.record_order(old, "o-1", 1000, now=config.utcnow())

    with pytest.raises(errors.GroupOwn):
        join(seat.group.group_id, seat.member.user_id)
    with pytest.raises(errors.GroupNewUsersOnly):
        join(seat.group.group_id, old)
    assert join(seat.group.group_id).member.state == gb.RESERVED


def test_the_payment_that_fills_the_group_succeeds_it_once_with_the_leader_bonus(dynamodb):
    aid = activity(size=3, leader_coupon="groupbuy-leader")
    leader = opened(aid)
    seats = [leader, join(leader.group.group_id), join(leader.group.group_id)]

    results = race(3, lambda i: gb.pay(seats[i].order_ref, f"mo-{i}", now=config.utcnow()))
    again = gb.pay(seats[0].order_ref, "mo-0", now=config.utcnow())

    assert sum(r.completed for r in results) == 1 and again.already
    g = gb.group(leader.group.group_id)
    assert (g.state, int(g.paid)) == (gb.SUCCEEDED, 3) and g.due_bucket is None
    assert [c.template_id for c in coupon_store.of_user(leader.member.user_id)] == ["groupbuy-leader"]
    assert [e.event_id for e in outbox.events("fulfilment") if g.group_id in e.event_id] == [f"group-succeeded:{g.group_id}"]


def test_racing_duplicates_of_the_completing_payment_all_get_its_answer(dynamodb):
    """The order system resends a report it got no answer to: each copy gets the first's 200."""
    leader = opened(activity(size=2, leader_coupon="groupbuy-leader"))
    member = join(leader.group.group_id)
    gb.pay(leader.order_ref, "mo-l", now=config.utcnow())

    results = race(10, lambda i: gb.pay(member.order_ref, "mo-m", now=config.utcnow()))

    assert all(isinstance(r, gb.Payment) for r in results), results
    answers = {(r.group.group_id, r.group.state, int(r.group.paid), int(r.group.size), r.completed) for r in results}
    assert answers == {(leader.group.group_id, gb.SUCCEEDED, 2, 2, True)}
    assert sum(not r.already for r in results) == 1  # recorded once; the copies say so
    events = [e for e in outbox.events("fulfilment") if leader.group.group_id in e.event_id]
    assert len(events) == 1


def test_a_second_order_for_a_paid_seat_is_refused_and_refunded_once(dynamodb):
    seat = opened(activity(size=3))
    now = config.utcnow()
    gb.pay(seat.order_ref, "mo-first", now=now)

    results = race(5, lambda i: gb.pay(seat.order_ref, "mo-second", now=now))  # and the order system retries

    assert [type(r) for r in results] == [errors.SeatAlreadyPaid] * 5
    refunds = [json.loads(e.body) for e in outbox.events("refunds") if seat.group.group_id in e.event_id]
    assert refunds == [{"reason": "seat_already_paid", "groupId": seat.group.group_id, "orderId": "mo-second",
                        "amount": 12900}]
    assert GroupMember.get(seat.group.group_id, seat.member.user_id).order_id == "mo-first"
    assert int(gb.group(seat.group.group_id).paid) == 1
    assert gb.pay(seat.order_ref, "mo-first", now=now).already  # the first order is still the seat's


def test_the_fulfilment_event_names_every_member_order(dynamodb):
    leader = opened(activity(size=3))
    seats = [leader, join(leader.group.group_id), join(leader.group.group_id)]

    for i in (2, 0, 1):
        gb.pay(seats[i].order_ref, f"mo-{i}", now=config.utcnow())

    events = [json.loads(e.body) for e in outbox.events("fulfilment") if leader.group.group_id in e.event_id]
    assert [sorted(e["orderIds"]) for e in events] == [["mo-0", "mo-1", "mo-2"]]


def test_a_payment_after_the_reservation_lapsed_is_refused_and_refunded_once(dynamodb):
    seat = opened(activity(pay_minutes=15))
    late = config.utcnow() + timedelta(minutes=16)

    for _ in range(2):  # the order system retries
        with pytest.raises(errors.ReservationExpired):
            gb.pay(seat.order_ref, "mo-late", now=late)

    refunds = [json.loads(e.body) for e in outbox.events("refunds") if seat.group.group_id in e.event_id]
    assert refunds == [{"reason": "reservation_expired", "groupId": seat.group.group_id, "orderId": "mo-late",
                        "amount": 12900}]
    assert int(gb.group(seat.group.group_id).paid) == 0


def test_a_full_group_frees_a_lapsed_reservation_for_a_new_joiner(dynamodb):
    now = config.utcnow()
    leader = opened(activity(size=2, pay_minutes=15), now=now)
    lapsing = join(leader.group.group_id, now=now)
    later = now + timedelta(minutes=20)

    newcomer = join(leader.group.group_id, now=later)

    assert newcomer.member.state == gb.RESERVED
    assert GroupMember.get(leader.group.group_id, lapsing.member.user_id).state == gb.EXPIRED
    with pytest.raises(errors.ReservationExpired):
        gb.pay(lapsing.order_ref, "mo-x", now=later)


def test_the_close_fails_a_short_group_and_refunds_each_paid_member_exactly_once(dynamodb, fresh_checkpoint):
    now = config.utcnow()
    leader = opened(activity(size=3, time_limit_minutes=60), now=now)
    member = join(leader.group.group_id, now=now)
    unpaid = join(leader.group.group_id, now=now)
    gb.pay(leader.order_ref, "mo-l", now=now)
    gb.pay(member.order_ref, "mo-m", now=now)
    after = now + timedelta(minutes=61)

    gb.close_due(now=after)
    gb.close_due(now=after)  # a re-run, as after a crash

    g = gb.group(leader.group.group_id)
    assert g.state == gb.FAILED and g.due_bucket is None
    refunds = sorted(json.loads(e.body)["orderId"] for e in outbox.events("refunds") if g.group_id in e.event_id)
    assert refunds == ["mo-l", "mo-m"]
    states = {m.user_id: m.state for m in GroupMember.query(g.group_id)}
    assert states[unpaid.member.user_id] == gb.EXPIRED and states[member.member.user_id] == gb.REFUNDED


def test_a_late_copy_of_a_payment_the_close_refunded_is_not_refunded_again(dynamodb, fresh_checkpoint):
    now = config.utcnow()
    leader = opened(activity(size=2, time_limit_minutes=60), now=now)
    gb.pay(leader.order_ref, "mo-l", now=now)
    after = now + timedelta(minutes=61)
    gb.close_due(now=after)

    again = gb.pay(leader.order_ref, "mo-l", now=after)  # the order system's retry, after the close

    assert again.already and again.group.state == gb.FAILED
    refunds = [json.loads(e.body)["orderId"] for e in outbox.events("refunds") if leader.group.group_id in e.event_id]
    assert refunds == ["mo-l"]


def test_the_close_fills_a_group_that_reached_its_share_with_system_members(dynamodb, fresh_checkpoint):
    now = config.utcnow()
    leader = opened(activity(size=2, time_limit_minutes=60, virtual_fill_share=50), now=now)
    gb.pay(leader.order_ref, "mo-1", now=now)

    gb.close_due(now=now + timedelta(minutes=61))

    g = gb.group(leader.group.group_id)
    assert (g.state, int(g.virtual)) == (gb.SUCCEEDED, 1)
    events = [json.loads(e.body) for e in outbox.events("fulfilment") if g.group_id in e.event_id]
    assert events[0]["virtualMembers"] == 1 and events[0]["orderIds"] == ["mo-1"]


def test_the_close_reads_only_groups_that_are_due(dynamodb, fresh_checkpoint):
    now = config.utcnow()
    aid = activity(time_limit_minutes=600)
    for _ in range(5):  # due in ten hours: not read
        opened(aid, now=now)
    due = [opened(activity(time_limit_minutes=30), now=now) for _ in range(2)]

    report = gb.close_due(now=now + timedelta(minutes=31))

    assert report.groups_read >= 2
    assert all(gb.group(s.group.group_id).state == gb.FAILED for s in due)
    assert report.groups_read < 2 + 5  # the five not yet due were never touched


def test_join_costs_at_most_three_round_trips_and_the_card_two(dynamodb):
    g = opened(activity(new_users_only=True)).group

    with counting() as join_calls:
        join(g.group_id)
    with counting() as card_calls:
        gb.card(g.group_id)

    assert sum(join_calls.values()) <= 3, join_calls
    assert sum(card_calls.values()) <= 2, card_calls


def test_a_payment_costs_three_round_trips_even_the_one_that_fills_the_group(dynamodb):
    leader = opened(activity(size=2))
    member = join(leader.group.group_id)

    with counting() as first:
        gb.pay(leader.order_ref, "mo-l", now=config.utcnow())
    with counting() as last:  # the success and its fulfilment event, with every member's order
        gb.pay(member.order_ref, "mo-m", now=config.utcnow())

    assert sum(first.values()) <= 3, first
    assert sum(last.values()) <= 3, last


def test_sold_out_and_per_user_limits_hold(dynamodb):
    aid = activity(stock=1, per_user_limit=1)
    opened(aid)
    with pytest.raises(errors.GroupbuySoldOut):
        opened(aid)
    g = opened(activity(per_user_limit=1)).group
    user = uid()
    join(g.group_id, user)
    with pytest.raises(errors.GroupbuyLimitReached):
        opened(g.activity_id, user)


def test_forgetting_a_user_leaves_a_stand_in_seat(dynamodb):
    seat = opened(activity())

    gb.forget(seat.member.user_id)

    seats = list(GroupMember.query(seat.group.group_id))
    assert [s.user_id.startswith("gone-") for s in seats] == [True] and seats[0].nickname is None
    assert Group.get(seat.group.group_id).leader_id == seats[0].user_id
