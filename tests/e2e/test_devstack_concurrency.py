"""`make dev`'s stack under concurrent requests over HTTP: it takes a load test's connections,
and every limit DynamoDB enforces holds there too (the default database, moto, is serialised).

On a busy machine the emulator can fall behind the app's DynamoDB timeout; the app then answers
503 with Retry-After and the write may still land. So these tests accept a 503 where a client
would retry, and judge the guarantee by what is stored, read back through the API.
"""
from __future__ import annotations

import json
import random
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, NamedTuple

import pytest

from devstack.__main__ import LOCAL_ENV
from tests.conftest import BACKEND
from tests.stack import Stack, start

OPERATOR = LOCAL_ENV["HUILIU_OPERATOR_KEY"]
SERVER = LOCAL_ENV["HUILIU_SERVER_KEY"]
CONNECTIONS = 64
RACERS = 40
COUPONS, ORDERS, CLAIMERS = 8, 6, 12
LINES = [{"productId": "p-nuts", "category": "snacks", "price": 8990, "qty": 1}]


class Answer(NamedTuple):
    status: int
    body: Any
    retry_after: str | None

    @property
    def code(self) -> str | None:
        return self.body["error"]["code"] if isinstance(self.body, dict) and "error" in self.body else None


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    stack = start(BACKEND)
    try:
        yield stack
    finally:
        stack.interrupt()
        stack.process.wait(timeout=30)


def call(stack: Stack, method: str, path: str, body: Any = None, token: str | None = None) -> Answer:
    """One request on a new connection (as a load test's clients open them)."""
    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(stack.api + path, data, headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            raw, status, retry_after = response.read(), response.status, response.headers.get("Retry-After")
    except urllib.error.HTTPError as e:
        raw, status, retry_after = e.read(), e.code, e.headers.get("Retry-After")
    is_json = raw[:1] in (b"{", b"[")
    return Answer(status, json.loads(raw) if is_json else raw.decode(), retry_after)


def patiently(send: Callable[[], Answer], attempts: int = 6) -> Answer:
    """``send()`` again after a 503, as its Retry-After asks; for the steps around a race."""
    for _ in range(attempts - 1):
        answer = send()
        if answer.status != 503:
            return answer
        time.sleep(float(answer.retry_after or 1))
    return send()


def at_once(n: int, fn: Callable[[int], Any]) -> list[Any]:
    """``fn(0..n-1)`` in n threads released together; an exception is returned as the result."""
    gate = threading.Barrier(n)

    def one(i: int) -> Any:
        gate.wait()
        try:
            return fn(i)
        except Exception as exc:  # a reset or a timeout is what some of these tests look for
            return exc

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(one, range(n)))


def no_failures(answers: list[Any]) -> None:
    """Every request got an HTTP answer, and none was a 500 or a 503 without Retry-After."""
    broken = [a for a in answers if isinstance(a, Exception) or a.status >= 500 and (a.status != 503 or not a.retry_after)]
    assert not broken, broken[:3]


def purchase_tokens(stack: Stack, n: int) -> list[str]:
    """n new users at purchase level, logged in concurrently through the sandbox."""
    def one(_: int) -> str:
        name = "c" + uuid.uuid4().hex[:10]
        # A code works once: each attempt brings a fresh one, as the mini-program would.
        login = patiently(lambda: call(stack, "POST", "/auth/login", {"code": f"demo:{name}:{uuid.uuid4().hex}"}))
        assert login.status == 200, login
        phone = patiently(lambda: call(stack, "POST", "/auth/phone", {"code": f"phone:{name}:{uuid.uuid4().hex}"},
                                       login.body["token"]))
        assert phone.status == 200, phone
        return phone.body["token"]

    tokens = at_once(n, one)
    assert all(isinstance(t, str) for t in tokens), [t for t in tokens if not isinstance(t, str)][:3]
    return tokens


def new_template(stack: Stack, **fields: Any) -> str:
    tid = "race-" + uuid.uuid4().hex[:10]
    created = patiently(lambda: call(stack, "POST", "/operator/coupon-templates", {
        "templateId": tid, "name": "抢券", "kind": "no_threshold", "amount": 100, "channel": "claim",
        "validDays": 7, **fields}, OPERATOR))
    assert created.status == 201, created
    return tid


def coupons_of(stack: Stack, token: str) -> list[dict]:
    answer = patiently(lambda: call(stack, "GET", "/coupons", token=token))
    assert answer.status == 200, answer
    return answer.body["coupons"]


def test_concurrent_connections_are_all_answered(stack):
    # A route that does some work: the server must keep accepting while its threads are busy.
    answers = at_once(CONNECTIONS, lambda _: call(stack, "GET", "/shop"))

    no_failures(answers)
    assert {a.status for a in answers} <= {200, 503}


