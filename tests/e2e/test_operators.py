"""Named operators over HTTP: login and its cookie, CSRF, roles, rate-limited logins, revocation,
disabled accounts, the audit log, the last owner, and the shared key off and on.

Each test's operators have names of their own and log in from an address of their own, so no
test shares a rate-limit budget with another.
"""
from __future__ import annotations

import dataclasses
import json
import random
import uuid
from datetime import timedelta

import pytest
from chalice.local import LambdaEventConverter

import app as application
from chalicelib import config
from chalicelib.limits import rules as limit_rules
from chalicelib.limits.rules import LIMITS, Limit
from chalicelib.operators import access, roles, service, store, targets
from chalicelib.operators.models import CONSOLE, SETTINGS, Operator

PASSWORD = "correct horse battery"
OWNER = service.Actor("test-setup", "test setup", roles.OWNER, route=("TEST", "tests/e2e/test_operators.py"))


@pytest.fixture(autouse=True)
def own_address(monkeypatch):
    bits = random.getrandbits(32)
    monkeypatch.setattr(LambdaEventConverter, "LOCAL_SOURCE_IP", f"2001:db8:{bits >> 16:x}:{bits & 0xFFFF:x}::1")


@pytest.fixture
def shared_key(monkeypatch):
    """The shared key's setting as this test wants it, put back afterwards."""
    def set_to(on: bool | None) -> None:
        if on is None:
            Operator(CONSOLE, SETTINGS).delete()
        else:
            Operator(CONSOLE, SETTINGS, shared_key=on).save()

    before = store.settings()
    yield set_to
    set_to(None if before is None or before.shared_key is None else bool(before.shared_key))


def operator(role: str, password: str = PASSWORD) -> str:
    """A new operator of ``role``; returns its name (also its id)."""
    name = f"op-{role}-{uuid.uuid4().hex[:8]}"
    service.create_operator(OWNER, name, role, password, idempotency_key=None, now=config.utcnow())
    return name


class Console:
    """One browser: the session cookie and the CSRF token from its login."""

    def __init__(self, api, name: str, password: str = PASSWORD) -> None:
        self.api = api
        response = api.call("POST", "/operator/login", {"name": name, "password": password})
        assert response.status_code == 200, response.text
        self.set_cookie = response.headers["Set-Cookie"]
        self.cookie = self.set_cookie.split(";")[0]
        self.csrf = response.json["csrfToken"]
        self.login = response.json

    def call(self, method: str, path: str, body=None, *, csrf: bool = True, headers: dict | None = None):
        sent = {"Cookie": self.cookie, **(headers or {})}
        if csrf and method != "GET":
            sent["X-CSRF-Token"] = self.csrf
        return self.api.call(method, path, body, headers=sent)


def code(response) -> str:
    return response.json["error"]["code"]


def operator_routes() -> list[tuple[str, str, object]]:
    return [(method, path, entry.view_function) for path, methods in application.app.routes.items()
            for method, entry in methods.items() if entry.view_function.auth == "operator"]


# Login and the cookie.
def test_login_sets_a_strict_http_only_cookie_and_answers_the_csrf_token(api):
    name = operator(roles.MARKETER)
    console = Console(api, name)
    cookie = console.set_cookie
    assert cookie.startswith("huiliu-op=")  # the local stage: http, so no Secure and no __Host-
    for flag in ("HttpOnly", "SameSite=Strict", "Path=/", f"Max-Age={12 * 3600}"):
        assert flag in cookie
    assert "Secure" not in cookie
    assert console.login["operator"] == {"operatorId": name, "name": name, "role": "marketer", "sharedKey": False}
    assert len(console.csrf) >= 32
    me = console.call("GET", "/operator/me")
    assert me.status_code == 200 and me.json["csrfToken"] == console.csrf


