"""Login, phone authorisation, the level guard and deletion, as a mini-program meets them."""
from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest

from chalicelib import config, messages
from chalicelib.auth import tokens
from devstack import wechat_sandbox
from tests.conftest import fresh


def test_first_login_creates_the_user_and_hides_every_secret(api, name):
    response = api.call("POST", "/auth/login", {"code": fresh("demo", name)})

    assert response.status_code == 200
    body = response.json
    assert body["user"]["level"] == "session" and body["user"]["isNew"] is True
    assert body["expiresIn"] == 7200
    assert "session_key" not in response.text and "sessionKey" not in response.text
    claims = json.loads(base64.urlsafe_b64decode(body["token"].split(".")[1] + "=="))
    assert set(claims) == {"iss", "sub", "lvl", "iat", "exp"}  # no session_key, no openid
    assert claims["sub"] == body["user"]["id"]


def test_returning_login_is_the_same_user_not_new(api, name):
    first = api.login(name)
    again = api.login(name)

    assert again["user"] == {**first["user"], "isNew": False}


def test_login_retried_with_the_same_code_gets_the_same_answer(api, name):
    code = fresh("demo", name)
    first = api.call("POST", "/auth/login", {"code": code})
    retry = api.call("POST", "/auth/login", {"code": code})

    assert first.status_code == retry.status_code == 200
    assert retry.json["user"] == first.json["user"]


@pytest.mark.parametrize("code", ["garbage", "demo:only-two", "phone:alice:1"])
def test_an_invalid_code_is_401(api, code):
    response = api.call("POST", "/auth/login", {"code": code})

    assert response.status_code == 401
    assert response.json["error"]["code"] == "WECHAT_CODE_INVALID"


def test_a_code_used_by_someone_else_long_ago_is_401(api, sandbox, name):
    code = fresh("demo", name)
    sandbox.spent_codes.add(code)  # spent at WeChat, but never by us: no receipt

    response = api.call("POST", "/auth/login", {"code": code})

    assert response.status_code == 401 and response.json["error"]["code"] == "WECHAT_CODE_INVALID"


def test_an_expired_code_is_401(api, sandbox, monkeypatch, name):
    code = sandbox.login_code({"user": name}, {})[1]["code"]
    later = sandbox.clock() + wechat_sandbox.CODE_LIFETIME + 1
    monkeypatch.setattr(sandbox, "clock", lambda: later)

    response = api.call("POST", "/auth/login", {"code": code})

    assert response.status_code == 401


def test_wechat_busy_is_503_with_retry_after(api):
    response = api.call("POST", "/auth/login", {"code": "busy:1"})

    assert response.status_code == 503
    assert response.json["error"]["code"] == "UPSTREAM_UNAVAILABLE"
    assert int(response.headers["Retry-After"]) > 0


def test_wechat_unreachable_is_503(api, monkeypatch, name):
    from chalicelib import wechat

    monkeypatch.setenv("HUILIU_WECHAT_API_BASE", "http://127.0.0.1:9/")  # discard port: nothing listens
    config.settings.cache_clear()
    wechat.get_wechat.cache_clear()

    response = api.call("POST", "/auth/login", {"code": fresh("demo", name)})

    assert response.status_code == 503 and response.json["error"]["code"] == "UPSTREAM_UNAVAILABLE"


def test_high_risk_user_is_403(api, name):
    response = api.call("POST", "/auth/login", {"code": fresh("risky", name)})

    assert response.status_code == 403 and response.json["error"]["code"] == "WECHAT_USER_BLOCKED"


def test_wechat_rate_limit_is_429(api, monkeypatch, name):
    monkeypatch.setattr(wechat_sandbox, "LOGIN_RATE", 2)
    api.login(name)
    api.login(name)

    response = api.call("POST", "/auth/login", {"code": fresh("demo", name)})

    assert response.status_code == 429 and response.json["error"]["code"] == "RATE_LIMITED"
    assert response.headers["Retry-After"] == "60"


def test_phone_by_code_reaches_purchase_level(api, name):
    login = api.login(name)

    response = api.call("POST", "/auth/phone", {"code": fresh("phone", name)}, token=login["token"])

    assert response.status_code == 200
    assert response.json["user"] == {"id": login["user"]["id"], "level": "purchase", "isNew": False}
    me = api.call("GET", "/me", token=response.json["token"]).json
    assert me["level"] == "purchase"
    assert me["phone"].startswith("13") and "****" in me["phone"]
    assert api.login(name)["user"]["level"] == "purchase"  # remembered at the next login


def test_phone_code_retried_gets_the_same_answer_and_a_spent_code_is_422(api, name):
    token = api.login(name)["token"]
    code = fresh("phone", name)
    first = api.call("POST", "/auth/phone", {"code": code}, token=token)
    retry = api.call("POST", "/auth/phone", {"code": code}, token=token)
    other = api.login("x" + name)["token"]
    stolen = api.call("POST", "/auth/phone", {"code": code}, token=other)

    assert first.status_code == retry.status_code == 200
    assert retry.json["user"]["level"] == "purchase"
    assert stolen.status_code == 422 and stolen.json["error"]["code"] == "PHONE_CODE_INVALID"


def test_phone_by_legacy_encrypted_data(api, sandbox, name):
    token = api.login(name)["token"]
    data = sandbox.phone_data({}, {"user": name})[1]

    response = api.call("POST", "/auth/phone", {"encryptedData": data["encryptedData"], "iv": data["iv"]}, token=token)

    assert response.status_code == 200 and response.json["user"]["level"] == "purchase"


