"""Malformed input on every function: a 4xx with a stable code, never a 500, never a trace."""
from __future__ import annotations

import re
import uuid

import pytest

import app as application
from chalicelib import bounds, config
from chalicelib.api.http import optional
from chalicelib.api.json_depth import MAX_DEPTH
from tests.conftest import fresh

ROUTES = sorted((method, path) for path, methods in application.app.routes.items() for method in methods)
WITH_BODY = [(m, p) for m, p in ROUTES if m in ("POST", "PUT", "PATCH")]
BAD_BODIES = {
    "not json": b"{not json",
    "truncated": b'{"code": "abc',
    "empty": b"",
    "array": b"[1, 2]",
    "string": b'"code"',
    "null": b"null",
    "wrong types": b'{"code": 42, "encryptedData": [], "iv": {}}',
    "huge string": b'{"code": "' + b"x" * 5000 + b'"}',
    "oversized": b'{"code": "' + b"x" * 70_000 + b'"}',
    "bad utf-8": b'{"code": "\xff\xfe"}',
}


# Where every field is optional, these are valid bodies: unknown fields are ignored, unread.
FINE_WITHOUT_A_BODY = ("empty", "wrong types", "huge string", "bad utf-8")


def concrete(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: {"product_id": "p-longjing", "name": "membership"}.get(m[1], "x-1"), path)


def level(method: str, path: str) -> str:
    return application.app.routes[path][method].view_function.auth


def credential(api, name: str, method: str, path: str) -> str:
    """What the function asks for, so the body, not the caller, is what gets refused."""
    s = config.settings()
    return {"operator": s.operator_key, "server": s.server_key}.get(level(method, path)) or api.purchase_token(name)


@pytest.mark.parametrize("method,path", WITH_BODY)
@pytest.mark.parametrize("case", BAD_BODIES)
def test_a_malformed_body_is_a_4xx_with_a_code(api, name, method, path, case):
    if optional(application.app.routes[path][method].view_function.body) and case in FINE_WITHOUT_A_BODY:
        pytest.skip("a function whose body is optional accepts none, or any JSON object")
    response = api.call(method, concrete(path), raw=BAD_BODIES[case], token=credential(api, name, method, path))

    assert response.status_code in (400, 413, 422), (case, response.status_code, response.text)
    assert set(response.json) == {"error"} and response.json["error"]["code"].isupper()
    assert "Traceback" not in response.text


# 2,000 levels in 4 KB: past msgspec's recursion limit, so a decoder left to meet it raised
# RecursionError (a 500) on every function that reads a body, or refuses one.
DEEP = b'{"a": ' + b"[" * 2000 + b"]" * 2000 + b"}"


@pytest.mark.parametrize("method,path", ROUTES)
def test_deep_nesting_from_anyone_is_refused_before_decoding(api, method, path):
    response = api.call(method, concrete(path), raw=DEEP)

    if level(method, path) == "anonymous":
        assert response.status_code == 400 and response.json["error"]["code"] == "JSON_TOO_DEEP", response.text
    else:  # who is calling is checked first: the body of a stranger is never read
        assert response.status_code in (401, 403), response.text


@pytest.mark.parametrize("method,path", ROUTES)
def test_deep_nesting_from_an_authorised_caller_is_refused_before_decoding(api, name, method, path):
    response = api.call(method, concrete(path), raw=DEEP, token=credential(api, name, method, path))

    assert response.status_code == 400 and response.json["error"]["code"] == "JSON_TOO_DEEP", response.text


def events_nested(depth: int) -> bytes:
    """An events batch whose props reach ``depth`` levels (body, events, event, props, arrays)."""
    arrays = depth - 4
    return b'{"events": [{"id": "e1", "name": "page_view", "props": {"x": ' + b"[" * arrays + b"]" * arrays + b"}}]}"


def test_nesting_up_to_the_limit_is_read(api, name):
    token = api.login(name)["token"]

    fine = api.call("POST", "/events", raw=events_nested(MAX_DEPTH), token=token)
    too_deep = api.call("POST", "/events", raw=events_nested(MAX_DEPTH + 1), token=token)

    assert fine.status_code == 200 and fine.json["accepted"] == 1, fine.text
    assert too_deep.status_code == 400 and too_deep.json["error"]["code"] == "JSON_TOO_DEEP"