def test_outside_the_local_stage_the_cookie_is_secure_and_host_only(api, monkeypatch):
    name = operator(roles.ANALYST)
    monkeypatch.setattr(access, "local_cookies", lambda: False)  # as in a deployed stage
    console = Console(api, name)
    assert console.set_cookie.startswith("__Host-huiliu-op=") and "; Secure" in console.set_cookie
    assert console.call("GET", "/operator/me").status_code == 200
    # The local cookie's name means nothing there.
    local = api.call("GET", "/operator/me", headers={"Cookie": "huiliu-op=" + console.cookie.split("=", 1)[1]})
    assert local.status_code == 401 and code(local) == "OPERATOR_LOGIN_REQUIRED"


def test_a_wrong_password_and_an_unknown_name_answer_alike(api):
    name = operator(roles.ANALYST)
    wrong = api.call("POST", "/operator/login", {"name": name, "password": "not the password"})
    unknown = api.call("POST", "/operator/login", {"name": "nobody-" + uuid.uuid4().hex[:8], "password": PASSWORD})
    malformed = api.call("POST", "/operator/login", {"name": "no spaces allowed!", "password": PASSWORD})
    for response in (wrong, unknown, malformed):
        assert response.status_code == 401 and response.json == wrong.json
        assert "Set-Cookie" not in response.headers
    assert code(wrong) == "OPERATOR_LOGIN_FAILED"
    assert wrong.json["error"]["message"] == "账号或密码错误。"


def test_names_are_folded_so_case_does_not_make_another_account(api):
    name = operator(roles.ANALYST)
    assert Console(api, name.upper()).login["operator"]["operatorId"] == name


def test_logins_are_limited_per_name_and_per_address(api, monkeypatch):
    now = config.utcnow() + timedelta(days=1)  # one window for the whole test, ending well after it
    monkeypatch.setattr(config, "utcnow", lambda: now)
    # Smaller budgets, the same mechanism (the figures are chalicelib/limits/rules.py's).
    small = dataclasses.replace(LIMITS, operator_logins_per_name=Limit("operator-login-name", 3, 900),
                                operator_logins_per_address=Limit("operator-login-address", 8, 900))
    monkeypatch.setattr(limit_rules, "LIMITS", small)
    name = operator(roles.ANALYST)
    for _ in range(3):
        assert api.call("POST", "/operator/login", {"name": name, "password": "wrong password"}).status_code == 401
    refused = api.call("POST", "/operator/login", {"name": name, "password": PASSWORD})
    assert refused.status_code == 429 and code(refused) == "RATE_LIMITED"
    assert 1 <= int(refused.headers["Retry-After"]) <= 900
    assert refused.json["error"]["message"] == "登录尝试过于频繁，请稍后再试。"
    # An unknown name has a budget too, so the limit does not tell which names exist.
    ghost = "ghost-" + uuid.uuid4().hex[:8]
    for _ in range(3):
        assert api.call("POST", "/operator/login", {"name": ghost, "password": "wrong password"}).status_code == 401
    assert api.call("POST", "/operator/login", {"name": ghost, "password": "x"}).status_code == 429

    # Per address: many names from one place; another address is not held back.
    monkeypatch.setattr(LambdaEventConverter, "LOCAL_SOURCE_IP", f"198.51.100.{random.randint(1, 254)}")
    for _ in range(8):
        assert api.call("POST", "/operator/login", {"name": f"spray-{uuid.uuid4().hex[:6]}", "password": "x" * 10}
                        ).status_code == 401
    someone = operator(roles.ANALYST)
    assert api.call("POST", "/operator/login", {"name": someone, "password": PASSWORD}).status_code == 429
    monkeypatch.setattr(LambdaEventConverter, "LOCAL_SOURCE_IP", f"203.0.113.{random.randint(1, 254)}")
    assert api.call("POST", "/operator/login", {"name": someone, "password": PASSWORD}).status_code == 200


def test_the_login_budgets_are_those_of_the_design_notes():
    assert (LIMITS.operator_logins_per_name.count, LIMITS.operator_logins_per_name.seconds) == (10, 900)
    assert (LIMITS.operator_logins_per_address.count, LIMITS.operator_logins_per_address.seconds) == (100, 900)