def test_legacy_data_from_an_older_session_is_422(api, sandbox, name):
    token = api.login(name)["token"]
    data = sandbox.phone_data({}, {"user": name})[1]
    api.login(name)  # a new login, a new session_key: the old data no longer decrypts

    response = api.call("POST", "/auth/phone", {"encryptedData": data["encryptedData"], "iv": data["iv"]}, token=token)

    assert response.status_code == 422 and response.json["error"]["code"] == "PHONE_DATA_INVALID"


def test_legacy_data_for_another_app_is_422(api, sandbox, monkeypatch, name):
    token = api.login(name)["token"]
    monkeypatch.setattr(sandbox, "appid", "wxsomebodyelse00000")
    data = sandbox.phone_data({}, {"user": name})[1]

    response = api.call("POST", "/auth/phone", {"encryptedData": data["encryptedData"], "iv": data["iv"]}, token=token)

    assert response.status_code == 422 and response.json["error"]["message"] == messages.text("PHONE_DATA_INVALID.other_app")


@pytest.mark.parametrize(
    "body",
    [{}, {"encryptedData": "abc"}, {"iv": "abc"}, {"code": ""}, {"code": 5}, {"encryptedData": "!!", "iv": "??"}],
)
def test_phone_with_bad_input_is_4xx(api, name, body):
    token = api.login(name)["token"]

    response = api.call("POST", "/auth/phone", body, token=token)

    assert response.status_code in (400, 422), response.text
    assert response.json["error"]["code"] in ("VALIDATION_FAILED", "PHONE_DATA_INVALID")


def test_me_needs_a_token(api):
    response = api.call("GET", "/me")

    assert response.status_code == 401 and response.json["error"]["code"] == "AUTH_REQUIRED"


def test_a_tampered_token_is_401(api, name):
    token = api.login(name)["token"]
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["lvl"] = "purchase"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")

    changed = token[:-2] + ("yy" if token.endswith("xx") else "xx")
    for bad in (f"{header}.{forged}.{signature}", changed, "not-a-jwt", token + "."):
        response = api.call("POST", "/auth/phone", {"code": fresh("phone", name)}, token=bad)
        assert response.status_code == 401 and response.json["error"]["code"] == "AUTH_TOKEN_INVALID", bad


def test_a_token_signed_with_another_key_or_algorithm_is_401(api, name):
    user_id = api.login(name)["user"]["id"]
    now = config.utcnow()
    other_key = tokens.issue(user_id, "purchase", key="someone-elses-key-0123456789abcdef", ttl_seconds=60, now=now)
    unsigned = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').decode().rstrip("=") + "." + \
        base64.urlsafe_b64encode(json.dumps({"iss": "huiliu", "sub": user_id, "lvl": "purchase", "iat": 1,
                                             "exp": 9999999999}).encode()).decode().rstrip("=") + "."

    for bad in (other_key, unsigned):
        assert api.call("GET", "/me", token=bad).status_code == 401


def test_an_expired_token_is_401(api, name):
    user_id = api.login(name)["user"]["id"]
    s = config.settings()
    old = tokens.issue(user_id, "session", key=s.token_key, ttl_seconds=60, now=config.utcnow() - timedelta(hours=1))

    response = api.call("GET", "/me", token=old)

    assert response.status_code == 401 and response.json["error"]["code"] == "AUTH_TOKEN_EXPIRED"


def test_a_bearer_header_of_another_scheme_is_401(api):
    response = api.call("GET", "/me", headers={"Authorization": "Basic dXNlcjpwYXNz"})

    assert response.status_code == 401 and response.json["error"]["code"] == "AUTH_TOKEN_INVALID"


def test_anonymous_browsing_ignores_a_stale_token(api):
    response = api.call("GET", "/shop", token="stale.token.here")

    assert response.status_code == 200 and response.json["products"]


def test_delete_me_removes_the_account_and_then_its_token_is_refused(api, name):
    token = api.purchase_token(name)

    first = api.call("DELETE", "/me", token=token)
    again = api.call("DELETE", "/me", token=token)
    me = api.call("GET", "/me", token=token)

    assert first.status_code == 204
    # The account is gone, as the first answer said: a retry learns that the token acts for nobody.
    assert again.status_code == me.status_code == 401
    assert again.json["error"]["code"] == me.json["error"]["code"] == "AUTH_USER_NOT_FOUND"
    assert api.login(name)["user"]["isNew"] is True  # coming back is a new account


def test_a_late_phone_request_cannot_revive_a_deleted_account(api, name):
    token = api.login(name)["token"]
    api.call("DELETE", "/me", token=token)

    response = api.call("POST", "/auth/phone", {"code": fresh("phone", name)}, token=token)

    assert response.status_code == 401 and response.json["error"]["code"] == "AUTH_USER_NOT_FOUND"


def test_a_signature_changed_only_in_the_bits_base64_drops_is_401(api, name):
    token = api.login(name)["token"]
    signature = token.rsplit(".", 1)[1]
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = alphabet.index(signature[-1])
    twin = alphabet[last ^ 1]  # 32 bytes end on a character of 6 bits, 2 of which decode to nothing
    assert base64.urlsafe_b64decode(signature[:-1] + twin + "=") == base64.urlsafe_b64decode(signature + "=")

    response = api.call("GET", "/me", token=token[:-1] + twin)

    assert response.status_code == 401 and response.json["error"]["code"] == "AUTH_TOKEN_INVALID"
