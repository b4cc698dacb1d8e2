"""The sandbox answers as WeChat does (../shared/WECHAT.md), so code tested on it works on WeChat."""
from __future__ import annotations

from devstack.wechat_sandbox import TOKEN_GRACE, Sandbox


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def sandbox() -> tuple[Sandbox, Clock]:
    clock = Clock()
    return Sandbox(clock=clock), clock


def token(s: Sandbox) -> str:
    return s.handle("GET", "/cgi-bin/token", {"grant_type": "client_credential", "appid": s.appid, "secret": s.secret}, {})[1][
        "access_token"
    ]


def login(s: Sandbox, code: str) -> dict:
    return s.handle("GET", "/sns/jscode2session", {"appid": s.appid, "secret": s.secret, "js_code": code}, {})[1]


def test_a_code_logs_in_once_as_a_stable_user_with_a_fresh_session_key():
    s, _ = sandbox()
    first, second = login(s, "demo:alice:1"), login(s, "demo:alice:2")

    assert first["openid"] == second["openid"] and first["session_key"] != second["session_key"]
    assert login(s, "demo:alice:1")["errcode"] == 40163
    assert login(s, "nonsense")["errcode"] == 40029


def test_a_new_token_retires_the_old_one_after_the_grace_period():
    s, clock = sandbox()
    old = token(s)
    new = token(s)
    send = {"touser": "nobody", "template_id": "tpl_checkin_reminder", "data": {}}

    assert s.handle("POST", "/cgi-bin/message/subscribe/send", {"access_token": old}, send)[1]["errcode"] == 40003
    clock.now += TOKEN_GRACE + 1
    assert s.handle("POST", "/cgi-bin/message/subscribe/send", {"access_token": old}, send)[1]["errcode"] == 40001
    assert s.handle("POST", "/cgi-bin/message/subscribe/send", {"access_token": new}, send)[1]["errcode"] == 40003


def test_a_send_needs_one_consent_credit_each_and_valid_data():
    s, _ = sandbox()
    t, openid = token(s), login(s, "demo:bob:1")["openid"]
    send = {"touser": openid, "template_id": "tpl_benefit_arrived", "data": {"thing1": {"value": "您的专属福利已到账"}}}
    s.handle("POST", "/sandbox/consent", {}, {"user": "bob", "templateId": "tpl_benefit_arrived", "count": 1})

    assert s.handle("POST", "/cgi-bin/message/subscribe/send", {"access_token": t}, send)[1]["errcode"] == 0
    assert s.handle("POST", "/cgi-bin/message/subscribe/send", {"access_token": t}, send)[1]["errcode"] == 43101
    too_long = {**send, "data": {"thing1": {"value": "字" * 21}}}
    assert s.handle("POST", "/cgi-bin/message/subscribe/send", {"access_token": t}, too_long)[1]["errcode"] == 47003
    assert len(s.messages) == 1


def test_injected_faults_fail_a_share_of_sends_with_busy():
    s, _ = sandbox()
    t, openid = token(s), login(s, "demo:carol:1")["openid"]
    s.handle("POST", "/sandbox/consent", {}, {"user": "carol", "templateId": "tpl_cart_reminder", "count": 1000})
    s.handle("POST", "/sandbox/faults", {}, {"busyRate": 0.3, "seed": 7})
    send = {"touser": openid, "template_id": "tpl_cart_reminder", "data": {"thing1": {"value": "购物车"}}}

    codes = [s.handle("POST", "/cgi-bin/message/subscribe/send", {"access_token": t}, send)[1]["errcode"] for _ in range(1000)]

    assert 250 < codes.count(-1) < 350 and codes.count(0) == len(s.messages)
