"""The simulated clock: the simulator moves the local stack's time day by day. This blueprint
is registered only when ``config.simulated_clock_allowed()`` (local stage, outside Lambda)."""
from __future__ import annotations

from datetime import datetime

from chalice import Blueprint

from chalicelib import bounds, config, errors, messages
from chalicelib.api.http import Call, route
from chalicelib.api.schemas import Dated
from chalicelib.auth.levels import OPERATOR

bp = Blueprint(__name__)


class Clock(Dated, forbid_unknown_fields=True):
    now: datetime | None  # None: back to real time


@route(bp, "GET", "/operator/clock", auth=OPERATOR, answer="chalicelib.api.merchant_answers:ClockTime")
def read(call: Call) -> dict:
    return {"now": config.iso(call.now)}


@route(bp, "PUT", "/operator/clock", auth=OPERATOR, body=Clock, answer="chalicelib.api.merchant_answers:ClockTime")
def move(call: Call) -> dict:
    instant = call.body.now
    if instant is not None and instant.tzinfo is None:
        raise errors.ValidationFailed(messages.text("VALIDATION_FAILED.clock_zone"))
    # Refused before it is set: a clock past the window would break every route, this one too.
    if instant is not None and not bounds.CLOCK_FROM <= instant < bounds.CLOCK_UNTIL:
        raise errors.ValidationFailed(bounds.clock_message())
    return {"now": config.iso(config.set_clock(instant))}
