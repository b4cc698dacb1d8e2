"""PIPL: after DELETE /me nothing anywhere holds the user's id, openid, unionid or phone."""
from __future__ import annotations

from chalicelib import config
from chalicelib.tables import MODELS
from tests.conftest import fresh


def everything() -> str:
    """Every item of every table, as text (a scan is fine in a test, never in the app)."""
    return "\n".join(repr(item.attribute_values) for model in MODELS for item in model.scan())


def test_nothing_of_a_deleted_user_remains(api, sandbox, name):
    token = api.purchase_token(name)
    retried = fresh("demo", name)  # leave receipts behind too, of a login and a phone code
    api.call("POST", "/auth/login", {"code": retried})
    user_id = api.call("GET", "/me", token=token).json["id"]
    # Coupons, quotas, points buckets, the ledger and the member item.
    server = config.settings().server_key
    api.call("POST", f"/server/orders/o-{name}/paid", {"userId": user_id, "amount": 200_000}, token=server)
    assert api.call("POST", "/coupons/claim", {"templateId": "cash-3"}, token=token).status_code == 200
    assert api.call("POST", "/points/exchange", {"templateId": "points-10"}, token=token).status_code == 200
    assert api.call("POST", "/checkin", token=token).status_code == 200
    assert api.call("POST", "/checkin/reminder", {"enabled": True}, token=token).status_code == 200
    opened = api.call("POST", "/groupbuy/gb-puer/groups", {"nickname": "要注销的人"}, token=token)
    assert opened.status_code == 201
    friend = api.purchase_token("friend-of-" + name)
    assert api.call("POST", f"/groupbuy/groups/{opened.json['groupId']}/join", {}, token=friend).status_code == 200
    mine = api.call("POST", "/bargain/bg-longjing", token=token).json["bargainId"]
    assert api.call("POST", f"/bargain/{mine}/help", {}, token=friend).status_code == 200
    theirs = api.call("POST", "/bargain/bg-longjing", token=friend).json["bargainId"]
    assert api.call("POST", f"/bargain/{theirs}/help", {"nickname": "要注销的人"}, token=token).status_code == 200
    code = api.call("GET", "/referral/me", token=token).json["code"]
    privacy = {"agreed": True, "version": "2026-01"}
    friends_device = api.call("POST", "/auth/anonymous", privacy).json["anonymousId"]
    invited = api.call("POST", "/auth/login", {"code": fresh("demo", "invited-by-" + name), "invite": {"code": code},
                                               "anonymousId": friends_device})
    assert invited.json["user"]["isNew"] is True
    assert api.call("POST", "/me/privacy", privacy, token=token).status_code == 200  # the consent record too
    sent = api.call("POST", "/events", {"events": [{"id": "x1", "name": "product_view", "props": {"category": "tea"}}]},
                    token=token)
    assert sent.json["kept"] == "user"
    device = api.call("POST", "/auth/anonymous", privacy).json["anonymousId"]
    before_login = api.call("POST", "/events", {"anonymousId": device, "events": [{"id": "y1", "name": "page_view"}]})
    assert before_login.json["kept"] == "device"
    again = api.call("POST", "/auth/login", {"code": fresh("demo", name), "anonymousId": device})
    assert again.status_code == 200
    assert api.call("POST", "/subscriptions", {"results": {"tpl_benefit_arrived": "accept"}}, token=token).status_code == 200
    person = sandbox.user(name)
    traces = (user_id, person.openid, person.unionid, person.phone, "要注销的人")
    assert all(trace in everything() for trace in traces)

    assert api.call("DELETE", "/me", token=token).status_code == 204

    left = everything()
    assert [trace for trace in traces if trace in left] == []
