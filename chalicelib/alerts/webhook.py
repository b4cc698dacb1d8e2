"""The WeCom group robot: ``POST <webhook URL>`` with ``{"msgtype": "markdown", "markdown":
{"content": ...}}``; it answers ``{"errcode": 0, "errmsg": "ok"}`` or an error (93000: the key
is not valid; 45009: over the robot's 20 messages a minute).

Over one urllib3 pool per process, as ``chalicelib.wechat`` sends WeChat's calls (no retries
inside urllib3, no redirects: a failed send is retried by the next run). The URL holds the
robot's key, a secret: it is never logged. Locally a ``qyapi.weixin.qq.com`` URL is sent to the
WeChat sandbox, which records it like the other WeChat calls.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from urllib.parse import urlsplit

import urllib3

from chalicelib import config, tracing
from chalicelib.alerts import rules

log = logging.getLogger(__name__)

CONNECT_TIMEOUT, READ_TIMEOUT = 2.0, 5.0
_HTTP = urllib3.PoolManager(timeout=urllib3.Timeout(connect=CONNECT_TIMEOUT, read=READ_TIMEOUT), retries=False)


@dataclass(frozen=True)
class Sent:
    ok: bool
    errcode: int | None = None  # None: no answer (network, HTTP status, not JSON)
    errmsg: str = ""


def post(url: str, content: str) -> Sent:
    body = json.dumps({"msgtype": "markdown", "markdown": {"content": content}}, ensure_ascii=False).encode()
    try:
        with tracing.span(rules.WEBHOOK_HOST):  # the host alone: the URL holds the key
            response = _HTTP.request("POST", _target(url), body=body, headers={"Content-Type": "application/json"},
                                     redirect=False)
    except urllib3.exceptions.HTTPError as exc:
        return Sent(False, None, type(exc).__name__)
    if response.status != 200:
        return Sent(False, None, f"HTTP {response.status}")
    try:
        answer = json.loads(response.data)
        errcode = int(answer.get("errcode", 0))
    except (ValueError, AttributeError, TypeError):
        return Sent(False, None, "not JSON")
    return Sent(errcode == 0, errcode, str(answer.get("errmsg", ""))[:200])


def _target(url: str) -> str:
    """Locally, WeCom's address is the sandbox's (``HUILIU_WECHAT_API_BASE``)."""
    parts = urlsplit(url)
    if config.stage() == "local" and parts.hostname == rules.WEBHOOK_HOST:
        return config.settings().wechat_api_base.rstrip("/") + parts.path + "?" + parts.query
    return url
