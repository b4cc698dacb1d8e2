from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.bargain import rules

cases = st.integers(1, 60).flatmap(lambda n: st.tuples(st.just(n), st.integers(n, 500_000), st.integers(0, 2**32 - 1)))


@given(cases)
def test_cuts_sum_exactly_each_at_least_a_fen_largest_first(case):
    n, total, seed = case
    cuts = rules.split(total, n, seed)

    assert len(cuts) == n and sum(cuts) == total and min(cuts) >= 1
    assert cuts[0] == max(cuts)
    assert all(later <= earlier + 1 for earlier, later in zip(cuts, cuts[1:]))  # rounding moves a cut by 1 at most


@given(cases, st.integers(1, 1_000_000))
def test_n_helps_reach_the_floor_and_never_pass_it(case, floor):
    n, total, seed = case
    original = floor + total
    cuts = rules.split(total, n, seed)

    prices = [rules.price_after(original, cuts, k) for k in range(n + 1)]

    assert prices[-1] == floor and all(p > floor for p in prices[:-1])
    assert prices == sorted(prices, reverse=True)


def test_the_same_seed_gives_the_same_cuts():
    assert rules.split(12700, 10, 42) == rules.split(12700, 10, 42) != rules.split(12700, 10, 43)


def test_too_few_fen_for_the_helpers_is_refused():
    with pytest.raises(ValueError):
        rules.split(3, 4, 1)
