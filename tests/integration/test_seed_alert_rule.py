"""The demo seed holds the 预警 the issue names, once however often it runs, so a new user sees the
screen and the nightly evaluation working after ``make dev``."""
from __future__ import annotations

from chalicelib import config
from chalicelib.alerts import service
from infra.seed import ALERT_RULE, alert_rule


def named() -> list[dict]:
    return [r for r in service.list_rules() if r["name"] == ALERT_RULE["name"]]


def test_the_seed_holds_d7_retention_below_20_percent_for_3_weeks_once():
    assert alert_rule(config.utcnow()) == 0  # the session's seed made it; a second run adds nothing
    [rule] = named()
    assert (rule["metric"], rule["op"], rule["threshold"], rule["periods"], rule["unit"], rule["enabled"]) == (
        "d7Retention", "below", 20, 3, "week", True)
