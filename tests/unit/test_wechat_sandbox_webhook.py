"""The sandbox's WeCom group robot answers as WeCom does: a bad key 93000, 20 posts a minute a
robot then 45009, content over 4,096 bytes 40058; what it took is listed."""
from __future__ import annotations

from tests.unit.test_wechat_sandbox import sandbox

SEND = "/cgi-bin/webhook/send"


def post(s, key: str, content: str = "**预警**") -> dict:
    return s.handle("POST", SEND, {"key": key}, {"msgtype": "markdown", "markdown": {"content": content}})[1]


def test_the_robot_takes_markdown_records_it_and_limits_a_key_to_20_a_minute():
    s, clock = sandbox()
    assert [post(s, "k1")["errcode"] for _ in range(20)] == [0] * 20
    assert post(s, "k1")["errcode"] == 45009
    assert post(s, "k2")["errcode"] == 0  # another robot has its own minute
    clock.now += 61
    assert post(s, "k1")["errcode"] == 0
    listed = s.handle("GET", "/sandbox/webhooks", {}, {})[1]["webhooks"]
    assert len(listed) == 22 and listed[0] == {"key": "k1", "msgtype": "markdown", "content": "**预警**",
                                               "at": listed[0]["at"]}


def test_bad_keys_long_content_and_faults_are_refused_with_wecoms_codes():
    s, _ = sandbox()
    assert post(s, "bad-key")["errcode"] == 93000
    assert s.handle("POST", SEND, {}, {})[1]["errcode"] == 93000
    assert post(s, "k", "字" * 1400)["errcode"] == 40058  # 4,200 bytes
    assert s.handle("POST", SEND, {"key": "k"}, {"msgtype": "image"})[1]["errcode"] == 40008
    s.handle("POST", "/sandbox/faults", {}, {"webhookErrcode": 45009})
    assert post(s, "k")["errcode"] == 45009
    s.handle("POST", "/sandbox/faults", {}, {"webhookErrcode": None})
    assert post(s, "k")["errcode"] == 0
    s.handle("POST", "/sandbox/reset", {}, {})
    assert s.handle("GET", "/sandbox/webhooks", {}, {})[1]["webhooks"] == []
