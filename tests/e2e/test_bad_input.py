"""Malformed input on every function: a 4xx with a stable code, never a 500, never a trace."""
from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta, timezone

import msgspec
import msgspec.inspect as mi
import pytest

import app as application
from chalicelib import bounds, config, rulebook, schedules
from chalicelib.api import fallback_views
from chalicelib.api.http import optional
from chalicelib.api.json_depth import MAX_DEPTH
from chalicelib.api.schemas import Dated
from chalicelib.operators import roles
from tests.conftest import fresh
from tests.e2e.operator_sessions import owner_headers

# Every function's route; not the catch-all, which answers 404/405 before any body or token
# (tests/e2e/test_fallback.py).
ROUTES = sorted((method, path) for path, methods in application.app.routes.items() for method in methods
                if path != fallback_views.PATH)
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


def credential(api, name: str, method: str, path: str) -> dict:
    """What the function asks for, so the body, not the caller, is what gets refused: an owner's
    session for the owner's own functions (the shared key acts as a marketer)."""
    s = config.settings()
    if getattr(application.app.routes[path][method].view_function, "capability", None) == roles.OWNER_ONLY:
        return {"headers": owner_headers(api)}
    return {"token": {"operator": s.operator_key, "server": s.server_key}.get(level(method, path))
            or api.purchase_token(name)}


@pytest.mark.parametrize("method,path", WITH_BODY)
@pytest.mark.parametrize("case", BAD_BODIES)
def test_a_malformed_body_is_a_4xx_with_a_code(api, name, method, path, case):
    if optional(application.app.routes[path][method].view_function.body) and case in FINE_WITHOUT_A_BODY:
        pytest.skip("a function whose body is optional accepts none, or any JSON object")
    response = api.call(method, concrete(path), raw=BAD_BODIES[case], **credential(api, name, method, path))

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
    response = api.call(method, concrete(path), raw=DEEP, **credential(api, name, method, path))

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


def dated_fields(t: mi.Type, owner: type | None = None):
    """(struct, field) for every date or datetime a body type holds, however deeply."""
    if isinstance(t, mi.StructType):
        for f in t.fields:
            yield from dated_fields(f.type, t.cls)
    elif isinstance(t, (mi.DateType, mi.DateTimeType)):
        yield owner
    elif isinstance(t, mi.UnionType):
        for member in t.types:
            yield from dated_fields(member, owner)
    elif isinstance(t, (mi.ListType, mi.VarTupleType, mi.SetType, mi.FrozenSetType)):
        yield from dated_fields(t.item_type, owner)
    elif isinstance(t, mi.DictType):
        yield from dated_fields(t.value_type, owner)
    elif isinstance(t, mi.TupleType):
        for item in t.item_types:
            yield from dated_fields(item, owner)


BODY_TYPES = [b for b in {v.view_function.body for methods in application.app.routes.values() for v in methods.values()}
              if isinstance(b, type) and issubclass(b, msgspec.Struct)]


def test_every_date_a_function_reads_is_held_to_the_window():
    holders = {h for body in BODY_TYPES for h in dated_fields(mi.type_info(body))}

    assert {"MakeUp", "InviteBody", "Clock", "Range", "NewTemplate", "NewActivity"} <= {h.__name__ for h in holders}
    assert sorted(h.__name__ for h in holders if not issubclass(h, Dated)) == []


@pytest.mark.parametrize("extreme", [EARLY, LATE])
def test_an_invite_shared_at_the_ends_of_time_is_422(api, name, extreme):
    body = {"code": fresh("demo", name), "invite": {"code": invite_code(api, name), "sharedAt": extreme}}

    assert_refused(api.call("POST", "/auth/login", body), "sharedAt")


@pytest.mark.parametrize("day", [EARLY[:10], LATE[:10]])
def test_a_make_up_at_the_ends_of_time_is_422(api, name, day):
    response = api.call("POST", "/checkin/makeup", {"day": day, "pay": "points"}, token=api.login(name)["token"])

    assert_refused(response, "day")