@pytest.mark.parametrize("method,path", [(m, p) for m, p in ROUTES if m != "GET"])
def test_a_wrong_content_type_is_415(api, method, path):
    response = api.call(method, concrete(path), raw=b"code=1", headers={"Content-Type": "application/x-www-form-urlencoded"})

    assert response.status_code == 415 and response.json["error"]["code"] == "UNSUPPORTED_MEDIA_TYPE"


@pytest.mark.parametrize("path", ["/products/" + "x" * 300, "/products/%00", "/shop?category=" + "c" * 100])
def test_bad_paths_and_queries_are_4xx(api, path):
    response = api.call("GET", path)

    assert 400 <= response.status_code < 500 and response.json["error"]["code"]


def test_a_method_the_path_does_not_have_is_405(api):
    response = api.call("PUT", "/me", {})

    assert response.status_code == 405 and response.json["error"]["code"] == "METHOD_NOT_ALLOWED"


# Dates near the ends of Python's calendar overflowed in the arithmetic done with them (a 500,
# sometimes after a write); now every date that comes in is held to bounds' years.
EARLY, LATE = "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00"
FIRST_DAY, LAST_DAY = f"{bounds.FIRST_YEAR}-01-01", f"{bounds.LAST_YEAR}-12-31"
LAST_INSTANT = f"{LAST_DAY}T23:59:59-12:00"


@pytest.fixture
def real_clock():
    """Puts the clock back however a test left it: a clock set past the end of time used to
    break every later route, so one failure would have failed the whole session."""
    yield
    config.set_clock(None)


def operator(api, method: str, path: str, body=None):
    return api.call(method, path, body, token=config.settings().operator_key)


