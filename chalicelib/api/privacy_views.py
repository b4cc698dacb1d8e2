"""Privacy consent as the mini-program reports it: a visitor's, which earns an anonymous id,
and a user's own decision. What it allows is in ``chalicelib.events.consent``."""
from __future__ import annotations

from typing import Annotated

import msgspec
from chalice import Blueprint

from chalicelib import config, errors, lazy, messages
from chalicelib.api import answers
from chalicelib.api.http import Call, route
from chalicelib.api.limiting import caller_network
from chalicelib.auth import anonymous
from chalicelib.auth.levels import ANONYMOUS, SESSION
from chalicelib.config import iso

# What the routes run loads with the first request that uses it (chalicelib.lazy), not at cold start.
consent = lazy.module("chalicelib.events.consent")
limits = lazy.module("chalicelib.limits.service")
limit_rules = lazy.module("chalicelib.limits.rules")

bp = Blueprint(__name__)

# The merchant's own label for the notice's text ("2026-01", "v3"): which text was agreed to.
Version = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9._-]{1,32}$")]


class PrivacyBody(msgspec.Struct, rename="camel"):
    agreed: bool
    version: Version


@route(bp, "POST", "/auth/anonymous", auth=ANONYMOUS, body=PrivacyBody, status=201, answer=answers.AnonymousId)
def new_anonymous_id(call: Call) -> dict:
    body: PrivacyBody = call.body
    if not body.agreed:
        # The id is what a visitor's events are kept under: none without the agreement.
        raise errors.ValidationFailed(messages.text("VALIDATION_FAILED.not_agreed"))
    limits.take(limit_rules.LIMITS.anonymous_ids_per_address, caller_network(call), now=call.now)
    anonymous_id, device = anonymous.issue(key=config.settings().token_key)
    consent.record_visitor(device, version=body.version, now=call.now)
    return {"anonymousId": anonymous_id}


@route(bp, "POST", "/me/privacy", auth=SESSION, body=PrivacyBody, answer=answers.PrivacyDecision)
def my_privacy(call: Call) -> dict:
    body: PrivacyBody = call.body
    decision = consent.record(call.user_id, agreed=body.agreed, version=body.version, now=call.now)
    return {"agreed": decision.agreed, "version": decision.version, "at": iso(decision.at)}
