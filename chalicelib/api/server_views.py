"""Functions the merchant's order system calls, with the server key: coupon locks and payments."""
from __future__ import annotations

import json
import re
from typing import Annotated

import msgspec
from chalice import Blueprint

from chalicelib import errors, lazy, messages
from chalicelib.api.http import Call, route
from chalicelib.api.schemas import Fen, Id, Qty
from chalicelib.auth.levels import SERVER
from chalicelib.config import iso
from chalicelib.coupons import rules

# What the routes run loads with the first request that uses it (chalicelib.lazy), not at cold start.
bargain = lazy.module("chalicelib.bargain.service")
coupons = lazy.module("chalicelib.coupons.service")
events = lazy.module("chalicelib.events.service")
groupbuy = lazy.module("chalicelib.groupbuy.service")
journey_facts = lazy.module("chalicelib.journeys.facts")
members = lazy.module("chalicelib.members.service")
outbox = lazy.module("chalicelib.outbox.service")
referral = lazy.module("chalicelib.referral.service")

bp = Blueprint(__name__)

# Answer types by name: only the OpenAPI generator imports them (chalicelib.api.merchant_answers).
ANSWERS = "chalicelib.api.merchant_answers:"


class OrderLine(msgspec.Struct, rename="camel"):
    product_id: Id
    category: Annotated[str, msgspec.Meta(max_length=64)]
    price: Fen  # the price this order charges, per unit (a group or bargain price, say)
    qty: Qty


class Lock(msgspec.Struct, rename="camel"):
    user_id: Id
    order_id: Id
    lines: list[OrderLine]


class OrderRef(msgspec.Struct, rename="camel"):
    user_id: Id
    order_id: Id


class Paid(msgspec.Struct, rename="camel"):
    user_id: Id
    amount: Fen  # what the customer paid, fen


@route(bp, "POST", "/server/coupons/{coupon_id}/lock", auth=SERVER, body=Lock, answer=ANSWERS + "CouponLocked")
def lock(call: Call) -> dict:
    body: Lock = call.body
    if not 1 <= len(body.lines) <= 100:
        raise errors.ValidationFailed(messages.text("VALIDATION_FAILED.order_lines"))
    lines = [rules.Line(x.product_id, x.category, x.price, x.qty) for x in body.lines]
    discount = coupons.lock(body.user_id, call.path["coupon_id"], body.order_id, lines, now=call.now)
    return {"couponId": call.path["coupon_id"], "orderId": body.order_id, "state": rules.LOCKED, "discount": discount}


@route(bp, "POST", "/server/coupons/{coupon_id}/consume", auth=SERVER, body=OrderRef,
       answer=ANSWERS + "CouponConsumed")
def consume(call: Call) -> dict:
    coupons.consume(call.body.user_id, call.path["coupon_id"], call.body.order_id, now=call.now)
    return {"couponId": call.path["coupon_id"], "orderId": call.body.order_id, "state": rules.USED}


@route(bp, "POST", "/server/coupons/{coupon_id}/release", auth=SERVER, body=OrderRef,
       answer=ANSWERS + "CouponReleased")
def release(call: Call) -> dict:
    coupons.release(call.body.user_id, call.path["coupon_id"], call.body.order_id, now=call.now)
    return {"couponId": call.path["coupon_id"], "orderId": call.body.order_id, "state": rules.UNUSED}


class OrderOnly(msgspec.Struct, rename="camel"):
    order_id: Id


@route(bp, "POST", "/server/groupbuy/orders/{order_ref}/paid", auth=SERVER, body=OrderOnly,
       answer=ANSWERS + "GroupPayment")
def groupbuy_paid(call: Call) -> dict:
    payment = groupbuy.pay(call.path["order_ref"], call.body.order_id, now=call.now)
    return {"groupId": payment.group.group_id, "groupState": payment.group.state, "paid": int(payment.group.paid),
            "size": int(payment.group.size), "completedGroup": payment.completed, "alreadyRecorded": payment.already}


@route(bp, "GET", "/server/outbox/{topic}", auth=SERVER, answer=ANSWERS + "Outbox")
def outbox_pending(call: Call) -> dict:
    topic = call.path["topic"]
    if topic not in outbox.TOPICS:
        raise errors.NotFound(messages.text("NOT_FOUND.choices", choices=", ".join(outbox.TOPICS)))
    return {"events": [{"topic": topic, "eventId": e.event_id, "createdAt": iso(e.created_at), "body": json.loads(e.body)}
                       for e in outbox.pending(topic)]}


@route(bp, "POST", "/server/outbox/{topic}/{event_id}/ack", auth=SERVER, answer=ANSWERS + "Acked")
def outbox_ack(call: Call) -> dict:
    outbox.ack(call.path["topic"], call.path["event_id"], now=call.now)
    return {"eventId": call.path["event_id"], "acked": True}


