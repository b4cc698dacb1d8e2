"""Transactions whose items have names, and the storage failures worth telling apart.

DynamoDB says which item of a cancelled transaction failed only by its position, and PynamoDB
sends items grouped by kind (condition checks, deletes, puts, updates), not in the order they
were added. ``Transaction`` keeps the names in PynamoDB's order so a cancellation can say
"stock" or "quota" instead of "item 2".
"""
from __future__ import annotations

import random
import time
from collections.abc import Callable
from contextvars import ContextVar
from functools import cache
from typing import Any, TypeVar

from botocore.exceptions import BotoCoreError, ClientError
from pynamodb.connection import Connection
from pynamodb.exceptions import PynamoDBException, TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from chalicelib import config, errors

# Codes after which nothing was written and the same request may simply be sent again.
TRANSIENT_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
        "TransactionInProgressException",
    }
)
GUARD = "guard"
# A condition every transaction of the current request must meet as well: the route wrapper
# sets "the caller's account still exists and is not being erased", so a request that read the
# account just before its erasure began cannot write anything under that id afterwards, and no
# service has to remember to ask.
request_guard: ContextVar[tuple[type[Model], Any, Condition] | None] = ContextVar("request_guard", default=None)
CONFLICT = "TransactionConflict"
FAILED = "ConditionalCheckFailed"

T = TypeVar("T")


@cache
def _connection() -> Connection:
    return Connection(region=config.region(), host=config.dynamodb_endpoint())


class Cancelled(Exception):
    """A transaction DynamoDB refused: ``failed`` names the items whose condition did not hold."""

    def __init__(self, failed: set[str], conflict: bool) -> None:
        super().__init__(f"transaction cancelled: failed={sorted(failed)} conflict={conflict}")
        self.failed = failed
        self.conflict = conflict


class Transaction:
    """``tx = Transaction(); tx.update("stock", ...); tx.save("coupon", ...); tx.commit()``."""

    def __init__(self, request_token: str | None = None) -> None:
        # ``request_token`` (≤ 36 chars) makes a resend within ten minutes a no-op, not a repeat.
        self._tx = TransactWrite(connection=_connection(), client_request_token=request_token)
        self._names: dict[str, list[str]] = {"check": [], "delete": [], "save": [], "update": []}
        self._touched: set[tuple[type[Model], Any]] = set()  # one operation per item, says DynamoDB

    def check(self, name: str, model: type[Model], hash_key: Any, range_key: Any = None, *, condition: Condition) -> None:
        self._tx.condition_check(model, hash_key, range_key, condition=condition)
        self._names["check"].append(name)
        self._touched.add((model, hash_key))

    def delete(self, name: str, item: Model, condition: Condition | None = None) -> None:
        self._tx.delete(item, condition=condition)
        self._names["delete"].append(name)
        self._touch(item)

    def save(self, name: str, item: Model, condition: Condition | None = None) -> None:
        self._tx.save(item, condition=condition)
        self._names["save"].append(name)
        self._touch(item)

    def update(self, name: str, item: Model, actions: list, condition: Condition | None = None) -> None:
        self._tx.update(item, actions=actions, condition=condition)
        self._names["update"].append(name)
        self._touch(item)

    def _touch(self, item: Model) -> None:
        self._touched.add((type(item), getattr(item, item._hash_keyname)))

    def commit(self) -> None:
        guard = request_guard.get()
        if guard is not None and (guard[0], guard[1]) not in self._touched:
            # A transaction that writes the guarded item itself carries its own condition.
            self.check(GUARD, guard[0], guard[1], condition=guard[2])
        try:
            self._tx._commit()
        except TransactWriteError as exc:
            if exc.cause_response_code != "TransactionCanceledException":
                raise
            order = self._names["check"] + self._names["delete"] + self._names["save"] + self._names["update"]
            codes = [reason.code if reason else None for reason in exc.cancellation_reasons]
            failed = {name for name, code in zip(order, codes) if code == FAILED}
            if GUARD in failed:
                raise errors.UserGone() from exc
            raise Cancelled(failed, conflict=CONFLICT in codes) from exc


def run(build: Callable[[Transaction], T], attempts: int = 6) -> T:
    """Build and commit a transaction, again after a conflict with a concurrent one.

    A conflict means another transaction held one of the items; nothing was written, so the
    same transaction is simply tried again after a short, jittered pause.
    """
    for attempt in range(attempts):
        tx = Transaction()
        result = build(tx)
        try:
            tx.commit()
            return result
        except Cancelled as exc:
            if exc.failed or not exc.conflict:
                raise
            if attempt == attempts - 1:
                raise errors.StorageUnavailable(retry_after=1) from exc
            backoff(attempt)
    raise AssertionError("attempts must be at least 1")


def backoff(attempt: int) -> None:
    """A short, jittered pause before trying a contended write again (20 ms, 40 ms, ...)."""
    time.sleep(random.uniform(0, 0.02 * 2**attempt))


def is_transient(exc: BaseException) -> bool:
    """Throttling, a timeout, a connection refused, the storage engine's own failure (any 5xx):
    a retry may succeed (and, every handler being idempotent, a retry of a write that did land
    changes nothing). Followed through ``raise ... from`` and through an error raised while
    handling one: PynamoDB's ``cause_response_code``, which many handlers read, itself fails
    on a timeout (AttributeError), and that is still the timeout's doing."""
    current: BaseException | None = exc
    for _ in range(8):  # a chain of wrappers is short; a cycle must not hang a request
        if current is None:
            return False
        if isinstance(current, BotoCoreError):
            return True
        if isinstance(current, PynamoDBException):
            # A read timeout's cause carries ``response = None``, which cause_response_code trips on.
            if isinstance(current.cause, BotoCoreError):
                return True
            if isinstance(current.cause, ClientError) and _engine_failed(current.cause):
                return True
        if isinstance(current, ClientError) and _engine_failed(current):
            return True
        if current.__cause__ is None and current.__suppress_context__:  # ``raise ... from None``
            return False
        current = current.__cause__ or current.__context__
    return False


def _engine_failed(error: ClientError) -> bool:
    """A named transient code, or any 5xx: an emulator's crash comes back as an HTML page that
    botocore can only name by its status ("500"), DynamoDB Local's as InternalFailure."""
    response = error.response or {}
    status = (response.get("ResponseMetadata") or {}).get("HTTPStatusCode") or 0
    return (response.get("Error") or {}).get("Code") in TRANSIENT_CODES or status >= 500
