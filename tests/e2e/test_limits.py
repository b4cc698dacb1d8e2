"""Abuse limits over HTTP: 429 with Retry-After once a user, device or address spends its budget.

Each test comes from an address of its own (the proxy event's ``sourceIp``, as API Gateway
fills it) on a stopped clock, so no window ends mid-test and no other test shares a budget.
"""
from __future__ import annotations

import random
import uuid

import pytest
from chalice.local import LambdaEventConverter

from chalicelib import config
from chalicelib.limits.rules import LIMITS
from tests.conftest import fresh

BATCH = 50  # the most a batch may carry


@pytest.fixture(autouse=True)
def stopped_clock(monkeypatch):
    now = config.utcnow()
    monkeypatch.setattr(config, "utcnow", lambda: now)


def subscriber() -> str:
    """A /64 nobody else in the session uses (documentation prefix), without its host part."""
    bits = random.getrandbits(32)
    return f"2001:db8:{bits >> 16:x}:{bits & 0xFFFF:x}"


@pytest.fixture
def address(monkeypatch):
    """Send the following requests from ``address(ip)``; from a fresh /64 to begin with."""
    def move(ip: str) -> None:
        monkeypatch.setattr(LambdaEventConverter, "LOCAL_SOURCE_IP", ip)

    move(f"{subscriber()}::1")
    return move


def batch(n: int, device: str | None = None) -> dict:
    events = [{"id": uuid.uuid4().hex, "name": "page_view"} for _ in range(n)]
    return {"events": events, **({"deviceId": device} if device else {})}


def assert_limited(response) -> None:
    assert response.status_code == 429, response.text
    assert response.json["error"]["code"] == "RATE_LIMITED"
    assert 1 <= int(response.headers["Retry-After"]) <= 3_600


def test_one_token_is_refused_past_its_events_a_minute_counted_in_events(api, name, address):
    token = api.login(name)["token"]

    for _ in range(LIMITS.events_per_user.count // BATCH):
        accepted = api.call("POST", "/events", batch(BATCH), token=token)
        assert accepted.status_code == 200 and accepted.json["accepted"] == BATCH
    refused = api.call("POST", "/events", batch(1), token=token)

    assert_limited(refused)
    assert int(refused.headers["Retry-After"]) <= LIMITS.events_per_user.seconds
    other = api.login(f"{name}b")["token"]  # a user's budget is theirs alone
    assert api.call("POST", "/events", batch(1), token=other).status_code == 200


def test_made_up_anonymous_ids_do_not_escape_the_limit_of_their_address(api, address):
    home = subscriber()
    address(f"{home}::1")

    def made_up(n: int):
        # Counted before the id is looked at: answered or refused, each event costs the address.
        return api.call("POST", "/events", {**batch(n), "anonymousId": uuid.uuid4().hex})

    for _ in range(LIMITS.anonymous_events_per_address.count // BATCH):
        assert made_up(BATCH).status_code != 429
    assert_limited(made_up(1))
    address(f"{home}::beef")  # another address of the same subscriber's /64
    assert_limited(made_up(1))
    address(f"{subscriber()}::1")  # somebody else
    assert made_up(1).status_code != 429


def test_logins_carrying_an_invite_are_limited_per_address_before_wechat_is_asked(api, name, sandbox, address):
    for i in range(LIMITS.invite_logins_per_address.count):  # a guesser: made-up codes and invites
        guess = api.call("POST", "/auth/login", {"code": f"made-up-{i}", "invite": {"code": f"I{i:013d}"}})
        assert guess.status_code == 401, guess.text
    asked = sandbox.calls["/sns/jscode2session"]

    refused = api.call("POST", "/auth/login", {"code": fresh("demo", name), "invite": {"code": "IAAAAAAAAAAAAA"}})

    assert_limited(refused)
    assert sandbox.calls["/sns/jscode2session"] == asked
    # Plain logins from the same address have their own, larger budget.
    assert api.call("POST", "/auth/login", {"code": fresh("demo", name)}).status_code == 200


def test_subscription_reports_and_bargain_helps_are_limited_per_user(api, name, address):
    token = api.login(name)["token"]

    for _ in range(LIMITS.subscriptions_per_user.count):
        assert api.call("POST", "/subscriptions", {"results": {"tpl-x": "reject"}}, token=token).status_code == 200
    for _ in range(LIMITS.bargain_helps_per_user.count):  # bargains that do not exist still cost a try
        assert api.call("POST", f"/bargain/b-{uuid.uuid4().hex}/help", {}, token=token).status_code == 404

    assert_limited(api.call("POST", "/subscriptions", {"results": {"tpl-x": "reject"}}, token=token))
    assert_limited(api.call("POST", f"/bargain/b-{uuid.uuid4().hex}/help", {}, token=token))


def test_anonymous_ids_are_limited_per_address(api, address):
    address(f"{subscriber()}::1")
    agreed = {"agreed": True, "version": "2026-01"}

    for _ in range(LIMITS.anonymous_ids_per_address.count):
        assert api.call("POST", "/auth/anonymous", agreed).status_code == 201

    assert_limited(api.call("POST", "/auth/anonymous", agreed))
