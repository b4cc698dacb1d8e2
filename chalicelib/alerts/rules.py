"""Alert rules, pure: "metric below/above X for N consecutive days/weeks" over the rollup's rows.

- A *period* is a China day, or an ISO week (Monday to Sunday, named by its Monday). A period's
  value is final once the rollup has finished every day it needs (a D7 retention of cohort day F
  needs day F+7), so a series ends at the last final period; a missing or undefined value (no
  cohort, nobody visited) breaks a run, it never extends one.
- A *breach* is a maximal run of consecutive breaching periods at least N long. It is named by
  its first period: the same run found again (a re-run, the next night while it lasts) has the
  same name, and the storage's condition on that name fires it once. After a period that does not
  breach, a new run has a new first period, so it can fire again.
- Only the breach still going on at the last final period fires, and only if its first period is
  inside the series read (``lookback``): a rule created today does not fire for last month's
  breach, and a breach older than the window is never fired a second time.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated, Literal
from urllib.parse import parse_qs, urlsplit

import msgspec

from chalicelib import messages

DAY, WEEK = "day", "week"
BELOW, ABOVE = "below", "above"
Unit = Literal["day", "week"]
Op = Literal["below", "above"]


@dataclass(frozen=True)
class Metric:
    label: str  # zh-CN, for the WeCom message
    percent: bool  # a rate in percent (0..100), else a count
    needs_days: int = 0  # days after a period's last day that must be final (D7 retention: 7)


METRICS: dict[str, Metric] = {
    "activeUsers": Metric("活跃用户数", False),
    "newUsers": Metric("新增用户数", False),
    "paidUsers": Metric("支付用户数", False),
    "paidConversion": Metric("支付转化率", True),
    "d1Retention": Metric("次日留存率", True, 1),
    "d7Retention": Metric("7日留存率", True, 7),
}
MetricName = Literal["activeUsers", "newUsers", "paidUsers", "paidConversion", "d1Retention", "d7Retention"]

MAX_PERIODS = {DAY: 30, WEEK: 12}
LOOKBACK = {DAY: 30, WEEK: 8}  # periods read before the N a breach needs
MAX_COUNT = 1_000_000_000
MAX_RULES = 50


class AlertSpec(msgspec.Struct, rename="camel", forbid_unknown_fields=True, frozen=True):
    """An operator's rule: ``metric`` ``op`` ``threshold`` for ``periods`` consecutive ``unit``s."""

    name: Annotated[str, msgspec.Meta(min_length=1, max_length=40)]
    metric: MetricName
    op: Op
    threshold: Annotated[float, msgspec.Meta(ge=0, le=MAX_COUNT)]
    periods: Annotated[int, msgspec.Meta(ge=1, le=30)]
    unit: Unit = DAY
    enabled: bool = True

    def __post_init__(self) -> None:
        if self.periods > MAX_PERIODS[self.unit]:
            raise ValueError(messages.text("ALERT_PERIODS_RANGE").format(unit="天" if self.unit == DAY else "周",
                                                                         most=MAX_PERIODS[self.unit]))
        if METRICS[self.metric].percent and self.threshold > 100:
            raise ValueError(messages.text("ALERT_THRESHOLD_PERCENT").format(metric=self.metric))
        if not METRICS[self.metric].percent and self.threshold != int(self.threshold):
            raise ValueError(messages.text("ALERT_THRESHOLD_WHOLE").format(metric=self.metric))


_PATH = re.compile(r"at `\$\.(\w+)")
_FIELD = re.compile(r"field `(\w+)`")


def why(exc: Exception) -> str:
    """A person's reading of msgspec's refusal (zh-CN), naming the field: the console shows it there."""
    text = str(exc)
    named = _FIELD.search(text)
    if "unknown field" in text and named:
        return messages.text("ALERT_FIELD_UNKNOWN").format(field=named[1])
    if "missing required field" in text and named:
        return messages.text("ALERT_FIELD_MISSING").format(field=named[1])
    path = _PATH.search(text)
    if path:
        return messages.text("ALERT_FIELD_INVALID").format(field=path[1])
    return text.split(" - at ")[0]  # our own checks (__post_init__), already a sentence


# --- periods and values ------------------------------------------------------------------------
def week_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def last_period(unit: str, metric: str, final: date) -> date | None:
    """The newest period whose value is final when ``final`` is the last day rolled up."""
    last_day = final - timedelta(days=METRICS[metric].needs_days)
    if unit == DAY:
        return last_day
    monday = week_of(last_day)
    return monday if last_day == monday + timedelta(days=6) else monday - timedelta(days=7)


def periods(unit: str, last: date, count: int) -> list[date]:
    step = timedelta(days=1 if unit == DAY else 7)
    return [last - step * i for i in range(count - 1, -1, -1)]


def days_of(unit: str, period: date) -> list[date]:
    return [period] if unit == DAY else [period + timedelta(days=i) for i in range(7)]


def fraction(metric: str, day: date, day_rows: dict[date, dict], cohorts: dict[tuple[date, int], dict]
             ) -> tuple[float, float] | None:
    """The metric of one day as (numerator, denominator), None where the day's rows are missing;
    a count has denominator 1."""
    if metric in ("d1Retention", "d7Retention"):
        offset = METRICS[metric].needs_days
        if day not in day_rows:  # the cohort's day itself was never rolled up
            return None
        size = cohorts.get((day, 0), {}).get("active", 0)
        return float(cohorts.get((day, offset), {}).get("active", 0)), float(size)
    row = day_rows.get(day)
    if row is None:
        return None
    active, funnel = row.get("active", {}), row.get("funnel", {})
    if metric == "paidConversion":
        return float(funnel.get("paid", 0)), float(funnel.get("visit", 0))
    value = {"activeUsers": active.get("users", 0), "newUsers": active.get("new", 0),
             "paidUsers": funnel.get("paid", 0)}[metric]
    return float(value), 1.0


