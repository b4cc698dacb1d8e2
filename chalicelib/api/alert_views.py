"""预警: alert rules (marketers and owners change them, analysts read), the alerts fired, and the
owner's WeCom group robot webhook. The rules live in ``chalicelib.alerts``."""
from __future__ import annotations

from functools import cache
from typing import Annotated, Any

import msgspec
from chalice import Blueprint

from chalicelib import errors, lazy, messages
from chalicelib.api.http import Call, route
from chalicelib.auth.levels import OPERATOR
from chalicelib.operators.roles import OWNER_ONLY

alerts = lazy.module("chalicelib.alerts.service")

bp = Blueprint(__name__)

ANSWERS = "chalicelib.api.alert_answers:"


class AlertsQuery(msgspec.Struct):
    """Newest first (by the breach's first period); ``cursor``: the ``next`` of the page before."""

    limit: Annotated[int, msgspec.Meta(ge=1, le=100)] = 20
    cursor: Annotated[str, msgspec.Meta(max_length=64)] | None = None


class WebhookBody(msgspec.Struct, forbid_unknown_fields=True):
    """The WeCom group robot's webhook URL as its settings page shows it; null removes it."""

    url: Annotated[str, msgspec.Meta(min_length=1, max_length=512)] | None


@route(bp, "GET", "/operator/alerts/rules", auth=OPERATOR, answer=ANSWERS + "AlertRules")
def list_rules(call: Call) -> dict:
    return {"rules": alerts.list_rules(), **_form()}


@cache
def _form() -> dict:
    """What the console checks a rule by, from the types that check it here (one source of truth):
    the JSON Schema of a rule, which metrics are rates (a percentage, 0 to 100), and how many
    periods each unit allows."""
    from chalicelib.alerts import rules

    schema = msgspec.json.schema(rules.AlertSpec)
    schema["$defs"]["AlertSpec"].pop("description", None)
    return {"schema": schema, "percentMetrics": [m for m, facts in rules.METRICS.items() if facts.percent],
            "maxPeriods": dict(rules.MAX_PERIODS)}


def _spec(call: Call) -> Any:
    return alerts.parse(call.body)


@route(bp, "POST", "/operator/alerts/rules", auth=OPERATOR, body=dict, status=201, answer=ANSWERS + "AlertRule")
def create_rule(call: Call) -> dict:
    return alerts.create_rule(_spec(call), by=call.actor.operator_id, now=call.now)


@route(bp, "PUT", "/operator/alerts/rules/{rule_id}", auth=OPERATOR, body=dict, answer=ANSWERS + "AlertRule")
def update_rule(call: Call) -> dict:
    return alerts.update_rule(call.path["rule_id"], _spec(call), by=call.actor.operator_id, now=call.now)


@route(bp, "DELETE", "/operator/alerts/rules/{rule_id}", auth=OPERATOR, status=204)
def delete_rule(call: Call) -> None:
    alerts.delete_rule(call.path["rule_id"])


@route(bp, "GET", "/operator/alerts", auth=OPERATOR, query=AlertsQuery, answer=ANSWERS + "FiredAlerts")
def fired(call: Call) -> dict:
    try:
        q = msgspec.convert(call.query, AlertsQuery, strict=False)
    except msgspec.ValidationError as exc:
        raise errors.ValidationFailed(messages.text("VALIDATION_FAILED.body", detail=exc)) from exc
    return alerts.fired(limit=q.limit, cursor=q.cursor)


@route(bp, "GET", "/operator/alerts/webhook", auth=OPERATOR, capability=OWNER_ONLY, answer=ANSWERS + "AlertWebhook")
def get_webhook(call: Call) -> dict:
    return alerts.webhook_json(alerts.webhook_url())


@route(bp, "PUT", "/operator/alerts/webhook", auth=OPERATOR, capability=OWNER_ONLY, body=WebhookBody,
       answer=ANSWERS + "AlertWebhook")
def put_webhook(call: Call) -> dict:
    return alerts.set_webhook(call.body.url, by=call.actor.operator_id, now=call.now)
