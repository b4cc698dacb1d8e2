"""HTTP to the local stack as a mini-program and the merchant's servers call it, with the load
figures the simulator reports: latency per function, DynamoDB round trips per function (from
the local stage's ``X-DynamoDB-Calls`` header), and every unexpected answer."""
from __future__ import annotations

import http.client
import json
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from devstack.__main__ import LOCAL_ENV

RETRIES = 3
OPERATOR = {"Authorization": f"Bearer {LOCAL_ENV['HUILIU_OPERATOR_KEY']}"}
SERVER = {"Authorization": f"Bearer {LOCAL_ENV['HUILIU_SERVER_KEY']}"}


class Unexpected(Exception):
    """An answer the product should not give to this call (a 5xx, or a status the flow rules out)."""


@dataclass
class Answer:
    status: int
    body: Any


@dataclass
class Load:
    """What the calls cost, per function. Thread-safe: the simulator calls from a pool."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    round_trips: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    refusals: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # expected 4xx: sold out, helped...
    retries: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # 503 + Retry-After, then retried
    errors: list[str] = field(default_factory=list)
    busy_seconds: float = 0.0  # wall time spent with calls in flight (the rps denominator)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, function: str, seconds: float, status: int, round_trips: int | None, allowed: bool) -> None:
        with self.lock:
            self.latencies[function].append(seconds)
            if round_trips is not None:
                self.round_trips[function].append(round_trips)
            if status >= 400 and allowed:
                self.refusals[function] += 1

    def retried(self, function: str) -> None:
        with self.lock:
            self.retries[function] += 1

    def error(self, text: str) -> None:
        with self.lock:
            self.errors.append(text)

    @property
    def requests(self) -> int:
        return sum(len(v) for v in self.latencies.values())


class Client:
    """One connection per request: ``chalice local`` holds a kept-alive socket for ~40 ms."""

    def __init__(self, base: str, load: Load, timeout: float = 30.0) -> None:
        parts = urlsplit(base)
        self.host, self.port, self.load, self.timeout = parts.hostname, parts.port or 80, load, timeout

    def call(self, function: str, method: str, path: str, body: Any = None, *, token: str | None = None,
             headers: dict[str, str] | None = None, ok: tuple[int, ...] = ()) -> Answer:
        """``ok``: the 4xx answers this step of the flow expects (a refusal, not an error). A 503
        with Retry-After is retried as the mini-program's request wrapper does (every handler is
        idempotent under retries); it counts as an error only if it lasts."""
        sent = {"Content-Type": "application/json", **(headers or {})}
        if token:
            sent["Authorization"] = f"Bearer {token}"
        payload = json.dumps(body).encode() if body is not None else None
        for attempt in range(RETRIES + 1):
            status, raw, retry_after = self._once(function, method, path, payload, sent, ok)
            if status != 503 or retry_after is None or attempt == RETRIES:
                break
            self.load.retried(function)
            time.sleep(float(retry_after))
        answer = Answer(status, json.loads(raw) if raw and raw[:1] in b"{[" else raw.decode(errors="replace"))
        if status >= 400 and status not in ok:
            self.load.error(f"{function} {method} {path} → {status} {str(answer.body)[:200]}")
            raise Unexpected(function)
        return answer

    def _once(self, function: str, method: str, path: str, payload: bytes | None, headers: dict[str, str],
              ok: tuple[int, ...]) -> tuple[int, bytes, str | None]:
        started = time.perf_counter()
        connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            connection.request(method, path, body=payload, headers=headers)
            response = connection.getresponse()
            raw = response.read()
        except OSError as exc:
            self.load.error(f"{function}: {type(exc).__name__}: {exc}")
            raise Unexpected(function) from exc
        finally:
            connection.close()
        calls = response.getheader("X-DynamoDB-Calls")
        self.load.record(function, time.perf_counter() - started, response.status,
                         int(calls) if calls is not None else None, response.status < 400 or response.status in ok)
        return response.status, raw, response.getheader("Retry-After")
