"""Rules that are data, not code (tiers, check-in cycles, …): one JSON document per name.

Operators edit them through ``PUT /operator/rules/{name}``; each capability parses and
validates its own document and falls back to its built-in defaults when none is stored.
A container keeps what it read for a minute, so an edit is live everywhere within that.

Versions. Key patterns:
- ``rules``: ``name`` → the current document, its ``version`` (1, 2, …; absent on a document
  saved before versions existed, or none stored: version 0) and who saved it.
- ``rule-versions``: ``name`` and ``version`` → every document saved (who, when, and which
  version a rollback restored). Listing is one Query, newest first.
A save is one transaction: the current item on condition that its version is the one the saver
read (so of two racing saves or rollbacks one wins, the other is 409 ``RULES_VERSION_STALE``),
and the new version item on condition that it does not exist yet.
"""
from __future__ import annotations

import json
import logging
import re
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TypeVar

import msgspec
from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import DoesNotExist
from pynamodb.models import Model

from chalicelib import errors, messages
from chalicelib.store.base import meta

log = logging.getLogger(__name__)

R = TypeVar("R", bound=msgspec.Struct)

CACHE_SECONDS = 60.0


class Rule(Model):
    Meta = meta("rules")
    name = UnicodeAttribute(hash_key=True)
    body = UnicodeAttribute()  # JSON
    updated_at = UTCDateTimeAttribute()
    version = NumberAttribute(null=True)  # absent: saved before versions (read as version 0)
    updated_by = UnicodeAttribute(null=True)  # operator id


class RuleVersion(Model):
    Meta = meta("rule-versions")
    name = UnicodeAttribute(hash_key=True)
    version = NumberAttribute(range_key=True)
    body = UnicodeAttribute()  # JSON
    saved_at = UTCDateTimeAttribute()
    saved_by_id = UnicodeAttribute(null=True)  # None: saved without an operator (seed, scripts, before versions)
    saved_by_name = UnicodeAttribute(null=True)
    rollback_of = NumberAttribute(null=True)  # the version this one restored


class Saver(Protocol):
    """Who saves (``chalicelib.operators.audit.Who``)."""

    actor_id: str
    actor_name: str


@dataclass(frozen=True)
class Version:
    name: str
    version: int
    body: dict[str, Any]
    saved_at: datetime
    saved_by_id: str | None = None
    saved_by_name: str | None = None
    rollback_of: int | None = None


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
    """Save ``body`` as the next version, whatever the current one is (seeds, scripts, tests)."""
    save(name, body, now=now)


def current(name: str) -> tuple[dict[str, Any] | None, int]:
    """The stored document (None: the defaults apply) and its version, read consistently."""
    item = _current_item(name)
    return (json.loads(item.body) if item else None), _version_of(item)


def save(name: str, body: dict[str, Any], *, now: datetime, by: Saver | None = None, expected: int | None = None,
         rollback_of: int | None = None) -> Version:
    """Save ``body`` as the next version of ``name`` (already validated by its capability).

    ``expected``: the version the caller read; another is 409 ``RULES_VERSION_STALE``. Without
    it the version read here is the condition, so a save racing another still cannot win both.
    Two round trips: the current item, then one transaction (three items at most: the current,
    the new version, and the document saved before versions existed, kept as the version before).
    """
    from chalicelib.store import transactions

    item = _current_item(name)
    version = _version_of(item)
    if expected is not None and expected != version:
        raise errors.RulesVersionStale()
    versioned = item is not None and item.version is not None
    # A current item deleted by hand (or never versioned) may leave versions behind: go on after them.
    after = version if versioned else max(version, _latest(name))
    kept: Version | None = None
    if item is not None and not versioned:
        after += 1
        kept = Version(name, after, json.loads(item.body), item.updated_at)
    new = Version(name, after + 1, body, now, getattr(by, "actor_id", None), getattr(by, "actor_name", None),
                  rollback_of)
    condition = Rule.version == version if versioned else Rule.version.does_not_exist()
    tx = transactions.Transaction()
    tx.save("current", Rule(name, body=_dump(body), updated_at=now, version=new.version, updated_by=new.saved_by_id),
            condition=condition)
    for v in (kept, new):
        if v is not None:
            tx.save(f"version {v.version}", _item(v), condition=RuleVersion.version.does_not_exist())
    try:
        tx.commit()
    except transactions.Cancelled as exc:  # a racing save took the version first (or held the item)
        raise errors.RulesVersionStale() from exc
    finally:
        _cache.pop(name, None)
    return new


