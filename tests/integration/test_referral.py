"""Referral: attribution once, within the window, never oneself; each reward once; abuse held back."""
from __future__ import annotations

from datetime import timedelta

from chalicelib import config
from chalicelib.coupons import store as coupon_store
from chalicelib.members import service as members
from chalicelib.referral import service as referral
from chalicelib.referral.models import Referral
from chalicelib.store.roundtrips import counting
from tests.integration.helpers import uid


def inviter() -> tuple[str, str]:
    user = uid()
    return user, referral.mine(user).code


def test_a_new_user_is_attributed_once_and_gets_the_new_user_pack(dynamodb):
    (host, code), guest, now = inviter(), uid(), config.utcnow()
    referral.attribute(uid(), code, shared_at=None, device_id=None, now=now)  # a warm container: rules, template

    with counting() as calls:
        assert referral.attribute(guest, code, shared_at=now - timedelta(days=1), device_id="d1", now=now)
    assert not referral.attribute(guest, code, shared_at=None, device_id="d1", now=now)  # a retried login

    assert sum(calls.values()) <= 2, calls
    assert Referral.get(guest).inviter_id == host
    assert [c.template_id for c in coupon_store.of_user(guest)] == ["new-user-pack"]
    assert [i.stage for i in referral.mine(host).invitees] == ["signed_up", "signed_up"]


def test_no_attribution_to_oneself_an_unknown_code_or_a_stale_link(dynamodb):
    (host, code), now = inviter(), config.utcnow()

    assert not referral.attribute(host, code, shared_at=None, device_id=None, now=now)
    assert not referral.attribute(uid(), "INOPE12", shared_at=None, device_id=None, now=now)
    assert not referral.attribute(uid(), code, shared_at=now - timedelta(days=8), device_id=None, now=now)
    assert referral.mine(host).invitees == []


def test_the_inviter_is_rewarded_once_at_purchase_level_and_once_at_the_first_order(dynamodb):
    (host, code), guest, now = inviter(), uid(), config.utcnow()
    referral.attribute(guest, code, shared_at=None, device_id=None, now=now)

    for _ in range(2):  # retries
        referral.on_purchase_level(guest, now=now)
        referral.on_first_order(guest, now=now)

    assert members.points_of(host, now=now).balance == 100
    assert [c.template_id for c in coupon_store.of_user(host)] == ["referral-thanks"]
    assert Referral.get(guest).stage == "ordered" and referral.mine(host).rewards == 2


def test_over_the_daily_cap_an_invitee_is_attributed_but_the_inviter_not_rewarded(dynamodb, monkeypatch):
    from chalicelib.referral import rules

    monkeypatch.setattr(referral, "referral_rules", lambda: rules.ReferralRules(inviter_daily_cap=1))
    (host, code), now = inviter(), config.utcnow()
    first, second = uid(), uid()
    referral.attribute(first, code, shared_at=None, device_id=None, now=now)
    referral.attribute(second, code, shared_at=None, device_id=None, now=now)

    referral.on_purchase_level(second, now=now)

    assert Referral.get(second).flags == ["daily_cap"] and Referral.get(first).flags == []
    assert members.points_of(host, now=now).balance == 0


def test_many_accounts_on_one_device_are_flagged_not_rewarded(dynamodb):
    (host, code), now = inviter(), config.utcnow()
    guests = [uid() for _ in range(3)]
    for guest in guests:
        referral.attribute(guest, code, shared_at=None, device_id="farm-phone", now=now)

    referral.on_purchase_level(guests[-1], now=now)

    assert Referral.get(guests[-1]).flags == ["shared_device"]
    assert members.points_of(host, now=now).balance == 0