@route(bp, "POST", "/server/orders/{order_id}/refunded", auth=SERVER, body=Paid, answer=ANSWERS + "OrderRefunded")
def order_refunded(call: Call) -> dict:
    applied = members.record_refund(call.body.user_id, call.path["order_id"], call.body.amount, now=call.now)
    if applied:
        events.record_refund(call.body.user_id, call.body.amount)
    journey_facts.server(call.body.user_id, "refund", call.path["order_id"], now=call.now,
                         props={"orderId": call.path["order_id"], "amount": call.body.amount})
    return {"orderId": call.path["order_id"], "alreadyRecorded": not applied}


@route(bp, "POST", "/server/orders/{order_id}/paid", auth=SERVER, body=Paid, answer=ANSWERS + "OrderPaid")
def order_paid(call: Call) -> dict:
    rewards = members.record_order(call.body.user_id, call.path["order_id"], call.body.amount, now=call.now)
    if rewards.applied:
        events.record_order(call.body.user_id, call.path["order_id"], call.body.amount, now=call.now)
    if rewards.first_order:
        referral.on_first_order(call.body.user_id, now=call.now)
    _order_facts(call, rewards)
    return {
        "orderId": call.path["order_id"],
        "growth": rewards.growth,
        "points": rewards.points,
        "tier": rewards.tier,
        "tierChanged": rewards.tier_changed,
        "alreadyRecorded": not rewards.applied,
    }


def _order_facts(call: Call, rewards: members.OrderRewards) -> None:
    """The journey facts of a payment. ``order_paid`` is recorded on every call, so a retry after
    a crash records what the first call did not (each fact once: ``chalicelib.journeys.facts``)."""
    user_id, order_id = call.body.user_id, call.path["order_id"]
    props = {"orderId": order_id, "amount": call.body.amount, "paidAt": iso(call.now)}
    journey_facts.server(user_id, "order_paid", order_id, now=call.now, props=props)
    if rewards.first_order:
        journey_facts.server(user_id, "first_order", order_id, now=call.now, props=props)
    if rewards.tier_changed:
        journey_facts.server(user_id, "tier_changed", order_id, now=call.now, props={**props, "tier": rewards.tier})


class OrderEvent(msgspec.Struct, rename="camel"):
    """What a journey may say about an order the shop shipped or cancelled."""

    user_id: Id
    amount: Fen | None = None  # the order's amount, fen
    product_name: Annotated[str, msgspec.Meta(min_length=1, max_length=64)] | None = None


@route(bp, "POST", "/server/orders/{order_id}/shipped", auth=SERVER, body=OrderEvent, answer=ANSWERS + "OrderFact")
def order_shipped(call: Call) -> dict:
    return _order_fact(call, "order_shipped")


@route(bp, "POST", "/server/orders/{order_id}/cancelled", auth=SERVER, body=OrderEvent,
       answer=ANSWERS + "OrderFact")
def order_cancelled(call: Call) -> dict:
    return _order_fact(call, "order_cancelled")


_ORDER_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


def _order_fact(call: Call, fact: str) -> dict:
    """The order's journey fact, once per order (``chalicelib.journeys.facts``): a resent report
    records nothing more and gets the same answer, so the order system may retry until it has one."""
    body: OrderEvent = call.body
    order_id = call.path["order_id"]
    if not _ORDER_ID.match(order_id):  # the fact's key: what the body's ids may be
        raise errors.ValidationFailed(messages.text("VALIDATION_FAILED.order_id"))
    props: dict = {"orderId": order_id, "at": iso(call.now)}
    if body.amount is not None:
        props["amount"] = body.amount
    if body.product_name is not None:
        props["productName"] = body.product_name
    journey_facts.server(body.user_id, fact, order_id, now=call.now, props=props)
    return {"orderId": order_id, "recorded": True}


@route(bp, "POST", "/server/bargain/{bargain_id}/purchased", auth=SERVER, body=OrderOnly,
       answer=ANSWERS + "BargainPurchased")
def bargain_purchased(call: Call) -> dict:
    b = bargain.purchased(call.path["bargain_id"], call.body.order_id, now=call.now)
    return {"bargainId": b.bargain_id, "state": b.state, "price": int(b.lock_price or 0)}


@route(bp, "POST", "/server/bargain/{bargain_id}/release", auth=SERVER, body=OrderOnly,
       answer=ANSWERS + "BargainReleased")
def bargain_release(call: Call) -> dict:
    b = bargain.release(call.path["bargain_id"], call.body.order_id)
    return {"bargainId": b.bargain_id, "state": b.state}
