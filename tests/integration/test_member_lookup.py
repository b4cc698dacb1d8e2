"""The 会员 lookup's storage: the keyed phone index (bound, rebound, shared, erased, indexed
afterwards for accounts from before it), the lists' pages and cursors. Run on moto, and again
on DynamoDB Local (conformance)."""
from __future__ import annotations

import base64
import json
import random
import uuid
from datetime import timedelta

import pytest

from chalicelib import config, errors, member_lookup, privacy
from chalicelib.auth import store
from chalicelib.auth.models import User
from chalicelib.checkin.models import CheckinDay
from chalicelib.wechat import Phone, WxSession


def new_user() -> str:
    user_id = "u" + "".join(random.choice("abcdefghijklmnopqrstuvwxyz234567") for _ in range(24))
    store.record_login(user_id, WxSession(openid=uuid.uuid4().hex, session_key="a2V5", unionid=None),
                       "login#" + uuid.uuid4().hex, now=config.utcnow())
    return user_id


def new_phone() -> str:
    return "139" + str(random.randrange(10**8)).zfill(8)


def bind(user_id: str, number: str) -> None:
    store.bind_phone(user_id, Phone(number=number, pure_number=number, country_code="86"), None, now=config.utcnow())


def ids(matches) -> set[str]:
    return {m.user_id for m in matches}


def test_the_phone_index_follows_binding_rebinding_sharing_and_erasure(dynamodb):
    a, b, first, second = new_user(), new_user(), new_phone(), new_phone()
    bind(a, first)
    bind(b, first)  # two WeChat accounts, one phone
    assert ids(member_lookup.find(phone=first)) == {a, b}
    assert [m.phone for m in member_lookup.find(phone=first)] == [first[:3] + "****" + first[-4:]] * 2

    bind(a, second)
    assert ids(member_lookup.find(phone=first)) == {b}
    assert ids(member_lookup.find(phone=f"+86 {second}")) == {a}
    assert User.get(a).phone_key == store.phone_key(second) != second

    privacy.erase(a, now=config.utcnow())
    assert member_lookup.find(phone=second) == [] and member_lookup.find(user_id=a) == []
    assert list(User.by_phone.query(store.phone_key(second))) == []


def test_an_account_being_erased_is_nobody_s(dynamodb):
    a, number = new_user(), new_phone()
    bind(a, number)
    store.mark_erasing(a, now=config.utcnow())
    assert member_lookup.find(phone=number) == [] and member_lookup.find(user_id=a) == []
    with pytest.raises(errors.MemberNotFound):
        member_lookup.card(a, now=config.utcnow())
    # The operator's erasure finishes an interrupted one.
    assert member_lookup.erase(a, idempotency_key=None, now=config.utcnow()) == {"erased": True}
    assert User.count(a) == 0


def test_phones_bound_before_the_index_are_indexed_once_and_no_erased_account_comes_back(dynamodb):
    old, erasing, gone, number = new_user(), new_user(), "u" + "b" * 24, new_phone()
    for user_id in (old, erasing):
        User(user_id).update(actions=[User.phone.set(number)])  # as bind_phone wrote it before
    store.mark_erasing(erasing, now=config.utcnow())
    assert member_lookup.find(phone=number) == []

    assert member_lookup.index_phones() >= 1
    assert ids(member_lookup.find(phone=number)) == {old}
    member_lookup.index_phones()  # again: nothing changes
    assert ids(member_lookup.find(phone=number)) == {old}
    assert User.count(gone) == 0
    assert User.get(erasing).phone_key is None


def test_check_ins_page_newest_first_by_a_cursor_of_sort_keys_only(dynamodb):
    user_id, now = new_user(), config.utcnow()
    days = [(now.date() - timedelta(days=n)).isoformat() for n in range(7)]
    for n, day in enumerate(days):
        CheckinDay(user_id, day, kind="normal", streak=7 - n, at=now).save()

    seen, cursor = [], None
    while True:
        page = member_lookup.page(user_id, "checkins", now=now, cursor=cursor, limit=3)
        seen += [d["day"] for d in page["items"]]
        if page["next"] is None:
            break
        assert json.loads(base64.urlsafe_b64decode(page["next"] + "==")).keys() == {"day"}  # no user id in it
        cursor = page["next"]
    assert seen == days


@pytest.mark.parametrize("cursor", ["!!", base64.urlsafe_b64encode(b"[1]").decode(),
                                    base64.urlsafe_b64encode(b'{"day": ""}').decode(),
                                    base64.urlsafe_b64encode(b'{"day": 3}').decode(),
                                    base64.urlsafe_b64encode(b'{"day": "x", "user_id": "u"}').decode()])
def test_a_cursor_that_is_not_one_of_the_list_s_is_refused(dynamodb, cursor):
    with pytest.raises(errors.MemberCursorInvalid):
        member_lookup.page(new_user(), "checkins", now=config.utcnow(), cursor=cursor)


@pytest.mark.parametrize("text, number", [("13812345678", "13812345678"), ("+86 138-1234-5678", "13812345678"),
                                          ("008613812345678", "13812345678"), ("(555) 0100 99", "555010099")])
def test_phones_are_read_as_wechat_binds_them(text, number):
    assert member_lookup.phone_of(text) == number


@pytest.mark.parametrize("text", ["", "12345", "1" * 16, "138 1234 567a", "+1 5550100", "１３８１２３４５６７８"])
def test_what_is_not_a_phone_is_refused(text):
    with pytest.raises(errors.MemberPhoneInvalid):
        member_lookup.phone_of(text)


@pytest.mark.parametrize("text", ["", "u" + "a" * 23, "u" + "a" * 25, "x" + "a" * 24, "u" + "A" * 24, "u" + "1" * 24])
def test_what_is_not_a_user_id_is_refused(text):
    with pytest.raises(errors.MemberUserIdInvalid):
        member_lookup.user_id_of(text)
