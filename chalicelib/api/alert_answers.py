"""What the 预警 functions answer (``chalicelib.api.alert_views``), for the OpenAPI document; named
by reference, so only the generator and the tests import this module."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

import msgspec

from chalicelib.alerts.rules import AlertSpec, MetricName
from chalicelib.api.answers import Answer


class AlertRule(Answer):
    """A rule: ``metric`` ``op`` ``threshold`` (a percentage for rates) for ``periods`` consecutive
    ``unit``s; ``revision`` goes up with each edit."""

    rule_id: str
    name: str
    metric: MetricName
    op: Literal["below", "above"]
    threshold: float
    periods: int
    unit: Literal["day", "week"]
    enabled: bool
    revision: int
    updated_at: datetime
    updated_by: str


class AlertRules(Answer):
    """The rules, and what a new one is checked by: ``schema`` (JSON Schema of a rule), the metrics
    that are rates (``percentMetrics``: the threshold a percentage, 0 to 100) and ``maxPeriods`` by unit."""

    rules: list[AlertRule]
    schema: dict[str, Any]
    percent_metrics: list[MetricName]
    max_periods: dict[str, int]


class PeriodValue(Answer):
    period: str  # a China day; a week by its Monday
    value: float


class FiredRule(AlertSpec):
    """The rule as it read when the alert fired."""


class FiredAlert(Answer):
    id: str
    rule_id: str
    revision: int
    rule: FiredRule
    start: str  # the breach's first period
    values: list[PeriodValue]  # the run of breaching periods found when it fired, oldest first
    fired_at: datetime
    status: Literal["pending", "sending", "sent", "failed"]
    attempts: int  # sends tried
    sent_at: datetime | None
    last_error: str | None  # the webhook's errcode and errmsg of the last failed send


class FiredAlerts(Answer):
    alerts: list[FiredAlert]
    next: str | None  # the cursor of the next (older) page; None: no more


class AlertWebhook(Answer):
    configured: bool
    url: str | None  # the key masked but its last 4 characters


class AlertsRunReport(msgspec.Struct, forbid_unknown_fields=True):
    """``alerts-evaluate``: the last day the rollup finished, rules read, alerts fired and sent."""

    final: str | None
    rules: int
    fired: int
    sent: int
    failed: int
    stopped: Literal["time", "rate_limited"] | None