SPRING = "2026-01-01T00:00:00Z"
OPERATOR_DATES = [
    ("POST", "/operator/coupon-templates", lambda t: template(validFrom=SPRING, validUntil=t), "validUntil"),
    ("POST", "/operator/coupon-templates", lambda t: template(validFrom=t, validUntil=SPRING), "validFrom"),
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

    path = f"/operator/coupon-templates/{created.json['templateId']}"

    patched = operator(api, "PATCH", path, {"validUntil": extreme})

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


# Rule-book values that validated and then broke user routes: each range is checked when the
# document is saved, and documents at the edges of every range keep every user route answering.
BOOKS = ("membership", "checkin", "referral", "segments", "wakeup")
STEP = {"key": "d3", "template": "tpl_benefit_arrived", "text": "福利"}
TIER = {"code": "n", "name": "n", "threshold": 0}

TOO_FAR = [
    ("membership", {"pointsExpiryYears": 1_000_000}, "pointsExpiryYears"),
    ("membership", {"growthPerYuan": 10**30}, "growthPerYuan"),
    ("membership", {"pointsPerYuan": 10**30}, "pointsPerYuan"),
    ("membership", {"tiers": [{**TIER, "pointsMultiplier": 10**9}]}, "pointsMultiplier"),
    ("membership", {"tiers": [TIER, {**TIER, "code": "t", "threshold": 10**20}]}, "threshold"),
    ("checkin", {"makeupPointsCost": 10**12}, "makeupPointsCost"),
    ("checkin", {"cycle": [{"points": 10**12}]}, "points"),
    ("checkin", {"milestones": [{"days": 5, "makeupCards": 10**6}]}, "makeupCards"),
    ("referral", {"windowDays": 10**12}, "windowDays"),
    ("referral", {"inviterOnPurchase": {"points": 10**12}}, "points"),
    ("referral", {"inviterDailyCap": 10**12}, "inviterDailyCap"),
    ("segments", {"halfLifeDays": 0}, "halfLifeDays"),
    ("segments", {"halfLifeDays": 1e-300}, "halfLifeDays"),
    ("segments", {"halfLifeDays": 1}, "halfLifeDays"),
    ("segments", {"halfLifeDays": 1e300}, "halfLifeDays"),
    ("segments", {"weights": {"page_view": 1e300}}, "weights"),
    ("segments", {"weights": {"page_view": 1e-300}}, "weights"),
    ("segments", {"churnedDays": 10**12}, "churnedDays"),
    ("wakeup", {"catchUpDays": 10**6}, "catchUpDays"),
    ("wakeup", {"capDays": 10**12}, "capDays"),
    ("wakeup", {"quietFrom": 100}, "quietFrom"),
    ("wakeup", {"inactive": [{**STEP, "wait": 10**12}]}, "wait"),
]

# The shortest half-life with the heaviest weights: the score grows fastest.
FASTEST_SCORE = {"halfLifeDays": 5, "weights": dict.fromkeys(("page_view", "product_view", "add_to_cart", "order"), 1e3),
                 "newDays": 365, "activeDays": 365, "atRiskDays": 365, "churnedDays": 365, "highValueSpend": 10**12}
AT_THE_BOUNDS = [
    ("membership", {"tiers": [{**TIER, "name": "n" * 40, "discountRate": 1, "pointsMultiplier": 1000},
                              {"code": "top", "name": "t", "threshold": 1_000_000_000, "pointsMultiplier": 0}],
                    "growthPerYuan": 100, "pointsPerYuan": 100, "pointsExpiryYears": 10}),
    ("membership", {"growthPerYuan": 0, "pointsPerYuan": 0, "pointsExpiryYears": 0}),
    ("checkin", {"cycle": [{"points": 100_000, "makeupCards": 10}], "milestones": [{"days": 1, "points": 100_000}],
                 "makeupWindowDays": 31, "makeupPointsCost": 100_000}),
    ("referral", {"windowDays": 365, "inviterDailyCap": 10_000, "inviterOnPurchase": {"points": 100_000},
                  "suspiciousMinInvitees": 1, "suspiciousBuyerShare": 100, "maxAccountsPerDevice": 1}),
    ("referral", {"windowDays": 1, "inviterDailyCap": 1, "suspiciousBuyerShare": 0, "maxAccountsPerDevice": 100}),
    ("segments", FASTEST_SCORE),
    ("segments", {"halfLifeDays": 365, "weights": {"page_view": 0.001, "product_view": 0}, "newDays": 1,
                  "churnedDays": 1, "highValueSpend": 0}),
    ("wakeup", {"inactive": [{**STEP, "wait": 365}], "catchUpDays": 7, "capDays": 365, "quietFrom": 0, "quietUntil": 23,
                "holdoutPercent": 50, "globalHoldoutPercent": 50}),
    ("wakeup", {"inactive": [{**STEP, "wait": 0}], "postPurchase": [], "catchUpDays": 0, "capDays": 0}),
]


@pytest.fixture
def rules_restored():
    """Puts every rule book back as it was: an extreme document left stored would break the
    session's other tests, which is what this suite is about."""
    before = {book: rulebook.get(book) for book in BOOKS}
    yield
    for book, body in before.items():
        if body is None:
            rulebook.Rule(book).delete()
        else:
            rulebook.put(book, body, now=config.utcnow())
    rulebook.forget_cache()


@pytest.mark.usefixtures("rules_restored")
@pytest.mark.parametrize("book,document,field", TOO_FAR)
def test_a_rule_value_that_would_break_routes_is_refused_when_saved(api, book, document, field):
    before = rulebook.get(book)

    assert_refused(operator(api, "PUT", f"/operator/rules/{book}", document), field)
    rulebook.forget_cache()
    assert rulebook.get(book) == before


@pytest.mark.usefixtures("rules_restored")
def test_a_document_stored_before_its_bounds_reads_as_the_defaults(api, name):
    rulebook.put("segments", {"halfLifeDays": 0}, now=config.utcnow())  # as saved before the check existed
    token = api.login(name)["token"]

    events = api.call("POST", "/events", {"events": [{"id": uid("e"), "name": "page_view"}]}, token=token)
    me = api.call("GET", "/me", token=token)

    assert events.status_code == me.status_code == 200, (events.text, me.text)


def user_routes_answer(api, name: str, jobs: bool = True) -> None:
    """What the mini-program does with the rule books: an invited login, events, an order, the
    member page, a check-in; the jobs read them too. None of it may be a 5xx."""
    s = config.settings()
    inviter = api.login("i" + name)
    code = api.call("GET", "/referral/me", token=inviter["token"]).json["code"]
    login = api.call("POST", "/auth/login", {"code": fresh("demo", name),
                                              "invite": {"code": code, "sharedAt": config.iso(config.utcnow())}})
    assert login.status_code == 200, login.text
    token, user = login.json["token"], login.json["user"]["id"]
    # Agreed to the privacy notice, so the events are kept and the activity score is computed.
    assert api.call("POST", "/me/privacy", {"agreed": True, "version": "v1"}, token=token).status_code == 200
    events = api.call("POST", "/events", {"events": [
        {"id": uid("e"), "name": "page_view"}, {"id": uid("e"), "name": "product_view", "props": {"category": "tea"}},
        {"id": uid("e"), "name": "add_to_cart", "props": {"cart": ["p-puer"]}},
    ]}, token=token)
    assert events.status_code == 200 and events.json["accepted"] == 3 and events.json["kept"] == "user", events.text
    order = {"userId": user, "amount": 100_000_000}
    answers = [
        api.call("POST", f"/server/orders/{uid('o')}/paid", order, token=s.server_key),
        api.call("POST", "/checkin", token=token),
        api.call("GET", "/checkin/calendar", token=token),
        api.call("GET", "/me", token=token),
        api.call("GET", "/points", token=token),
        api.call("GET", "/referral/me", token=inviter["token"]),
        api.call("GET", "/me", token=inviter["token"]),
        api.call("POST", "/subscriptions", {"results": {"tpl_benefit_arrived": "accept"}}, token=token),
    ]
    if jobs:
        answers += [api.call("POST", f"/operator/jobs/{job}", token=s.operator_key) for job in schedules.JOBS]
    assert all(r.status_code < 500 for r in answers), [(r.status_code, r.text) for r in answers if r.status_code >= 500]
    assert api.call("GET", "/me", token=token).status_code == api.call("GET", "/points", token=token).status_code == 200


@pytest.mark.usefixtures("rules_restored")
@pytest.mark.parametrize("book,document", AT_THE_BOUNDS)
def test_rules_at_the_edges_of_their_ranges_keep_user_routes_working(api, name, book, document):
    saved = operator(api, "PUT", f"/operator/rules/{book}", document)

    assert saved.status_code == 200, saved.text
    user_routes_answer(api, name)


@pytest.mark.usefixtures("rules_restored", "real_clock")
@pytest.mark.parametrize("instant", [bounds.CLOCK_FROM, bounds.CLOCK_UNTIL - timedelta(seconds=1)])
def test_the_shortest_half_life_holds_at_the_ends_of_the_clock(api, name, instant):
    segments = operator(api, "PUT", "/operator/rules/segments", FASTEST_SCORE)
    moved = operator(api, "PUT", "/operator/clock", {"now": config.iso(instant)})

    assert segments.status_code == moved.status_code == 200, (segments.text, moved.text)
    # The jobs walk every hour since their checkpoint: years of hours, and a checkpoint the
    # session's other tests would inherit. The routes are what the clock must not break.
    user_routes_answer(api, name, jobs=False)


@pytest.mark.usefixtures("real_clock")
@pytest.mark.parametrize("instant", [bounds.CLOCK_FROM - timedelta(seconds=1), bounds.CLOCK_UNTIL,
                                     datetime(2100, 12, 31, tzinfo=timezone.utc)])
def test_a_clock_outside_its_window_is_refused_and_nothing_moves(api, instant):
    response = operator(api, "PUT", "/operator/clock", {"now": config.iso(instant)})
    after = operator(api, "GET", "/operator/clock")

    assert_refused(response, "模拟时钟")
    assert after.status_code == 200
    assert abs(datetime.fromisoformat(after.json["now"]) - datetime.now(timezone.utc)) < timedelta(minutes=1)


OPERATOR_EXTREMES = [
    ("/operator/coupon-templates", template(scopeIds=["p-puer"] * 101, scope="products"), "scopeIds"),
    ("/operator/coupon-templates", template(amount=100_000_001), "amount"),
    ("/operator/coupon-templates", template(validDays=3651), "validDays"),
    ("/operator/coupon-templates", template(total=10**12), "total"),
    ("/operator/groupbuy/activities", activity(timeLimitMinutes=10**9), "timeLimitMinutes"),
    ("/operator/groupbuy/activities", activity(size=10**6), "size"),
    ("/operator/groupbuy/activities", activity(stock=10**12), "stock"),
    ("/operator/bargain/campaigns", campaign(durationMinutes=10**9), "durationMinutes"),
    ("/operator/bargain/campaigns", campaign(helpers=10**6), "helpers"),
    ("/operator/bargain/campaigns", campaign(originalPrice=10**15), "originalPrice"),
]


@pytest.mark.parametrize("path,body,field", OPERATOR_EXTREMES)
def test_operator_campaign_values_out_of_range_are_422_naming_them(api, path, body, field):
    assert_refused(operator(api, "POST", path, body), field)


def test_campaigns_at_the_edges_of_their_ranges_run(api, name):
    coupon = operator(api, "POST", "/operator/coupon-templates", template(
        amount=100_000_000, validDays=3650, total=100_000_000, shards=20, perUserLimit=100_000_000,
        scope="products", scopeIds=[f"p-{i}" for i in range(99)] + ["p-puer"]))
    points = operator(api, "POST", "/operator/coupon-templates", template("points", pointsPrice=100_000_000))
    group = operator(api, "POST", "/operator/groupbuy/activities", activity(
        originalPrice=100_000_000, groupPrice=99_999_999, size=10, timeLimitMinutes=7 * 24 * 60, payMinutes=24 * 60,
        stock=100_000_000, perUserLimit=100, virtualFillShare=100))
    bargain = operator(api, "POST", "/operator/bargain/campaigns", campaign(
        originalPrice=100_000_000, floorPrice=0, helpers=100, durationMinutes=30 * 24 * 60, perUserLimit=100,
        helperDailyCap=100))
    created = (coupon, points, group, bargain)
    assert [r.status_code for r in created] == [201] * 4, [r.text for r in created]
    token, friend = api.purchase_token(name), api.login("f" + name)["token"]

    claimed = api.call("POST", "/coupons/claim", {"templateId": coupon.json["templateId"]}, token=token)
    exchanged = api.call("POST", "/points/exchange", {"templateId": points.json["templateId"]}, token=token)
    best = api.call("POST", "/coupons/best", {"lines": [{"productId": "p-puer", "qty": 999}]}, token=token)
    opened = api.call("POST", f"/groupbuy/{group.json['activityId']}/groups", {}, token=token)
    started = api.call("POST", f"/bargain/{bargain.json['campaignId']}", token=token)
    helped = api.call("POST", f"/bargain/{started.json['bargainId']}/help", {}, token=friend)

    assert claimed.status_code == 200 and opened.status_code == started.status_code == 201, (claimed.text, opened.text)
    assert exchanged.status_code == 409 and exchanged.json["error"]["code"] == "POINTS_INSUFFICIENT"
    assert best.status_code < 500 and helped.status_code == 200, (best.text, helped.text)
