"""``python -m infra.operators``: the first owner of a stage, and an owner's password reset,
from the command line; the password read from stdin and never shown."""
from __future__ import annotations

import io
import os
import subprocess
import sys
import uuid
from pathlib import Path

from chalicelib.operators import store
from infra import operators
from tests.e2e.test_catalogue_cli import endpoint  # noqa: F401  the fixture: this session's tables to a process

ROOT = Path(__file__).resolve().parents[2]


def cli(*args: str, password: str, endpoint: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "HUILIU_DYNAMODB_ENDPOINT": endpoint, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "infra.operators", *args], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=120, input=password + "\n")


def test_create_owner_then_reset_its_password_and_log_in(api, endpoint):  # noqa: F811
    name = "Boss-" + uuid.uuid4().hex[:8]
    first, second = "first owner passphrase", "second owner passphrase"

    created = cli("create-owner", "--stage", "local", "--name", name, password=first, endpoint=endpoint)
    again = cli("create-owner", "--stage", "local", "--name", name, password=first, endpoint=endpoint)
    weak = cli("create-owner", "--stage", "local", "--name", "x" + name, password="short", endpoint=endpoint)
    reset = cli("reset-password", "--stage", "local", "--name", name, password=second, endpoint=endpoint)

    assert created.returncode == 0, created.stderr
    assert f"owner {name.lower()} created in huiliu-test-operators" in created.stdout
    assert again.returncode == 2 and "OPERATOR_EXISTS" in again.stderr
    assert weak.returncode == 2 and "OPERATOR_PASSWORD_WEAK" in weak.stderr
    assert reset.returncode == 0, reset.stderr
    for run in (created, again, weak, reset):
        assert first not in run.stdout + run.stderr and second not in run.stdout + run.stderr
    op = store.operator(name.lower())
    assert op.role == "owner" and op.created_by == "command-line"
    assert api.call("POST", "/operator/login", {"name": name, "password": first}).status_code == 401
    assert api.call("POST", "/operator/login", {"name": name, "password": second}).status_code == 200


def test_the_password_is_read_without_echo_from_a_terminal(monkeypatch):
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    asked = iter(["typed passphrase", "typed passphrase", "one", "other"])
    monkeypatch.setattr(operators.getpass, "getpass", lambda prompt: next(asked))
    assert operators.read_password(Tty()) == "typed passphrase"
    try:
        operators.read_password(Tty())
        raise AssertionError("two different passwords were accepted")
    except ValueError:
        pass
    assert operators.read_password(io.StringIO("piped passphrase\nrest\n")) == "piped passphrase"
