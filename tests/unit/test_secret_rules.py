"""The rules a deployed stage holds its secrets to, and the command that prints a document."""
from __future__ import annotations

import io
import json
import secrets as random

import pytest

from chalicelib.config import SECRET_NAMES
from chalicelib.secret_rules import appid_problem, estimated_bits, problems
from infra import secrets

README_PLACEHOLDERS = {"HUILIU_WECHAT_SECRET": "...", "HUILIU_TOKEN_KEY": "<64 random bytes>",
                       "HUILIU_OPERATOR_KEY": "...", "HUILIU_SERVER_KEY": "...",
                       "HUILIU_PSEUDONYM_KEY": "<64 random bytes, never rotated>"}
LOCAL = {"HUILIU_WECHAT_SECRET": "sandbox-app-secret",
         "HUILIU_TOKEN_KEY": "local-only-token-key-change-me-in-aws-0123456789",
         "HUILIU_OPERATOR_KEY": "local-operator-key", "HUILIU_SERVER_KEY": "local-server-key",
         "HUILIU_PSEUDONYM_KEY": "local-only-pseudonym-key-change-me-in-aws-01234"}


def strong() -> dict[str, str]:
    return secrets.document(random.token_hex(16))


def test_a_generated_document_passes_and_every_key_is_long_and_distinct():
    doc = strong()

    assert problems(doc, SECRET_NAMES) == []
    assert set(doc) == set(SECRET_NAMES) and len(set(doc.values())) == len(doc)
    assert all(len(v) >= 64 for name, v in doc.items() if name != "HUILIU_WECHAT_SECRET")


@pytest.mark.parametrize("doc", [README_PLACEHOLDERS, LOCAL], ids=["readme", "local-stack"])
def test_placeholder_documents_are_refused_naming_every_key_and_no_value(doc):
    found = problems(doc, SECRET_NAMES)

    assert {name for name in SECRET_NAMES if any(f.startswith(name) for f in found)} == set(SECRET_NAMES)
    text = "\n".join(found)
    assert not any(value in text for value in doc.values() if len(value) > 3)


def test_short_repetitive_equal_and_missing_keys_are_each_named():
    doc = strong()
    doc["HUILIU_TOKEN_KEY"] = "abcdefghijklmnopqrstuvwxyz"  # long enough to read, under 32
    doc["HUILIU_SERVER_KEY"] = "ab" * 30
    doc["HUILIU_OPERATOR_KEY"] = doc["HUILIU_PSEUDONYM_KEY"]
    del doc["HUILIU_WECHAT_SECRET"]

    found = problems(doc, SECRET_NAMES)

    assert "HUILIU_WECHAT_SECRET is missing" in found
    assert any(f.startswith("HUILIU_TOKEN_KEY is 26 characters") for f in found)
    assert any(f.startswith("HUILIU_SERVER_KEY is too repetitive") for f in found)
    assert "HUILIU_PSEUDONYM_KEY is the same as HUILIU_OPERATOR_KEY" in found


def test_a_wechat_appsecret_of_32_random_hex_digits_passes():
    # The lowest estimate among 200,000 drawn was 87 bits; the bar is 80.
    assert min(estimated_bits(random.token_hex(16)) for _ in range(2000)) >= 80


def test_the_appid_must_be_a_real_one():
    assert appid_problem("wx0000000000000000") and appid_problem("wxd0000000") and appid_problem("")
    assert appid_problem("wx5a1e0c0ffee0b1e5") is None


def test_rotation_keeps_the_appsecret_and_the_pseudonym_key_and_renews_the_rest(monkeypatch, capsys):
    current = strong()
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(current)))

    secrets.main(["--rotate"])
    rotated = json.loads(capsys.readouterr().out)

    kept = ("HUILIU_WECHAT_SECRET", "HUILIU_PSEUDONYM_KEY")
    assert all(rotated[n] == current[n] for n in kept)
    assert all(rotated[n] != current[n] for n in SECRET_NAMES if n not in kept)


def test_the_command_refuses_to_print_a_document_with_a_weak_appsecret(monkeypatch, capsys):
    monkeypatch.setenv("HUILIU_WECHAT_SECRET", "...")

    with pytest.raises(SystemExit) as exit_:
        secrets.main([])

    assert "HUILIU_WECHAT_SECRET" in str(exit_.value) and capsys.readouterr().out == ""
