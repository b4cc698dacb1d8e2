"""A replay gets its first answer, whatever has changed since.

Keyed writes derive their item's id from the client's ``Idempotency-Key``, so a replay that
passes every check meets its own item in the transaction's condition and answers with it. A
replay that would now be refused (the stock sold out, the points spent, the campaign ended)
must not be: before any refusal of a keyed request reaches the client, the request's first
result is looked up, and answered if it exists. The happy path pays nothing for it.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from chalicelib import errors

T = TypeVar("T")


def first_answer(key: str | None, attempt: Callable[[], T], earlier: Callable[[], T | None]) -> T:
    """``attempt()``; if it refuses a request that carried ``key``, ``earlier()`` if that exists."""
    try:
        return attempt()
    except errors.AppError:
        if key is not None:
            found = earlier()
            if found is not None:
                return found
        raise
