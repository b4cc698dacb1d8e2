"""Rules that are data, not code (tiers, check-in cycles, …): one JSON document per name.

Operators edit them through ``PUT /operator/rules/{name}``; each capability parses and
validates its own document and falls back to its built-in defaults when none is stored.
A container keeps what it read for a minute, so an edit is live everywhere within that.
"""
from __future__ import annotations

import json
import logging
import time
from datetime import datetime
from typing import Any, TypeVar

import msgspec
from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import DoesNotExist
from pynamodb.models import Model

from chalicelib import errors
from chalicelib.store.base import meta

log = logging.getLogger(__name__)

R = TypeVar("R", bound=msgspec.Struct)

CACHE_SECONDS = 60.0


class Rule(Model):
    Meta = meta("rules")
    name = UnicodeAttribute(hash_key=True)
    body = UnicodeAttribute()  # JSON
    updated_at = UTCDateTimeAttribute()


_cache: dict[str, tuple[dict[str, Any] | None, float]] = {}


def get(name: str) -> dict[str, Any] | None:
    hit = _cache.get(name)
    if hit and hit[1] > time.monotonic():
        return hit[0]
    try:
        body: dict[str, Any] | None = json.loads(Rule.get(name).body)
    except DoesNotExist:
        body = None
    _cache[name] = (body, time.monotonic() + CACHE_SECONDS)
    return body


def put(name: str, body: dict[str, Any], *, now: datetime) -> None:
    Rule(name, body=json.dumps(body, ensure_ascii=False), updated_at=now).save()
    _cache.pop(name, None)


def forget_cache() -> None:
    _cache.clear()


def parse(name: str, body: dict[str, Any], kind: type[R]) -> R:
    """An operator's JSON (camelCase) → validated rules, or ValidationFailed saying what is wrong."""
    try:
        return msgspec.convert(body, kind)
    except (msgspec.ValidationError, ValueError, TypeError) as exc:
        raise errors.ValidationFailed(f"{name} rules: {exc}") from exc


_stale: set[str] = set()  # documents already reported as no longer valid, to log each once


def load(name: str, kind: type[R]) -> R:
    """The stored rules, or ``kind``'s defaults where none are stored.

    A document saved before a bound was added may fail it now; every route reading it would
    then answer 422 for a value nobody sent. It is read as the defaults instead, and logged,
    until an operator saves it again (which shows them what to change).
    """
    body = get(name)
    if not body:
        return kind()
    try:
        return parse(name, body, kind)
    except errors.ValidationFailed as exc:
        key = name + json.dumps(body, sort_keys=True)
        if key not in _stale:
            _stale.add(key)
            log.error("stored rules no longer valid, defaults in use", extra={"rules": name, "why": exc.message})
        return kind()
