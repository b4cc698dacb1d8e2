"""The level guard, on a throwaway app: a purchase-level function and a session-level caller."""
from __future__ import annotations

import json

import pytest
from chalice import Blueprint, Chalice
from chalice.test import Client

from chalicelib import config, messages
from chalicelib.api import middleware
from chalicelib.api.http import route
from chalicelib.auth import tokens
from chalicelib.auth.levels import PURCHASE
from tests.conftest import captured_logs

bp = Blueprint(__name__)


@route(bp, "POST", "/claim", auth=PURCHASE)
def claim(call):
    return {"user": call.user_id}


@route(bp, "GET", "/boom", auth="anonymous")
def boom(call):
    raise RuntimeError("a bug, with a secret=s3cr3t in it")


app = Chalice(app_name="guard-test")
app.register_middleware(middleware.http, "http")
app.register_blueprint(bp)


def client() -> Client:
    return Client(app, stage_name="local")


def token(level: str) -> str:
    """A token for ``u-guard``, whose stored account has this level: the stored level decides."""
    from chalicelib.auth.models import User

    now = config.utcnow()
    User("u-guard", openid="o-guard", session_key="k", level=level, first_seen=now, last_active=now).save()
    return tokens.issue("u-guard", level, key=config.settings().token_key, ttl_seconds=60, now=now)


def post(c: Client, level: str | None):
    headers = {"Content-Type": "application/json"}
    if level:
        headers["Authorization"] = "Bearer " + token(level)
    return c.http.post("/claim", headers=headers, body="{}")


def test_a_session_user_calling_a_purchase_function_is_asked_for_the_phone():
    with client() as c:
        response = post(c, "session")

    assert response.status_code == 403
    assert json.loads(response.body)["error"]["code"] == "AUTH_PURCHASE_REQUIRED"


def test_a_purchase_user_passes_and_nobody_passes_without_a_token():
    with client() as c:
        assert json.loads(post(c, "purchase").body) == {"user": "u-guard"}
        assert post(c, None).status_code == 401


def test_a_bug_is_a_json_500_without_the_trace_or_the_secret():
    with captured_logs() as stream, client() as c:
        response = c.http.get("/boom")
    logged = stream.getvalue()

    assert response.status_code == 500
    assert json.loads(response.body) == {"error": {"code": "INTERNAL_ERROR", "message": messages.text("INTERNAL_ERROR")}}
    assert response.headers["X-Request-Id"]
    assert "RuntimeError" in logged  # the trace is logged for us ...
    assert "s3cr3t" not in logged  # ... without the secret in it


def test_unknown_levels_are_refused_when_the_function_is_declared():
    with pytest.raises(ValueError):
        route(Blueprint("other"), "GET", "/x", auth="admin")