# CSRF and roles.
def test_a_change_with_the_cookie_needs_the_sessions_csrf_token(api):
    console = Console(api, operator(roles.MARKETER))
    body = {"name": "membership"}
    missing = console.call("PUT", "/operator/rules/checkin", body, csrf=False)
    wrong = console.call("PUT", "/operator/rules/checkin", body, csrf=False, headers={"X-CSRF-Token": "x" * 43})
    other = Console(api, operator(roles.MARKETER))
    foreign = console.call("PUT", "/operator/rules/checkin", body, csrf=False, headers={"X-CSRF-Token": other.csrf})
    for response in (missing, wrong, foreign):
        assert response.status_code == 403 and code(response) == "CSRF_TOKEN_INVALID"
    assert console.call("GET", "/operator/rules/checkin").status_code == 200  # reads need none


def test_every_operator_route_declares_a_capability_and_every_change_is_audited():
    for method, path, view in operator_routes():
        assert view.capability in roles.CAPABILITIES, (method, path)
        if roles.changes(method, view.capability):
            assert (method, path) in targets.TARGETS, f"{method} {path}: name its audit target in operators/targets.py"


@pytest.mark.parametrize("method,path,view", [r for r in operator_routes() if r[2].capability != roles.READ],
                         ids=lambda r: str(r) if isinstance(r, str) else "")
def test_an_analyst_is_refused_every_change(api, method, path, view):
    console = Console(api, operator(roles.ANALYST))
    concrete = path.replace("{", "").replace("}", "")  # any value: the role is refused before the view
    response = console.call(method, concrete, {})
    assert response.status_code == 403 and code(response) == "OPERATOR_FORBIDDEN", response.text
    assert response.json["error"]["message"] == "当前角色无权进行此操作。"


def test_an_analyst_reads_and_a_marketer_changes_but_only_an_owner_manages(api):
    analyst = Console(api, operator(roles.ANALYST))
    marketer = Console(api, operator(roles.MARKETER))
    owner = Console(api, operator(roles.OWNER))
    assert analyst.call("GET", "/operator/coupon-templates").status_code == 200
    assert analyst.call("GET", "/operator/metrics/daily").status_code == 200
    rules = marketer.call("GET", "/operator/rules/checkin").json["rules"] or {}
    assert marketer.call("PUT", "/operator/rules/checkin", rules).status_code == 200
    for who in (analyst, marketer):
        assert code(who.call("GET", "/operator/operators")) == "OPERATOR_FORBIDDEN"
        assert code(who.call("GET", "/operator/audit")) == "OPERATOR_FORBIDDEN"
        assert code(who.call("PUT", "/operator/settings", {"sharedKeyEnabled": True})) == "OPERATOR_FORBIDDEN"
    listed = owner.call("GET", "/operator/operators")
    assert listed.status_code == 200
    assert all("password" not in json.dumps(o).lower() for o in listed.json["operators"])
    # Any role logs out; the session is then gone.
    assert analyst.call("POST", "/operator/logout").status_code == 204
    gone = analyst.call("GET", "/operator/me")
    assert gone.status_code == 401 and code(gone) == "OPERATOR_SESSION_INVALID"


def test_no_credential_is_a_401_and_a_made_up_cookie_too(api):
    none = api.call("GET", "/operator/coupon-templates")
    assert none.status_code == 401 and code(none) == "OPERATOR_LOGIN_REQUIRED"
    made_up = api.call("GET", "/operator/coupon-templates", headers={"Cookie": "huiliu-op=" + "A" * 43})
    assert made_up.status_code == 401 and code(made_up) == "OPERATOR_SESSION_INVALID"


