from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib import messages
from chalicelib.checkin import rules

BOOK = rules.CheckinRules()
D = date(2026, 11, 24)


def test_a_streak_continues_only_from_yesterday():
    assert rules.next_streak(D - timedelta(days=1), 6, D) == 7
    assert rules.next_streak(D - timedelta(days=2), 6, D) == 1
    assert rules.next_streak(None, 0, D) == 1
    assert rules.current_streak(D - timedelta(days=1), 6, D) == 6
    assert rules.current_streak(D - timedelta(days=2), 6, D) == 0


def test_the_cycle_restarts_after_its_last_day_and_day_seven_pays_the_coupon():
    assert [rules.reward_for(s, BOOK).points for s in range(1, 9)] == [5, 5, 10, 5, 5, 10, 30, 5]
    assert rules.reward_for(7, BOOK).coupon == "checkin-day7" and rules.cycle_day(15, BOOK) == 1


@pytest.mark.parametrize(
    "day,reason",
    [(D, messages.text("CHECKIN_DAY_INVALID.not_before_today")),
     (D + timedelta(days=1), messages.text("CHECKIN_DAY_INVALID.not_before_today")),
     (D - timedelta(days=8), messages.text("CHECKIN_DAY_INVALID.window", days=7)),
     (D - timedelta(days=3), messages.text("CHECKIN_ALREADY_DONE"))],
)
def test_make_up_refusals(day, reason):
    assert rules.makeup_refusal(day, D, {D - timedelta(days=3)}, BOOK) == reason


def test_a_day_before_the_first_visit_is_not_made_up_but_the_first_day_is():
    first = D - timedelta(days=2)

    assert "（2026-11-22）" in rules.makeup_refusal(D - timedelta(days=3), D, set(), BOOK, first_day=first)
    assert rules.makeup_refusal(first, D, set(), BOOK, first_day=first) is None


def test_filling_a_gap_joins_the_runs_on_both_sides():
    streaks = {D - timedelta(days=3): 1, D - timedelta(days=2): 2, D: 1}

    assert rules.refill(streaks, D - timedelta(days=1)) == {D - timedelta(days=1): 3, D: 4}


@given(st.sets(st.integers(0, 40)), st.integers(0, 40))
def test_refill_agrees_with_counting_from_scratch(offsets, gap):
    days = {D - timedelta(days=o) for o in offsets}
    missing = D - timedelta(days=gap)
    if missing in days:
        return
    streaks = {d: rules.streak_of(days, d) for d in days}

    changed = rules.refill(streaks, missing)

    after = days | {missing}
    assert all(rules.streak_of(after, d) == s for d, s in changed.items())
    assert all(rules.streak_of(after, d) == s for d, s in streaks.items() if d not in changed)


def test_rules_refuse_nonsense():
    with pytest.raises(ValueError):
        rules.CheckinRules(cycle=())
    with pytest.raises(ValueError):
        rules.CheckinRules(milestones=(rules.Milestone(40),))
