"""The pure parts of operator accounts: roles, names, passwords, cookies, audit snapshots, the
message catalogue."""
from __future__ import annotations

import json
import time
from datetime import datetime, timezone
from decimal import Decimal

import pytest
from argon2 import PasswordHasher

from chalicelib import errors, messages
from chalicelib.operators import passwords, roles, rules


def test_roles_grant_what_the_issue_says():
    assert roles.allows("owner", roles.OWNER_ONLY) and roles.allows("owner", roles.CHANGE)
    assert roles.allows("marketer", roles.CHANGE) and not roles.allows("marketer", roles.OWNER_ONLY)
    assert roles.allows("analyst", roles.READ) and not roles.allows("analyst", roles.CHANGE)
    assert not roles.allows("somebody", roles.READ)
    assert roles.SHARED_KEY_ROLE == "marketer"


def test_a_route_reads_on_get_and_changes_otherwise_unless_it_says():
    assert roles.default_capability("GET") == roles.READ
    assert all(roles.default_capability(m) == roles.CHANGE for m in ("POST", "PUT", "PATCH", "DELETE"))
    assert roles.changes("POST", roles.CHANGE) and roles.changes("PATCH", roles.OWNER_ONLY)
    assert not roles.changes("GET", roles.OWNER_ONLY)  # the owner's reads are not audited
    assert not roles.changes("POST", roles.READ)  # a logout
    assert roles.needs_csrf("POST") and not roles.needs_csrf("GET")
    assert "OPERATOR_FORBIDDEN" not in roles.wrapper_errors(roles.READ, "GET")
    assert {"OPERATOR_FORBIDDEN", "CSRF_TOKEN_INVALID"} <= set(roles.wrapper_errors(roles.CHANGE, "PUT"))


@pytest.mark.parametrize("name,key", [("Alice", "alice"), ("ＡＬＩＣＥ", "alice"), (" wang.li ", "wang.li"),
                                      ("张三", "张三"), ("ops@shop", "ops@shop"), ("a" * 32, "a" * 32)])
def test_names_fold_to_one_account(name, key):
    assert rules.name_key(name) == key


@pytest.mark.parametrize("name", ["", "   ", "a b", "a/b", "#owners", "a" * 33, "x\ty", "o'neil"])
def test_names_outside_the_alphabet_are_refused_and_never_reach_a_meta_item(name):
    with pytest.raises(errors.OperatorNameInvalid):
        rules.name_key(name)
    assert rules.login_key(name) == "#invalid"


@pytest.mark.parametrize("password", ["short", "aaaaaaaaaaaa", "1212121212", "x" * 129, "tab\tinside pass"])
def test_weak_passwords_are_refused(password):
    with pytest.raises(errors.OperatorPasswordWeak):
        rules.check_password(password)


def test_a_decent_password_passes():
    assert rules.check_password("correct horse battery") == "correct horse battery"


def test_the_cookie_is_strict_http_only_and_secure_outside_local():
    local = rules.set_cookie("tok", local=True, max_age=60)
    deployed = rules.set_cookie("tok", local=False, max_age=60)
    assert local == "huiliu-op=tok; Path=/; HttpOnly; SameSite=Strict; Max-Age=60"
    assert deployed == "__Host-huiliu-op=tok; Path=/; HttpOnly; SameSite=Strict; Max-Age=60; Secure"
    assert "Max-Age=0" in rules.clear_cookie(local=False)
    assert rules.cookie_token("a=1; huiliu-op=tok; b=2", local=True) == "tok"
    assert rules.cookie_token("huiliu-op=tok", local=False) is None
    assert rules.cookie_token("huiliu-op=" + "x" * 200, local=True) is None
    assert rules.cookie_token(None, local=True) is None


def test_tokens_are_random_and_stored_only_as_digests():
    a, b = rules.new_token(), rules.new_token()
    assert a != b and len(a) >= 43
    assert rules.digest(a) != a and len(rules.digest(a)) == 64


