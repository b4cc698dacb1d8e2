"""预警 over HTTP: rules made, edited and deleted by a marketer, read by an analyst; the webhook
the owner's alone, checked, answered and audited masked, never logged; bad input is a 4xx."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest

from chalicelib import config
from chalicelib.alerts import service
from chalicelib.operators import roles
from tests.conftest import captured_logs
from tests.e2e.test_operators import Console, code, operator, own_address  # noqa: F401  (the fixture)

RULE = {"name": "7日留存预警", "metric": "d7Retention", "op": "below", "threshold": 20, "periods": 3, "unit": "week"}
KEY = "5f0c3c1e-1d2b-4c8e-9a7b-e2e0test0abc"


@pytest.fixture
def webhook_restored():
    before = service.webhook_url()
    yield
    service.set_webhook(before, by="test", now=config.utcnow())


def test_a_marketer_keeps_rules_and_an_analyst_only_reads_them(api):
    marketer, analyst = Console(api, operator(roles.MARKETER)), Console(api, operator(roles.ANALYST))
    made = marketer.call("POST", "/operator/alerts/rules", RULE)
    assert made.status_code == 201, made.text
    rule_id = made.json["ruleId"]
    edited = marketer.call("PUT", f"/operator/alerts/rules/{rule_id}", {**RULE, "periods": 2, "enabled": False})
    assert edited.status_code == 200 and edited.json["revision"] == 2 and edited.json["enabled"] is False
    listed = analyst.call("GET", "/operator/alerts/rules")
    assert listed.status_code == 200 and any(r["ruleId"] == rule_id and r["periods"] == 2 for r in listed.json["rules"])
    assert analyst.call("GET", "/operator/alerts").status_code == 200
    for method, path, body in (("POST", "/operator/alerts/rules", RULE),
                               ("PUT", f"/operator/alerts/rules/{rule_id}", RULE),
                               ("DELETE", f"/operator/alerts/rules/{rule_id}", None)):
        refused = analyst.call(method, path, body)
        assert refused.status_code == 403 and code(refused) == "OPERATOR_FORBIDDEN"
    assert marketer.call("DELETE", f"/operator/alerts/rules/{rule_id}").status_code == 204
    gone = marketer.call("DELETE", f"/operator/alerts/rules/{rule_id}")
    assert gone.status_code == 404 and code(gone) == "ALERT_RULE_NOT_FOUND"


@pytest.mark.usefixtures("webhook_restored")
def test_the_webhook_is_the_owners_checked_masked_and_never_in_a_log_or_the_audit(api):
    owner, marketer = Console(api, operator(roles.OWNER)), Console(api, operator(roles.MARKETER))
    url = f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={KEY}"
    assert code(marketer.call("PUT", "/operator/alerts/webhook", {"url": url})) == "OPERATOR_FORBIDDEN"
    assert code(marketer.call("GET", "/operator/alerts/webhook")) == "OPERATOR_FORBIDDEN"
    bad = owner.call("PUT", "/operator/alerts/webhook", {"url": "https://example.com/hook?key=abcdefgh"})
    assert bad.status_code == 422 and code(bad) == "ALERT_WEBHOOK_INVALID"
    assert bad.json["error"]["message"].startswith("请粘贴企业微信群机器人")
    with captured_logs() as logs:
        saved = owner.call("PUT", "/operator/alerts/webhook", {"url": url})
    assert saved.status_code == 200, saved.text
    assert saved.json == {"configured": True, "url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=****0abc"}
    assert owner.call("GET", "/operator/alerts/webhook").json == saved.json
    assert KEY not in logs.getvalue()
    record = owner.call("GET", f"/operator/audit?operator={owner.login['operator']['operatorId']}&limit=1").json
    assert record["records"][0]["route"] == "/operator/alerts/webhook"
    assert KEY not in json.dumps(record) and "****0abc" in json.dumps(record["records"][0]["after"])
    cleared = owner.call("PUT", "/operator/alerts/webhook", {"url": None})
    assert cleared.json == {"configured": False, "url": None}


@pytest.mark.parametrize("method,path,body,status,error", [
    ("POST", "/operator/alerts/rules", {**RULE, "threshold": 120}, 422, "VALIDATION_FAILED"),
    ("POST", "/operator/alerts/rules", {**RULE, "periods": 13}, 422, "VALIDATION_FAILED"),
    ("POST", "/operator/alerts/rules", {**RULE, "metric": "revenue"}, 422, "VALIDATION_FAILED"),
    ("POST", "/operator/alerts/rules", {**RULE, "extra": 1}, 422, "VALIDATION_FAILED"),
    ("POST", "/operator/alerts/rules", {"name": "x"}, 422, "VALIDATION_FAILED"),
    ("PUT", "/operator/alerts/rules/rnope", RULE, 404, "ALERT_RULE_NOT_FOUND"),
    ("PUT", "/operator/alerts/rules/%23count", RULE, 404, "ALERT_RULE_NOT_FOUND"),
    ("DELETE", "/operator/alerts/rules/%23count", None, 404, "ALERT_RULE_NOT_FOUND"),
    ("GET", "/operator/alerts?cursor=nope", None, 422, "ALERT_CURSOR_INVALID"),
    ("GET", "/operator/alerts?limit=0", None, 422, "VALIDATION_FAILED"),
])
def test_bad_input_is_a_4xx_with_its_code(api, method, path, body, status, error):
    marketer = Console(api, operator(roles.MARKETER))
    response = marketer.call(method, path, body)
    assert response.status_code == status and code(response) == error, response.text
    if error == "VALIDATION_FAILED" and method == "POST":
        assert response.json["error"]["message"].startswith("预警规则无效")


def test_a_fired_alert_is_listed_as_its_answer_type_says(api, sandbox):
    import msgspec

    from chalicelib.api.alert_answers import FiredAlerts
    from tests.integration.test_alerts import alerts_of, world

    rule_id, last = world([50, 5, 5, 5])
    service.evaluate(config.utcnow(), final=last)
    (alert,) = alerts_of(rule_id)
    analyst = Console(api, operator(roles.ANALYST))
    page = analyst.call("GET", "/operator/alerts?limit=100")
    assert page.status_code == 200
    msgspec.convert(page.json, FiredAlerts, strict=False)
    (shown,) = [a for a in page.json["alerts"] if a["ruleId"] == rule_id]
    assert shown["id"] == alert.breach and shown["start"] == (last - timedelta(days=2)).isoformat()
    assert [v["value"] for v in shown["values"]] == [5, 5, 5] and shown["rule"]["metric"] == "activeUsers"
    if page.json["next"]:
        assert analyst.call("GET", f"/operator/alerts?cursor={page.json['next']}").status_code == 200
    service.delete_rule(rule_id)
