"""The simulated clock: the simulator moves the local stack's time day by day. This blueprint
is registered only when ``config.simulated_clock_allowed()`` (local stage, outside Lambda)."""
from __future__ import annotations

from datetime import datetime

import msgspec
from chalice import Blueprint

from chalicelib import config, errors
from chalicelib.api.http import Call, route
from chalicelib.auth.levels import OPERATOR

bp = Blueprint(__name__)


class Clock(msgspec.Struct, forbid_unknown_fields=True):
    now: datetime | None  # None: back to real time


@route(bp, "GET", "/operator/clock", auth=OPERATOR)
def read(call: Call) -> dict:
    return {"now": config.iso(call.now)}


@route(bp, "PUT", "/operator/clock", auth=OPERATOR, body=Clock)
def move(call: Call) -> dict:
    instant = call.body.now
    if instant is not None and instant.tzinfo is None:
        raise errors.ValidationFailed("now needs a zone, e.g. 2026-11-24T02:00:00Z.")
    return {"now": config.iso(config.set_clock(instant))}