def test_a_snapshot_leaves_secrets_out_and_is_json():
    item = {"name": "x", "password_hash": "$argon2id$...", "csrf": "c", "nested": {"apiSecret": "s", "ok": 1},
            "when": datetime(2026, 11, 28, 1, 2, 3, tzinfo=timezone.utc), "n": Decimal("5"), "r": Decimal("0.5"),
            "tags": {"b", "a"}}
    snap = rules.snapshot(item)
    assert snap == {"name": "x", "nested": {"ok": 1}, "when": "2026-11-28T01:02:03Z", "n": 5, "r": 0.5,
                    "tags": ["a", "b"]}
    assert json.loads(rules.encoded(item)) == snap
    assert rules.encoded(None) is None
    huge = json.loads(rules.encoded({"text": "x" * (rules.SNAPSHOT_MAX + 1)}))
    assert huge["truncated"] is True and len(huge["sha256"]) == 64


def test_cursors_round_trip_and_garbage_is_a_422():
    text = rules.cursor({"at": "2026-11-28T01:02:03.000001Z#abc#def"})
    assert rules.from_cursor(text, {"at"}) == {"at": "2026-11-28T01:02:03.000001Z#abc#def"}
    assert rules.cursor(None) is None and rules.from_cursor(None, {"at"}) is None
    for bad in ("not-a-cursor", rules.cursor({"other": "x"}), rules.cursor({"at": 1}), "W10"):
        with pytest.raises(errors.ValidationFailed):
            rules.from_cursor(bad, {"at"})


def test_passwords_verify_and_an_unknown_operator_costs_a_verification_too():
    stored = passwords.hash_password("correct horse battery")
    assert stored.startswith("$argon2id$") and "correct" not in stored
    assert passwords.verify(stored, "correct horse battery")
    assert not passwords.verify(stored, "wrong horse battery")
    assert not passwords.verify("not a hash", "correct horse battery")
    passwords.verify(None, "warm the stand-in")
    started = time.perf_counter()
    assert not passwords.verify(None, "correct horse battery")
    unknown = time.perf_counter() - started
    started = time.perf_counter()
    passwords.verify(stored, "wrong horse battery")
    wrong = time.perf_counter() - started
    assert unknown > wrong / 4  # both run Argon2 with the same parameters (not a timing proof)


def test_a_hash_made_with_other_parameters_is_rehashed(monkeypatch):
    old = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash("correct horse battery")
    assert passwords.verify(old, "correct horse battery")
    assert passwords.needs_rehash(old)
    assert not passwords.needs_rehash(passwords.hash_password("correct horse battery"))
    assert passwords.needs_rehash("garbage")


def test_every_operator_error_speaks_chinese_first_from_the_catalogue_and_english_on_request():
    operator_errors = [errors.OperatorLoginRequired, errors.OperatorSessionInvalid, errors.OperatorDisabled,
                       errors.OperatorLoginFailed, errors.OperatorLoginRateLimited, errors.OperatorForbidden,
                       errors.CsrfTokenInvalid, errors.SharedKeyDisabled, errors.OperatorExists,
                       errors.OperatorNotFound, errors.LastOwner, errors.OperatorNameInvalid,
                       errors.OperatorPasswordWeak, errors.OperatorRequired]
    for cls in operator_errors:
        message = cls().to_json()["error"]["message"]
        assert any("\u4e00" <= ch <= "\u9fff" for ch in message), cls
        assert message in messages.CATALOGUE["zh-CN"].values()
    assert set(messages.CATALOGUE["zh-CN"]) == set(messages.CATALOGUE["en"])
    assert messages.text("OPERATOR_FORBIDDEN", "en") == "Your role may not do this."
    assert messages.text("OPERATOR_FORBIDDEN", "fr") == messages.text("OPERATOR_FORBIDDEN")
    assert messages.text("NO_SUCH_CODE") == "NO_SUCH_CODE"
