"""活动 over HTTP: a marketer creates, lists, edits (on the version read), pauses, resumes and ends
group-buys and bargains, each change audited; an analyst reads only; the mini-program's open and
start are refused while paused; bad input, stale versions and unsafe edits are stable 4xx."""
from __future__ import annotations

import uuid
from datetime import timedelta

from chalicelib import config
from chalicelib.operators import roles
from tests.e2e.test_operators import Console, code, operator, own_address  # noqa: F401  (the fixture)

GB = "/operator/groupbuy/activities"
BG = "/operator/bargain/campaigns"


def _iso(delta: timedelta) -> str:
    return (config.utcnow() + delta).isoformat()


def new_activity(console: Console, **overrides) -> dict:
    body = {"activityId": f"gb-{uuid.uuid4().hex[:10]}", "name": "普洱三人团", "productId": "p-puer",
            "originalPrice": 19900, "groupPrice": 12900, "size": 3, "startsAt": _iso(-timedelta(hours=1)),
            "endsAt": _iso(timedelta(days=7)), "stock": 10, **overrides}
    response = console.call("POST", GB, body)
    assert response.status_code == 201, response.text
    return body


def listed(console: Console, path: str, key: str, wanted: str) -> dict:
    answer = console.call("GET", path)
    assert answer.status_code == 200, answer.text
    rows = answer.json["activities" if path == GB else "campaigns"]
    return next(r for r in rows if r[key] == wanted)


def test_a_marketer_edits_pauses_and_ends_a_group_buy_and_the_owner_reads_each_change(api, name):
    marketer_name = operator(roles.MARKETER)
    marketer = Console(api, marketer_name)
    body = new_activity(marketer)
    aid = body["activityId"]
    row = listed(marketer, GB, "activityId", aid)
    assert (row["state"], row["stockLeft"], row["opened"], row["succeeded"], row["version"]) == ("live", 10, 0, 0, 0)
    assert row["groupPrice"] == 12900 and row["endedAt"] is None

    edited = marketer.call("PATCH", f"{GB}/{aid}", {"version": 0, "name": "普洱四人团", "addStock": 5,
                                                    "endsAt": _iso(timedelta(days=9))})
    assert edited.status_code == 200, edited.text
    assert (edited.json["name"], edited.json["stock"], edited.json["version"]) == ("普洱四人团", 15, 1)

    stale = marketer.call("PATCH", f"{GB}/{aid}", {"version": 0, "name": "别的"})
    unsafe = marketer.call("PATCH", f"{GB}/{aid}", {"version": 1, "groupPrice": 100})
    earlier = marketer.call("PATCH", f"{GB}/{aid}", {"version": 1, "endsAt": _iso(timedelta(days=1))})
    assert (stale.status_code, code(stale)) == (409, "CAMPAIGN_VERSION_STALE")
    assert (unsafe.status_code, code(unsafe)) == (409, "CAMPAIGN_EDIT_UNSAFE") and "groupPrice" in unsafe.text
    assert code(earlier) == "CAMPAIGN_EDIT_UNSAFE" and "endsAt" in earlier.text
    assert "活动已开始" in unsafe.json["error"]["message"]

    paused = marketer.call("POST", f"{GB}/{aid}/pause")
    assert paused.status_code == 200 and paused.json["state"] == "paused", paused.text
    assert marketer.call("POST", f"{GB}/{aid}/pause").json["version"] == paused.json["version"]  # no change
    user = api.purchase_token(name)
    refused = api.call("POST", f"/groupbuy/{aid}/groups", {}, token=user)
    assert (refused.status_code, code(refused)) == (409, "GROUPBUY_UNAVAILABLE")
    assert aid not in [a["activityId"] for a in api.call("GET", "/groupbuy/activities").json["activities"]]

    resumed = marketer.call("POST", f"{GB}/{aid}/resume")
    assert resumed.json["state"] == "live"
    opened = api.call("POST", f"/groupbuy/{aid}/groups", {}, token=user)
    assert opened.status_code == 201, opened.text
    assert listed(marketer, GB, "activityId", aid)["stockLeft"] == 14

    ended = marketer.call("POST", f"{GB}/{aid}/end")
    assert ended.json["state"] == "ended" and ended.json["endedAt"]
    joined = api.call("POST", f"/groupbuy/groups/{opened.json['groupId']}/join", {}, token=api.purchase_token(name + "f"))
    assert code(joined) == "GROUPBUY_UNAVAILABLE"
    for late in (marketer.call("POST", f"{GB}/{aid}/resume"),
                 marketer.call("PATCH", f"{GB}/{aid}", {"version": ended.json["version"], "name": "x"})):
        assert (late.status_code, code(late)) == (409, "CAMPAIGN_ENDED")

    owner = Console(api, operator(roles.OWNER))
    records = owner.call("GET", f"/operator/audit?operator={marketer_name}&limit=20").json["records"]
    routes = [r["route"] for r in records]
    for route in ("/operator/groupbuy/activities/{activity_id}", "/operator/groupbuy/activities/{activity_id}/pause",
                  "/operator/groupbuy/activities/{activity_id}/resume", "/operator/groupbuy/activities/{activity_id}/end"):
        assert route in routes
    pause = [r for r in records if r["route"].endswith("/pause")][-1]  # the first: the second changed nothing
    assert pause["target"] == {"activityId": aid}
    assert pause["before"]["active"] is True and pause["after"]["active"] is False


