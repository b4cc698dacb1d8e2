"""A local stand-in for the WeChat endpoints huiliu uses, with WeChat's real answers and errcodes.

Run it alone with ``python -m devstack.wechat_sandbox --port 8090``; the dev stack and the
tests start it in-process. wechatpy is pointed at it through ``HUILIU_WECHAT_API_BASE``.

Codes it understands (each works once, like WeChat's; a second use gets 40163 at login and
40029 for phone codes; anything else is 40029):

- ``demo:<name>:<nonce>``: log in as the stable sandbox user ``<name>`` (same openid every time,
  a fresh session_key each login, a unionid).
- ``risky:<name>:<nonce>``: WeChat refuses the high-risk user (40226).
- ``busy:<nonce>``: WeChat is busy (-1); the code is not spent.
- ``phone:<name>:<nonce>``: the ``getPhoneNumber`` button's code for user ``<name>``.
- ``GET /sandbox/login-code?user=<name>``: a code that, like WeChat's, expires after 5 minutes.

Control endpoints (not WeChat's): ``POST /sandbox/phone-data {"user"}`` gives the legacy
``{encryptedData, iv}`` for that user's latest login; ``POST /sandbox/consent {"user",
"templateId", "count"}`` records subscribe-message acceptances; ``POST /sandbox/faults
{"busyRate", "seed"}`` makes that share of sends fail with -1, and ``{"sendQuota": n,
"quotaErrcode": 45009}`` lets n more sends through before every send is refused with 45009
(WeChat's API quota; 45011 is its per-minute limit), until ``{"sendQuota": null}``;
``GET /sandbox/messages`` lists what was delivered; ``POST /sandbox/reset`` forgets everything.

WeCom group robots (企业微信群机器人): ``POST /cgi-bin/webhook/send?key=K`` takes a markdown or
text message as WeCom does (no access token; the key is the credential). A key starting
``bad`` is 93000 (invalid webhook url); over 20 messages a minute for one key is 45009;
content over 4,096 bytes is 40058. ``{"webhookErrcode": n}`` to ``/sandbox/faults`` refuses every
post with n until ``{"webhookErrcode": null}``. ``GET /sandbox/webhooks`` lists what was posted.
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import random
import secrets
import socket
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qs, urlparse

from devstack.ports import adopt

DEFAULT_APPID = "wxd0000000000000de"
DEFAULT_SECRET = "sandbox-app-secret"
TEMPLATES = ("tpl_checkin_reminder", "tpl_benefit_arrived", "tpl_cart_reminder", "tpl_order_review", "tpl_group_result",
             "tpl_order_paid", "tpl_order_shipped", "tpl_bargain_result", "tpl_order_recovery")

CODE_LIFETIME = 300  # seconds, as WeChat's
TOKEN_LIFETIME = 7200
TOKEN_GRACE = 300  # a replaced token keeps working this long, as WeChat's does
LOGIN_RATE = 100  # per user per minute

Answer = tuple[int, dict[str, Any]]


def _err(code: int, msg: str) -> Answer:
    return 200, {"errcode": code, "errmsg": msg}  # WeChat answers errors with HTTP 200


@dataclass
class SandboxUser:
    name: str
    openid: str
    unionid: str
    phone: str
    session_key: str | None = None


@dataclass
class Sandbox:
    appid: str = DEFAULT_APPID
    secret: str = DEFAULT_SECRET
    clock: Callable[[], float] = time.time
    tokens: dict[str, float] = field(default_factory=dict)  # token → expires at
    current_token: str | None = None
    issued_codes: dict[str, float] = field(default_factory=dict)  # code → issued at
    spent_codes: set[str] = field(default_factory=set)
    users: dict[str, SandboxUser] = field(default_factory=dict)
    logins: dict[str, deque] = field(default_factory=lambda: defaultdict(deque))
    consent: dict[tuple[str, str], int] = field(default_factory=lambda: defaultdict(int))
    messages: list[dict[str, Any]] = field(default_factory=list)
    busy_rate: float = 0.0
    send_quota: int | None = None  # subscribe sends WeChat still takes before refusing them all
    quota_errcode: int = 45009  # what it refuses them with: 45009 (quota) or 45011 (per minute)
    openids: dict[str, str] = field(default_factory=dict)  # openid → user name
    rng: random.Random = field(default_factory=random.Random)
    calls: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    webhooks: list[dict[str, Any]] = field(default_factory=list)  # WeCom robot posts delivered
    webhook_times: dict[str, deque] = field(default_factory=lambda: defaultdict(deque))  # key → recent posts
    webhook_errcode: int | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    # --- sandbox users -------------------------------------------------------------------
    def user(self, name: str) -> SandboxUser:
        if name not in self.users:
            digest = hashlib.sha256(f"{self.appid}:{name}".encode()).digest()
            openid = "o" + base64.urlsafe_b64encode(digest).decode()[:27]
            unionid = "u" + base64.urlsafe_b64encode(digest[::-1]).decode()[:27]
            phone = "13" + str(int.from_bytes(digest[:8], "big"))[-9:]
            self.users[name] = SandboxUser(name, openid, unionid, phone)
            self.openids[openid] = name
        return self.users[name]

    def by_openid(self, openid: str) -> SandboxUser | None:
        name = self.openids.get(openid)
        return self.users.get(name) if name is not None else None

    # --- dispatch ------------------------------------------------------------------------
    def handle(self, method: str, path: str, query: dict[str, str], body: dict[str, Any]) -> Answer:
        routes: dict[tuple[str, str], Callable[[dict[str, str], dict[str, Any]], Answer]] = {
            ("GET", "/cgi-bin/token"): self.token,
            ("GET", "/sns/jscode2session"): self.jscode2session,
            ("POST", "/wxa/business/getuserphonenumber"): self.phone_number,
            ("POST", "/cgi-bin/message/subscribe/send"): self.subscribe_send,
            ("GET", "/sandbox/login-code"): self.login_code,
            ("POST", "/sandbox/phone-data"): self.phone_data,
            ("POST", "/sandbox/consent"): self.add_consent,
            ("POST", "/sandbox/faults"): self.set_faults,
            ("GET", "/sandbox/messages"): lambda q, b: (200, {"messages": list(self.messages)}),
            ("POST", "/cgi-bin/webhook/send"): self.webhook_send,
            ("GET", "/sandbox/webhooks"): lambda q, b: (200, {"webhooks": list(self.webhooks)}),
            ("POST", "/sandbox/reset"): self.reset,
        }
        handler = routes.get((method, path))
        if handler is None:
            return 404, {"errcode": 404, "errmsg": f"no such endpoint {method} {path}"}
        with self.lock:
            self.calls[path] += 1
            return handler(query, body)

    # --- WeChat's endpoints --------------------------------------------------------------
    def token(self, q: dict[str, str], _: dict[str, Any]) -> Answer:
        if q.get("grant_type") != "client_credential":
            return _err(40002, "invalid grant_type")
        if q.get("appid") != self.appid:
            return _err(40013, "invalid appid")
        if q.get("secret") != self.secret:
            return _err(40125, "invalid appsecret")
        now = self.clock()
        if self.current_token:  # the old one lives on for the grace period only
            self.tokens[self.current_token] = min(self.tokens[self.current_token], now + TOKEN_GRACE)
        self.current_token = "sbx_" + secrets.token_hex(16)
        self.tokens[self.current_token] = now + TOKEN_LIFETIME
        return 200, {"access_token": self.current_token, "expires_in": TOKEN_LIFETIME}

    def jscode2session(self, q: dict[str, str], _: dict[str, Any]) -> Answer:
        if q.get("appid") != self.appid or q.get("secret") != self.secret:
            return _err(40125, "invalid appid or appsecret")
        code = q.get("js_code", "")
        kind, name = self._parse(code)
        if kind == "busy":
            return _err(-1, "system error")
        if kind not in ("demo", "risky") or not self._fresh(code):
            return _err(40029, "invalid code")
        if code in self.spent_codes:
            return _err(40163, "code been used")
        self.spent_codes.add(code)
        if kind == "risky":
            return _err(40226, "user is at high risk")
        user = self.user(name)
        window = self.logins[user.openid]
        now = self.clock()
        while window and window[0] <= now - 60:
            window.popleft()
        if len(window) >= LOGIN_RATE:
            return _err(45011, "api minute-quota reach limit")
        window.append(now)
        user.session_key = base64.b64encode(secrets.token_bytes(16)).decode()
        return 200, {"openid": user.openid, "session_key": user.session_key, "unionid": user.unionid}

    def phone_number(self, q: dict[str, str], body: dict[str, Any]) -> Answer:
        denied = self._check_token(q)
        if denied:
            return denied
        code = str(body.get("code", ""))
        kind, name = self._parse(code)
        if kind == "busy":
            return _err(-1, "system error")
        if kind != "phone" or code in self.spent_codes or not self._fresh(code):
            return _err(40029, "invalid code")
        self.spent_codes.add(code)
        return 200, {"errcode": 0, "errmsg": "ok", "phone_info": self._phone_info(self.user(name))}

    def subscribe_send(self, q: dict[str, str], body: dict[str, Any]) -> Answer:
        denied = self._check_token(q)
        if denied:
            return denied
        user = self.by_openid(str(body.get("touser", "")))
        template = str(body.get("template_id", ""))
        if user is None:
            return _err(40003, "invalid openid")
        if template not in TEMPLATES:
            return _err(40037, "invalid template_id")
        for key, value in (body.get("data") or {}).items():
            text = str((value or {}).get("value", ""))
            if (key.startswith("thing") and len(text) > 20) or (key.startswith("phrase") and len(text) > 5) or not text:
                return _err(47003, f"argument invalid! data.{key}.value invalid")
        if self.send_quota is not None:
            if self.send_quota <= 0:
                return _err(self.quota_errcode, "reach max api daily quota limit" if self.quota_errcode == 45009
                            else "api minute-quota reach limit mustslower retry next minute")
            self.send_quota -= 1
        if self.busy_rate and self.rng.random() < self.busy_rate:
            return _err(-1, "system error")
        if self.consent[(user.openid, template)] <= 0:
            return _err(43101, "user refuse to accept the msg")
        self.consent[(user.openid, template)] -= 1
        self.messages.append({"touser": user.openid, "user": user.name, "template_id": template, **body, "at": self.clock()})
        return 200, {"errcode": 0, "errmsg": "ok"}

    def webhook_send(self, q: dict[str, str], body: dict[str, Any]) -> Answer:
        """WeCom's group robot: the key in the URL is the credential; 20 messages a minute a robot."""
        key = q.get("key", "")
        if not key or key.startswith("bad"):
            return _err(93000, "invalid webhook url")
        if self.webhook_errcode is not None:
            return _err(self.webhook_errcode, "sandbox fault")
        kind = body.get("msgtype")
        content = str(((body.get(kind) or {}) if kind in ("markdown", "text") else {}).get("content", ""))
        if not content:
            return _err(40008, "invalid message type")
        if len(content.encode()) > 4096:
            return _err(40058, "markdown.content exceed max length 4096")
        now, recent = self.clock(), self.webhook_times[key]
        while recent and recent[0] <= now - 60:
            recent.popleft()
        if len(recent) >= 20:
            return _err(45009, "api freq out of limit")
        recent.append(now)
        self.webhooks.append({"key": key, "msgtype": kind, "content": content, "at": now})
        return 200, {"errcode": 0, "errmsg": "ok"}

    # --- control endpoints ---------------------------------------------------------------
    def login_code(self, q: dict[str, str], _: dict[str, Any]) -> Answer:
        code = f"demo:{q.get('user', 'alice')}:{secrets.token_hex(6)}"
        self.issued_codes[code] = self.clock()
        return 200, {"code": code, "expiresIn": CODE_LIFETIME}

    def phone_data(self, _: dict[str, str], body: dict[str, Any]) -> Answer:
        from wechatpy.crypto.cryptography import WeChatCipher
        from wechatpy.crypto.pkcs7 import PKCS7Encoder

        user = self.user(str(body.get("user", "alice")))
        if not user.session_key:
            return 409, {"errcode": 409, "errmsg": "that user has not logged in yet"}
        iv = secrets.token_bytes(16)
        plain = json.dumps(self._phone_info(user)).encode()
        cipher = WeChatCipher(base64.b64decode(user.session_key), iv)
        encrypted = cipher.encrypt(PKCS7Encoder.encode(plain))
        return 200, {"encryptedData": base64.b64encode(encrypted).decode(), "iv": base64.b64encode(iv).decode()}

    def add_consent(self, _: dict[str, str], body: dict[str, Any]) -> Answer:
        user = self.user(str(body.get("user", "alice")))
        key = (user.openid, str(body.get("templateId", "")))
        self.consent[key] += int(body.get("count", 1))
        return 200, {"credits": self.consent[key]}

    def set_faults(self, _: dict[str, str], body: dict[str, Any]) -> Answer:
        self.busy_rate = float(body.get("busyRate", 0.0))
        self.rng.seed(body.get("seed", 0))
        if "sendQuota" in body:
            self.send_quota = None if body["sendQuota"] is None else int(body["sendQuota"])
            self.quota_errcode = int(body.get("quotaErrcode", 45009))
        if "webhookErrcode" in body:
            self.webhook_errcode = None if body["webhookErrcode"] is None else int(body["webhookErrcode"])
        return 200, {"busyRate": self.busy_rate, "sendQuota": self.send_quota}

    def reset(self, _: dict[str, str], __: dict[str, Any]) -> Answer:
        for state in (self.tokens, self.issued_codes, self.spent_codes, self.users, self.logins, self.consent,
                      self.messages, self.calls, self.openids, self.webhooks, self.webhook_times):
            state.clear()
        self.current_token, self.busy_rate, self.send_quota, self.webhook_errcode = None, 0.0, None, None
        return 200, {"ok": True}

    # --- helpers -------------------------------------------------------------------------
    def _parse(self, code: str) -> tuple[str, str]:
        parts = code.split(":")
        if len(parts) == 3 and all(parts):
            return parts[0], parts[1]
        if len(parts) == 2 and parts[0] == "busy":
            return "busy", ""
        return "", ""

    def _fresh(self, code: str) -> bool:
        issued = self.issued_codes.get(code)
        return issued is None or self.clock() - issued <= CODE_LIFETIME

    def _check_token(self, q: dict[str, str]) -> Answer | None:
        token = q.get("access_token", "")
        if token not in self.tokens:
            return _err(40001, "invalid credential, access_token is invalid or not latest")
        if self.tokens[token] <= self.clock():
            if token != self.current_token:  # replaced by a newer fetch, past its grace
                return _err(40001, "invalid credential, access_token is invalid or not latest")
            return _err(42001, "access_token expired")
        return None

    def _phone_info(self, user: SandboxUser) -> dict[str, Any]:
        return {
            "phoneNumber": user.phone,
            "purePhoneNumber": user.phone,
            "countryCode": "86",
            "watermark": {"timestamp": int(self.clock()), "appid": self.appid},
        }