def value(metric: str, unit: str, period: date, day_rows: dict[date, dict],
          cohorts: dict[tuple[date, int], dict]) -> float | None:
    """A period's value: counts summed over its days, rates as the sum of numerators over the
    sum of denominators (in percent); None if a day is missing or a rate has nothing under it."""
    parts = [fraction(metric, d, day_rows, cohorts) for d in days_of(unit, period)]
    if any(p is None for p in parts):
        return None
    top, bottom = sum(p[0] for p in parts if p), sum(p[1] for p in parts if p)
    if not METRICS[metric].percent:
        return top
    return None if bottom == 0 else round(100 * top / bottom, 2)


# --- breaches ----------------------------------------------------------------------------------
def breaches_at(spec: AlertSpec, value: float | None) -> bool:
    if value is None:
        return False
    return value < spec.threshold if spec.op == BELOW else value > spec.threshold


@dataclass(frozen=True)
class Breach:
    start: date  # its first period: the breach's name
    periods: list[tuple[date, float]]  # the run so far, oldest first


def current_breach(spec: AlertSpec, series: list[tuple[date, float | None]]) -> Breach | None:
    """The breach still going on at the series' last period, if its run is at least ``periods``
    long and starts inside the series (a run that fills the series has an unknown start: None)."""
    run: list[tuple[date, float]] = []
    for period, v in reversed(series):
        if not breaches_at(spec, v):
            break
        run.append((period, v))  # type: ignore[arg-type]
    if len(run) < spec.periods or len(run) == len(series):
        return None
    run.reverse()
    return Breach(run[0][0], run)


def all_breaches(spec: AlertSpec, series: list[tuple[date, float | None]]) -> list[Breach]:
    """Every run at least ``periods`` long with a known start (the unit tests' oracle, and a
    night-by-night replay fires exactly these)."""
    out, run, seen_clear = [], [], False
    for period, v in series + [(date.max, None)]:
        if breaches_at(spec, v):
            run.append((period, v))
            continue
        if seen_clear and len(run) >= spec.periods:
            out.append(Breach(run[0][0], list(run)))
        run, seen_clear = [], True
    return out


def period_label(unit: str, period: date) -> str:
    if unit == DAY:
        return period.isoformat()
    year, week, _ = period.isocalendar()
    return f"{year}-W{week:02d}"


def describe(spec: AlertSpec) -> str:
    m = METRICS[spec.metric]
    unit = "天" if spec.unit == DAY else "周"
    return f"{m.label}连续 {spec.periods} {unit}{'低于' if spec.op == BELOW else '高于'} {_number(spec.metric, spec.threshold)}"


def _number(metric: str, v: float) -> str:
    if METRICS[metric].percent:
        return f"{v:g}%"
    return f"{int(v):,}"


def markdown(spec: AlertSpec, breach: Breach) -> str:
    """The WeCom robot's message (markdown, well under its 4,096 bytes)."""
    lines = [f"**【汇流预警】{spec.name}**", f"> 规则：{describe(spec)}",
             f"> 自 {period_label(spec.unit, breach.start)} 起已连续 {len(breach.periods)} "
             f"{'天' if spec.unit == DAY else '周'}："]
    for period, v in breach.periods[-6:]:
        lines.append(f"> {period_label(spec.unit, period)}：<font color=\"warning\">{_number(spec.metric, v)}</font>")
    return "\n".join(lines)


# --- the webhook URL ---------------------------------------------------------------------------
WEBHOOK_HOST = "qyapi.weixin.qq.com"
WEBHOOK_PATH = "/cgi-bin/webhook/send"
KEY = re.compile(r"[A-Za-z0-9-]{8,64}")
LOCAL_HOSTS = ("127.0.0.1", "localhost")


def webhook_problem(url: str, *, local: bool) -> str | None:
    """Why ``url`` is not a WeCom group robot's webhook (None: it is). The local stage also takes
    the sandbox's own address."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018  raises on a bad port
    except ValueError:
        return "not a URL"
    keys = parse_qs(parts.query).get("key", [])
    if local and parts.scheme in ("http", "https") and host in LOCAL_HOSTS:
        pass
    elif parts.scheme != "https" or host != WEBHOOK_HOST or parts.port not in (None, 443):
        return f"must be https://{WEBHOOK_HOST}{WEBHOOK_PATH}?key=…"
    if parts.path != WEBHOOK_PATH or len(keys) != 1 or not KEY.fullmatch(keys[0]) or parts.fragment \
            or parts.username or parts.password:
        return f"must be https://{WEBHOOK_HOST}{WEBHOOK_PATH}?key=…"
    return None


def masked(url: str | None) -> str | None:
    """The URL with its key hidden but its last 4 characters (what the console and the audit show)."""
    if not url:
        return None
    parts = urlsplit(url)
    key = (parse_qs(parts.query).get("key") or [""])[0]
    return f"{parts.scheme}://{parts.netloc}{parts.path}?key=****{key[-4:]}"
