"""moto's TransactWriteItems, made to copy each table once instead of once per item.

Before it applies a transaction, moto keeps a deep copy of each table the transaction touches,
to put back if a condition fails; but it takes that copy again for every item, so a transaction
of 100 items on one table copies the whole table 100 times. On a table of a few thousand items
(a catalogue, or a test session's users) one such call took over a minute. The copies are all
taken before anything is written, so they are identical: keeping the first one changes nothing
but the time. Applied by the local stack's moto server and the in-process moto of the tests.
"""
from __future__ import annotations

import copy
import threading
from functools import wraps
from typing import Any

_copies = threading.local()  # id(table) -> its copy, while a transaction is being applied


class _CopyOncePerTransaction:
    """Stands in for the ``copy`` module inside moto's DynamoDB backend."""

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)

    @staticmethod
    def deepcopy(value: Any, memo: dict[int, Any] | None = None) -> Any:
        from moto.dynamodb.models import Table

        taken = getattr(_copies, "tables", None)
        if taken is None or not isinstance(value, Table):
            return copy.deepcopy(value, memo)
        if id(value) not in taken:
            taken[id(value)] = copy.deepcopy(value, memo)
        return taken[id(value)]


def install() -> None:
    """Idempotent; imports moto's DynamoDB backend (seconds), so only where moto is used."""
    from moto.dynamodb import models

    backend = models.DynamoDBBackend
    if getattr(backend.transact_write_items, "copies_once", False):
        return
    original = backend.transact_write_items

    @wraps(original)
    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        _copies.tables = {}
        try:
            return original(self, transact_items)
        finally:
            _copies.tables = None

    transact_write_items.copies_once = True  # type: ignore[attr-defined]
    backend.transact_write_items = transact_write_items  # type: ignore[method-assign]
    models.copy = _CopyOncePerTransaction()  # type: ignore[assignment]
