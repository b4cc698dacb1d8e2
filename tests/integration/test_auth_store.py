"""Storage of users and receipts. Run on moto, and again on DynamoDB Local (conformance)."""
from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from chalicelib import config, errors
from chalicelib.auth import store
from chalicelib.auth.models import Receipt, User
from chalicelib.store.roundtrips import counting
from chalicelib.wechat import Phone, WxSession
from tests.integration.helpers import race


def wx(openid: str | None = None) -> WxSession:
    return WxSession(openid=openid or uuid.uuid4().hex, session_key="c2Vzc2lvbmtleTEyMzQ1Ng==", unionid="un-1")


def uid() -> str:
    return "u" + uuid.uuid4().hex[:24]


def test_first_login_creates_and_later_ones_refresh(dynamodb):
    user_id, session, now = uid(), wx(), config.utcnow()

    assert store.record_login(user_id, session, "login#a" + user_id, now=now) == ("session", True)
    assert store.record_login(user_id, session, "login#b" + user_id, now=now + timedelta(days=1)) == ("session", False)

    user = User.get(user_id)
    assert user.first_seen == now
    assert user.last_active == now + timedelta(days=1) and user.login_count == 2


def test_a_login_costs_two_round_trips(dynamodb):
    user_id = uid()
    store.record_login(user_id, wx(), "login#c" + user_id, now=config.utcnow())

    with counting() as calls:
        store.record_login(user_id, wx(), "login#d" + user_id, now=config.utcnow())

    assert sum(calls.values()) == 2, calls


def test_racing_first_logins_create_one_user_and_one_is_new(dynamodb):
    user_id, session = uid(), wx()

    def login(i: int) -> tuple[str, bool]:
        return store.record_login(user_id, session, f"login#{i}{user_id}", now=config.utcnow())

    results = race(32, login)

    assert sum(is_new for _, is_new in results) == 1
    assert User.get(user_id).login_count == 32


def test_binding_a_phone_raises_the_level_and_keeps_a_receipt(dynamodb):
    user_id, now = uid(), config.utcnow()
    store.record_login(user_id, wx(), "login#e" + user_id, now=now)

    store.bind_phone(user_id, Phone("13800000000", "13800000000", "86"), "phone#e" + user_id, now=now)

    user = User.get(user_id)
    assert (user.level, user.phone, user.phone_country) == ("purchase", "13800000000", "86")
    assert store.find_receipt("phone#e" + user_id, now=now).user_id == user_id


def test_a_phone_for_a_missing_user_writes_nothing(dynamodb):
    user_id = uid()

    with pytest.raises(errors.UserGone):
        store.bind_phone(user_id, Phone("13800000000", "13800000000", "86"), "phone#f" + user_id, now=config.utcnow())

    assert store.find_receipt("phone#f" + user_id, now=config.utcnow()) is None
    assert User.count(user_id) == 0


def test_an_expired_receipt_is_no_receipt_even_before_ttl_deletes_it(dynamodb):
    user_id, now = uid(), config.utcnow()
    store.record_login(user_id, wx(), "login#g" + user_id, now=now)

    assert store.find_receipt("login#g" + user_id, now=now + store.RECEIPT_LIFETIME - timedelta(seconds=1))
    assert store.find_receipt("login#g" + user_id, now=now + store.RECEIPT_LIFETIME) is None


def test_deleting_a_user_removes_the_user_and_every_receipt_and_can_run_twice(dynamodb):
    user_id, now = uid(), config.utcnow()
    for i in range(3):
        store.record_login(user_id, wx(), f"login#h{i}{user_id}", now=now)

    store.delete_user(user_id)
    store.delete_user(user_id)

    assert User.count(user_id) == 0
    assert list(Receipt.by_user.query(user_id)) == []