class _Handler(BaseHTTPRequestHandler):
    sandbox: Sandbox

    def _answer(self, method: str) -> None:
        url = urlparse(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else {}
            if not isinstance(body, dict):
                raise ValueError
        except ValueError:
            status, answer = _err(47001, "data format error")
        else:
            status, answer = self.sandbox.handle(method, url.path, query, body)
        payload = json.dumps(answer, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._answer("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._answer("POST")

    def log_message(self, *_: Any) -> None:  # quiet: the dev stack prints its own lines
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # Every login the app serves calls the sandbox: under a load test it sees the same
    # concurrency, which socketserver's default backlog of 5 would answer with resets.
    request_queue_size = 1024


def serve(sandbox: Sandbox, host: str = "127.0.0.1", port: int = 0,
          sock: socket.socket | None = None) -> tuple[ThreadingHTTPServer, str]:
    """Start serving in a daemon thread (on ``sock`` if given, already listening); returns the
    server and its base URL (ending in /)."""
    handler = type("Handler", (_Handler,), {"sandbox": sandbox})
    server = _Server((host, port), handler, bind_and_activate=sock is None)
    if sock is not None:
        adopt(server, sock)
        host = server.server_address[0]
    # A short poll: stopping the stack waits for the serving loop to notice.
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, name="wechat-sandbox",
                     daemon=True).start()
    return server, f"http://{host}:{server.server_address[1]}/"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    args = parser.parse_args()
    appid = os.environ.get("HUILIU_WECHAT_APPID", DEFAULT_APPID)
    secret = os.environ.get("HUILIU_WECHAT_SECRET", DEFAULT_SECRET)
    server, url = serve(Sandbox(appid=appid, secret=secret), args.host, args.port)
    print(f"WeChat sandbox on {url}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.shutdown()


if __name__ == "__main__":
    main()
