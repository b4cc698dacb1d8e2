"""预警 in storage: a breach fires once (re-runs and racing evaluators fire nothing new), fires
again after a recovery, and its WeCom send is retried after a failure but never made twice.
(Real races on DynamoDB Local, the conformance run; on moto the calls run one by one.)"""
from __future__ import annotations

import json
import random
import uuid
from datetime import date, timedelta

import pytest

from chalicelib import config
from chalicelib.alerts import rules, service
from chalicelib.alerts.models import STREAM, FiredAlert
from chalicelib.metrics.models import DAY, MetricRow
from tests.integration.helpers import race


@pytest.fixture
def robot(sandbox):
    """The owner's webhook pointed at the sandbox under a key of this test's own; put back after."""
    before = service.webhook_url()
    key = "test" + uuid.uuid4().hex[:12]
    service.set_webhook(f"{config.settings().wechat_api_base}cgi-bin/webhook/send?key={key}", by="test",
                        now=config.utcnow())
    sandbox.webhook_errcode = None
    yield key
    sandbox.webhook_errcode = None
    service.set_webhook(before, by="test", now=config.utcnow())


def world(values: list[int]) -> tuple[str, date]:
    """Day rows of active users ``values`` on days of their own, and a rule "below 10 for 3 days"
    with a name of its own; the last day."""
    first = date(2040, 1, 1) + timedelta(days=random.randrange(0, 20_000))
    for i, v in enumerate(values):
        MetricRow(DAY, (first + timedelta(days=i)).isoformat(), values=json.dumps({"active": {"users": v}}),
                  computed_at=config.utcnow()).save()
    name = "r-" + uuid.uuid4().hex[:10]
    made = service.create_rule(rules.AlertSpec(name=name, metric="activeUsers", op="below", threshold=10, periods=3),
                               by="test", now=config.utcnow())
    return made["ruleId"], first + timedelta(days=len(values) - 1)


def alerts_of(rule_id: str) -> list[FiredAlert]:
    return [a for a in FiredAlert.query(STREAM, consistent_read=True) if a.rule_id == rule_id]


def others_sent(rule_id: str) -> None:
    """Alerts left pending by other tests would be tried first, and a failing send ends the run's
    sends: mark them sent, so this test's alert is the one tried."""
    for a in FiredAlert.query(STREAM, consistent_read=True):
        if a.rule_id != rule_id and a.status in (service.PENDING, service.SENDING):
            a.update(actions=[FiredAlert.status.set(service.SENT)])


def posts(sandbox, key: str, rule_id: str) -> list[dict]:
    name = service.rule(rule_id).spec
    return [w for w in sandbox.webhooks if w["key"] == key and json.loads(name)["name"] in w["content"]]


def test_a_breach_fires_once_however_often_the_night_runs(sandbox, robot):
    rule_id, last = world([50, 50, 5, 5, 5])
    for _ in range(3):
        service.evaluate(config.utcnow(), final=last)
    assert len(alerts_of(rule_id)) == 1 and alerts_of(rule_id)[0].status == service.SENT
    assert len(posts(sandbox, robot, rule_id)) == 1
    # The next night the breach is still on: nothing new.
    MetricRow(DAY, (last + timedelta(days=1)).isoformat(), values=json.dumps({"active": {"users": 1}}),
              computed_at=config.utcnow()).save()
    service.evaluate(config.utcnow(), final=last + timedelta(days=1))
    assert len(alerts_of(rule_id)) == 1 and len(posts(sandbox, robot, rule_id)) == 1
    service.delete_rule(rule_id)


def test_after_a_recovery_the_next_breach_fires_again(sandbox, robot):
    rule_id, last = world([50, 5, 5, 5, 50, 5, 5])
    service.evaluate(config.utcnow(), final=last - timedelta(days=3))  # the first breach, on its third day
    service.evaluate(config.utcnow(), final=last)  # recovered, then two days: not yet
    assert len(alerts_of(rule_id)) == 1
    MetricRow(DAY, (last + timedelta(days=1)).isoformat(), values=json.dumps({"active": {"users": 2}}),
              computed_at=config.utcnow()).save()
    service.evaluate(config.utcnow(), final=last + timedelta(days=1))
    assert sorted(a.start for a in alerts_of(rule_id)) == [(last - timedelta(days=5)).isoformat(),
                                                           (last - timedelta(days=1)).isoformat()]
    assert len(posts(sandbox, robot, rule_id)) == 2
    service.delete_rule(rule_id)


def test_two_evaluators_racing_fire_and_send_once(sandbox, robot):
    rule_id, last = world([50, 5, 5, 5])
    results = race(4, lambda i: service.evaluate(config.utcnow(), final=last), workers=4)
    assert all(isinstance(r, dict) for r in results), results
    assert len(alerts_of(rule_id)) == 1
    assert len(posts(sandbox, robot, rule_id)) == 1
    service.delete_rule(rule_id)


def test_a_failed_send_is_retried_by_the_next_run_and_sent_once(sandbox, robot):
    rule_id, last = world([50, 5, 5, 5])
    others_sent(rule_id)
    sandbox.webhook_errcode = 45009  # the robot's rate limit
    report = service.evaluate(config.utcnow(), final=last)
    (alert,) = alerts_of(rule_id)
    assert report["stopped"] == "rate_limited" and alert.status == service.PENDING
    assert alert.last_error.startswith("45009") and posts(sandbox, robot, rule_id) == []
    sandbox.webhook_errcode = None
    service.evaluate(config.utcnow(), final=last)
    service.evaluate(config.utcnow(), final=last)
    (alert,) = alerts_of(rule_id)
    assert alert.status == service.SENT and int(alert.attempts) == 2
    assert len(posts(sandbox, robot, rule_id)) == 1
    service.delete_rule(rule_id)


def test_a_run_out_of_time_fires_nothing_and_the_next_does(sandbox, robot):
    rule_id, last = world([50, 5, 5, 5])
    report = service.evaluate(config.utcnow(), 0.0, final=last)  # stop_at long past
    assert report["stopped"] == "time" and alerts_of(rule_id) == []
    assert service.evaluate(config.utcnow(), final=last)["stopped"] is None
    assert len(alerts_of(rule_id)) == 1
    service.delete_rule(rule_id)


def test_a_bad_key_leaves_the_alert_pending_with_wecoms_errcode(sandbox, robot):
    rule_id, last = world([50, 5, 5, 5])
    others_sent(rule_id)
    base = config.settings().wechat_api_base
    service.set_webhook(f"{base}cgi-bin/webhook/send?key=bad{robot}", by="test", now=config.utcnow())
    service.evaluate(config.utcnow(), final=last)
    (alert,) = alerts_of(rule_id)
    assert alert.status == service.PENDING and alert.last_error.startswith("93000")
    service.set_webhook(f"{base}cgi-bin/webhook/send?key={robot}", by="test", now=config.utcnow())  # fixed by the owner
    service.evaluate(config.utcnow(), final=last)
    assert alerts_of(rule_id)[0].status == service.SENT and len(posts(sandbox, robot, rule_id)) == 1
    service.delete_rule(rule_id)
