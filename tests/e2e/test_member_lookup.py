"""会员 over HTTP: a member found by id and by phone (masked, never in clear, no WeChat secrets),
the card's sections and their pages, bad input, an unknown member, the analyst refused the
erasure, the erasure (the same path as DELETE /me), its replay, and the lookup's 404 after."""
from __future__ import annotations

import json
import random
import uuid

import pytest
from chalice.local import LambdaEventConverter

from chalicelib import member_lookup
from chalicelib.auth.models import User
from chalicelib.operators import roles
from chalicelib.operators.models import STREAM, AuditRecord
from tests.conftest import fresh
from tests.e2e.test_deletion import everything
from tests.e2e.test_operators import Console, code, operator

SERVER = {"Authorization": "Bearer local-server-key"}


@pytest.fixture(autouse=True)
def own_address(monkeypatch):
    bits = random.getrandbits(32)
    monkeypatch.setattr(LambdaEventConverter, "LOCAL_SOURCE_IP", f"2001:db8:{bits >> 16:x}:{bits & 0xFFFF:x}::2")


@pytest.fixture
def member(api, name):
    """A member with a phone, a check-in, a claimed coupon and a paid order; returns (id, phone, token, name)."""
    token = api.purchase_token(name)
    me = api.call("GET", "/me", token=token).json
    assert api.call("POST", "/checkin", token=token).status_code == 200
    claimed = api.call("POST", "/coupons/claim", {"templateId": "cash-3"}, token=token,
                       headers={"Idempotency-Key": uuid.uuid4().hex})
    assert claimed.status_code == 200, claimed.text
    paid = api.call("POST", f"/server/orders/o-{uuid.uuid4().hex[:10]}/paid", {"userId": me["id"], "amount": 12_800},
                    headers=SERVER)
    assert paid.status_code == 200, paid.text
    phone = User.get(me["id"]).phone
    return me["id"], phone, token, name


def audit_records(after: str) -> list[dict]:
    return [r.attribute_values for r in AuditRecord.query(STREAM, AuditRecord.at_id > after)]


def test_a_member_is_found_by_id_and_by_phone_masked_and_their_card_has_every_section(api, member):
    user_id, phone, _, _ = member
    console = Console(api, operator(roles.ANALYST))

    by_id = console.call("GET", f"/operator/members?userId={user_id}")
    by_phone = console.call("GET", f"/operator/members?phone=%2B86{phone}")
    card = console.call("GET", f"/operator/members/{user_id}")

    assert by_id.status_code == by_phone.status_code == card.status_code == 200, (by_id.text, by_phone.text)
    masked = phone[:3] + "****" + phone[-4:]
    assert by_id.json["members"] == by_phone.json["members"]
    assert [(m["id"], m["phone"], m["level"]) for m in by_id.json["members"]] == [(user_id, masked, "purchase")]
    body = card.json
    assert body["profile"]["phone"] == masked and body["profile"]["id"] == user_id
    assert body["tier"]["points"] > 0 and body["tier"]["growth"] > 0
    assert len(body["checkins"]["items"]) == 1 and body["checkins"]["items"][0]["streak"] == 1
    assert {c["templateId"] for c in body["coupons"]["items"]} >= {"cash-3"}
    assert body["orders"]["items"][0]["amount"] == 12_800 and body["activity"]["orders"] == 1
    assert {e["reason"] for e in body["ledger"]["items"]} >= {"checkin", "order"}
    assert body["journeys"] == {"items": [], "next": None} and body["consents"] == []
    user = User.get(user_id)
    every_answer = by_id.text + by_phone.text + card.text
    for secret in (phone, user.openid, user.unionid, user.session_key):
        assert secret and secret not in every_answer


def test_lists_page_by_cursor_and_refuse_a_forged_cursor(api, member):
    user_id, _, token, _ = member
    for day in ("2026-11-01", "2026-11-02", "2026-11-03"):
        api.call("POST", "/checkin/makeup", {"day": day}, token=token)
    console = Console(api, operator(roles.MARKETER))

    seen, cursor = [], None
    for _ in range(10):
        page = console.call("GET", f"/operator/members/{user_id}/ledger?limit=2" + (f"&cursor={cursor}" if cursor else ""))
        assert page.status_code == 200, page.text
        assert len(page.json["items"]) <= 2
        seen += page.json["items"]
        cursor = page.json["next"]
        if cursor is None:
            break
    whole = console.call("GET", f"/operator/members/{user_id}/ledger?limit=100").json["items"]
    assert seen == whole and len(whole) >= 3
    assert [e["at"] for e in whole] == sorted((e["at"] for e in whole), reverse=True)

    other = member_lookup._cursor({"actor": {"S": "u:someone"}, "event_id": {"S": "checkin:x"}},
                                  member_lookup.SECTIONS["orders"])
    for bad in ("%%%", "bm90IGpzb24", other, "eyJ4IjoxfQ"):
        answer = console.call("GET", f"/operator/members/{user_id}/orders?cursor={bad}")
        assert answer.status_code == 422 and code(answer) == "MEMBER_CURSOR_INVALID", (bad, answer.text)
    assert console.call("GET", f"/operator/members/{user_id}/ledger?limit=0").status_code == 422
    assert console.call("GET", f"/operator/members/{user_id}/ledger?limit=101").status_code == 422


