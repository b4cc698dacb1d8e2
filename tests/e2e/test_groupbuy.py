"""A group-buy from the share card to fulfilment, over HTTP."""
from __future__ import annotations

from chalicelib import config


def test_three_friends_fill_a_group_and_the_merchant_is_told_once(api, name):
    server = config.settings().server_key
    leader_token = api.purchase_token(name)
    opened = api.call("POST", "/groupbuy/gb-puer/groups", {"nickname": "团长"}, token=leader_token)
    group_id = opened.json["groupId"]
    seats = [opened.json] + [
        api.call("POST", f"/groupbuy/groups/{group_id}/join", {"nickname": f"朋友{i}"},
                 token=api.purchase_token(f"{name}f{i}")).json
        for i in (1, 2)
    ]
    full = api.call("POST", f"/groupbuy/groups/{group_id}/join", {}, token=api.purchase_token(f"{name}late"))

    paid = [api.call("POST", f"/server/groupbuy/orders/{s['orderRef']}/paid", {"orderId": f"mo-{name}-{i}"},
                     token=server).json for i, s in enumerate(seats)]
    card = api.call("GET", f"/groupbuy/groups/{group_id}").json
    events = api.call("GET", "/server/outbox/fulfilment", token=server).json["events"]
    mine = [e for e in events if e["body"]["groupId"] == group_id]
    ack = api.call("POST", f"/server/outbox/fulfilment/{mine[0]['eventId']}/ack", token=server)
    after = api.call("GET", "/server/outbox/fulfilment", token=server).json["events"]

    assert full.status_code == 409 and full.json["error"]["code"] == "GROUP_FULL"
    assert [p["completedGroup"] for p in paid] == [False, False, True]
    assert card["state"] == "succeeded" and [m["paid"] for m in card["members"]] == [True, True, True]
    assert card["members"][0] == {"nickname": "团长", "avatarUrl": None, "leader": True, "paid": True}
    assert len(mine) == 1 and ack.status_code == 200
    assert all(e["body"]["groupId"] != group_id for e in after)
    leader_coupons = api.call("GET", "/coupons", token=leader_token).json["coupons"]
    assert [c["templateId"] for c in leader_coupons] == ["groupbuy-leader"]
