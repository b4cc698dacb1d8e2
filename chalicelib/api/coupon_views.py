"""Coupons as the user meets them: the claim centre, my coupons, the best coupon for my cart."""
from __future__ import annotations

from typing import Literal

import msgspec
from chalice import Blueprint

from chalicelib import errors, lazy, messages
from chalicelib.api import answers
from chalicelib.api.http import Call, route
from chalicelib.api.schemas import Id, Qty, TemplateRef, coupon_json, template_json
from chalicelib.auth.levels import ANONYMOUS, PURCHASE, SESSION
from chalicelib.coupons import rules

# What the routes run loads with the first request that uses it (chalicelib.lazy), not at cold start.
service = lazy.module("chalicelib.coupons.service")

bp = Blueprint(__name__)
STATES = (rules.UNUSED, rules.LOCKED, rules.USED, rules.EXPIRED)


class WalletQuery(msgspec.Struct):
    state: Literal["unused", "locked", "used", "expired"] | None = None


class CartLine(msgspec.Struct, rename="camel"):
    product_id: Id
    qty: Qty
    sku_id: Id | None = None  # without it, the product's price (its cheapest SKU's)


class Cart(msgspec.Struct):
    lines: list[CartLine]  # ``lines``, as the order system's lock names them: one word for one thing


@route(bp, "GET", "/coupons/claimable", auth=ANONYMOUS, answer=answers.Templates)
def claimable(call: Call) -> dict:
    return {"templates": [template_json(t) for t in service.claimable(now=call.now)]}


@route(bp, "POST", "/coupons/claim", auth=PURCHASE, body=TemplateRef, answer=answers.Coupon)
def claim(call: Call) -> dict:
    coupon = service.claim(call.user_id, call.body.template_id, idempotency_key=call.idempotency_key, now=call.now)
    return coupon_json(coupon, rules.state_at(coupon.state, coupon.valid_from, coupon.valid_until, call.now))


@route(bp, "GET", "/coupons", auth=SESSION, query=WalletQuery, answer=answers.Coupons)
def my_coupons(call: Call) -> dict:
    state = call.query.get("state")
    if state is not None and state not in STATES:
        raise errors.ValidationFailed(messages.text("VALIDATION_FAILED.coupon_state", states=", ".join(STATES)))
    return {"coupons": [coupon_json(h.coupon, h.state) for h in service.wallet(call.user_id, now=call.now, state=state)]}


@route(bp, "POST", "/coupons/best", auth=SESSION, body=Cart, answer=answers.Quote)
def best(call: Call) -> dict:
    lines = call.body.lines
    if not 1 <= len(lines) <= 100:
        raise errors.ValidationFailed(messages.text("VALIDATION_FAILED.cart_lines"))
    quote = service.best_for_cart(call.user_id, [(x.product_id, x.sku_id, x.qty) for x in lines], now=call.now)
    return {
        "total": quote.total,
        "payable": quote.payable,
        "best": None if quote.best is None else {"couponId": quote.best.coupon.coupon_id, "discount": quote.best.outcome.discount},
        "others": [
            {"couponId": v.coupon.coupon_id, "name": v.coupon.name, "discount": v.outcome.discount, "reason": v.outcome.reason}
            for v in quote.others
        ],
    }
