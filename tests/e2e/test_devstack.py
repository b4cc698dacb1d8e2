"""`make dev` as a new user meets it: the stack starts, the README's flow works over HTTP,
Ctrl-C stops every process it started at once, and a port another program holds is named."""
from __future__ import annotations

import json
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
        assert f"Operator console (运营后台): {stack.api}/admin\n" in stack.banner

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
        stack.interrupt()
        interrupted = time.monotonic()
        stack.process.wait(timeout=30)
        stopped_in = time.monotonic() - interrupted
    assert [p for p in ports if listening(p)] == []
    assert stopped_in < 3, f"Ctrl-C took {stopped_in:.1f} s to stop the stack"
    assert stack.process.returncode == 0
    # Nothing but the stack's own lines before the banner (PynamoDB's notice about its optional
    # settings file was printed on every start).
    assert stack.banner.lstrip().startswith("huiliu local stack is up"), stack.banner[:300]


def start_on(api: int, db: int, wechat: int) -> tuple[subprocess.CompletedProcess, float]:
    started = time.monotonic()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "devstack", "--db", BACKEND, "--api-port", str(api), "--db-port", str(db),
             "--wechat-port", str(wechat)],
            cwd=ROOT, capture_output=True, text=True, timeout=30,
        )
    except subprocess.TimeoutExpired as exc:
        raise AssertionError(f"still running after 30 s: {exc.stdout!r}") from None
    return done, time.monotonic() - started


def occupied() -> socket.socket:
    """A port another program holds (listening, so a stack that probes by connecting is fooled)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    return sock


def test_a_busy_api_port_is_named_and_nothing_starts():
    with occupied() as other:
        port = other.getsockname()[1]
        done, took = start_on(port, dynamodb_local.free_port(), dynamodb_local.free_port())

    assert done.returncode != 0 and took < 10, (done.returncode, took)
    assert f"port {port} (the API)" in done.stderr and "make dev API_PORT=" in done.stderr, done.stderr
    assert "stack is up" not in done.stdout


def test_busy_database_and_sandbox_ports_are_both_named():
    with occupied() as db, occupied() as wechat:
        db_port, wechat_port = db.getsockname()[1], wechat.getsockname()[1]
        done, took = start_on(dynamodb_local.free_port(), db_port, wechat_port)

    assert done.returncode != 0 and took < 10, (done.returncode, took)
    assert f"port {db_port} (the database)" in done.stderr and "make dev DB_PORT=" in done.stderr, done.stderr
    assert f"port {wechat_port} (the WeChat sandbox)" in done.stderr and "WECHAT_PORT=" in done.stderr
