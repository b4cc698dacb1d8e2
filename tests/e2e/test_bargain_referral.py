"""A bargain shared to friends, and a friend brought in by an invite, over HTTP."""
from __future__ import annotations

from chalicelib import config
from tests.conftest import fresh


def test_friends_cut_the_price_and_the_card_shows_them(api, name):
    owner = api.purchase_token(name)
    started = api.call("POST", "/bargain/bg-longjing", token=owner).json
    bid = started["bargainId"]

    first = api.call("POST", f"/bargain/{bid}/help", {"nickname": "阿强"}, token=api.login(f"{name}a")["token"])
    again = api.call("POST", f"/bargain/{bid}/help", {}, token=api.login(f"{name}a")["token"])
    card = api.call("GET", f"/bargain/{bid}").json

    assert first.status_code == 200 and first.json["price"] == 12800 - first.json["cut"]
    assert again.status_code == 409 and again.json["error"]["code"] == "BARGAIN_ALREADY_HELPED"
    assert card["price"] == first.json["price"] and card["helpers"] == [{"nickname": "阿强", "avatarUrl": None,
                                                                           "cut": first.json["cut"]}]
    assert card["mine"] is False


def test_an_invited_friend_is_attributed_at_first_login_and_rewards_follow(api, name):
    host = api.login(name)["token"]
    code = api.call("GET", "/referral/me", token=host).json["code"]

    device = api.call("POST", "/auth/anonymous", {"agreed": True, "version": "2026-01"}).json["anonymousId"]
    guest = api.call("POST", "/auth/login", {"code": fresh("demo", f"{name}g"), "invite": {"code": code},
                                             "anonymousId": device})
    token = guest.json["token"]
    api.call("POST", "/auth/phone", {"code": fresh("phone", f"{name}g")}, token=token)
    api.call("POST", f"/server/orders/o-{name}/paid", {"userId": guest.json["user"]["id"], "amount": 9900},
             token=config.settings().server_key)

    mine = api.call("GET", "/referral/me", token=host).json
    assert [i["stage"] for i in mine["invitees"]] == ["ordered"] and mine["rewardsEarned"] == 2
    assert [c["templateId"] for c in api.call("GET", "/coupons", token=token).json["coupons"]] == ["new-user-pack"]


def test_a_bad_invite_never_blocks_a_login(api, name):
    response = api.call("POST", "/auth/login", {"code": fresh("demo", name), "invite": {"code": "IBOGUS1"}})

    assert response.status_code == 200 and response.json["user"]["isNew"] is True
