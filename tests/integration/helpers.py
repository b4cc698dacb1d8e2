"""Shared by the storage tests: unique ids, templates made to measure, racing threads."""
from __future__ import annotations

import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

from chalicelib import config, errors
from chalicelib.coupons import rules
from chalicelib.coupons import service as coupons
from tests.conftest import BACKEND


def uid(prefix: str = "u") -> str:
    return prefix + uuid.uuid4().hex[:20]


def template(**overrides: Any) -> str:
    """A fresh claimable template (unique id); overrides are TemplateSpec fields."""
    now = config.utcnow()
    spec = {
        "template_id": uid("t-"),
        "name": "test coupon",
        "terms": rules.Terms(rules.NO_THRESHOLD, amount=500),
        "channel": coupons.CLAIM,
        "valid_from": now - timedelta(days=1),
        "valid_until": now + timedelta(days=30),
        "per_user_limit": 1,
        **overrides,
    }
    return coupons.create_template(coupons.TemplateSpec(**spec), now=now).template_id


def race(n: int, fn: Callable[[int], Any], workers: int = 16) -> list[Any]:
    """Run ``fn(0..n-1)`` on ``workers`` threads; each result, or the AppError it raised.

    Real races need DynamoDB Local (the conformance run): moto's in-process backend is not
    thread-safe (transactions copy shared dicts), so on moto the same calls run one by one and
    prove the bookkeeping, not the concurrency.
    """
    if BACKEND != "dynamodb-local":
        workers = 1

    def attempt(i: int) -> Any:
        try:
            return fn(i)
        except errors.AppError as exc:
            return exc

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(attempt, range(n)))
