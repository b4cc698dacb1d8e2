"""Signals in: behaviour events (before and after login) and subscribe-message consent.
(Privacy consent, which decides where events are kept, is ``privacy_views``.)"""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from chalice import Blueprint

from chalicelib import config, errors, lazy, messages
from chalicelib.api import answers
from chalicelib.api.http import Call, route
from chalicelib.api.limiting import caller_network
from chalicelib.auth import anonymous
from chalicelib.auth.levels import ANONYMOUS, SESSION
from chalicelib.events import rules

# What the routes run loads with the first request that uses it (chalicelib.lazy), not at cold start.
events = lazy.module("chalicelib.events.service")
limits = lazy.module("chalicelib.limits.service")
limit_rules = lazy.module("chalicelib.limits.rules")
moments = lazy.module("chalicelib.journeys.moments")
wakeup = lazy.module("chalicelib.wakeup.service")

bp = Blueprint(__name__)

EventId = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]


class EventIn(msgspec.Struct):
    id: EventId
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    time: Any = None  # checked one by one: a bad time refuses its event, not the batch
    props: dict[str, Any] = {}


class Batch(msgspec.Struct, rename="camel"):
    events: Annotated[list[EventIn], msgspec.Meta(min_length=1, max_length=rules.MAX_EVENTS)]
    # The signed id of POST /auth/anonymous, sent as anonymousId; named for what it stands for.
    device_id: Annotated[str, msgspec.Meta(min_length=1, max_length=anonymous.MAX_LENGTH)] | None = msgspec.field(
        default=None, name="anonymousId")


class Subscriptions(msgspec.Struct):
    results: Annotated[dict[str, Literal["accept", "reject", "ban", "filter"]], msgspec.Meta(min_length=1, max_length=3)]


@route(bp, "POST", "/events", auth=ANONYMOUS, body=Batch, max_body=rules.MAX_BYTES, answer=answers.Ingested)
def ingest(call: Call) -> dict:
    batch: Batch = call.body
    user_id, device = _caller(call, batch)
    incoming, refused = [], []
    for e in batch.events:
        when = _time(e.time)
        if when is False:
            refused.append((e.id, "time must be ISO-8601 with a zone"))
        else:
            incoming.append(events.Incoming(e.id, e.name, when, e.props))
    result = events.ingest(incoming, user_id=user_id, device_id=device, now=call.now)
    return {
        "accepted": result.accepted,
        "rejected": [{"id": i, "reason": why} for i, why in refused + result.rejected],
        "kept": result.kept,
    }


@route(bp, "POST", "/subscriptions", auth=SESSION, body=Subscriptions, answer=answers.Credits)
def subscribe(call: Call) -> dict:
    for template in call.body.results:
        if not 0 < len(template) <= 64:
            raise errors.ValidationFailed(messages.text("VALIDATION_FAILED.template_ids"))
    limits.take(limit_rules.LIMITS.subscriptions_per_user, call.user_id, now=call.now)
    credits = wakeup.record_consent(call.user_id, call.account.openid, call.body.results,
                                     idempotency_key=call.idempotency_key, now=call.now)
    return {"credits": credits}


@route(bp, "GET", "/subscriptions", auth=SESSION, answer=answers.Credits)
def my_subscriptions(call: Call) -> dict:
    return {"credits": wakeup.credits_of(call.user_id)}


class MomentQuery(msgspec.Struct):
    moment: Literal["after_pay", "join_group", "bargain", "checkin", "coupon", "signup"]


@route(bp, "GET", "/subscribe/moments", auth=SESSION, query=MomentQuery, answer=answers.MomentTemplates)
def subscribe_moment(call: Call) -> dict:
    """The templates to ask for at this moment (``chalicelib.journeys.moments``): what the live
    journeys will send, those the user has the fewest credits for first, at most 3."""
    moment = call.query.get("moment", "")
    if moment not in moments.MOMENTS:
        raise errors.ValidationFailed(messages.text("VALIDATION_FAILED.one_of", field="moment",
                                                    allowed=", ".join(moments.MOMENTS)))
    return {"moment": moment, "templates": moments.to_ask(moment, wakeup.credits_of(call.user_id))}


def _caller(call: Call, batch: Batch) -> tuple[str | None, str | None]:
    """Whose events these are (a user, or a visitor's device), their budget taken.

    Events count, not requests, and refused ones too: the limit is on what a caller makes us do.
    With a token the anonymous id plays no part; without one, the address pays first (a made-up
    id is refused, but only after it counted), then only an id we signed names a device.
    """
    n = len(batch.events)
    if call.principal is not None:
        limits.take(limit_rules.LIMITS.events_per_user, call.principal.user_id, n, now=call.now)
        return call.principal.user_id, None
    limits.take(limit_rules.LIMITS.anonymous_events_per_address, caller_network(call), n, now=call.now)
    if batch.device_id is None:
        return None, None
    device = anonymous.device_of(batch.device_id, key=config.settings().token_key)
    limits.take(limit_rules.LIMITS.events_per_device, device, n, now=call.now)
    return None, device


def _time(value: Any) -> datetime | None | bool:
    """None when absent, the instant when valid, False when it cannot be read."""
    if value is None:
        return None
    try:
        parsed = msgspec.convert(value, datetime)
    except msgspec.ValidationError:
        return False
    return parsed if parsed.tzinfo is not None else False
