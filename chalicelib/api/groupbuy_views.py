"""Group-buy as users meet it: activities, open, join, the share card."""
from __future__ import annotations

from typing import Annotated

import msgspec
from chalice import Blueprint

from chalicelib import lazy
from chalicelib.api import answers
from chalicelib.api.http import Call, route
from chalicelib.auth.levels import ANONYMOUS, PURCHASE
from chalicelib.config import iso

# What the routes run loads with the first request that uses it (chalicelib.lazy), not at cold start.
groupbuy = lazy.module("chalicelib.groupbuy.service")

bp = Blueprint(__name__)


class Profile(msgspec.Struct, rename="camel"):
    """What the share card shows of this member (from the avatar and nickname components)."""

    nickname: Annotated[str, msgspec.Meta(min_length=1, max_length=32)] | None = None
    avatar_url: Annotated[str, msgspec.Meta(max_length=512, pattern=r"^https://")] | None = None


@route(bp, "GET", "/groupbuy/activities", auth=ANONYMOUS, answer=answers.Activities)
def list_activities(call: Call) -> dict:
    return {"activities": [{
        "activityId": a.activity_id, "name": a.name, "productId": a.product_id,
        "originalPrice": int(a.original_price), "groupPrice": int(a.group_price), "size": int(a.size),
        "newUsersOnly": bool(a.new_users_only), "endsAt": iso(a.ends_at),
    } for a in groupbuy.activities(now=call.now)]}


@route(bp, "POST", "/groupbuy/{activity_id}/groups", auth=PURCHASE, body=Profile, status=201, answer=answers.Seat)
def open_group(call: Call) -> dict:
    seat = groupbuy.open_group(call.user_id, call.path["activity_id"], nickname=call.body.nickname,
                               avatar_url=call.body.avatar_url, idempotency_key=call.idempotency_key, now=call.now)
    return _seat(seat)


@route(bp, "POST", "/groupbuy/groups/{group_id}/join", auth=PURCHASE, body=Profile, answer=answers.Seat)
def join(call: Call) -> dict:
    seat = groupbuy.join(call.user_id, call.path["group_id"], nickname=call.body.nickname,
                         avatar_url=call.body.avatar_url, now=call.now)
    return _seat(seat)


@route(bp, "GET", "/groupbuy/groups/{group_id}", auth=ANONYMOUS, answer=answers.GroupCard)
def share_card(call: Call) -> dict:
    c = groupbuy.card(call.path["group_id"])
    g = c.group
    return {
        "groupId": g.group_id,
        "activityId": g.activity_id,
        "productId": g.product_id,
        "name": g.name,
        "originalPrice": int(g.original_price),
        "groupPrice": int(g.group_price),
        "size": int(g.size),
        "state": g.state,
        "slotsLeft": max(0, int(g.size) - int(g.reserved)) if g.state == groupbuy.OPEN else 0,
        "secondsLeft": max(0, int((g.deadline - call.now).total_seconds())) if g.state == groupbuy.OPEN else 0,
        "deadline": iso(g.deadline),
        "members": [{"nickname": m.nickname, "avatarUrl": m.avatar_url, "leader": m.role == groupbuy.LEADER,
                     "paid": m.state == groupbuy.PAID} for m in c.members],
        "virtualMembers": int(g.virtual),
    }


def _seat(seat: groupbuy.Seat) -> dict:
    return {
        "groupId": seat.group.group_id,
        "orderRef": seat.order_ref,
        "price": int(seat.group.group_price),
        "payBy": iso(seat.member.pay_by),
        "role": seat.member.role,
        "state": seat.member.state,
    }
