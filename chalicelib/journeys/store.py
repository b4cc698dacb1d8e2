"""Saving, publishing and reading journeys.

A save writes the next version and moves the head in one transaction, on the version the
operator read (409 ``JOURNEY_VERSION_STALE`` otherwise). Publishing points the head's
``live_version`` at a saved version: users who enter from then on run it, users already inside
keep the version they entered. A version is never changed, so a container caches it for good;
the live set (which journeys a fact starts) is cached for ``CACHE_SECONDS``, so a publish or a
pause is live everywhere within a minute.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import msgspec
from pynamodb.exceptions import DoesNotExist, UpdateError

from chalicelib import errors, messages, rulebook
from chalicelib.journeys import document
from chalicelib.journeys.document import Journey
from chalicelib.journeys.models import SHOP, JourneyHead, JourneyVersion
from chalicelib.store import transactions

CACHE_SECONDS = 60
DRAFT, LIVE, PAUSED = "draft", "live", "paused"
MAX_JOURNEYS = 200  # a shop's journeys are one Query page; more would be a design, not a shop

_versions: dict[tuple[str, int], Journey] = {}
_live: dict[str, Any] = {}


@dataclass(frozen=True)
class Live:
    """A published journey as the engine runs it."""

    journey_id: str
    version: int
    doc: Journey
    status: str


def parse(body: dict[str, Any]) -> Journey:
    """The operator's JSON → a journey, or 422 saying what is wrong and where (``$.steps[2].…``)."""
    try:
        doc = msgspec.convert(body, Journey)
    except (msgspec.ValidationError, ValueError, TypeError) as exc:
        raise errors.ValidationFailed(messages.text("JOURNEY_INVALID") + rulebook.why(exc)) from exc
    found = document.problems(doc)
    if found:  # every problem, each with its path: the editor puts each beside its field
        raise errors.ValidationFailed(messages.text("JOURNEY_INVALID") + "；".join(
            messages.text("JOURNEY_INVALID.at", path=path, problem=messages.text(key, **params))
            for path, key, params in found))
    return doc


def all_problems(body: dict[str, Any]) -> list[dict[str, str]]:
    """Every problem of a draft that has the document's shape, each with its path: what the
    console shows as the operator edits. A body without that shape is 422, as a save would be."""
    try:
        doc = msgspec.convert(body, Journey)
    except (msgspec.ValidationError, ValueError, TypeError) as exc:
        raise errors.ValidationFailed(messages.text("JOURNEY_INVALID") + rulebook.why(exc)) from exc
    return [{"path": path, "message": messages.text(key, **params)} for path, key, params in document.problems(doc)]


def trigger_key(doc: Journey) -> str:
    t = doc.trigger
    if isinstance(t, document.OnFact):
        return f"fact:{t.fact}"
    if isinstance(t, document.OnEvent):
        return f"event:{t.name}"
    if isinstance(t, document.EnteredSegment):
        return f"segment:{t.segment}"
    return f"time:{type(t).__struct_config__.tag}"


def head(journey_id: str) -> JourneyHead:
    try:
        return JourneyHead.get(SHOP, journey_id, consistent_read=True)
    except DoesNotExist as exc:
        raise errors.NotFound(messages.text("NOT_FOUND.journey")) from exc


def listing() -> list[JourneyHead]:
    return list(JourneyHead.query(SHOP, limit=MAX_JOURNEYS))


def body_of(journey_id: str, version: int) -> dict[str, Any]:
    try:
        return json.loads(JourneyVersion.get(journey_id, version).body)
    except DoesNotExist as exc:
        raise errors.NotFound(messages.text("NOT_FOUND.journey_version")) from exc


def doc_of(journey_id: str, version: int) -> Journey:
    """A saved version, parsed once per container (versions never change)."""
    key = (journey_id, version)
    if key not in _versions:
        _versions[key] = msgspec.convert(body_of(journey_id, version), Journey)
    return _versions[key]


def versions(journey_id: str, limit: int = 20) -> list[JourneyVersion]:
    return list(JourneyVersion.query(journey_id, scan_index_forward=False, limit=limit))


