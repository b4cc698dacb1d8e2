from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib import messages
from chalicelib.coupons import rules
from chalicelib.coupons.rules import Line, Terms

TEA = Line("p-tea", "tea", 12800, 1)
MANGO = Line("p-mango", "fruit", 3990, 2)


@pytest.mark.parametrize(
    "terms,lines,discount",
    [
        (Terms(rules.THRESHOLD, amount=1500, threshold=10000), [TEA], 1500),
        (Terms(rules.THRESHOLD, amount=1500, threshold=10000), [MANGO], 0),  # ¥79.80 < ¥100
        (Terms(rules.THRESHOLD, amount=1500, threshold=10000, scope="categories", scope_ids=("tea",)), [TEA, MANGO], 1500),
        (Terms(rules.DISCOUNT, rate=85), [MANGO], 1197),  # 7980 * 15% = 1197
        (Terms(rules.DISCOUNT, rate=85, cap=1000), [MANGO], 1000),
        (Terms(rules.DISCOUNT, rate=99), [Line("p", "c", 33, 1)], 0),  # 0.33 fen rounds to nothing: not applicable
        (Terms(rules.CASH, amount=300), [MANGO], 300),
        (Terms(rules.CASH, amount=300, threshold=9000), [MANGO], 0),
        (Terms(rules.NO_THRESHOLD, amount=5000), [Line("p", "c", 990, 1)], 990),  # never more than the goods
        (Terms(rules.NO_THRESHOLD, amount=500, scope="products", scope_ids=("p-tea",)), [MANGO], 0),
    ],
)
def test_discounts_are_exact_in_fen(terms, lines, discount):
    assert rules.evaluate(terms, lines).discount == discount


def test_a_coupon_that_does_not_apply_says_why():
    outcome = rules.evaluate(Terms(rules.THRESHOLD, amount=1500, threshold=10000), [MANGO])

    assert not outcome.applies and outcome.reason == messages.text("COUPON_NOT_APPLICABLE.spend_more", yuan="¥20.20")


terms_strategy = st.builds(
    Terms,
    kind=st.sampled_from(rules.KINDS),
    amount=st.integers(1, 100_000),
    threshold=st.integers(0, 200_000),
    rate=st.integers(1, 99),
    cap=st.none() | st.integers(1, 100_000),
    scope=st.just(rules.SCOPE_ALL),
)
lines_strategy = st.lists(
    st.builds(Line, product_id=st.sampled_from(["a", "b", "c"]), category=st.sampled_from(["x", "y"]),
              price=st.integers(0, 100_000), qty=st.integers(1, 20)),
    max_size=10,
)


@given(terms_strategy, lines_strategy)
def test_a_discount_is_a_whole_number_of_fen_never_more_than_the_covered_goods(terms, lines):
    outcome = rules.evaluate(terms, lines)

    assert isinstance(outcome.discount, int) and 0 <= outcome.discount <= rules.eligible_total(terms, lines)
    assert outcome.applies == (outcome.discount > 0)
    if outcome.applies:
        assert rules.eligible_total(terms, lines) >= terms.threshold
        if terms.kind == rules.DISCOUNT and terms.cap is not None:
            assert outcome.discount <= terms.cap


@pytest.mark.parametrize(
    "terms,problem",
    [
        (Terms("bogus"), "kind"),
        (Terms(rules.THRESHOLD, amount=2000, threshold=1000), "threshold 须大于 amount"),
        (Terms(rules.DISCOUNT, rate=100), "rate"),
        (Terms(rules.CASH, amount=0), "amount"),
        (Terms(rules.CASH, amount=100, scope="categories"), "scopeIds"),
    ],
)
def test_bad_terms_are_named(terms, problem):
    assert any(problem in p for p in rules.problems(terms))


def test_an_unused_coupon_past_its_window_reads_expired_and_a_used_one_stays_used():
    start = datetime(2026, 11, 1, tzinfo=timezone.utc)
    end = start + timedelta(days=7)

    assert rules.state_at(rules.UNUSED, start, end, end - timedelta(seconds=1)) == rules.UNUSED
    assert rules.state_at(rules.UNUSED, start, end, end) == rules.EXPIRED
    assert rules.state_at(rules.USED, start, end, end + timedelta(days=1)) == rules.USED


@given(st.integers(1, 10**9), st.integers(1, 20))
def test_shards_add_up_to_the_stock_exactly(total, shards):
    split = rules.shard_totals(total, shards)

    assert sum(split) == total and len(split) == shards and max(split) - min(split) <= 1
