"""Rule-book versions over HTTP: listed with the defaults, rolled back (audited), 409 on a stale
version, analysts read only, bad input is a 4xx."""
from __future__ import annotations

import pytest

from chalicelib import config, rulebook
from chalicelib.operators import roles
from tests.e2e.test_operators import Console, code, operator, own_address  # noqa: F401  (the fixture)

BOOK = "/operator/rules/checkin"


@pytest.fixture
def checkin_restored():
    before = rulebook.get("checkin")
    yield
    if before is None:
        rulebook.Rule("checkin").delete()
    else:
        rulebook.put("checkin", before, now=config.utcnow())
    rulebook.forget_cache()


@pytest.mark.usefixtures("checkin_restored")
def test_a_marketer_saves_lists_and_rolls_back_and_the_owner_reads_it_in_the_audit_log(api):
    name = operator(roles.MARKETER)
    marketer = Console(api, name)
    start = marketer.call("GET", BOOK).json
    assert start["defaults"]["makeupWindowDays"] == 7 and isinstance(start["version"], int)

    first = marketer.call("PUT", f"{BOOK}?expectedVersion={start['version']}", {"makeupWindowDays": 3})
    second = marketer.call("PUT", BOOK, {"makeupWindowDays": 5})
    assert first.status_code == second.status_code == 200, (first.text, second.text)
    v1, v2 = first.json["version"], second.json["version"]
    # A book deleted by an earlier test leaves its versions behind: the save goes on after them.
    assert v2 == v1 + 1 and v1 > start["version"]

    listed = marketer.call("GET", f"{BOOK}/versions?limit=2").json
    assert listed["current"] == v2 and listed["defaults"] == start["defaults"]
    assert [(v["version"], v["rules"], v["savedBy"]["name"]) for v in listed["versions"]] == [
        (v2, {"makeupWindowDays": 5}, name), (v1, {"makeupWindowDays": 3}, name)]
    assert (listed["cursor"] is None) == (v1 == 1)
    if listed["cursor"] is not None:
        older = marketer.call("GET", f"{BOOK}/versions?limit=2&cursor={listed['cursor']}").json
        assert [v["version"] for v in older["versions"]][:1] == [v1 - 1]

    back = marketer.call("POST", f"{BOOK}/rollback", {"version": v1, "expectedVersion": v2})
    assert back.status_code == 200, back.text
    assert back.json["version"] == v2 + 1 and back.json["rules"] == {"makeupWindowDays": 3}
    assert marketer.call("GET", BOOK).json["rules"] == {"makeupWindowDays": 3}
    newest = marketer.call("GET", f"{BOOK}/versions?limit=1").json["versions"][0]
    assert newest["rollbackOf"] == v1 and newest["version"] == v2 + 1

    owner = Console(api, operator(roles.OWNER))
    record = owner.call("GET", f"/operator/audit?operator={name}&limit=1").json["records"][0]
    assert record["route"] == "/operator/rules/{name}/rollback"
    assert record["target"] == {"name": "checkin", "version": v1}
    assert (record["before"], record["after"]) == ({"makeupWindowDays": 5}, {"makeupWindowDays": 3})


@pytest.mark.usefixtures("checkin_restored")
def test_a_change_made_on_a_stale_version_is_409_and_changes_nothing(api):
    marketer = Console(api, operator(roles.MARKETER))
    v = marketer.call("PUT", BOOK, {"makeupWindowDays": 4}).json["version"]
    for response in (marketer.call("PUT", f"{BOOK}?expectedVersion={v - 1}", {"makeupWindowDays": 6}),
                     marketer.call("POST", f"{BOOK}/rollback", {"version": v, "expectedVersion": v - 1})):
        assert response.status_code == 409 and code(response) == "RULES_VERSION_STALE", response.text
        assert response.json["error"]["message"].startswith("规则已被他人修改")
    assert marketer.call("GET", BOOK).json["version"] == v


def test_an_analyst_reads_versions_but_cannot_roll_back(api):
    analyst = Console(api, operator(roles.ANALYST))
    assert analyst.call("GET", f"{BOOK}/versions").status_code == 200
    refused = analyst.call("POST", f"{BOOK}/rollback", {"version": 1})
    assert refused.status_code == 403 and code(refused) == "OPERATOR_FORBIDDEN"


@pytest.mark.parametrize("method,path,body,status,error", [
    ("POST", f"{BOOK}/rollback", {"version": 999_999_999}, 404, "RULES_VERSION_NOT_FOUND"),
    ("POST", f"{BOOK}/rollback", {"version": 0}, 422, "VALIDATION_FAILED"),
    ("POST", f"{BOOK}/rollback", {"version": "1"}, 422, "VALIDATION_FAILED"),
    ("POST", f"{BOOK}/rollback", {"version": 1, "extra": 1}, 422, "VALIDATION_FAILED"),
    ("POST", "/operator/rules/nope/rollback", {"version": 1}, 404, "NOT_FOUND"),
    ("GET", f"{BOOK}/versions?limit=0", None, 422, "VALIDATION_FAILED"),
    ("GET", f"{BOOK}/versions?cursor=abc", None, 422, "VALIDATION_FAILED"),
    ("GET", "/operator/rules/nope/versions", None, 404, "NOT_FOUND"),
    ("PUT", f"{BOOK}?expectedVersion=-1", {}, 422, "VALIDATION_FAILED"),
])
def test_bad_input_is_a_4xx_with_its_code(api, method, path, body, status, error):
    marketer = Console(api, operator(roles.MARKETER))
    response = marketer.call(method, path, body)
    assert response.status_code == status and code(response) == error, response.text
