"""Anonymous ids and privacy consent over HTTP: whose events a login takes, and what is kept of
anyone who has not agreed to the privacy notice."""
from __future__ import annotations

import pytest

from chalicelib import config
from chalicelib.events import service as events
from chalicelib.events.models import Activity, Event
from chalicelib.referral.models import DeviceAccount
from chalicelib.referral.service import device_hash
from tests.conftest import fresh

AGREED = {"agreed": True, "version": "2026-01"}


def anonymous_id(api) -> str:
    response = api.call("POST", "/auth/anonymous", AGREED)
    assert response.status_code == 201, response.text
    return response.json["anonymousId"]


def browse(api, anonymous: str, *ids: str) -> None:
    sent = api.call("POST", "/events", {"anonymousId": anonymous, "events": [{"id": i, "name": "page_view"} for i in ids]})
    assert sent.status_code == 200 and sent.json["kept"] == "device", sent.text


def kept_for(user_id: str) -> set[str]:
    return {e.event_id for e in Event.query(f"u:{user_id}")}


def activity_of(user_id: str) -> Activity | None:
    try:
        return Activity.get(user_id)
    except Activity.DoesNotExist:
        return None


def test_a_genuine_anonymous_id_brings_its_events_and_agreement_to_the_login(api, name):
    visitor = anonymous_id(api)
    browse(api, visitor, "v1", "v2")

    login = api.call("POST", "/auth/login", {"code": fresh("demo", name), "anonymousId": visitor})

    user = login.json["user"]["id"]
    assert kept_for(user) == {"v1", "v2"}
    a = activity_of(user)
    assert a.privacy_agreed is True and a.privacy_version == "2026-01" and a.active_day_set
    after = api.call("POST", "/events", {"events": [{"id": "v3", "name": "page_view"}]}, token=login.json["token"])
    assert after.json["kept"] == "user" and kept_for(user) == {"v1", "v2", "v3"}


def test_a_forged_or_another_visitors_id_takes_nothing_at_login(api, name):
    victim = anonymous_id(api)
    browse(api, victim, "secret-1")
    prefix, device, signature = victim.split(".")
    own = anonymous_id(api)  # the attacker's genuine id, whose signature they may try on the victim's device
    attempts = [
        device,  # the key the victim's events are filed under: what naming a device id did before
        f"{prefix}.{device}.{own.split('.')[2]}",
        f"{prefix}.{device}.{'a' * len(signature)}",
        f"{prefix}.{device}",
    ]

    for attempt in attempts:
        for field in ("anonymousId", "deviceId"):
            login = api.call("POST", "/auth/login", {"code": fresh("demo", name), field: attempt})
            assert login.status_code == 200, login.text  # ignored: a login never fails over analytics
            assert kept_for(login.json["user"]["id"]) == set()

    # Still the victim's: their own login takes them.
    mine = api.call("POST", "/auth/login", {"code": fresh("demo", f"{name}v"), "anonymousId": victim})
    assert kept_for(mine.json["user"]["id"]) == {"secret-1"}


def test_naming_a_device_id_of_ones_choosing_takes_nothing(api, name):
    """The attack as it was: a visitor's events sent under a device id, and a login naming it."""
    device = f"dev-{name}"
    api.call("POST", "/events", {"deviceId": device, "events": [{"id": "d1", "name": "page_view"}]})

    login = api.call("POST", "/auth/login", {"code": fresh("demo", f"{name}x"), "deviceId": device})

    assert login.status_code == 200 and kept_for(login.json["user"]["id"]) == set()


def test_invitees_are_counted_by_the_signed_ids_device_for_the_abuse_flags(api, name):
    code = api.call("GET", "/referral/me", token=api.login(name)["token"]).json["code"]
    device = anonymous_id(api)

    invitees = {api.call("POST", "/auth/login", {"code": fresh("demo", f"{name}i{n}"), "invite": {"code": code},
                                                 "anonymousId": device}).json["user"]["id"] for n in range(3)}

    assert {a.user_id for a in DeviceAccount.query(device_hash(device.split(".")[1]))} == invitees


def test_events_under_an_id_we_did_not_issue_are_refused(api):
    refused = api.call("POST", "/events", {"anonymousId": "dev-victim", "events": [{"id": "e1", "name": "page_view"}]})

    assert refused.status_code == 422 and refused.json["error"]["code"] == "ANONYMOUS_ID_INVALID"


def test_before_privacy_consent_events_are_only_counted_and_after_it_they_are_the_users(api, name):
    login = api.login(name)
    token, user = login["token"], login["user"]["id"]
    today = config.china_day(config.utcnow())
    batch = [{"id": "p1", "name": "page_view"}, {"id": "p2", "name": "product_view", "props": {"category": "tea"}},
             {"id": "p3", "name": "my_custom"}]
    counted = events.counts_of(today)

    before = api.call("POST", "/events", {"events": batch}, token=token)

    assert before.json == {"accepted": 3, "rejected": [], "kept": "aggregate"}
    assert kept_for(user) == set() and activity_of(user) is None
    now_counted = events.counts_of(today)
    assert {k: now_counted.get(k, 0) - counted.get(k, 0) for k in ("page_view", "product_view", "custom")} == {
        "page_view": 1, "product_view": 1, "custom": 1}

    agreed = api.call("POST", "/me/privacy", AGREED, token=token)
    after = api.call("POST", "/events", {"events": batch}, token=token)

    assert agreed.status_code == 200 and agreed.json["agreed"] is True
    assert after.json["kept"] == "user" and kept_for(user) == {"p1", "p2", "p3"}
    a = activity_of(user)
    assert a.last_category == "tea" and a.last_active_day == today.isoformat()
    assert events.counts_of(today) == now_counted  # nothing counted twice
    assert api.call("GET", "/me", token=token).json["segment"] == "new"

    withdrawn = api.call("POST", "/me/privacy", {**AGREED, "agreed": False}, token=token)
    later = api.call("POST", "/events", {"events": [{"id": "p4", "name": "page_view"}]}, token=token)

    assert withdrawn.json["agreed"] is False and later.json["kept"] == "aggregate"
    assert kept_for(user) == set()  # withdrawing deletes what was kept (PIPL art. 47)


def test_a_withdrawal_is_not_overturned_by_an_old_anonymous_id(api, name):
    visitor = anonymous_id(api)
    browse(api, visitor, "w1")
    token = api.login(name)["token"]
    assert api.call("POST", "/me/privacy", {**AGREED, "agreed": False}, token=token).status_code == 200

    login = api.call("POST", "/auth/login", {"code": fresh("demo", name), "anonymousId": visitor})

    user = login.json["user"]["id"]
    assert kept_for(user) == set() and activity_of(user).privacy_agreed is False


def test_no_anonymous_id_without_the_visitors_agreement(api):
    refused = api.call("POST", "/auth/anonymous", {**AGREED, "agreed": False})

    assert refused.status_code == 422 and refused.json["error"]["code"] == "VALIDATION_FAILED"


@pytest.mark.parametrize("agreed", [True, False])
def test_erasure_removes_the_privacy_decision(api, name, agreed):
    login = api.login(name)
    token, user = login["token"], login["user"]["id"]
    assert api.call("POST", "/me/privacy", {**AGREED, "agreed": agreed}, token=token).status_code == 200
    assert activity_of(user).privacy_agreed is agreed
    assert api.call("GET", "/me", token=token).json["segment"] == "new"  # a decision, and no activity yet

    assert api.call("DELETE", "/me", token=token).status_code == 204

    assert activity_of(user) is None
