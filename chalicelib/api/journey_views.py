"""旅程: the automated touch chains operators design. Marketers and owners edit, publish and pause;
analysts read. The documents and the engine live in ``chalicelib.journeys``."""
from __future__ import annotations

import re
from functools import cache
from typing import Annotated, Any

import msgspec
from chalice import Blueprint

from chalicelib import errors, lazy, messages
from chalicelib.api.http import Call, route
from chalicelib.auth.levels import OPERATOR
from chalicelib.operators.roles import READ

store = lazy.module("chalicelib.journeys.store")
stats = lazy.module("chalicelib.journeys.stats")
estimate = lazy.module("chalicelib.journeys.estimate")

bp = Blueprint(__name__)

ANSWERS = "chalicelib.api.journey_answers:"
JOURNEY_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


class SaveQuery(msgspec.Struct):
    """``expectedVersion``: the version the editor read (0 for a new journey); another is 409."""

    expectedVersion: Annotated[int, msgspec.Meta(ge=0, le=1_000_000)] | None = None  # noqa: N815


class PublishBody(msgspec.Struct, forbid_unknown_fields=True):
    """The saved version users will enter (the latest when left out)."""

    version: Annotated[int, msgspec.Meta(ge=1, le=1_000_000)] | None = None


def _id(call: Call) -> str:
    journey_id = call.path["journey_id"]
    if not JOURNEY_ID.match(journey_id):
        raise errors.ValidationFailed(messages.text("VALIDATION_FAILED.journey_id"))
    return journey_id


def _query(call: Call) -> SaveQuery:
    try:
        return msgspec.convert(call.query, SaveQuery, strict=False)
    except msgspec.ValidationError as exc:
        raise errors.ValidationFailed(messages.text("VALIDATION_FAILED.body", detail=exc)) from exc


def head_json(h: Any) -> dict[str, Any]:
    return {"id": h.journey_id, "name": h.name, "status": h.status, "version": int(h.version),
            "liveVersion": None if h.live_version is None else int(h.live_version), "trigger": h.trigger_key,
            "builtIn": h.built_in, "updatedAt": h.updated_at, "updatedBy": h.updated_by}


def journey_json(journey_id: str) -> dict[str, Any]:
    h = store.head(journey_id)
    latest = store.body_of(journey_id, int(h.version))
    live = store.body_of(journey_id, int(h.live_version)) if h.live_version is not None else None
    return {**head_json(h), "document": latest, "live": live,
            "versions": [{"version": int(v.version), "savedAt": v.saved_at, "savedBy": v.saved_by}
                         for v in store.versions(journey_id)]}


@route(bp, "GET", "/operator/journeys", auth=OPERATOR, answer=ANSWERS + "Journeys")
def list_journeys(call: Call) -> dict:
    return {"journeys": [head_json(h) for h in store.listing()], **_form()}


@cache
def _form() -> dict:
    """What the editor checks a journey by, from the types that check it here: the JSON Schema,
    WeChat's keyword limits, the facts and the sources each keyword takes."""
    from chalicelib.journeys import document

    return {"schema": msgspec.json.schema(document.Journey), "limits": document.LIMITS,
            "facts": list(document.FACTS), "sources": {k: list(v) for k, v in document.SOURCE_FITS.items()}}


@route(bp, "GET", "/operator/journeys/{journey_id}", auth=OPERATOR, answer=ANSWERS + "JourneyDetail")
def get_journey(call: Call) -> dict:
    return journey_json(_id(call))


@route(bp, "PUT", "/operator/journeys/{journey_id}", auth=OPERATOR, body=dict, query=SaveQuery,
       answer=ANSWERS + "JourneyDetail")
def put_journey(call: Call) -> dict:
    """Save the document as the journey's next version (validated first; a new journey is a
    draft). Users inside keep their version; publish to make this one the one users enter."""
    journey_id, q = _id(call), _query(call)
    store.save(journey_id, call.body, now=call.now, by=call.actor.who.actor_name, expected=q.expectedVersion)
    return journey_json(journey_id)


@route(bp, "POST", "/operator/journeys/{journey_id}/check", auth=OPERATOR, body=dict, capability=READ,
       answer=ANSWERS + "JourneyCheck")
def check_journey(call: Call) -> dict:
    """Every problem of a draft with its path, and who would enter today; nothing is saved."""
    _id(call)
    found = store.all_problems(call.body)
    return {"problems": found, "wouldEnter": None if found else estimate.would_enter(store.parse(call.body),
                                                                                     now=call.now)}


@route(bp, "POST", "/operator/journeys/{journey_id}/publish", auth=OPERATOR, body=PublishBody,
       answer=ANSWERS + "JourneyDetail")
def publish_journey(call: Call) -> dict:
    journey_id = _id(call)
    store.publish(journey_id, call.body.version, now=call.now, by=call.actor.who.actor_name)
    return journey_json(journey_id)


@route(bp, "POST", "/operator/journeys/{journey_id}/pause", auth=OPERATOR, answer=ANSWERS + "JourneyDetail")
def pause_journey(call: Call) -> dict:
    journey_id = _id(call)
    store.set_status(journey_id, store.PAUSED, now=call.now, by=call.actor.who.actor_name)
    return journey_json(journey_id)


@route(bp, "POST", "/operator/journeys/{journey_id}/resume", auth=OPERATOR, answer=ANSWERS + "JourneyDetail")
def resume_journey(call: Call) -> dict:
    journey_id = _id(call)
    store.set_status(journey_id, store.LIVE, now=call.now, by=call.actor.who.actor_name)
    return journey_json(journey_id)


@route(bp, "GET", "/operator/journeys/{journey_id}/stats", auth=OPERATOR, answer=ANSWERS + "JourneyStats")
def journey_stats(call: Call) -> dict:
    """Entered, waiting, sent, skipped and failed by reason per step, converted, and the lift
    against the journey's holdout with its 95% interval."""
    journey_id = _id(call)
    h = store.head(journey_id)
    body = store.body_of(journey_id, int(h.live_version or h.version))
    return {"id": journey_id, **stats.report(journey_id, body.get("steps", []))}
