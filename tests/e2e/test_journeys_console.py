"""The journey routes over HTTP as operators use them: save versions, check, publish, pause and
resume, audited; a stale save is 409, an analyst reads only, bad documents are 422 naming where."""
from __future__ import annotations

import uuid

from chalicelib.operators import roles
from tests.e2e.test_operators import Console, code, operator, own_address  # noqa: F401  (the fixture)

DOC = {
    "name": "下单后复购", "trigger": {"kind": "fact", "fact": "order_paid"}, "entry": {"everyDays": 30},
    "steps": [
        {"type": "delay", "id": "d3", "days": 3, "window": True},
        {"type": "send", "id": "coupon", "template": "tpl_benefit_arrived", "coupon": "wakeup-repurchase",
         "fields": {"thing1": {"text": "回购专享券已到账"}, "thing2": {"source": "coupon.name", "fallback": "点击查看"}}},
    ],
    "goal": {"on": {"kind": "fact", "fact": "order_paid"}, "withinDays": 7},
}


def journey_id() -> str:
    return "t-" + uuid.uuid4().hex[:10]


def test_a_marketer_saves_versions_publishes_and_pauses_and_the_owner_reads_each_change_in_the_audit(api):
    name = operator(roles.MARKETER)
    marketer, jid = Console(api, name), journey_id()

    first = marketer.call("PUT", f"/operator/journeys/{jid}?expectedVersion=0", DOC)
    assert first.status_code == 200, first.text
    assert (first.json["status"], first.json["version"], first.json["liveVersion"]) == ("draft", 1, None)
    edited = {**DOC, "name": "下单后复购（新版）"}
    second = marketer.call("PUT", f"/operator/journeys/{jid}?expectedVersion=1", edited)
    stale = marketer.call("PUT", f"/operator/journeys/{jid}?expectedVersion=1", DOC)
    assert second.json["version"] == 2 and stale.status_code == 409 and code(stale) == "JOURNEY_VERSION_STALE"

    published = marketer.call("POST", f"/operator/journeys/{jid}/publish", {"version": 1})
    assert published.status_code == 200, published.text
    assert (published.json["status"], published.json["liveVersion"], published.json["trigger"]) == (
        "live", 1, "fact:order_paid")
    assert published.json["live"]["name"] == "下单后复购" and published.json["document"]["name"] == "下单后复购（新版）"
    assert [v["version"] for v in published.json["versions"]] == [2, 1]
    paused = marketer.call("POST", f"/operator/journeys/{jid}/pause")
    assert paused.json["status"] == "paused"
    assert marketer.call("POST", f"/operator/journeys/{jid}/resume").json["status"] == "live"
    marketer.call("POST", f"/operator/journeys/{jid}/pause")  # left paused: other tests' orders must not enter it

    listed = marketer.call("GET", "/operator/journeys").json
    assert any(j["id"] == jid for j in listed["journeys"]) and listed["limits"]["thing"] == 20
    stats = marketer.call("GET", f"/operator/journeys/{jid}/stats").json
    assert stats["entered"] == 0 and [s["id"] for s in stats["steps"]] == ["d3", "coupon"]

    owner = Console(api, operator(roles.OWNER))
    records = owner.call("GET", f"/operator/audit?operator={name}&limit=10").json["records"]
    routes = [r["route"] for r in records]
    assert routes.count("/operator/journeys/{journey_id}") == 2  # the stale save changed nothing
    assert "/operator/journeys/{journey_id}/publish" in routes and "/operator/journeys/{journey_id}/pause" in routes
    publish = next(r for r in records if r["route"].endswith("/publish"))
    assert publish["target"] == {"journeyId": jid}
    assert (publish["before"]["status"], publish["after"]["status"]) == ("draft", "live")


