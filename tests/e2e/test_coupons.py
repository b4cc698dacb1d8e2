"""Coupons, points and tiers over HTTP: the paths the examples do not show."""
from __future__ import annotations

import uuid

from chalicelib import config


def operator(api, method: str, path: str, body=None):
    return api.call(method, path, body, token=config.settings().operator_key)


def server(api, method: str, path: str, body=None):
    return api.call(method, path, body, token=config.settings().server_key)


def new_template(api, **fields) -> str:
    tid = "e2e-" + uuid.uuid4().hex[:10]
    body = {"templateId": tid, "name": "测试券", "kind": "no_threshold", "amount": 100, "channel": "claim",
            "validDays": 7, **fields}
    response = operator(api, "POST", "/operator/coupon-templates", body)
    assert response.status_code == 201, response.text
    return tid


def test_the_last_unit_goes_to_one_claimer_and_the_next_hears_sold_out(api, name):
    tid = new_template(api, total=1)
    first = api.call("POST", "/coupons/claim", {"templateId": tid}, token=api.purchase_token(name))
    second = api.call("POST", "/coupons/claim", {"templateId": tid}, token=api.purchase_token("x" + name))

    assert first.status_code == 200
    assert second.status_code == 409 and second.json["error"]["code"] == "COUPON_SOLD_OUT"
    listed = {t["templateId"]: t for t in operator(api, "GET", "/operator/coupon-templates").json["templates"]}
    assert (listed[tid]["issued"], listed[tid]["total"], listed[tid]["soldOut"]) == (1, 1, True)


def test_the_same_idempotency_key_returns_the_same_coupon(api, name):
    tid, token = new_template(api, perUserLimit=5), api.purchase_token(name)
    key = {"Idempotency-Key": "tap-" + uuid.uuid4().hex}

    first = api.call("POST", "/coupons/claim", {"templateId": tid}, token=token, headers=key)
    retry = api.call("POST", "/coupons/claim", {"templateId": tid}, token=token, headers=key)

    assert first.status_code == retry.status_code == 200
    assert first.json["couponId"] == retry.json["couponId"]
    assert len(api.call("GET", "/coupons", token=token).json["coupons"]) == 1


def test_a_bad_idempotency_key_is_422(api, name):
    response = api.call("POST", "/coupons/claim", {"templateId": "cash-3"}, token=api.purchase_token(name),
                        headers={"Idempotency-Key": "k" * 65})

    assert response.status_code == 422 and response.json["error"]["code"] == "IDEMPOTENCY_KEY_INVALID"


def test_unknown_template_and_unknown_coupon_are_404(api, name):
    token = api.purchase_token(name)
    me = api.call("GET", "/me", token=token).json

    assert api.call("POST", "/coupons/claim", {"templateId": "no-such"}, token=token).status_code == 404
    lock = server(api, "POST", "/server/coupons/c-none/lock",
                  {"userId": me["id"], "orderId": "o", "lines": [{"productId": "p", "category": "c", "price": 1, "qty": 1}]})
    assert lock.status_code == 404


def test_merchant_functions_need_the_merchant_key(api, name):
    missing = api.call("GET", "/operator/coupon-templates")
    user = api.call("GET", "/operator/coupon-templates", token=api.login(name)["token"])
    swapped = api.call("GET", "/operator/coupon-templates", token=config.settings().server_key)

    assert missing.status_code == 401
    assert user.status_code == swapped.status_code == 403
    assert swapped.json["error"]["code"] == "AUTH_OPERATOR_REQUIRED"
    assert "HUILIU_OPERATOR_KEY" in swapped.json["error"]["message"]
    server = api.call("POST", "/server/orders/o-1/paid", {"userId": "u1", "amount": 1},
                      token=config.settings().operator_key)
    assert server.status_code == 403 and server.json["error"]["code"] == "AUTH_SERVER_KEY_REQUIRED"
    assert "HUILIU_SERVER_KEY" in server.json["error"]["message"]


def test_a_state_filter_outside_the_four_is_422(api, name):
    response = api.call("GET", "/coupons?state=lost", token=api.login(name)["token"])

    assert response.status_code == 422


def test_a_cart_with_an_unknown_product_is_422_and_names_it(api, name):
    response = api.call("POST", "/coupons/best", {"lines": [{"productId": "p-ghost", "qty": 1}]},
                        token=api.login(name)["token"])

    assert response.status_code == 422 and "p-ghost" in response.json["error"]["message"]


def test_paid_orders_show_in_me_as_tier_and_points(api, name):
    token = api.login(name)["token"]
    user_id = api.call("GET", "/me", token=token).json["id"]

    paid = server(api, "POST", f"/server/orders/o-{name}/paid", {"userId": user_id, "amount": 250_000})
    again = server(api, "POST", f"/server/orders/o-{name}/paid", {"userId": user_id, "amount": 250_000})
    member = api.call("GET", "/me", token=token).json["member"]

    assert paid.json["tier"] == "gold" and again.json["alreadyRecorded"] is True
    assert (member["tier"], member["growth"], member["points"]) == ("gold", 2500, 2500)
    assert member["nextTier"] == {"tier": "diamond", "growthNeeded": 5500}
    assert api.call("GET", "/points", token=token).json["history"][0]["delta"] == 2500


def test_a_consumed_coupon_is_listed_used_once_however_often_the_order_system_retries(api, name):
    tid, token = new_template(api), api.purchase_token(name)
    me = api.call("GET", "/me", token=token).json
    coupon = api.call("POST", "/coupons/claim", {"templateId": tid}, token=token).json["couponId"]
    line = [{"productId": "p-nuts", "category": "snacks", "price": 8990, "qty": 1}]
    assert server(api, "POST", f"/server/coupons/{coupon}/lock", {"userId": me["id"], "orderId": "o-1", "lines": line}).status_code == 200

    for _ in range(2):  # the paid order's consume, and its retry
        consumed = server(api, "POST", f"/server/coupons/{coupon}/consume", {"userId": me["id"], "orderId": "o-1"})
        assert consumed.status_code == 200 and consumed.json["state"] == "used", consumed.text
    released = server(api, "POST", f"/server/coupons/{coupon}/release", {"userId": me["id"], "orderId": "o-1"})

    assert released.status_code == 409 and released.json["error"]["code"] == "COUPON_USED"  # used stays used
    listed = {t["templateId"]: t for t in operator(api, "GET", "/operator/coupon-templates").json["templates"]}
    assert (listed[tid]["issued"], listed[tid]["used"]) == (0, 1)  # issued is counted for limited stock only
