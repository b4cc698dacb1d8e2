"""The order system's shipped and cancelled reports: journey facts, once per order."""
from __future__ import annotations

import json
import uuid

import pytest

from chalicelib.journeys import facts

SERVER = {"Authorization": "Bearer local-server-key"}


def order_id() -> str:
    return "o-" + uuid.uuid4().hex[:12]


@pytest.mark.parametrize("kind", ["shipped", "cancelled"])
def test_a_report_records_its_fact_once_and_a_resent_one_gets_the_same_answer(api, name, kind):
    user = api.login(name)["user"]["id"]
    oid = order_id()
    body = {"userId": user, "amount": 12800, "productName": "明前龙井 250g"}

    first = api.call("POST", f"/server/orders/{oid}/{kind}", body, headers=SERVER)
    again = api.call("POST", f"/server/orders/{oid}/{kind}", body, headers=SERVER)

    assert first.status_code == again.status_code == 200, first.body
    assert first.json == again.json == {"orderId": oid, "recorded": True}
    mine = [f for f in facts.Fact.query(user) if f.key.startswith(f"fact:order_{kind}#")]
    assert [f.key for f in mine] == [f"fact:order_{kind}#{oid}"]
    assert json.loads(mine[0].props) | {"at": None} == {"orderId": oid, "amount": 12800, "productName": "明前龙井 250g",
                                                        "at": None}


def test_a_report_needs_only_the_user(api, name):
    user = api.login(name)["user"]["id"]
    oid = order_id()
    answer = api.call("POST", f"/server/orders/{oid}/shipped", {"userId": user}, headers=SERVER)
    assert answer.status_code == 200 and answer.json["recorded"] is True
    assert set(json.loads(facts.get(user, f"fact:order_shipped#{oid}").props)) == {"orderId", "at"}


@pytest.mark.parametrize("body", [
    {},
    {"userId": ""},
    {"userId": "u1", "amount": -1},
    {"userId": "u1", "amount": "12.80"},
    {"userId": "u1", "productName": "x" * 65},
    {"userId": "u1", "extra": {"deep": [1]}, "amount": 1.5},
])
def test_a_bad_report_is_422_and_records_nothing(api, body):
    oid = order_id()
    for kind in ("shipped", "cancelled"):
        answer = api.call("POST", f"/server/orders/{oid}/{kind}", body, headers=SERVER)
        assert answer.status_code == 422, (kind, body, answer.body)
        assert answer.json["error"]["code"] == "VALIDATION_FAILED"
    assert facts.get("u1", f"fact:order_shipped#{oid}") is None


def test_an_order_id_that_cannot_be_a_key_is_422(api, name):
    user = api.login(name)["user"]["id"]
    answer = api.call("POST", "/server/orders/" + "9" * 65 + "/cancelled", {"userId": user}, headers=SERVER)
    assert answer.status_code == 422 and answer.json["error"]["code"] == "VALIDATION_FAILED"


def test_the_reports_take_the_server_key_only(api, name):
    token = api.login(name)["token"]
    answer = api.call("POST", f"/server/orders/{order_id()}/shipped", {"userId": "u1"}, token=token)
    assert answer.status_code in (401, 403)