# Managing operators.
def test_the_owner_manages_operators_and_each_change_is_audited_with_before_and_after(api):
    owner_name = operator(roles.OWNER)
    owner = Console(api, owner_name)
    name = f"li-lei-{uuid.uuid4().hex[:6]}"
    key = uuid.uuid4().hex
    created = owner.call("POST", "/operator/operators", {"name": name, "role": "analyst", "password": PASSWORD},
                         headers={"Idempotency-Key": key})
    assert created.status_code == 201, created.text
    assert created.json["role"] == "analyst" and created.json["disabled"] is False
    replay = owner.call("POST", "/operator/operators", {"name": name, "role": "analyst", "password": PASSWORD},
                        headers={"Idempotency-Key": key})
    assert replay.status_code == 201 and replay.json == created.json
    taken = owner.call("POST", "/operator/operators", {"name": name.upper(), "role": "owner", "password": PASSWORD})
    assert taken.status_code == 409 and code(taken) == "OPERATOR_EXISTS"
    weak = owner.call("POST", "/operator/operators", {"name": "x" + name, "role": "analyst", "password": "short"})
    assert weak.status_code == 422 and code(weak) == "OPERATOR_PASSWORD_WEAK"
    bad = owner.call("POST", "/operator/operators", {"name": "a b", "role": "analyst", "password": PASSWORD})
    assert bad.status_code == 422 and code(bad) == "OPERATOR_NAME_INVALID"
    role = owner.call("POST", "/operator/operators", {"name": "y" + name, "role": "boss", "password": PASSWORD})
    assert role.status_code == 422 and code(role) == "VALIDATION_FAILED"

    promoted = owner.call("PATCH", f"/operator/operators/{name}", {"role": "marketer"})
    assert promoted.status_code == 200 and promoted.json["role"] == "marketer"
    assert owner.call("PATCH", "/operator/operators/nobody-here", {"role": "marketer"}).status_code == 404

    log = owner.call("GET", f"/operator/audit?operator={owner_name}").json["records"]
    assert [r["route"] for r in log[:2]] == ["/operator/operators/{operator_id}", "/operator/operators"]
    change, creation = log[0], log[1]
    assert change["operatorId"] == owner_name and change["method"] == "PATCH"
    assert change["target"] == {"operatorId": name}
    assert change["before"]["role"] == "analyst" and change["after"]["role"] == "marketer"
    assert creation["before"] is None and creation["after"]["role"] == "analyst"
    assert change["at"].endswith("Z")
    text = json.dumps(log)
    assert "argon2" not in text and "password_hash" not in text and PASSWORD not in text


def test_disabling_ends_the_sessions_and_a_disabled_operator_cannot_log_in(api):
    owner = Console(api, operator(roles.OWNER))
    name = operator(roles.MARKETER)
    victim = Console(api, name)
    assert owner.call("PATCH", f"/operator/operators/{name}", {"disabled": True}).json["disabled"] is True
    refused = victim.call("GET", "/operator/me")
    assert refused.status_code == 401 and code(refused) == "OPERATOR_DISABLED"
    login = api.call("POST", "/operator/login", {"name": name, "password": PASSWORD})
    assert login.status_code == 401 and code(login) == "OPERATOR_DISABLED"
    # Enabled again: the old session stays ended, a new login works.
    owner.call("PATCH", f"/operator/operators/{name}", {"disabled": False})
    assert code(victim.call("GET", "/operator/me")) == "OPERATOR_SESSION_INVALID"
    assert Console(api, name).call("GET", "/operator/me").status_code == 200


def test_a_deleted_operators_cookie_is_refused(api):
    name = operator(roles.MARKETER)
    console = Console(api, name)
    store.operator(name).delete()
    refused = console.call("GET", "/operator/me")
    assert refused.status_code == 401 and code(refused) == "OPERATOR_SESSION_INVALID"


