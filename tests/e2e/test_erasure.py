"""Erasure that can be trusted: an erased account's token acts for nobody, nothing of the user
stays behind, and erasing then coming back does not reset once-only limits."""
from __future__ import annotations

import uuid
import pytest

from chalicelib import config, errors
from chalicelib.auth import tokens
from chalicelib.auth.levels import PURCHASE
from chalicelib.auth.models import User
from chalicelib.kept_limits import ErasedAccount
from tests.conftest import fresh
from tests.e2e.test_deletion import everything

SERVER = {"Authorization": "Bearer local-server-key"}


def user_routes(app_routes) -> list[tuple[str, str, object]]:
    """Every function that acts for a user (session or purchase level), with a plausible body."""
    bodies = {"/auth/phone": {"code": "phone:x:1"}, "/checkin/makeup": {"day": "2026-11-20"},
              "/checkin/reminder": {"enabled": True}, "/coupons/claim": {"templateId": "cash-3"},
              "/coupons/best": {"lines": [{"productId": "p-longjing", "qty": 1}]},
              "/points/exchange": {"templateId": "points-10"}, "/subscriptions": {"results": {"t": "accept"}}}
    found = []
    for path, methods in app_routes.items():
        for method, entry in methods.items():
            if getattr(entry.view_function, "auth", None) in ("session", "purchase"):
                concrete = path.replace("{ref}", "bg-longjing").replace("{activity_id}", "gb-puer") \
                               .replace("{group_id}", "g-none").replace("{product_id}", "p-longjing")
                found.append((method, concrete, bodies.get(path, {})))
    return found


@pytest.fixture(scope="module")
def routes():
    import app

    return user_routes(app.app.routes)


def test_an_erased_accounts_token_acts_for_nobody_and_writes_nothing(api, name, routes):
    token = api.purchase_token(name)
    user_id = api.call("GET", "/me", token=token).json["id"]
    assert api.call("DELETE", "/me", token=token).status_code == 204

    answers = {(m, p): api.call(m, p, body, token=token) for m, p, body in routes}
    sent = api.call("POST", "/events", {"events": [{"id": "e1", "name": "page_view"}]}, token=token)

    wrong = {k: r.status_code for k, r in answers.items()
             if r.status_code != 401 or r.json["error"]["code"] != "AUTH_USER_NOT_FOUND"}
    assert wrong == {}
    assert len(answers) >= 20
    assert sent.status_code == 401 and sent.json["error"]["code"] == "AUTH_USER_NOT_FOUND"
    assert user_id not in everything()


def test_a_token_signed_for_an_account_that_never_existed_is_refused(api, routes):
    s = config.settings()
    forged = tokens.issue("u" + uuid.uuid4().hex[:24], PURCHASE, key=s.token_key, ttl_seconds=600,
                          now=config.utcnow())

    for method, path, body in routes:
        response = api.call(method, path, body, token=forged)
        assert response.status_code == 401, (method, path, response.status_code)
        assert response.json["error"]["code"] == "AUTH_USER_NOT_FOUND", (method, path)


def test_the_level_stored_now_decides_not_the_one_in_the_token(api, name):
    session = api.login(name)["token"]
    api.purchase_token(name)  # the phone is bound through another login

    assert api.call("POST", "/coupons/claim", {"templateId": "cash-3"}, token=session).status_code == 200


def test_an_interrupted_erasure_is_finished_by_its_retry_while_other_routes_refuse(api, name):
    token = api.purchase_token(name)
    user_id = api.call("GET", "/me", token=token).json["id"]
    assert api.call("POST", "/checkin", token=token).status_code == 200
    # The erasure began (the account is marked) and stopped before forgetting anything.
    User(user_id).update(actions=[User.erasing.set(config.utcnow())])

    refused = api.call("POST", "/checkin", token=token)
    finished = api.call("DELETE", "/me", token=token)

    assert refused.status_code == 401 and refused.json["error"]["code"] == "AUTH_USER_NOT_FOUND"
    assert finished.status_code == 204
    assert user_id not in everything()


