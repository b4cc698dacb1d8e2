"""Operators' retention metrics (JSON), and the rollup that feeds them, by hand."""
from __future__ import annotations

from datetime import date

import msgspec
from chalice import Blueprint

from chalicelib import lazy
from chalicelib.api.http import Call, route
from chalicelib.api.schemas import Dated
from chalicelib.auth.levels import OPERATOR

# What the routes run loads with the first request that uses it (chalicelib.lazy), not at cold start.
metrics = lazy.module("chalicelib.metrics.service")
rollup = lazy.module("chalicelib.metrics.rollup")

bp = Blueprint(__name__)

# Answer types by name: only the OpenAPI generator imports them (chalicelib.api.merchant_answers).
ANSWERS = "chalicelib.api.merchant_answers:"


class RangeQuery(msgspec.Struct, rename={"first": "from", "last": "to"}):
    """China days; by default the 30 days to yesterday."""

    first: date | None = None
    last: date | None = None


class Range(Dated, forbid_unknown_fields=True, rename={"first": "from", "last": "to"}):
    first: date
    last: date


@route(bp, "GET", "/operator/metrics/{metric}", auth=OPERATOR, query=RangeQuery, answer=ANSWERS + "Metrics")
def read(call: Call) -> dict:
    first, last = metrics.parse_range(call.query.get("from"), call.query.get("to"), now=call.now)
    return metrics.report(call.path["metric"], first, last)


@route(bp, "POST", "/operator/metrics/rollup", auth=OPERATOR, body=Range, answer=ANSWERS + "Rollup")
def backfill(call: Call) -> dict:
    """Rebuild the rows of ``from..to`` (at most 31 days a call; the CLI takes any range)."""
    body: Range = call.body
    first, last = metrics.parse_range(body.first.isoformat(), body.last.isoformat(), now=call.now,
                                      max_days=metrics.MAX_BACKFILL_DAYS)
    reports = rollup.backfill(first, last, now=call.now)
    return {"days": [msgspec.structs.asdict(r) for r in reports]}
