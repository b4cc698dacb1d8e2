"""Per-request overhead: each function's real handler against a bare replay of its own calls.

On DynamoDB Local and the in-process WeChat sandbox, each iteration sets up two equivalent fresh
users (A and B, each a returning customer), times the real Lambda handler (``app.app(event, context)``, the event built
beforehand as API Gateway would) serving A, records every botocore call and WeChat request it
made, renames A's ids to B's and times that replay, in the order the handler made the calls, on a
bare botocore client (and a bare urllib3 pool for WeChat). Same items, same round trips, same
conditions succeeding: the ratio is what the
app, PynamoDB and our plumbing add, the log as deployed (INFO, the access line) included.
``ReturnConsumedCapacity`` is left out of the replay (nothing needs it) and ``ClientRequestToken``
too (botocore makes a fresh one on both sides).
"""
from __future__ import annotations

import copy
import json
import logging
import os
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from typing import Any

from bench import local

TARGET = 1.15
ITERATIONS = int(os.environ.get("BENCH_OVERHEAD_N", "220"))
_DROPPED = ("ReturnConsumedCapacity", "ClientRequestToken")

# The calls of the request being timed, in the order it made them: (operation, params) for
# DynamoDB, (None, (method, url, body)) for WeChat.
_recording: list[tuple[str | None, Any]] | None = None


def run() -> str:
    # The log as deployed (INFO, the access line included), formatted and written, but to
    # /dev/null rather than the terminal: ``logs.configure`` dresses the handler it finds.
    logging.getLogger().addHandler(logging.StreamHandler(open(os.devnull, "w")))  # noqa: SIM115
    with local.dynamodb_local(log_level="INFO"), local.wechat_sandbox():
        _hook()
        return _report(_measure(ITERATIONS))


def _hook() -> None:
    """Record DynamoDB calls at botocore's entry and WeChat requests at urllib3's pool manager
    (botocore sends through its own connection pools, never ``PoolManager.urlopen``).

    The hooks are class-wide, so the replay passes through them too: both sides pay them alike.
    """
    import botocore.client
    import urllib3

    make_api_call = botocore.client.BaseClient._make_api_call

    def recorded(self: Any, operation_name: str, api_params: dict) -> Any:
        if _recording is not None:
            _recording.append((operation_name, api_params))
        return make_api_call(self, operation_name, api_params)

    botocore.client.BaseClient._make_api_call = recorded  # type: ignore[method-assign]
    urlopen = urllib3.PoolManager.urlopen

    def sent(self: Any, method: str, url: str, redirect: bool = True, **kw: Any) -> Any:
        if _recording is not None:
            _recording.append((None, (method, url, kw.get("body"))))
        return urlopen(self, method, url, redirect, **kw)

    urllib3.PoolManager.urlopen = sent  # type: ignore[method-assign]


def _renamed(value: Any, names: dict[str, str]) -> Any:
    if isinstance(value, str):
        for old, new in names.items():
            value = value.replace(old, new)
        return value
    if isinstance(value, bytes):
        return _renamed(value.decode(), names).encode()
    if isinstance(value, dict):
        return {k: _renamed(v, names) for k, v in value.items() if k not in _DROPPED}
    if isinstance(value, list):
        return [_renamed(v, names) for v in value]
    return value


class Floor:
    """The least any code could do for the same calls: a bare botocore client, a urllib3 pool."""

    def __init__(self) -> None:
        import botocore.config
        import botocore.session
        import urllib3

        from chalicelib import config

        # PynamoDB's own client settings, so the floor differs only in what sits above botocore.
        settings = botocore.config.Config(parameter_validation=False, connect_timeout=2, read_timeout=3,
                                          retries={"total_max_attempts": 2, "mode": "standard"})
        self.dynamodb = botocore.session.get_session().create_client(
            "dynamodb", config.region(), endpoint_url=config.dynamodb_endpoint(), config=settings)
        self.http = urllib3.PoolManager()

    def replay(self, calls: list[tuple[str | None, Any]]) -> float:
        """The calls in the order the request made them: a WeChat request just after a DynamoDB
        Local answer costs ~3 ms more here than one sent first (measured), so the order counts."""
        started = time.perf_counter()
        for operation, params in calls:
            if operation is None:
                method, url, body = params
                json.loads(self.http.request(method, url, body=body).data)
            else:
                self.dynamodb._make_api_call(operation, params)
        return time.perf_counter() - started


