"""`make dev` runs the journeys with no cloud: the stack's scheduler ticks on the app's clock,
so an order paid becomes the default order-paid notice in the WeChat sandbox, and the console's
jobs screen shows the runs, triggered "local"."""
from __future__ import annotations

import time
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from tests.conftest import BACKEND
from tests.e2e.test_devstack import request
from tests.stack import start

OPERATOR = "local-operator-key"
SERVER = "local-server-key"


@pytest.mark.skipif(BACKEND == "dynamodb-local", reason="make dev's default database is moto; the engine's "
                    "storage guarantees are proven on DynamoDB Local by the integration tests")
def test_an_order_paid_on_the_local_stack_becomes_its_notice_without_a_job_run_by_hand():
    stack = start(BACKEND)
    try:
        api, name = stack.api, "jr" + uuid.uuid4().hex[:8]
        status, login = request("POST", api + "/auth/login", {"code": f"demo:{name}:1"})
        assert status == 200
        user, token = login["user"]["id"], login["token"]
        assert request("POST", stack.wechat + "/sandbox/consent",
                       {"user": name, "templateId": "tpl_order_paid", "count": 1})[0] == 200
        status, _ = request("POST", api + "/subscriptions", {"results": {"tpl_order_paid": "accept"}}, token)
        assert status == 200
        status, moment = request("GET", api + "/subscribe/moments?moment=after_pay", token=token)
        assert status == 200 and "tpl_order_paid" not in moment["templates"]  # held: others come first
        order = "o-" + uuid.uuid4().hex[:10]
        status, _ = request("POST", api + f"/server/orders/{order}/paid", {"userId": user, "amount": 9900}, SERVER)
        assert status == 200
        # The tick reads a minute once it is two minutes past: the simulated clock gets there at once.
        ahead = (datetime.now(timezone.utc) + timedelta(minutes=3)).isoformat()
        assert request("PUT", api + "/operator/clock", {"now": ahead}, OPERATOR)[0] == 200

        deadline, sent = time.monotonic() + 60, []
        while time.monotonic() < deadline and not sent:
            messages = request("GET", stack.wechat + "/sandbox/messages")[1]["messages"]
            sent = [m for m in messages if m["user"] == name and m["template_id"] == "tpl_order_paid"]
            time.sleep(1)
        assert sent, "no order-paid notice within a minute"
        assert sent[0]["data"]["character_string1"]["value"] == order
        assert sent[0]["data"]["amount2"]["value"] == "¥99.00"

        jobs = {j["job"]: j for j in request("GET", api + "/operator/jobs", token=OPERATOR)[1]["jobs"]}
        for job in ("journeys-tick", "journeys-enter"):
            assert jobs[job]["runs"] and jobs[job]["runs"][0]["trigger"] == "local", jobs[job]
    finally:
        stack.interrupt()
        stack.process.wait(timeout=30)
