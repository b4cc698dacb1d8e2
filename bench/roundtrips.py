"""DynamoDB round trips per function call, counted through PynamoDB's send signal.

Runs the real handlers in-process (chalice.test) on moto and the WeChat sandbox, warm as a
Lambda container is after its first requests: the WeChat access token, the rule books and the
grant templates cached (a minute each). The floor is one round trip: the least any
function that touches a table can do.
"""
from __future__ import annotations

import json
import os
import uuid

# The abuse limits (chalicelib/limits) cost one conditional update on the functions they guard;
# every function that acts for a user reads the account first (a token proves only whom it was
# issued to: see chalicelib/auth/accounts.py), one read more where the function had none.
BUDGET = {
    "returning login": 3,  # the upsert, a receipt, the per-address login limit
    "first login": 4,  # and whether the account was erased before (its once-only limits)
    "phone by code": 3,  # the account, the bind with its receipt, the referral stage
    "shop": 2,
    "coupon claim": 3,  # the account, the template, the claim transaction
    "best coupon for cart": 3,
    "coupon lock": 2,
    "coupon consume": 2,
    "check-in": 3,
    "check-in calendar": 3,
    "group-buy join": 4,
    "group-buy card": 2,
    "bargain help": 5,  # the account, the per-user limit, the bargain, the help, the day's cap
    "login with invite": 6,  # a first login's 4, and attribution's 2
    # The account (a token's user must still exist), the per-user limit, the activity update (its
    # condition is the consent check) and the events: BatchWriteItem takes at most 25 items, so 50
    # are two calls. The budget of 4 predates the account read and counted the batch as one call.
    # One TransactWriteItems (up to 100 items) could carry the events and the activity, but at twice
    # the write units for every event, refused whole by any conflicting write: two batches it stays.
    "events, 50": 5,
}


def measure() -> dict[str, int]:
    from devstack.__main__ import LOCAL_ENV

    os.environ.update(LOCAL_ENV)
    os.environ["HUILIU_TABLE_PREFIX"] = "huiliu-bench-"
    os.environ["HUILIU_LOG_LEVEL"] = "WARNING"  # the access log would drown the figures
    os.environ.pop("HUILIU_DYNAMODB_ENDPOINT", None)
    from moto import mock_aws

    from devstack.wechat_sandbox import Sandbox, serve

    sandbox = Sandbox(appid=LOCAL_ENV["HUILIU_WECHAT_APPID"], secret=LOCAL_ENV["HUILIU_WECHAT_SECRET"])
    server, url = serve(sandbox)
    os.environ["HUILIU_WECHAT_API_BASE"] = url
    try:
        with mock_aws():
            return _measure()
    finally:
        server.shutdown()


def _measure() -> dict[str, int]:
    from chalice.test import Client

    import app
    from infra.seed import seed
    from infra.tables import create_all

    create_all()
    seed()
    name = "bench" + uuid.uuid4().hex[:6]
    counts: dict[str, int] = {}
    with Client(app.app, stage_name="local") as client:

        def call(label: str | None, method: str, path: str, body=None, token=None) -> dict:
            headers = {"Content-Type": "application/json"}
            if token:
                headers["Authorization"] = f"Bearer {token}"
            response = getattr(client.http, method)(path, headers=headers, body=json.dumps(body) if body else None)
            assert response.status_code < 300, response.body
            if label:
                counts[label] = int(response.headers["X-DynamoDB-Calls"])
            return json.loads(response.body) if response.body else {}

        call(None, "post", "/auth/login", {"code": f"demo:warmup{name}:1"})  # the token gets fetched here
        first = call("first login", "post", "/auth/login", {"code": f"demo:{name}:1"})
        call("returning login", "post", "/auth/login", {"code": f"demo:{name}:2"})
        token = call("phone by code", "post", "/auth/phone", {"code": f"phone:{name}:1"}, token=first["token"])["token"]
        call("shop", "get", "/shop")
        coupon = call("coupon claim", "post", "/coupons/claim", {"templateId": "cash-3"}, token=token)
        call("best coupon for cart", "post", "/coupons/best", {"lines": [{"productId": "p-nuts", "qty": 1}]}, token=token)
        server = os.environ["HUILIU_SERVER_KEY"]
        order = {"userId": first["user"]["id"], "orderId": "o-bench"}
        lines = [{"productId": "p-nuts", "category": "snacks", "price": 8990, "qty": 1}]
        call("coupon lock", "post", f"/server/coupons/{coupon['couponId']}/lock", {**order, "lines": lines}, token=server)
        call("coupon consume", "post", f"/server/coupons/{coupon['couponId']}/consume", order, token=server)
        friend = call(None, "post", "/auth/login", {"code": f"demo:{name}f:1"})
        call(None, "post", "/checkin", token=friend["token"])  # a warm container has the rule books cached
        call("check-in", "post", "/checkin", token=token)
        call("check-in calendar", "get", "/checkin/calendar", token=token)
        friend_token = call(None, "post", "/auth/phone", {"code": f"phone:{name}f:1"}, token=friend["token"])["token"]
        group = call(None, "post", "/groupbuy/gb-puer/groups", {}, token=token)
        call("group-buy join", "post", f"/groupbuy/groups/{group['groupId']}/join", {}, token=friend_token)
        call("group-buy card", "get", f"/groupbuy/groups/{group['groupId']}")
        started = call(None, "post", "/bargain/bg-longjing", None, token=token)
        call("bargain help", "post", f"/bargain/{started['bargainId']}/help", {}, token=friend["token"])
        code = call(None, "get", "/referral/me", token=token)["code"]
        call(None, "post", "/auth/login", {"code": f"demo:{name}w:1", "invite": {"code": code}})  # warm caches
        call("login with invite", "post", "/auth/login", {"code": f"demo:{name}i:1", "invite": {"code": code}})
        batch = {"events": [{"id": f"e{i}", "name": "product_view", "props": {"category": "tea"}} for i in range(50)]}
        call(None, "post", "/me/privacy", {"agreed": True, "version": "bench"}, token=token)  # or events are only counted
        call(None, "post", "/events", {"events": [{"id": "warm", "name": "page_view"}]}, token=token)
        call("events, 50", "post", "/events", batch, token=token)
    return counts


def report() -> str:
    counts = measure()
    lines = ["DynamoDB round trips per call (floor: 1):"]
    for label, n in counts.items():
        budget = BUDGET[label]
        lines.append(f"  {label:<21} {n} = {n / 1:.0f}x floor   budget {budget}: {'ok' if n <= budget else 'OVER'}")
    return "\n".join(lines)


if __name__ == "__main__":
    print(report())