def uid(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def template(channel: str = "claim", **fields) -> dict:
    return {"templateId": uid("tb"), "name": "边界券", "kind": "no_threshold", "amount": 100, "channel": channel,
            **({"validDays": 7} if "validFrom" not in fields else {}), **fields}


def activity(**fields) -> dict:
    return {"activityId": uid("ab"), "name": "边界团", "productId": "p-puer", "originalPrice": 19900,
            "groupPrice": 9900, "size": 2, "startsAt": "2026-01-01T00:00:00Z", "endsAt": "2027-01-01T00:00:00Z",
            **fields}


def campaign(**fields) -> dict:
    return {"campaignId": uid("cb"), "name": "边界砍", "productId": "p-puer", "originalPrice": 19900,
            "floorPrice": 100, "helpers": 3, "startsAt": "2026-01-01T00:00:00Z", "endsAt": "2027-01-01T00:00:00Z",
            **fields}


def assert_refused(response, field: str) -> None:
    assert response.status_code == 422, response.text
    assert response.json["error"]["code"] == "VALIDATION_FAILED" and field in response.json["error"]["message"]


def invite_code(api, name: str) -> str:
    return api.call("GET", "/referral/me", token=api.login("i" + name)["token"]).json["code"]


@pytest.mark.parametrize("extreme", [EARLY, LATE])
def test_an_invite_shared_at_the_ends_of_time_is_422(api, name, extreme):
    body = {"code": fresh("demo", name), "invite": {"code": invite_code(api, name), "sharedAt": extreme}}

    assert_refused(api.call("POST", "/auth/login", body), "sharedAt")


@pytest.mark.parametrize("day", [EARLY[:10], LATE[:10]])
def test_a_make_up_at_the_ends_of_time_is_422(api, name, day):
    response = api.call("POST", "/checkin/makeup", {"day": day, "pay": "points"}, token=api.login(name)["token"])

    assert_refused(response, "day")


OPERATOR_DATES = [
    ("POST", "/operator/coupon-templates", lambda t: template(validFrom="2026-01-01T00:00:00Z", validUntil=t), "validUntil"),
    ("POST", "/operator/coupon-templates", lambda t: template(validFrom=t, validUntil="2026-01-01T00:00:00Z"), "validFrom"),
    ("POST", "/operator/groupbuy/activities", lambda t: activity(endsAt=t), "endsAt"),
    ("POST", "/operator/groupbuy/activities", lambda t: activity(startsAt=t), "startsAt"),
    ("POST", "/operator/bargain/campaigns", lambda t: campaign(endsAt=t), "endsAt"),
    ("POST", "/operator/bargain/campaigns", lambda t: campaign(startsAt=t), "startsAt"),
    ("POST", "/operator/metrics/rollup", lambda t: {"from": "2026-01-01", "to": t[:10]}, "to"),
    ("POST", "/operator/metrics/rollup", lambda t: {"from": t[:10], "to": "2026-01-02"}, "from"),
    ("PUT", "/operator/clock", lambda t: {"now": t}, "now"),
]


@pytest.mark.usefixtures("real_clock")
@pytest.mark.parametrize("extreme", [EARLY, LATE])
@pytest.mark.parametrize("method,path,body,field", OPERATOR_DATES)
def test_an_operator_date_at_the_ends_of_time_is_422_naming_it(api, method, path, body, field, extreme):
    assert_refused(operator(api, method, path, body(extreme)), field)


@pytest.mark.parametrize("extreme", [EARLY, LATE])
def test_a_template_cannot_be_extended_to_the_ends_of_time(api, extreme):
    created = operator(api, "POST", "/operator/coupon-templates",
                       template(validFrom="2026-01-01T00:00:00Z", validUntil="2026-12-01T00:00:00Z"))

    patched = operator(api, "PATCH", f"/operator/coupon-templates/{created.json['templateId']}", {"validUntil": extreme})

    assert_refused(patched, "validUntil")


@pytest.mark.parametrize("query,field", [
    ("from=0001-01-01&to=0001-01-02", "from"), ("to=0001-01-05", "to"), ("from=9999-12-30&to=9999-12-31", "from"),
    ("from=2026-01-01&to=9999-12-31", "to"),
])
def test_a_metrics_range_at_the_ends_of_time_is_422(api, query, field):
    assert_refused(operator(api, "GET", f"/operator/metrics/all?{query}"), field)


def test_a_coupon_valid_to_the_last_accepted_day_is_claimed_and_listed(api, name):
    created = operator(api, "POST", "/operator/coupon-templates",
                       template(validFrom="2026-01-01T00:00:00Z", validUntil=LAST_INSTANT, perUserLimit=5))
    token = api.purchase_token(name)

    claimed = api.call("POST", "/coupons/claim", {"templateId": created.json["templateId"]}, token=token)

    assert created.status_code == 201, created.text
    assert claimed.status_code == 200 and claimed.json["validUntil"] == "2101-01-01T11:59:59Z", claimed.text
    assert api.call("GET", "/coupons", token=token).status_code == 200


def test_campaigns_to_the_last_accepted_day_run(api, name):
    group = operator(api, "POST", "/operator/groupbuy/activities", activity(endsAt=LAST_INSTANT))
    bargain = operator(api, "POST", "/operator/bargain/campaigns", campaign(endsAt=LAST_INSTANT))
    token = api.purchase_token(name)

    opened = api.call("POST", f"/groupbuy/{group.json['activityId']}/groups", {}, token=token)
    started = api.call("POST", f"/bargain/{bargain.json['campaignId']}", token=token)

    assert (group.status_code, bargain.status_code) == (201, 201), (group.text, bargain.text)
    assert opened.status_code == 201 and started.status_code == 201, (opened.text, started.text)


def test_metrics_at_the_edges_of_the_window_answer(api):
    rolled = operator(api, "POST", "/operator/metrics/rollup", {"from": f"{bounds.LAST_YEAR}-12-30", "to": LAST_DAY})
    first = operator(api, "GET", f"/operator/metrics/all?from={FIRST_DAY}&to={bounds.FIRST_YEAR}-01-31")
    last = operator(api, "GET", f"/operator/metrics/all?from={bounds.LAST_YEAR}-12-01&to={LAST_DAY}")

    assert rolled.status_code == first.status_code == last.status_code == 200, (rolled.text, first.text, last.text)


def test_edge_days_from_users_get_the_usual_answers(api, name):
    token = api.login(name)["token"]
    makeup = api.call("POST", "/checkin/makeup", {"day": FIRST_DAY, "pay": "points"}, token=token)
    login = api.call("POST", "/auth/login", {"code": fresh("demo", "n" + name),
                                              "invite": {"code": invite_code(api, name), "sharedAt": LAST_INSTANT}})

    assert makeup.status_code == 422 and makeup.json["error"]["code"] == "CHECKIN_DAY_INVALID"
    assert login.status_code == 200, login.text

