"""Points: the balance, what expires when, the history, and the points shop."""
from __future__ import annotations

from chalice import Blueprint

from chalicelib import lazy
from chalicelib.api import answers
from chalicelib.api.http import Call, route
from chalicelib.api.schemas import TemplateRef, coupon_json
from chalicelib.auth.levels import PURCHASE, SESSION
from chalicelib.config import iso
from chalicelib.coupons import rules

# What the routes run loads with the first request that uses it (chalicelib.lazy), not at cold start.
coupons = lazy.module("chalicelib.coupons.service")
members = lazy.module("chalicelib.members.service")

bp = Blueprint(__name__)


@route(bp, "GET", "/points", auth=SESSION, answer=answers.Points)
def points(call: Call) -> dict:
    p = members.points_of(call.user_id, now=call.now)
    return {
        "balance": p.balance,
        "expiring": p.expiring,
        "expiringAt": iso(p.expiring_at) if p.expiring_at else None,
        "history": [
            {"delta": int(e.delta), "reason": e.reason, "ref": e.ref, "at": e.at.split("#")[0]}
            for e in members.history(call.user_id)
            if e.kind == "points"
        ],
    }


@route(bp, "POST", "/points/exchange", auth=PURCHASE, body=TemplateRef, answer=answers.Coupon)
def exchange(call: Call) -> dict:
    coupon = coupons.exchange(call.user_id, call.body.template_id, idempotency_key=call.idempotency_key, now=call.now)
    return coupon_json(coupon, rules.state_at(coupon.state, coupon.valid_from, coupon.valid_until, call.now))