@pytest.mark.parametrize("query, expected", [
    ("", "MEMBER_QUERY_INVALID"),
    ("?userId=u" + "a" * 24 + "&phone=13800000000", "MEMBER_QUERY_INVALID"),
    ("?userId=not-an-id", "MEMBER_USER_ID_INVALID"),
    ("?phone=138-abc-5678", "MEMBER_PHONE_INVALID"),
    ("?phone=12345", "MEMBER_PHONE_INVALID"),
    ("?phone=" + "1" * 16, "MEMBER_PHONE_INVALID"),
])
def test_bad_lookups_are_422_naming_what_is_wrong(api, query, expected):
    console = Console(api, operator(roles.ANALYST))
    answer = console.call("GET", "/operator/members" + query)
    assert answer.status_code == 422 and code(answer) == expected, answer.text


def test_an_unknown_member_is_404_and_a_phone_nobody_bound_finds_nobody(api):
    console = Console(api, operator(roles.ANALYST))
    unknown = "u" + "a" * 24
    assert console.call("GET", f"/operator/members?userId={unknown}").json == {"members": []}
    assert console.call("GET", "/operator/members?phone=19999999999").json == {"members": []}
    for path in (f"/operator/members/{unknown}", f"/operator/members/{unknown}/coupons"):
        answer = console.call("GET", path)
        assert answer.status_code == 404 and code(answer) == "MEMBER_NOT_FOUND", answer.text
    marketer = Console(api, operator(roles.MARKETER))
    gone = marketer.call("DELETE", f"/operator/members/{unknown}")
    assert gone.status_code == 404 and code(gone) == "MEMBER_NOT_FOUND"
    assert marketer.call("DELETE", "/operator/members/nope").status_code == 422


def test_an_analyst_may_not_erase(api, member):
    user_id, _, _, _ = member
    console = Console(api, operator(roles.ANALYST))
    answer = console.call("DELETE", f"/operator/members/{user_id}", headers={"Idempotency-Key": "k1"})
    assert answer.status_code == 403 and code(answer) == "OPERATOR_FORBIDDEN"
    assert console.call("GET", f"/operator/members/{user_id}").status_code == 200


def test_erasure_removes_everything_its_replay_answers_again_and_the_audit_keeps_no_personal_data(api, member):
    user_id, phone, token, _ = member
    console = Console(api, operator(roles.MARKETER))
    mark = AuditRecord.query(STREAM, scan_index_forward=False, limit=1).next().at_id
    key = {"Idempotency-Key": uuid.uuid4().hex}
    assert console.call("GET", f"/operator/members/{user_id}").status_code == 200

    first = console.call("DELETE", f"/operator/members/{user_id}", headers=key)
    replay = console.call("DELETE", f"/operator/members/{user_id}", headers=key)
    unkeyed = console.call("DELETE", f"/operator/members/{user_id}")

    assert first.status_code == replay.status_code == 200 and first.json == replay.json == {"erased": True}
    assert unkeyed.status_code == 404 and code(unkeyed) == "MEMBER_NOT_FOUND"
    assert console.call("GET", f"/operator/members/{user_id}").status_code == 404
    assert console.call("GET", f"/operator/members?userId={user_id}").json == {"members": []}
    assert console.call("GET", f"/operator/members?phone={phone}").json == {"members": []}
    assert api.call("GET", "/me", token=token).status_code == 401  # the old token acts for nobody
    assert user_id not in everything()  # the by_phone index went with the user item

    records = [r for r in audit_records(mark) if r["route"].startswith("/operator/members")]
    erasures = [r for r in records if r["method"] == "DELETE"]
    assert [json.loads(r["target"]) for r in erasures] == [{"member": member_lookup.audit_ref(user_id)}] * 2
    assert json.loads(erasures[0]["after"]) == {"erased": True}
    reads = [r for r in records if r["method"] == "GET"]
    assert {r["route"] for r in reads} == {"/operator/members", "/operator/members/{user_id}"}
    text = json.dumps(records, default=str)
    assert user_id not in text and phone not in text and phone[-4:] + '"' not in text


def test_an_erased_member_who_logs_in_again_is_a_member_again_without_the_old_data(api, member):
    user_id, _, _, name = member
    console = Console(api, operator(roles.MARKETER))
    assert console.call("DELETE", f"/operator/members/{user_id}", headers={"Idempotency-Key": "again"}).status_code == 200

    assert api.call("POST", "/auth/login", {"code": fresh("demo", name)}).json["user"]["id"] == user_id

    card = console.call("GET", f"/operator/members/{user_id}").json
    assert card["profile"]["phone"] is None and card["profile"]["logins"] == 1
    assert card["checkins"]["items"] == [] and card["orders"]["items"] == [] and card["ledger"]["items"] == []


def test_a_replayed_erasure_does_not_erase_the_member_who_came_back(api, member):
    user_id, _, _, name = member
    console = Console(api, operator(roles.MARKETER))
    key = {"Idempotency-Key": uuid.uuid4().hex}
    assert console.call("DELETE", f"/operator/members/{user_id}", headers=key).status_code == 200
    back = api.call("POST", "/auth/login", {"code": fresh("demo", name)}).json
    assert back["user"]["id"] == user_id  # the same WeChat account: the same id

    replay = console.call("DELETE", f"/operator/members/{user_id}", headers=key)  # the first answer was lost
    assert replay.status_code == 200 and replay.json == {"erased": True}
    assert api.call("GET", "/me", token=back["token"]).status_code == 200  # the new account stands
    assert console.call("GET", f"/operator/members/{user_id}").status_code == 200
