"""The statistics of the reports, on numbers worked by hand."""
from __future__ import annotations

import pytest

from chalicelib.metrics import stats


# Newcombe (1998), "Interval estimation for the difference between independent proportions",
# Statistics in Medicine 17:873-890, Table II, method 10 (hybrid score, no continuity correction);
# the same figures come from statsmodels 0.15's confint_proportions_2indep(method="newcomb").
NEWCOMBE_TABLE_II = [
    # (treated hits, treated n, holdout hits, holdout n) -> 95% interval of the difference
    ((56, 70, 48, 80), (0.0524, 0.3339)),
    ((9, 10, 3, 10), (0.1705, 0.8090)),
    ((6, 7, 2, 7), (0.0582, 0.8062)),
    ((5, 56, 0, 29), (-0.0381, 0.1926)),
    ((0, 10, 0, 20), (-0.1611, 0.2775)),
    ((0, 10, 0, 10), (-0.2775, 0.2775)),
    ((10, 10, 0, 20), (0.6791, 1.0000)),
    ((10, 10, 0, 10), (0.6075, 1.0000)),
]


@pytest.mark.parametrize(("counts", "expected"), NEWCOMBE_TABLE_II)
def test_lift_intervals_are_newcombes_hybrid_score_intervals(counts, expected):
    hits1, n1, hits0, n0 = counts
    r = stats.lift(n1, hits1, n0, hits0)
    assert r["ci95"] == pytest.approx(list(expected), abs=1e-4)
    assert r["lift"] == round(hits1 / n1 - hits0 / n0, 4)
    assert (r["treatedN"], r["holdoutN"]) == (n1, n0)


def test_lift_intervals_stay_inside_plus_minus_one_where_walds_left_it():
    # Wald on 2/4 against 0/2: 0.5 +- 1.96 * sqrt(.25 / 4) = [0.01, 0.99], and on 1/1 against 0/1
    # a zero-width [1, 1]; Newcombe's (statsmodels' figures) are honest about two users.
    assert stats.lift(4, 2, 2, 0)["ci95"] == pytest.approx([-0.2449, 0.8500], abs=1e-4)
    one = stats.lift(1, 1, 1, 0)
    assert one["ci95"] == pytest.approx([-0.1221, 1.0], abs=1e-4) and not one["significant"]
    for counts, _ in NEWCOMBE_TABLE_II:
        low, high = stats.lift(counts[1], counts[0], counts[3], counts[2])["ci95"]
        assert -1 <= low <= high <= 1


def test_a_large_lift_is_significant_and_carries_each_arms_wilson_interval():
    r = stats.lift(1000, 300, 1000, 250)
    assert r["lift"] == 0.05 and r["significant"]
    assert r["ci95"] == pytest.approx([0.0109, 0.0889], abs=1e-4)  # statsmodels, method="newcomb"
    assert r["treatedCi95"] == pytest.approx([0.2724, 0.3291], abs=1e-4)  # statsmodels, method="wilson"
    assert r["holdoutCi95"] == pytest.approx([0.2242, 0.2778], abs=1e-4)


def test_a_lift_whose_interval_spans_zero_is_not_significant():
    r = stats.lift(50, 11, 50, 10)
    assert not r["significant"] and r["ci95"] == pytest.approx([-0.1398, 0.1787], abs=1e-4)


def test_no_holdout_means_no_lift_rather_than_a_made_up_one():
    assert stats.lift(100, 30, 0, 0) == {
        "treatedRate": 0.3, "holdoutRate": None, "treatedCi95": [0.2189, 0.3958], "holdoutCi95": None,
        "treatedN": 100, "holdoutN": 0, "lift": None, "ci95": None, "significant": False}


@pytest.mark.parametrize(("hits", "n", "expected"), [
    (81, 263, (0.2553, 0.3662)),  # Newcombe (1998) "Two-sided confidence intervals for the single proportion", example
    (15, 148, (0.0624, 0.1605)),  # ibid.
    (0, 10, (0.0, 0.2775)),
    (10, 10, (0.7225, 1.0)),
    (1, 4, (0.0456, 0.6994)),
])
def test_single_rates_have_wilson_intervals(hits, n, expected):
    assert stats.wilson(hits, n) == pytest.approx(expected, abs=1e-4)
    assert stats.wilson(0, 0) is None


def test_rates_of_nothing_are_none():
    assert stats.rate(0, 0) is None and stats.rate(1, 4) == 0.25


def test_funnel_steps_convert_from_the_previous_step():
    days = {"2026-01-01": {"funnel": {"visit": 100, "view": 50, "cart": 10, "checkout": 5, "paid": 4}},
            "2026-01-02": {"funnel": {"visit": 100, "view": 50, "cart": 10, "checkout": 5, "paid": 1}}}
    f = stats.funnel(days)
    assert [s["userDays"] for s in f["steps"]] == [200, 100, 20, 10, 5]
    assert f["steps"][4]["fromPrevious"] == 0.5 and f["visitToPaid"] == 0.025


def test_repurchase_rates_use_only_cohorts_whose_window_has_passed():
    rows = {("2026-01-01", 0): {"buyers": 10}, ("2026-01-01", 20): {"second": 3}, ("2026-01-01", 60): {"second": 2},
            ("2026-03-01", 0): {"buyers": 10}, ("2026-03-01", 5): {"second": 9}}
    rolled = {"2026-01-31", "2026-04-01", "2026-03-02"}  # 2026-03-01 + 30 days (03-31) not rolled up yet
    r = stats.repurchase(rows, rolled)
    assert (r["rate30"], r["rate90"]) == (0.3, 0.5)
    assert r["cohorts"][1]["matured30"] is False and r["cohorts"][1]["rate30"] == 0.9


def test_retention_points_carry_their_whole_and_the_marks_their_wilson_interval():
    rows = {("2026-01-01", 0): {"active": 4, "journeys": 3, "holdout": 1}, ("2026-01-01", 1): {"active": 1, "journeys": 1},
            ("2026-01-02", 0): {"active": 6, "journeys": 4, "holdout": 2}, ("2026-01-02", 1): {"active": 3, "holdout": 2}}
    rolled = {"2026-01-01", "2026-01-02", "2026-01-03"}  # D2 is known for the first cohort only
    r = stats.retention(rows, rolled)
    assert r["curve"]["all"] == [1.0, 0.4, 0.0] and r["curveN"]["all"] == [10, 10, 4]
    assert r["curveN"]["journeys"] == [7, 7, 3] and r["curve"]["holdout"] == [1.0, round(2 / 3, 4), 0.0]
    assert r["marks"]["d1"] == {"rate": 0.4, "hits": 4, "n": 10, "ci95": [0.1682, 0.6873]}  # statsmodels' wilson
    assert r["marks"]["d7"] == {"rate": None, "hits": 0, "n": 0, "ci95": None}