def _measure(n: int) -> dict[str, tuple[float, float, list[str]]]:
    global _recording
    from chalice.test import Client
    from pynamodb.exceptions import TableError

    import app
    from infra.seed import seed
    from infra.tables import create_all

    for attempt in range(3):  # a loaded machine can time a CreateTable out; what exists is skipped
        try:
            create_all()
            break
        except TableError:
            if attempt == 2:
                raise
    seed()
    floor = Floor()
    run_tag = uuid.uuid4().hex[:6]
    server_key = os.environ["HUILIU_SERVER_KEY"]
    times: dict[str, tuple[list[float], list[float]]] = {}
    shapes: dict[str, list[str]] = {}  # what each function sends, shown with its figure

    with Client(app.app, stage_name="local") as client:
        gateway = client.http._local_gateway

        def call(method: str, path: str, body: Any = None, token: str | None = None) -> dict:
            response = client.http.request(method, path, headers=_headers(token),
                                           body=json.dumps(body).encode() if body is not None else b"")
            assert response.status_code < 300, (path, response.body)
            return json.loads(response.body) if response.body else {}

        def timed(method: str, path: str, body: Any = None, token: str | None = None) -> float:
            event = gateway._generate_lambda_event(method, path, _headers(token),
                                                   json.dumps(body).encode() if body is not None else b"")
            context = gateway._generate_lambda_context()
            started = time.perf_counter()
            answer = app.app(event, context)
            elapsed = time.perf_counter() - started
            assert answer["statusCode"] < 300, (path, answer["body"])
            return elapsed

        def user(tag: str, *, phone: bool = False) -> tuple[str, str]:
            session = call("POST", "/auth/login", {"code": f"demo:{tag}:1"})
            token = session["token"]
            if phone:
                token = call("POST", "/auth/phone", {"code": f"phone:{tag}:1"}, token=token)["token"]
            return session["user"]["id"], token

        # One user per side and iteration, set up as a returning customer: phone bound, privacy
        # notice agreed, one order paid. Every function then acts for A, and its replay for B.
        def customer(tag: str) -> tuple[str, str]:
            session = call("POST", "/auth/login", {"code": f"demo:{tag}:1"})
            uid = session["user"]["id"]
            token = call("POST", "/auth/phone", {"code": f"phone:{tag}:1"}, token=session["token"])["token"]
            call("POST", "/me/privacy", {"agreed": True, "version": "bench"}, token=token)
            call("POST", f"/server/orders/o-{tag}-0/paid", {"userId": uid, "amount": 100}, token=server_key)
            return uid, token

        batch = {"events": [{"id": f"e{i}", "name": "product_view", "props": {"category": "tea"}} for i in range(50)]}
        functions: dict[str, Callable[[str, str, str], tuple[str, str, Any, str | None]]] = {
            "check-in": lambda tag, uid, token: ("POST", "/checkin", None, token),
            "coupon claim": lambda tag, uid, token: ("POST", "/coupons/claim", {"templateId": "cash-3"}, token),
            "returning login": lambda tag, uid, token: ("POST", "/auth/login", {"code": f"demo:{tag}:2"}, None),
            "order paid": lambda tag, uid, token: (
                "POST", f"/server/orders/o-{tag}-1/paid", {"userId": uid, "amount": 9900}, server_key),
            "events (50)": lambda tag, uid, token: ("POST", "/events", batch, token),
        }
        warm = 3  # the first requests fill the caches a warm container has (token, rule books, pools)
        for i in range(-warm, n):
            tag_a, tag_b = f"ov{run_tag}{i}a", f"ov{run_tag}{i}b"
            # A fresh address each time: the per-address login limit would otherwise bind.
            gateway.event_converter.LOCAL_SOURCE_IP = f"10.0.{(i + warm) // 250}.{(i + warm) % 250}"
            (uid_a, token_a), (uid_b, _) = customer(tag_a), customer(tag_b)
            names = {uid_a: uid_b, tag_a: tag_b}
            for label, request in functions.items():
                _recording = []
                try:
                    elapsed = timed(*request(tag_a, uid_a, token_a))
                    calls = _recording
                finally:
                    _recording = None
                floor_elapsed = floor.replay([
                    (op, _renamed(copy.deepcopy(p), names) if op else tuple(_renamed(x, names) for x in p))
                    for op, p in calls])
                if i >= 0:
                    shapes.setdefault(label, [op or "WeChat" for op, _ in calls])
                    app_times, floor_times = times.setdefault(label, ([], []))
                    app_times.append(elapsed)
                    floor_times.append(floor_elapsed)
                    if os.environ.get("BENCH_OVERHEAD_TRACE"):
                        print(f"  {label}: {elapsed * 1000:.1f} vs {floor_elapsed * 1000:.1f}", file=sys.stderr)
            if i >= 0 and (i + 1) % 50 == 0:
                print(f"  … {i + 1}/{n}", file=sys.stderr)
    return {label: (statistics.median(a), statistics.median(f), shapes[label]) for label, (a, f) in times.items()}


def _headers(token: str | None) -> dict[str, str]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return headers


def _report(medians: dict[str, tuple[float, float, list[str]]]) -> str:
    lines = [f"per-request overhead on DynamoDB Local (medians of {ITERATIONS}; app vs bare replay of its calls):"]
    for label, (app_s, floor_s, shape) in medians.items():
        ratio = app_s / floor_s
        verdict = "ok" if ratio <= TARGET else "OVER"
        lines.append(f"  {label:<16} {app_s * 1000:6.2f} ms vs floor {floor_s * 1000:6.2f} ms "
                     f"= {ratio:.2f}x   target {TARGET}x: {verdict}   ({', '.join(shape)})")
    return "\n".join(lines)


if __name__ == "__main__":
    print(run())
