"""`make dev` as a new user meets it: the stack starts, the README's flow works over HTTP,
and Ctrl-C stops every process it started."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

from devstack import dynamodb_local
from tests.conftest import BACKEND

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
    ports = [dynamodb_local.free_port() for _ in range(3)]
    api_port, db_port, wechat_port = ports
    stack = subprocess.Popen(
        [sys.executable, "-m", "devstack", "--db", BACKEND, "--api-port", str(api_port),
         "--db-port", str(db_port), "--wechat-port", str(wechat_port)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("HUILIU_")},
    )
    try:
        banner = ""
        deadline = time.monotonic() + 90
        while "Ctrl-C stops everything." not in banner and time.monotonic() < deadline:
            line = stack.stdout.readline()
            assert line or stack.poll() is None, banner
            banner += line
        assert f"http://127.0.0.1:{api_port}/auth/login" in banner

        api = f"http://127.0.0.1:{api_port}"
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
        stack.send_signal(signal.SIGINT)
        stack.wait(timeout=30)
    assert [p for p in ports if listening(p)] == []
