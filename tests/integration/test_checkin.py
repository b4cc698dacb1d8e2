"""Check-in on storage: China days, streak repair, once-per-day under races, round trips."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib import errors, messages
from chalicelib.auth import store as auth_store
from chalicelib.checkin import rules
from chalicelib.checkin import service as checkin
from chalicelib.checkin.models import CheckinDay, CheckinStatus
from chalicelib.checkin.rules import streak_of
from chalicelib.coupons import store as coupon_store
from chalicelib.members import service as members
from chalicelib.store.roundtrips import counting
from chalicelib.wechat import WxSession
from tests.integration.helpers import race, uid

UTC = timezone.utc


def china_noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 4, tzinfo=UTC)  # 12:00 in China


def person(first_seen: date) -> str:
    """A user who first logged in at noon (China) on ``first_seen``: no earlier day can be made up."""
    user = uid()
    auth_store.record_login(user, WxSession(openid=uid("o"), session_key="c2Vzc2lvbmtleQ==", unionid=None),
                            f"login#{user}", now=china_noon(first_seen))
    return user


def test_the_day_turns_at_midnight_china_time_not_utc(dynamodb):
    user = uid()
    late = checkin.check_in(user, now=datetime(2026, 11, 24, 15, 59, 59, tzinfo=UTC))  # 23:59:59 in China
    early = checkin.check_in(user, now=datetime(2026, 11, 24, 16, 0, tzinfo=UTC))  # 00:00 the 25th in China

    assert (late.day, early.day) == (date(2026, 11, 24), date(2026, 11, 25))
    assert early.streak == 2 and early.already is False


def test_streaks_run_across_month_and_year_ends(dynamodb):
    user = uid()
    results = [checkin.check_in(user, now=china_noon(date(2026, 12, 30) + timedelta(days=i))) for i in range(4)]

    assert [r.streak for r in results] == [1, 2, 3, 4]
    calendar = checkin.calendar(user, "2027-01", now=china_noon(date(2027, 1, 2)))
    assert [d.isoformat() for d, _ in calendar.days] == ["2027-01-01", "2027-01-02"]
    assert calendar.month_days == 2 and calendar.streak == 4  # the month count restarted, the streak did not


def test_a_double_tap_pays_once(dynamodb):
    user, now = uid(), china_noon(date(2026, 11, 24))

    results = race(8, lambda i: checkin.check_in(user, now=now))

    assert all(isinstance(r, checkin.Result) for r in results), results
    assert sum(not r.already for r in results) == 1
    assert members.points_of(user, now=now).balance == 5
    assert CheckinStatus.get(user).total_days == 1


def test_day_seven_pays_its_coupon_in_the_same_transaction(dynamodb):
    user = uid()
    results = [checkin.check_in(user, now=china_noon(date(2026, 11, 1) + timedelta(days=i))) for i in range(7)]

    assert results[-1].coupon_id and results[-1].coupon_name == "签到7天礼 满30减5"
    assert [c.coupon_id for c in coupon_store.of_user(user)] == [results[-1].coupon_id]
    assert members.points_of(user, now=china_noon(date(2026, 11, 7))).balance == 70


def test_a_check_in_costs_two_round_trips_with_its_reward(dynamodb):
    user = uid()
    for i in range(6):
        checkin.check_in(user, now=china_noon(date(2026, 10, 1) + timedelta(days=i)))

    with counting() as calls:  # day 7: points and a coupon
        checkin.check_in(user, now=china_noon(date(2026, 10, 7)))
    with counting() as calendar_calls:
        checkin.calendar(user, "2026-10", now=china_noon(date(2026, 10, 7)))

    assert sum(calls.values()) <= 2, calls
    assert sum(calendar_calls.values()) <= 2, calendar_calls


def test_a_make_up_in_the_middle_repairs_the_streak(dynamodb):
    start = date(2026, 11, 10)
    user = person(start)
    for offset in (0, 1, 3, 4):  # the 12th is missed
        checkin.check_in(user, now=china_noon(start + timedelta(days=offset)))
    members.earn(user, 100, "gift", "g", now=china_noon(start))

    made = checkin.make_up(user, start + timedelta(days=2), "points", now=china_noon(start + timedelta(days=4)))

    assert (made.kind, made.day_streak, made.streak, made.points) == ("makeup", 3, 5, 10)  # day 3 of the cycle
    assert CheckinStatus.get(user).streak == 5
    assert [int(d.streak) for d in CheckinDay.query(user)] == [1, 2, 3, 4, 5]
    balance = members.points_of(user, now=china_noon(start + timedelta(days=4))).balance
    assert balance == 5 + 5 + 5 + 5 + 100 - 50 + 10


def test_make_up_refusals_write_nothing(dynamodb):
    today = date(2026, 11, 24)
    user = person(today - timedelta(days=10))
    checkin.check_in(user, now=china_noon(today - timedelta(days=1)))

    with pytest.raises(errors.CheckinAlreadyDone):
        checkin.make_up(user, today - timedelta(days=1), "points", now=china_noon(today))
    with pytest.raises(errors.CheckinDayInvalid):
        checkin.make_up(user, today - timedelta(days=8), "points", now=china_noon(today))
    with pytest.raises(errors.CheckinDayInvalid):
        checkin.make_up(user, today + timedelta(days=1), "points", now=china_noon(today))
    with pytest.raises(errors.MakeupCardMissing):
        checkin.make_up(user, today - timedelta(days=2), "card", now=china_noon(today))
    with pytest.raises(errors.PointsInsufficient):
        checkin.make_up(user, today - timedelta(days=2), "points", now=china_noon(today))

    assert CheckinDay.count(user) == 1


def test_a_make_up_card_is_spent_once_even_by_racing_make_ups(dynamodb):
    today = date(2026, 11, 24)
    user = person(today - timedelta(days=10))
    checkin.check_in(user, now=china_noon(today))
    CheckinStatus(user).update(actions=[CheckinStatus.cards.set(1)])

    results = race(3, lambda i: checkin.make_up(user, today - timedelta(days=1 + i), "card", now=china_noon(today)))

    assert sum(isinstance(r, checkin.Result) for r in results) == 1
    assert CheckinStatus.get(user).cards == 0 and CheckinDay.count(user) == 2


def test_racing_make_ups_of_a_week_join_into_one_streak(dynamodb):
    """Each make-up computes its streaks from its neighbours: racing ones must not both rely on
    a gap the other fills (seen on DynamoDB Local: the streak ended at 3 to 7 instead of 8)."""
    today = date(2026, 11, 24)
    user, now = person(today - timedelta(days=30)), china_noon(today)
    members.earn(user, 1_000, "gift", "g", now=now)
    checkin.check_in(user, now=now)
    checkin.make_up(user, today - timedelta(days=1), "points", now=now)

    results = race(6, lambda i: checkin.make_up(user, today - timedelta(days=2 + i), "points", now=now))

    assert all(isinstance(r, checkin.Result) for r in results), results
    stored = {date.fromisoformat(d.day): int(d.streak) for d in CheckinDay.query(user)}
    assert stored == {today - timedelta(days=n): 8 - n for n in range(8)}
    status = CheckinStatus.get(user)
    assert (int(status.streak), int(status.total_days), int(status.month_days)) == (8, 8, 8)
    assert checkin.calendar(user, "2026-11", now=now).streak == 8
    # Each make-up paid the reward of the streak it made, and the ledger holds exactly that.
    assert all(r.points == rules.reward_for(r.day_streak, checkin.checkin_rules()).points for r in results)
    paid = sum(int(d.points) for d in CheckinDay.query(user))
    assert members.points_of(user, now=now).balance == 1_000 + paid - 7 * 50


def interleave(monkeypatch, read: str, between: Callable[[], object]) -> None:
    """Run ``between`` once, right after the next call of the service's ``read`` returns: a
    concurrent writer landing between a read and the write that relies on it, on any back end."""
    original = getattr(checkin, read)

    def read_then_write(*args, **kwargs):
        found = original(*args, **kwargs)
        monkeypatch.setattr(checkin, read, original)
        between()
        return found

    monkeypatch.setattr(checkin, read, read_then_write)


def test_a_make_up_is_not_written_over_a_neighbour_filled_after_it_read(dynamodb, monkeypatch):
    today = date(2026, 11, 24)
    user, now = person(today - timedelta(days=30)), china_noon(today)
    members.earn(user, 1_000, "gift", "g", now=now)
    checkin.check_in(user, now=now)
    checkin.make_up(user, today - timedelta(days=1), "points", now=now)
    interleave(monkeypatch, "_days", lambda: checkin.make_up(user, today - timedelta(days=3), "points", now=now))

    checkin.make_up(user, today - timedelta(days=2), "points", now=now)  # read with the 21st still missing

    stored = {date.fromisoformat(d.day): int(d.streak) for d in CheckinDay.query(user)}
    assert stored == {today - timedelta(days=n): 4 - n for n in range(4)}
    assert int(CheckinStatus.get(user).streak) == 4


def test_a_make_up_between_a_check_ins_read_and_write_counts_in_the_month(dynamodb, monkeypatch):
    today = date(2026, 11, 24)
    user, now = person(today - timedelta(days=30)), china_noon(today)
    members.earn(user, 1_000, "gift", "g", now=now)
    checkin.check_in(user, now=china_noon(today - timedelta(days=1)))
    interleave(monkeypatch, "_status", lambda: checkin.make_up(user, today - timedelta(days=3), "points", now=now))

    checkin.check_in(user, now=now)

    status = CheckinStatus.get(user)
    assert (int(status.total_days), int(status.month_days), int(status.streak)) == (3, 3, 2)


def test_a_day_before_the_user_was_first_seen_cannot_be_made_up(dynamodb):
    today = date(2026, 11, 24)
    user, now = person(today - timedelta(days=2)), china_noon(today)
    members.earn(user, 1_000, "gift", "g", now=now)

    with pytest.raises(errors.CheckinDayInvalid) as refused:
        checkin.make_up(user, today - timedelta(days=3), "points", now=now)
    first = (today - timedelta(days=2)).isoformat()
    assert refused.value.message == messages.text("CHECKIN_DAY_INVALID.before_first_visit", first=first)
    made = checkin.make_up(user, today - timedelta(days=2), "points", now=now)  # the first day itself can

    assert made.day == today - timedelta(days=2) and CheckinDay.count(user) == 1
    with pytest.raises(errors.UserGone):  # no such user: nothing to make up
        checkin.make_up(uid(), today - timedelta(days=1), "points", now=now)


def test_a_make_up_costs_five_round_trips_at_most(dynamodb):
    today = date(2026, 11, 24)
    user, now = person(today - timedelta(days=30)), china_noon(today)
    members.earn(user, 1_000, "gift", "g", now=now)
    checkin.check_in(user, now=now)

    with counting() as calls:  # the user's first day, the status, the days, the points, the transaction
        checkin.make_up(user, today - timedelta(days=1), "points", now=now)

    assert sum(calls.values()) <= 5, calls


def test_the_month_milestone_pays_once_and_gives_a_card(dynamodb):
    user, start = uid(), date(2026, 9, 1)
    results = [checkin.check_in(user, now=china_noon(start + timedelta(days=i))) for i in range(15)]

    assert [r.milestone for r in results].count(15) == 1 and results[-1].cards == 1
    assert CheckinStatus.get(user).cards == 1


def test_a_user_who_opted_into_the_reminder_before_checking_in_can_check_in(dynamodb):
    user = uid()
    checkin.set_reminder(user, True)  # a status with no streak, days or last day yet

    assert checkin.check_in(user, now=china_noon(date(2026, 11, 24))).streak == 1
    assert int(CheckinStatus.get(user).total_days) == 1


def test_the_reminder_opt_in_is_in_the_sparse_index_only_while_on(dynamodb):
    user = uid()
    checkin.set_reminder(user, True)
    shard = CheckinStatus.get(user).reminder_shard

    assert user in [s.user_id for s in CheckinStatus.reminders.query(shard)]
    checkin.set_reminder(user, False)
    assert user not in [s.user_id for s in CheckinStatus.reminders.query(shard)]


# Any mix of check-ins and make-ups, in any order the rules allow: the stored streaks always
# equal the streaks counted from the set of days.
operations = st.lists(st.tuples(st.integers(0, 3), st.booleans(), st.integers(1, 7)), min_size=1, max_size=12)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations)
def test_stored_streaks_equal_the_streaks_of_the_days(dynamodb, ops):
    today = date(2026, 6, 1)
    user = person(today - timedelta(days=7))
    members.earn(user, 10_000, "gift", "g", now=china_noon(today))
    for advance, make_up, back in ops:
        today += timedelta(days=advance)
        try:
            if make_up:
                checkin.make_up(user, today - timedelta(days=back), "points", now=china_noon(today))
            else:
                checkin.check_in(user, now=china_noon(today))
        except (errors.CheckinAlreadyDone, errors.CheckinDayInvalid):
            pass

    stored = {date.fromisoformat(d.day): int(d.streak) for d in CheckinDay.query(user)}
    assert stored == {d: streak_of(set(stored), d) for d in stored}
    status = CheckinStatus.get(user)
    last = max(stored)
    assert (status.last_day, int(status.streak)) == (last.isoformat(), stored[last])