def test_check_names_each_problem_where_it_is_and_counts_who_would_enter(api):
    marketer, jid = Console(api, operator(roles.MARKETER)), journey_id()
    bad = {**DOC, "steps": [
        {"type": "send", "id": "s", "template": "tpl_benefit_arrived",
         "fields": {"thing1": {"text": "这是一段超过二十个字符的提醒文字微信会拒绝"}, "amount2": {"source": "coupon.name"}}},
        {"type": "split", "id": "s", "branches": [{"when": [{"fact": "orders", "op": "gte", "value": 2}], "next": "s"}]},
    ]}
    checked = marketer.call("POST", f"/operator/journeys/{jid}/check", bad)
    assert checked.status_code == 200, checked.text
    paths = [p["path"] for p in checked.json["problems"]]
    assert "$.steps[0].fields.thing1" in paths and "$.steps[0].fields.amount2" in paths
    assert "$.steps[1].id" in paths and "$.steps[1].branches[0].next" in paths
    assert any("20" in p["message"] for p in checked.json["problems"])
    assert checked.json["wouldEnter"] is None

    fine = marketer.call("POST", f"/operator/journeys/{jid}/check", DOC).json
    assert fine["problems"] == [] and fine["wouldEnter"]["basis"] == "facts" and fine["wouldEnter"]["count"] >= 0
    saved = marketer.call("PUT", f"/operator/journeys/{jid}", bad)
    assert saved.status_code == 422 and "$.steps[0].fields.thing1" in saved.json["error"]["message"]
    assert marketer.call("GET", f"/operator/journeys/{jid}").status_code == 404  # nothing half-written


def test_an_analyst_reads_journeys_and_changes_none(api):
    marketer, jid = Console(api, operator(roles.MARKETER)), journey_id()
    assert marketer.call("PUT", f"/operator/journeys/{jid}", DOC).status_code == 200
    analyst = Console(api, operator(roles.ANALYST))
    assert analyst.call("GET", f"/operator/journeys/{jid}").status_code == 200
    assert analyst.call("GET", f"/operator/journeys/{jid}/stats").status_code == 200
    assert analyst.call("POST", f"/operator/journeys/{jid}/check", DOC).status_code == 200
    for method, path, body in (("PUT", f"/operator/journeys/{jid}", DOC), ("POST", f"/operator/journeys/{jid}/publish", {}),
                               ("POST", f"/operator/journeys/{jid}/pause", None)):
        refused = analyst.call(method, path, body)
        assert refused.status_code == 403 and code(refused) == "OPERATOR_FORBIDDEN", (method, path)


def test_bad_ids_documents_and_states_are_4xx_with_a_code(api):
    marketer = Console(api, operator(roles.MARKETER))
    cases = [
        ("PUT", "/operator/journeys/Bad%20Id", DOC, 422, "VALIDATION_FAILED"),
        ("PUT", f"/operator/journeys/{journey_id()}", {**DOC, "trigger": {"kind": "segment", "segment": "高价值"}}, 422,
         "VALIDATION_FAILED"),
        ("PUT", f"/operator/journeys/{journey_id()}", {**DOC, "steps": []}, 422, "VALIDATION_FAILED"),
        ("PUT", f"/operator/journeys/{journey_id()}", {**DOC, "steps": [{"type": "teleport", "id": "x"}]}, 422,
         "VALIDATION_FAILED"),
        ("PUT", f"/operator/journeys/{journey_id()}?expectedVersion=-1", DOC, 422, "VALIDATION_FAILED"),
        ("PUT", f"/operator/journeys/{journey_id()}?expectedVersion=3", DOC, 409, "JOURNEY_VERSION_STALE"),
        ("GET", f"/operator/journeys/{journey_id()}", None, 404, "NOT_FOUND"),
        ("POST", f"/operator/journeys/{journey_id()}/publish", {}, 404, "NOT_FOUND"),
        ("POST", f"/operator/journeys/{journey_id()}/publish", {"version": "one"}, 422, "VALIDATION_FAILED"),
        ("GET", f"/operator/journeys/{journey_id()}/stats", None, 404, "NOT_FOUND"),
    ]
    for method, path, body, status, expected in cases:
        answer = marketer.call(method, path, body)
        assert (answer.status_code, code(answer)) == (status, expected), (method, path, answer.text)
    draft = journey_id()
    marketer.call("PUT", f"/operator/journeys/{draft}", DOC)
    assert code(marketer.call("POST", f"/operator/journeys/{draft}/pause")) == "JOURNEY_NOT_PUBLISHED"
    unknown_version = marketer.call("POST", f"/operator/journeys/{draft}/publish", {"version": 9})
    assert (unknown_version.status_code, code(unknown_version)) == (404, "NOT_FOUND")