def save(journey_id: str, body: dict[str, Any], *, now: datetime, by: str | None,
         expected: int | None, built_in: str | None = None) -> JourneyHead:
    """Validate ``body`` and save it as the next version (a new journey starts as a draft)."""
    doc = parse(body)
    try:
        current: JourneyHead | None = JourneyHead.get(SHOP, journey_id, consistent_read=True)
    except DoesNotExist:
        current = None
    version = int(current.version) if current is not None else 0
    if expected is not None and expected != version:
        raise errors.JourneyVersionStale()
    if current is None and len(listing()) >= MAX_JOURNEYS:
        raise errors.ValidationFailed(messages.text("JOURNEY_INVALID.too_many", most=MAX_JOURNEYS))
    new = JourneyHead(SHOP, journey_id, name=doc.name, status=current.status if current else DRAFT,
                      version=version + 1, live_version=current.live_version if current else None,
                      trigger_key=current.trigger_key if current else None, updated_at=now, updated_by=by,
                      built_in=(current.built_in if current else None) or built_in)
    tx = transactions.Transaction()
    tx.save("head", new, condition=(JourneyHead.version == version) if current is not None
            else JourneyHead.journey_id.does_not_exist())
    tx.save("version", JourneyVersion(journey_id, version + 1, body=json.dumps(body, ensure_ascii=False),
                                      saved_at=now, saved_by=by),
            condition=JourneyVersion.version.does_not_exist())
    try:
        tx.commit()
    except transactions.Cancelled as exc:
        raise errors.JourneyVersionStale() from exc
    forget_cache()
    return new


def publish(journey_id: str, version: int | None, *, now: datetime, by: str | None) -> JourneyHead:
    """Make ``version`` (the latest when None) the one users enter, and the journey live."""
    current = head(journey_id)
    version = version or int(current.version)
    if not 1 <= version <= int(current.version):
        raise errors.NotFound(messages.text("NOT_FOUND.journey_version"))
    doc = parse(body_of(journey_id, version))  # a version saved before a check existed must pass it now
    return _update(journey_id, [JourneyHead.status.set(LIVE), JourneyHead.live_version.set(version),
                                JourneyHead.trigger_key.set(trigger_key(doc)), JourneyHead.name.set(doc.name)],
                   now=now, by=by)


def set_status(journey_id: str, status: str, *, now: datetime, by: str | None) -> JourneyHead:
    """Pause (no one enters, no one inside moves on until resumed) or resume a published journey."""
    current = head(journey_id)
    if current.live_version is None:
        raise errors.JourneyNotPublished()
    return _update(journey_id, [JourneyHead.status.set(status)], now=now, by=by)


def _update(journey_id: str, actions: list, *, now: datetime, by: str | None) -> JourneyHead:
    item = JourneyHead(SHOP, journey_id)
    try:
        item.update(actions=[*actions, JourneyHead.updated_at.set(now), JourneyHead.updated_by.set(by)],
                    condition=JourneyHead.journey_id.exists())
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            raise errors.NotFound(messages.text("NOT_FOUND.journey")) from exc
        raise
    forget_cache()
    return item


def live() -> list[Live]:
    """The published journeys (live and paused), their documents parsed; cached a minute."""
    hit = _live.get("all")
    if hit is not None and hit[1] > time.monotonic():
        return hit[0]
    out = [Live(h.journey_id, int(h.live_version), doc_of(h.journey_id, int(h.live_version)), h.status)
           for h in listing() if h.live_version is not None]
    _live["all"] = (out, time.monotonic() + CACHE_SECONDS)
    return out


def live_by_trigger(key: str) -> list[Live]:
    return [j for j in live() if j.status == LIVE and trigger_key(j.doc) == key]


def status_of(journey_id: str) -> str | None:
    return next((j.status for j in live() if j.journey_id == journey_id), None)


def watched_names() -> frozenset[str]:
    """Event names some published journey starts on, waits for or has as its goal: only these
    behaviour events become journey facts, so ingest costs nothing more when none is used."""
    names: set[str] = set()
    for j in live():
        for t in _watched(j.doc):
            if isinstance(t, document.OnEvent):
                names.add(t.name)
    return frozenset(names)


def watched_facts() -> frozenset[str]:
    """The fact keys (``fact:bargain_expired``) some live journey starts on, waits for or has as its
    goal: a fact no job records as it happens is looked for only while one does."""
    return frozenset(f"fact:{t.fact}" for j in live() if j.status == LIVE for t in _watched(j.doc)
                     if isinstance(t, document.OnFact))


def _watched(doc: Journey) -> list[Any]:
    out: list[Any] = [doc.trigger]
    out += [s.until for s in doc.steps if isinstance(s, document.Wait)]
    if doc.goal is not None:
        out.append(doc.goal.on)
    return out


def forget_cache() -> None:
    _live.clear()
