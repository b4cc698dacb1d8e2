"""What the 旅程 functions answer (``chalicelib.api.journey_views``), for the OpenAPI document; named
by reference, so only the generator and the tests import this module."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from chalicelib.api.answers import Answer


class JourneyHead(Answer):
    """A journey: ``version`` the latest saved, ``liveVersion`` the one users enter (null: never
    published); ``trigger`` the live version's trigger (``fact:order_paid``, ``time:inactive``, …)."""

    id: str
    name: str
    status: Literal["draft", "live", "paused"]
    version: int
    live_version: int | None
    trigger: str | None
    built_in: str | None
    updated_at: datetime
    updated_by: str | None


class Journeys(Answer):
    """The journeys, and what the editor checks a document by: its JSON Schema, WeChat's keyword
    length limits, the server facts and which keywords each field source may fill."""

    journeys: list[JourneyHead]
    schema: dict[str, Any]
    limits: dict[str, int]
    facts: list[str]
    sources: dict[str, list[str]]


class VersionRef(Answer):
    version: int
    saved_at: datetime
    saved_by: str | None


class JourneyDetail(JourneyHead):
    """A journey with its latest document, the live one, and its versions (newest first)."""

    document: dict[str, Any]
    live: dict[str, Any] | None
    versions: list[VersionRef]


class Problem(Answer):
    path: str
    message: str


class WouldEnter(Answer):
    """Who would enter: ``count`` users, from ``basis`` (``index``: today's candidates, exact;
    ``facts``: yesterday's facts of the trigger; ``unknown``: an event trigger not yet watched)."""

    count: int | None
    basis: Literal["index", "facts", "unknown"]
    day: str


class JourneyCheck(Answer):
    problems: list[Problem]
    would_enter: WouldEnter | None


class JourneyStats(Answer):
    """Figures over every version: entered (holdout included), waiting, converted; ``lift``:
    conversion treated vs the journey's holdout (Newcombe 95% interval); per step: reached, sent,
    skipped and failed by reason, conversions attributed to it, random-split variants."""

    id: str
    entered: int
    holdout: int
    waiting: int
    done: int
    exited: int
    converted: int
    holdout_converted: int
    lift: dict[str, Any]
    versions: dict[str, dict[str, int]]
    steps: list[dict[str, Any]]