def test_the_owner_revokes_sessions_and_resets_a_password(api):
    owner = Console(api, operator(roles.OWNER))
    name = operator(roles.MARKETER)
    first, second = Console(api, name), Console(api, name)
    assert owner.call("POST", f"/operator/operators/{name}/revoke-sessions").status_code == 200
    for console in (first, second):
        assert code(console.call("GET", "/operator/me")) == "OPERATOR_SESSION_INVALID"
    third = Console(api, name)
    new_password = "a brand new passphrase"
    assert owner.call("POST", f"/operator/operators/{name}/password", {"password": new_password}).status_code == 200
    assert code(third.call("GET", "/operator/me")) == "OPERATOR_SESSION_INVALID"
    assert api.call("POST", "/operator/login", {"name": name, "password": PASSWORD}).status_code == 401
    Console(api, name, new_password)
    log = owner.call("GET", f"/operator/audit?operator={owner.login['operator']['operatorId']}").json["records"]
    assert log[0]["target"] == {"operatorId": name, "changed": "password"}
    assert "argon2" not in json.dumps(log[0])


def test_the_last_owner_cannot_be_demoted_or_disabled(api):
    owners = store.owners()
    # Make this test's owner the only enabled one: the count is what the condition reads.
    solo = operator(roles.OWNER)
    Operator(CONSOLE, "#owners", active=1).save()
    try:
        console = Console(api, solo)
        for change in ({"role": "marketer"}, {"disabled": True}):
            refused = console.call("PATCH", f"/operator/operators/{solo}", change)
            assert refused.status_code == 409 and code(refused) == "OPERATOR_LAST_OWNER", refused.text
        assert store.operator(solo).role == "owner" and not store.operator(solo).disabled
        # With a second owner, the first may step down.
        other = console.call("POST", "/operator/operators",
                             {"name": f"op-owner2-{uuid.uuid4().hex[:6]}", "role": "owner", "password": PASSWORD})
        assert other.status_code == 201
        assert console.call("PATCH", f"/operator/operators/{solo}", {"role": "analyst"}).status_code == 200
        assert store.owners() == 1
    finally:
        Operator(CONSOLE, "#owners", active=owners + 1).save()  # this test's second owner stays enabled


def test_the_cli_owner_and_the_seeded_demo_owner_log_in(api):
    from infra.seed import DEMO_OWNER, DEMO_PASSWORD

    assert Console(api, DEMO_OWNER, DEMO_PASSWORD).login["operator"]["role"] == "owner"


# Changes to the product are audited too.
def test_a_marketers_change_is_audited_with_the_stored_item_before_and_after(api):
    marketer_name = operator(roles.MARKETER)
    marketer = Console(api, marketer_name)
    owner = Console(api, operator(roles.OWNER))
    template = f"audit-{uuid.uuid4().hex[:8]}"
    created = marketer.call("POST", "/operator/coupon-templates", {
        "templateId": template, "name": "审计券", "kind": "no_threshold", "amount": 500, "channel": "claim",
        "validDays": 7, "total": 10})
    assert created.status_code == 201, created.text
    assert marketer.call("PATCH", f"/operator/coupon-templates/{template}", {"active": False}).status_code == 200
    log = owner.call("GET", f"/operator/audit?operator={marketer_name}&limit=1")
    first = log.json["records"][0]
    assert first["route"] == "/operator/coupon-templates/{template_id}" and first["method"] == "PATCH"
    assert first["operatorName"] == marketer_name
    assert first["before"]["template"]["active"] is True and first["after"]["template"]["active"] is False
    assert first["after"]["stock"] == {"issued": 0, "total": 10}
    nxt = owner.call("GET", f"/operator/audit?operator={marketer_name}&limit=1&cursor={log.json['next']}")
    second = nxt.json["records"][0]
    assert second["method"] == "POST" and second["before"] is None
    assert second["after"]["template"]["name"] == "审计券"
    assert owner.call("GET", "/operator/audit?cursor=not-a-cursor").status_code == 422
    assert owner.call("GET", "/operator/audit?limit=0").status_code == 422
    everyone = owner.call("GET", "/operator/audit?limit=100").json["records"]
    assert [r["id"] for r in everyone] == sorted((r["id"] for r in everyone), reverse=True)


