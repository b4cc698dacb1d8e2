"""预警 rules, pure: periods, values, breaches (consecutive days and weeks, once per breach,
recovery), the message and the webhook URL."""
from __future__ import annotations

from datetime import date, timedelta

import msgspec
import pytest

from chalicelib.alerts import rules
from chalicelib.alerts.rules import AlertSpec

D0 = date(2026, 11, 2)  # a Monday


def spec(**kw) -> AlertSpec:
    return AlertSpec(**{"name": "n", "metric": "activeUsers", "op": "below", "threshold": 10, "periods": 3, **kw})


def series(values, unit="day"):
    step = timedelta(days=1 if unit == "day" else 7)
    return [(D0 + step * i, v) for i, v in enumerate(values)]


def nightly(s: AlertSpec, values, unit="day", window=8) -> list[date]:
    """What night-by-night runs fire (each sees the last ``window`` periods; a set plays the
    condition on the breach's name)."""
    fired: set[date] = set()
    full = series(values, unit)
    for night in range(1, len(full) + 1):
        b = rules.current_breach(s, full[max(0, night - window):night])
        if b is not None:
            fired.add(b.start)
    return sorted(fired)


def test_a_run_fires_when_it_reaches_n_and_once_while_it_lasts():
    values = [50, 5, 5, 5, 5, 5, 5]
    assert rules.current_breach(spec(), series(values[:3])) is None  # two periods only
    b = rules.current_breach(spec(), series(values[:4]))
    assert b is not None and b.start == D0 + timedelta(days=1) and len(b.periods) == 3
    assert nightly(spec(), values) == [D0 + timedelta(days=1)]


def test_after_recovery_a_new_breach_fires_again():
    values = [50, 5, 5, 5, 50, 5, 5, 5, 5]
    assert nightly(spec(), values) == [D0 + timedelta(days=1), D0 + timedelta(days=5)]
    assert [b.start for b in rules.all_breaches(spec(), series(values))] == nightly(spec(), values)


def test_missing_values_break_a_run_and_the_threshold_itself_is_no_breach():
    assert nightly(spec(), [50, 5, None, 5, 5, 10, 5]) == []
    assert nightly(spec(op="above", threshold=100), [0, 101, 101, 101]) == [D0 + timedelta(days=1)]


def test_a_run_older_than_the_window_has_no_known_start_and_never_fires_again():
    assert rules.current_breach(spec(), series([5, 5, 5, 5])) is None


def test_weeks_end_on_sunday_and_retention_waits_for_its_offset():
    sunday = D0 + timedelta(days=6)
    assert rules.last_period("week", "activeUsers", sunday) == D0
    assert rules.last_period("week", "activeUsers", sunday - timedelta(days=1)) == D0 - timedelta(days=7)
    assert rules.last_period("day", "d7Retention", sunday) == sunday - timedelta(days=7)
    assert rules.last_period("week", "d7Retention", sunday + timedelta(days=7)) == D0


def test_values_sum_counts_and_pool_rates_over_a_week():
    days = rules.days_of("week", D0)
    day_rows = {d: {"active": {"users": 10}, "funnel": {"visit": 10, "paid": i % 2}} for i, d in enumerate(days)}
    cohorts = {(d, 0): {"active": 10} for d in days} | {(d, 7): {"active": 1} for d in days}
    assert rules.value("activeUsers", "week", D0, day_rows, cohorts) == 70
    assert rules.value("paidConversion", "week", D0, day_rows, cohorts) == round(100 * 3 / 70, 2)
    assert rules.value("d7Retention", "week", D0, day_rows, cohorts) == 10.0
    del day_rows[days[3]]
    assert rules.value("activeUsers", "week", D0, day_rows, cohorts) is None
    assert rules.value("paidConversion", "day", days[0], {days[0]: {"funnel": {}}}, {}) is None  # nobody visited


def test_d7_retention_below_20_percent_for_3_weeks():
    s = spec(metric="d7Retention", threshold=20, periods=3, unit="week")
    assert nightly(s, [30, 19.9, 15, 12, 25], unit="week") == [D0 + timedelta(days=7)]


@pytest.mark.parametrize("bad", [
    {"threshold": 101, "metric": "d7Retention"}, {"threshold": 1.5}, {"threshold": -1}, {"periods": 0},
    {"periods": 31}, {"periods": 13, "unit": "week"}, {"metric": "revenue"}, {"op": "equal"}, {"name": ""},
    {"unit": "month"},
])
def test_out_of_range_rules_are_refused(bad):
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert({"name": "n", "metric": "activeUsers", "op": "below", "threshold": 10, "periods": 3, **bad},
                        AlertSpec)


def test_the_message_is_markdown_in_chinese_under_wecoms_limit():
    s = spec(metric="d7Retention", threshold=20, unit="week")
    b = rules.current_breach(s, series([30, 12.5, 11, 10], unit="week"))
    text = rules.markdown(s, b)
    assert "7日留存率连续 3 周低于 20%" in text and "2026-W46" in text and "12.5%" in text
    assert len(text.encode()) < 4096


KEY = "693a91f6-7aaa-4bc4-97a0-0ec2sifa5aaa"


@pytest.mark.parametrize("url,local,ok", [
    (f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={KEY}", False, True),
    (f"http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={KEY}", False, False),
    (f"https://qyapi.weixin.qq.com.evil.cn/cgi-bin/webhook/send?key={KEY}", False, False),
    (f"https://qyapi.weixin.qq.com/cgi-bin/webhook/other?key={KEY}", False, False),
    ("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=", False, False),
    (f"https://user:pw@qyapi.weixin.qq.com/cgi-bin/webhook/send?key={KEY}", False, False),
    (f"http://127.0.0.1:8090/cgi-bin/webhook/send?key={KEY}", True, True),
    (f"http://127.0.0.1:8090/cgi-bin/webhook/send?key={KEY}", False, False),
    ("not a url", False, False),
])
def test_the_webhook_must_be_a_wecom_robot_outside_the_local_stage(url, local, ok):
    assert (rules.webhook_problem(url, local=local) is None) == ok


def test_the_webhook_key_is_masked():
    assert rules.masked(f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={KEY}") == \
        "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=****5aaa"


@pytest.mark.parametrize("body,said", [
    ({"name": "n"}, "缺少字段 metric"),
    ({**dict(name="n", metric="activeUsers", op="below", threshold=1, periods=1), "x": 1}, "不认识的字段 x"),
    (dict(name="n", metric="activeUsers", op="below", threshold=1, periods=0), "字段 periods"),
    (dict(name="n", metric="paidConversion", op="above", threshold=101, periods=1), "阈值为 0–100"),
    (dict(name="n", metric="newUsers", op="above", threshold=1, periods=13, unit="week"), "连续周期数为 1–12"),
])
def test_refusals_say_in_chinese_which_field_is_wrong(body, said):
    with pytest.raises(msgspec.ValidationError) as exc:
        msgspec.convert(body, AlertSpec)
    assert said in rules.why(exc.value)
