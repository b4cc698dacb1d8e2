"""`make dev` as a new user meets it: the stack starts, the README's flow works over HTTP,
and Ctrl-C stops every process it started."""
from __future__ import annotations

import json
import signal
import socket
import urllib.error
import urllib.request
import uuid
from pathlib import Path

from tests.conftest import BACKEND
from tests.stack import start

ROOT = Path(__file__).resolve().parents[2]


def request(method: str, url: str, body: dict | None = None, token: str | None = None) -> tuple[int, dict | None]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data, headers, method=method), timeout=10) as r:
            raw = r.read()
            return r.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def test_the_local_stack_serves_the_readme_flow_and_stops_on_ctrl_c():
    stack = start(BACKEND)
    ports = [stack.api_port, stack.db_port, stack.wechat_port]
    try:
        assert f"{stack.api}/auth/login" in stack.banner
        assert f"{stack.api}/admin#key=" in stack.banner

        api = stack.api
        name = "readme" + uuid.uuid4().hex[:6]
        status, login = request("POST", api + "/auth/login", {"code": f"demo:{name}:1"})
        assert status == 200 and login["user"]["level"] == "session"
        status, phone = request("POST", api + "/auth/phone", {"code": f"phone:{name}:1"}, login["token"])
        assert status == 200 and phone["user"]["level"] == "purchase"
        status, me = request("GET", api + "/me", token=phone["token"])
        assert status == 200 and me["level"] == "purchase"
        status, shop = request("GET", api + "/shop")
        assert status == 200 and len(shop["products"]) == 7
    finally:
        stack.process.send_signal(signal.SIGINT)
        stack.process.wait(timeout=30)
    assert [p for p in ports if listening(p)] == []