# The shared key.
def test_the_shared_key_works_only_while_the_owner_enables_it_and_is_audited(api, shared_key):
    key = config.settings().operator_key
    owner = Console(api, operator(roles.OWNER))
    shared_key(None)  # never set: on in the local stage only
    assert api.call("GET", "/operator/coupon-templates", token=key).status_code == 200
    assert owner.call("GET", "/operator/settings").json == {"sharedKeyEnabled": True}

    off = owner.call("PUT", "/operator/settings", {"sharedKeyEnabled": False})
    assert off.status_code == 200 and off.json == {"sharedKeyEnabled": False}
    refused = api.call("GET", "/operator/coupon-templates", token=key)
    assert refused.status_code == 403 and code(refused) == "OPERATOR_SHARED_KEY_DISABLED"
    wrong = api.call("GET", "/operator/coupon-templates", token="not-the-key")
    assert wrong.status_code == 403 and code(wrong) == "AUTH_OPERATOR_REQUIRED"

    owner.call("PUT", "/operator/settings", {"sharedKeyEnabled": True})
    rules = api.call("GET", "/operator/rules/referral", token=key).json["rules"] or {}
    assert api.call("PUT", "/operator/rules/referral", rules, token=key).status_code == 200
    # A marketer's powers only.
    assert code(api.call("GET", "/operator/operators", token=key)) == "OPERATOR_FORBIDDEN"
    log = owner.call("GET", "/operator/audit?operator=shared-key&limit=1").json["records"][0]
    assert log["operatorName"] == "shared key" and log["route"] == "/operator/rules/{name}"
    settings_log = owner.call("GET", f"/operator/audit?operator={owner.login['operator']['operatorId']}").json
    assert [r["after"] for r in settings_log["records"][:2]] == [{"sharedKeyEnabled": True},
                                                                 {"sharedKeyEnabled": False}]


def test_the_shared_key_is_off_by_default_in_a_deployed_stage(api, shared_key, monkeypatch):
    shared_key(None)
    monkeypatch.setattr(config, "stage", lambda: "prod")
    assert service.shared_key_enabled() is False
    shared_key(True)
    assert service.shared_key_enabled() is True


def test_a_login_rehashes_a_password_stored_with_older_parameters(api):
    from argon2 import PasswordHasher

    name = operator(roles.ANALYST)
    old = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash(PASSWORD)
    op = store.operator(name)
    op.update(actions=[Operator.password_hash.set(old)])
    Console(api, name)
    stored = store.operator(name).password_hash
    assert stored != old and "m=19456,t=2,p=1" in stored
    Console(api, name)  # the new hash verifies the same password


def test_make_dev_prints_the_demo_owners_login():
    from devstack.__main__ import banner
    from infra.seed import DEMO_OWNER, DEMO_PASSWORD

    shown = banner("moto", 8080, "http://127.0.0.1:8000", 8090, 0, 0)
    assert f"name {DEMO_OWNER}, password {DEMO_PASSWORD}" in shown
    assert "http://127.0.0.1:8080/operator/login" in shown


def test_a_change_stands_when_its_audit_cannot_be_read_or_written(api, monkeypatch):
    marketer = Console(api, operator(roles.MARKETER))
    rules = marketer.call("GET", "/operator/rules/segments").json["rules"] or {}
    calls = {"n": 0}
    real = targets.TARGETS[("PUT", "/operator/rules/{name}")]

    def flaky(names):
        calls["n"] += 1
        if calls["n"] > 1:  # the read after the change
            raise RuntimeError("storage gone")
        return real.load(names)

    monkeypatch.setitem(targets.TARGETS, ("PUT", "/operator/rules/{name}"), targets.Target(real.name, flaky))
    def lost(item):
        raise RuntimeError("audit table gone")

    monkeypatch.setattr(store, "record", lost)
    done = marketer.call("PUT", "/operator/rules/segments", rules)
    assert done.status_code == 200, done.text