def versions(name: str, *, limit: int, before: int | None = None) -> tuple[list[Version], int | None]:
    """Saved versions, newest first, ``limit`` a page; the cursor of the next page (or None)."""
    condition = RuleVersion.version < before if before is not None else None
    items = list(RuleVersion.query(name, range_key_condition=condition, scan_index_forward=False,
                                   limit=limit + 1, consistent_read=True))
    page = [_version(i) for i in items[:limit]]
    return page, (page[-1].version if len(items) > limit else None)


def version(name: str, number: int) -> Version:
    try:
        return _version(RuleVersion.get(name, number, consistent_read=True))
    except DoesNotExist as exc:
        raise errors.RulesVersionNotFound() from exc


def _current_item(name: str) -> Rule | None:
    try:
        return Rule.get(name, consistent_read=True)
    except DoesNotExist:
        return None


def _version_of(item: Rule | None) -> int:
    return int(item.version) if item is not None and item.version is not None else 0


def _latest(name: str) -> int:
    last = next(iter(RuleVersion.query(name, scan_index_forward=False, limit=1, consistent_read=True)), None)
    return int(last.version) if last is not None else 0


def _dump(body: dict[str, Any]) -> str:
    return json.dumps(body, ensure_ascii=False)


def _item(v: Version) -> RuleVersion:
    return RuleVersion(v.name, v.version, body=_dump(v.body), saved_at=v.saved_at, saved_by_id=v.saved_by_id,
                       saved_by_name=v.saved_by_name, rollback_of=v.rollback_of)


def _version(i: RuleVersion) -> Version:
    return Version(i.name, int(i.version), json.loads(i.body), i.saved_at, i.saved_by_id, i.saved_by_name,
                   int(i.rollback_of) if i.rollback_of is not None else None)


def forget_cache() -> None:
    _cache.clear()


def parse(name: str, body: dict[str, Any], kind: type[R]) -> R:
    """An operator's JSON (camelCase) → validated rules, or ValidationFailed saying what is wrong."""
    try:
        return msgspec.convert(body, kind)
    except (msgspec.ValidationError, ValueError, TypeError) as exc:
        raise errors.ValidationFailed(messages.text("RULES_INVALID") + why(exc)) from exc


_AT = re.compile(r" - at `\$\.?([^`]*)`")
_NAMED = re.compile(r"field `(\w+)`")


def why(exc: Exception) -> str:
    """msgspec's refusal in the catalogue's words (zh-CN), naming the field by its path
    (``$.tiers[1].threshold``): the console puts it beside that field. A rule's own check
    (``__post_init__``) is already a sentence from the catalogue."""
    text = str(exc)
    at, named = _AT.search(text), _NAMED.search(text)
    where = at[1] if at else ""
    if named and ("unknown field" in text or "missing required field" in text):
        field = f"{where}.{named[1]}" if where else named[1]
        return messages.text("RULES_FIELD_UNKNOWN" if "unknown" in text else "RULES_FIELD_MISSING").format(field=field)
    if at and where and not text.startswith(tuple(messages.CATALOGUE[messages.DEFAULT].values())):
        return messages.text("RULES_FIELD_INVALID").format(field=where)
    return _AT.sub("", text)


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