def test_an_analyst_reads_campaigns_and_may_change_none(api):
    aid = new_activity(Console(api, operator(roles.MARKETER)))["activityId"]
    analyst = Console(api, operator(roles.ANALYST))
    assert listed(analyst, GB, "activityId", aid)["state"] == "live"
    assert analyst.call("GET", BG).status_code == 200
    for method, path, body in (("PATCH", f"{GB}/{aid}", {"version": 0, "name": "x"}), ("POST", f"{GB}/{aid}/pause", None),
                               ("POST", f"{GB}/{aid}/end", None), ("POST", f"{BG}/any/pause", None)):
        refused = analyst.call(method, path, body)
        assert (refused.status_code, code(refused)) == (403, "OPERATOR_FORBIDDEN"), (path, refused.text)


def test_bad_edits_are_4xx_and_replays_answer_the_first_result(api):
    marketer = Console(api, operator(roles.MARKETER))
    body = new_activity(marketer)
    aid = body["activityId"]
    again = marketer.call("POST", GB, body)
    other = marketer.call("POST", GB, {**body, "name": "另一个"})
    assert again.status_code == 201 and (other.status_code, code(other)) == (409, "CAMPAIGN_EXISTS")

    for bad in ({"name": "x"}, {"version": 0}, {"version": 0, "colour": "red"}, {"version": -1, "name": "x"},
                {"version": 0, "endsAt": "2026-12-01T00:00:00"}, {"version": 0, "addStock": 0},
                {"version": 0, "size": 11}, {"version": "0", "name": "x"}, {"version": 0, "stock": 3, "addStock": 1}):
        refused = marketer.call("PATCH", f"{GB}/{aid}", bad)
        assert refused.status_code == 422, (bad, refused.text)
    missing = marketer.call("PATCH", f"{GB}/nope-{uuid.uuid4().hex[:6]}", {"version": 0, "name": "x"})
    assert (missing.status_code, code(missing)) == (404, "CAMPAIGN_NOT_FOUND")
    assert code(marketer.call("POST", f"{BG}/nope-{uuid.uuid4().hex[:6]}/end")) == "CAMPAIGN_NOT_FOUND"

    key = {"Idempotency-Key": uuid.uuid4().hex}
    first = marketer.call("PATCH", f"{GB}/{aid}", {"version": 0, "addStock": 2}, headers=key)
    replay = marketer.call("PATCH", f"{GB}/{aid}", {"version": 0, "addStock": 2}, headers=key)
    assert first.status_code == replay.status_code == 200, replay.text
    assert first.json["stock"] == replay.json["stock"] == 12 and replay.json["version"] == 1


def test_a_bargain_campaign_is_listed_edited_paused_and_ended(api, name):
    marketer = Console(api, operator(roles.MARKETER))
    cid = f"bg-{uuid.uuid4().hex[:10]}"
    created = marketer.call("POST", BG, {"campaignId": cid, "name": "龙井砍价", "productId": "p-longjing",
                                         "originalPrice": 12800, "floorPrice": 100, "helpers": 5,
                                         "startsAt": _iso(-timedelta(hours=1)), "endsAt": _iso(timedelta(days=3))})
    assert created.status_code == 201, created.text
    row = listed(marketer, BG, "campaignId", cid)
    assert (row["state"], row["started"], row["bought"], row["floorPrice"]) == ("live", 0, 0, 100)

    edited = marketer.call("PATCH", f"{BG}/{cid}", {"version": 0, "perUserLimit": 2})
    unsafe = marketer.call("PATCH", f"{BG}/{cid}", {"version": 1, "helpers": 9})
    assert edited.json["perUserLimit"] == 2 and code(unsafe) == "CAMPAIGN_EDIT_UNSAFE"

    assert marketer.call("POST", f"{BG}/{cid}/pause").json["state"] == "paused"
    refused = api.call("POST", f"/bargain/{cid}", None, token=api.purchase_token(name))
    assert (refused.status_code, code(refused)) == (409, "BARGAIN_UNAVAILABLE"), refused.text
    assert marketer.call("POST", f"{BG}/{cid}/end").json["state"] == "ended"


def test_before_its_start_any_setting_changes_and_a_stock_can_be_lifted(api):
    marketer = Console(api, operator(roles.MARKETER))
    aid = new_activity(marketer, startsAt=_iso(timedelta(days=1)))["activityId"]
    assert listed(marketer, GB, "activityId", aid)["state"] == "scheduled"
    edited = marketer.call("PATCH", f"{GB}/{aid}", {"version": 0, "groupPrice": 9900, "size": 2, "stock": None,
                                                    "startsAt": _iso(timedelta(days=2))})
    assert edited.status_code == 200, edited.text
    assert (edited.json["groupPrice"], edited.json["size"], edited.json["stock"], edited.json["stockLeft"]) == (9900, 2, None, None)
    late = marketer.call("PATCH", f"{GB}/{aid}", {"version": 1, "startsAt": _iso(timedelta(days=30))})
    assert (late.status_code, code(late)) == (422, "VALIDATION_FAILED") and "startsAt" in late.text  # after its end
    unlimited = marketer.call("PATCH", f"{GB}/{aid}", {"version": 1, "addStock": 5})
    assert code(unlimited) == "CAMPAIGN_EDIT_UNSAFE" and "addStock" in unlimited.text