def test_the_inviters_ledger_keeps_no_trace_of_an_erased_invitee(api, name):
    inviter = api.purchase_token("inviter-" + name)
    code = api.call("GET", "/referral/me", token=inviter).json["code"]
    invited = api.call("POST", "/auth/login", {"code": fresh("demo", name), "invite": {"code": code}}).json
    phone = api.call("POST", "/auth/phone", {"code": fresh("phone", name)}, token=invited["token"])
    assert phone.status_code == 200
    history = api.call("GET", "/points", token=inviter).json
    assert any("referral" in str(entry) for entry in history.get("history", history.get("entries", [])))

    assert api.call("DELETE", "/me", token=phone.json["token"]).status_code == 204

    assert invited["user"]["id"] not in everything()


def test_erasing_and_coming_back_does_not_reset_once_only_limits(api, name):
    inviter = api.purchase_token("inviter-" + name)
    code = api.call("GET", "/referral/me", token=inviter).json["code"]
    first = api.call("POST", "/auth/login", {"code": fresh("demo", name), "invite": {"code": code}}).json
    token = api.call("POST", "/auth/phone", {"code": fresh("phone", name)}, token=first["token"]).json["token"]
    pack = [c for c in api.call("GET", "/coupons", token=token).json["coupons"]]
    assert pack, "the invitee's new-user pack"
    assert api.call("POST", "/coupons/claim", {"templateId": "cash-3"}, token=token).status_code == 200
    assert api.call("POST", "/bargain/bg-longjing", token=token).status_code == 201
    user_id = first["user"]["id"]
    api.call("POST", f"/server/orders/o-{name}/paid", {"userId": user_id, "amount": 10_000}, headers=SERVER)
    assert api.call("DELETE", "/me", token=token).status_code == 204
    invitees_before = len(api.call("GET", "/referral/me", token=inviter).json["invitees"])

    back = api.call("POST", "/auth/login", {"code": fresh("demo", name), "invite": {"code": code}}).json
    token = api.call("POST", "/auth/phone", {"code": fresh("phone", name)}, token=back["token"]).json["token"]

    assert back["user"]["id"] == user_id
    assert api.call("GET", "/coupons", token=token).json["coupons"] == []  # no second new-user pack
    assert len(api.call("GET", "/referral/me", token=inviter).json["invitees"]) == invitees_before
    claim = api.call("POST", "/coupons/claim", {"templateId": "cash-3"}, token=token)
    assert claim.status_code == 409 and claim.json["error"]["code"] == "COUPON_LIMIT_REACHED"
    bargain = api.call("POST", "/bargain/bg-longjing", token=token)
    assert bargain.status_code == 409
    # Nothing personal was kept: the record is keyed by an HMAC and holds counts.
    kept = "\n".join(repr(item.attribute_values) for item in ErasedAccount.scan())
    assert "cash-3|1" in kept and user_id not in kept


def test_a_token_of_an_account_erased_after_it_was_issued_cannot_log_in_by_receipt(api, sandbox, name):
    code = fresh("demo", name)
    token = api.call("POST", "/auth/login", {"code": code}).json["token"]
    assert api.call("DELETE", "/me", token=token).status_code == 204

    retried = api.call("POST", "/auth/login", {"code": code})

    assert retried.status_code == 401


def test_a_request_that_read_the_account_just_before_its_erasure_began_writes_nothing(api, name):
    from chalicelib.auth import accounts
    from chalicelib.coupons import service as coupons
    from chalicelib.store.transactions import request_guard

    token = api.purchase_token(name)
    user_id = api.call("GET", "/me", token=token).json["id"]
    guard = request_guard.set(accounts.still_active(user_id))  # as the route wrapper sets it
    try:
        User(user_id).update(actions=[User.erasing.set(config.utcnow())])  # the erasure begins now
        with pytest.raises(errors.UserGone):
            coupons.claim(user_id, "cash-3", idempotency_key=None, now=config.utcnow())
    finally:
        request_guard.reset(guard)

    assert api.call("GET", "/coupons", token=token).status_code == 401
    assert coupons.wallet(user_id, now=config.utcnow()) == []
