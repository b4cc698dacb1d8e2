"""The statistics of the reports, on numbers worked by hand."""
from __future__ import annotations

import pytest

from chalicelib.metrics import stats


def test_lift_is_the_difference_of_rates_with_a_wald_interval():
    r = stats.lift(1000, 300, 1000, 250)
    # se = sqrt(.3 * .7 / 1000 + .25 * .75 / 1000) = 0.019937
    assert r["lift"] == 0.05 and r["significant"]
    assert r["ci95"] == pytest.approx([0.05 - 1.959964 * 0.019937, 0.05 + 1.959964 * 0.019937], abs=1e-4)


def test_a_lift_whose_interval_spans_zero_is_not_significant():
    assert not stats.lift(50, 11, 50, 10)["significant"]


def test_no_holdout_means_no_lift_rather_than_a_made_up_one():
    assert stats.lift(100, 30, 0, 0) == {"treatedRate": 0.3, "holdoutRate": None, "lift": None, "ci95": None,
                                         "significant": False}


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
