from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.members import rules

BOOK = rules.MembershipRules()


@pytest.mark.parametrize("growth,tier", [(0, "normal"), (499, "normal"), (500, "silver"), (7999, "gold"), (10**6, "diamond")])
def test_tiers_follow_growth(growth, tier):
    assert rules.tier_for(growth, BOOK).code == tier


def test_points_earned_expire_at_the_end_of_next_year_china_time():
    bucket = rules.bucket_for(date(2026, 12, 31), BOOK)

    assert bucket == "2027"
    assert rules.bucket_expires_at(bucket).isoformat() == "2028-01-01T00:00:00+08:00"
    assert rules.live({"2026": 5, "2027": 7}, date(2027, 1, 1)) == {"2027": 7}


def test_a_spend_takes_from_what_expires_first():
    assert rules.allocate({"2028": 50, "2027": 30, "never": 10}, 60, date(2027, 6, 1)) == {"2027": 30, "2028": 30}
    assert rules.allocate({"2026": 100, "2027": 5}, 10, date(2027, 6, 1)) is None  # 2026 has expired


@given(st.dictionaries(st.sampled_from(["2025", "2026", "2027", "2028", "never"]), st.integers(0, 1000)),
       st.integers(1, 3000))
def test_an_allocation_covers_the_spend_exactly_from_live_buckets_or_not_at_all(buckets, points):
    today = date(2026, 6, 1)
    live = rules.live(buckets, today)
    take = rules.allocate(buckets, points, today)

    if sum(live.values()) < points:
        assert take is None
    else:
        assert sum(take.values()) == points
        assert all(0 < n <= live[b] for b, n in take.items())


def test_points_for_an_order_use_the_tiers_multiplier_and_whole_yuan():
    gold = rules.tier_for(2000, BOOK)

    assert rules.points_for_order(12_999, gold, BOOK) == 193  # ¥129 × 150% = 193.5, rounded down
    assert rules.growth_for_order(12_999, BOOK) == 129


def test_rules_refuse_tiers_that_do_not_start_at_zero():
    with pytest.raises(ValueError):
        rules.MembershipRules(tiers=(rules.Tier("vip", "VIP", 10),))
