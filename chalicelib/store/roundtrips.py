"""Counts DynamoDB round trips per request: the budget the design holds every function to.

PynamoDB sends a signal (through blinker) before every call it makes to DynamoDB, one per API
call whatever its retries; a context variable scopes the count to the request or the block
being measured. The request log line carries the count, and so do benchmarks and tests.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from pynamodb.signals import pre_dynamodb_send

_current: ContextVar[Counter[str] | None] = ContextVar("dynamodb_calls", default=None)


def _on_send(_sender: object, operation_name: str, table_name: str | None, **_: object) -> None:
    calls = _current.get()
    if calls is not None:
        calls[operation_name] += 1


pre_dynamodb_send.connect(_on_send, weak=False)


@contextmanager
def counting() -> Iterator[Counter[str]]:
    """``with counting() as calls: ...`` then ``sum(calls.values())`` is the round trips."""
    calls: Counter[str] = Counter()
    token = _current.set(calls)
    try:
        yield calls
    finally:
        _current.reset(token)