def test_a_stock_of_5_claimed_by_40_users_at_once_issues_exactly_5(stack):
    tid = new_template(stack, total=5, perUserLimit=1)
    tokens = purchase_tokens(stack, RACERS)

    claims = at_once(RACERS, lambda i: call(stack, "POST", "/coupons/claim", {"templateId": tid}, tokens[i]))

    no_failures(claims)
    assert {(a.status, a.code) for a in claims} <= {(200, None), (409, "COUPON_SOLD_OUT"), (503, "STORAGE_UNAVAILABLE")}
    # What was written, not only what was answered: a cancelled claim leaves no coupon behind,
    # everyone told "yours" holds one and nobody told "sold out" does.
    held = [len(coupons_of(stack, token)) for token in tokens]
    holders = {i for i, n in enumerate(held) if n}
    assert sum(held) == len(holders) == 5, held
    assert {i for i, a in enumerate(claims) if a.status == 200} <= holders
    assert holders <= {i for i, a in enumerate(claims) if a.status in (200, 503)}
    listed = patiently(lambda: call(stack, "GET", "/operator/coupon-templates", token=OPERATOR))
    template = next(t for t in listed.body["templates"] if t["templateId"] == tid)
    assert (template["issued"], template["soldOut"]) == (5, True)


def test_each_coupon_goes_to_one_of_the_orders_racing_for_it_while_claims_are_refused(stack):
    # On an unserialised moto a cancelled transaction puts back the tables it touched as they were
    # when it began: a lock that landed meanwhile is undone, and a later order takes the coupon too.
    [token] = purchase_tokens(stack, 1)
    user_id = patiently(lambda: call(stack, "GET", "/me", token=token)).body["id"]
    plenty, once = new_template(stack, perUserLimit=COUPONS), new_template(stack, perUserLimit=1)
    coupons = []
    for template in [plenty] * COUPONS + [once]:
        claim = patiently(lambda: call(stack, "POST", "/coupons/claim", {"templateId": template}, token))
        assert claim.status == 200, claim
        coupons.append(claim.body["couponId"])
    coupons.pop()  # the one-per-user coupon: claiming it again is a transaction that is cancelled
    locks = [(c, f"race-{uuid.uuid4().hex[:8]}") for c in coupons for _ in range(ORDERS)]
    locking = threading.Semaphore(0)

    def lock(coupon_id: str, order_id: str) -> Answer:
        body = {"userId": user_id, "orderId": order_id, "lines": LINES}
        return call(stack, "POST", f"/server/coupons/{coupon_id}/lock", body, SERVER)

    def one(i: int) -> Any:
        if i < len(locks):  # an order, at once or a little later than its rivals
            time.sleep(random.Random(i).uniform(0, 1.0))
            try:
                return lock(*locks[i])
            finally:
                locking.release()
        claims = []  # refused one after another until the locks are done
        while not locking.acquire(blocking=False):
            claims.append(call(stack, "POST", "/coupons/claim", {"templateId": once}, token))
        locking.release()
        return claims

    answers = at_once(len(locks) + CLAIMERS, one)

    # A claimer that met an exception returns it, not its list: no_failures reports it.
    orders = answers[:len(locks)]
    claims = [c for claimer in answers[len(locks):] for c in (claimer if isinstance(claimer, list) else [claimer])]
    no_failures(orders)
    no_failures(claims)
    assert {(a.status, a.code) for a in orders} <= {(200, None), (409, "COUPON_LOCKED"), (503, "STORAGE_UNAVAILABLE")}
    assert all(a.status in (409, 503) for a in claims), Counter(a.status for a in claims)
    told_won = Counter(coupon_id for (coupon_id, _), a in zip(locks, orders) if a.status == 200)
    assert max(told_won.values(), default=0) <= 1, told_won
    # Each coupon is held by exactly one order, the one told so if any: only the holder's retry
    # succeeds (a retry for the same order is allowed, another order's is not).
    assert [c["state"] for c in coupons_of(stack, token) if c["couponId"] in coupons] == ["locked"] * COUPONS
    for coupon_id in coupons:
        maybe = [(order_id, a.status) for (c, order_id), a in zip(locks, orders) if c == coupon_id and a.status != 409]
        retries = [(order_id, status, patiently(lambda: lock(coupon_id, order_id)).status) for order_id, status in maybe]
        holders = [(order_id, status) for order_id, status, retry in retries if retry == 200]
        assert len(holders) == 1, retries
        assert told_won[coupon_id] == 0 or holders[0][1] == 200, retries


def test_logins_racing_with_one_code_all_get_the_first_answer_and_phone_requests_too(stack):
    """The replays of [8/16] on the default stack: a mini-program retrying its login (or the phone
    button) with one code, several times at once, gets one user and the same answer each time."""
    name = "r" + uuid.uuid4().hex[:10]
    code = f"demo:{name}:{uuid.uuid4().hex}"
    logins = at_once(8, lambda _: call(stack, "POST", "/auth/login", {"code": code}))
    no_failures(logins)
    users = {a.body["user"]["id"] for a in logins if a.status == 200}
    assert len(users) == 1 and {a.status for a in logins} <= {200, 503}, logins

    token = next(a.body["token"] for a in logins if a.status == 200)
    phone_code = f"phone:{name}:{uuid.uuid4().hex}"
    phones = at_once(8, lambda _: call(stack, "POST", "/auth/phone", {"code": phone_code}, token))
    no_failures(phones)
    assert {a.body["user"]["level"] for a in phones if a.status == 200} == {"purchase"}
    assert {a.status for a in phones} <= {200, 503}, phones
