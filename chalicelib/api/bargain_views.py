"""Bargain and referral as users meet them: start, share, help, buy; my invite code."""
from __future__ import annotations

from chalice import Blueprint

from chalicelib import lazy
from chalicelib.api.groupbuy_views import Profile
from chalicelib.api import answers
from chalicelib.api.http import Call, route
from chalicelib.auth.levels import ANONYMOUS, PURCHASE, SESSION
from chalicelib.config import iso

# What the routes run loads with the first request that uses it (chalicelib.lazy), not at cold start.
bargain = lazy.module("chalicelib.bargain.service")
limits = lazy.module("chalicelib.limits.service")
limit_rules = lazy.module("chalicelib.limits.rules")
referral = lazy.module("chalicelib.referral.service")

bp = Blueprint(__name__)


@route(bp, "GET", "/bargain/campaigns", auth=ANONYMOUS, answer=answers.Campaigns)
def campaigns(call: Call) -> dict:
    return {"campaigns": [{
        "campaignId": c.campaign_id, "name": c.name, "productId": c.product_id,
        "originalPrice": int(c.original_price), "floorPrice": int(c.floor_price), "helpers": int(c.helpers),
    } for c in bargain.campaigns(now=call.now)]}


@route(bp, "POST", "/bargain/{ref}", auth=PURCHASE, status=201, answer=answers.BargainCard)
def start(call: Call) -> dict:
    """``ref`` is the campaign to start a bargain of."""
    b = bargain.start(call.user_id, call.path["ref"], idempotency_key=call.idempotency_key, now=call.now)
    return _card(bargain.card(b.bargain_id, now=call.now), call)


@route(bp, "GET", "/bargain/{ref}", auth=ANONYMOUS, answer=answers.BargainCard)
def share_card(call: Call) -> dict:
    """``ref`` is the bargain: what its share card shows."""
    return _card(bargain.card(call.path["ref"], now=call.now), call)


@route(bp, "POST", "/bargain/{ref}/help", auth=SESSION, body=Profile, answer=answers.Help)
def help_friend(call: Call) -> dict:
    limits.take(limit_rules.LIMITS.bargain_helps_per_user, call.user_id, now=call.now)
    h = bargain.give_help(call.user_id, call.path["ref"], nickname=call.body.nickname,
                          avatar_url=call.body.avatar_url, now=call.now)
    return {"bargainId": call.path["ref"], "cut": h.amount, "cuts": h.cuts, "price": h.price, "complete": h.complete}


@route(bp, "POST", "/bargain/{ref}/buy", auth=PURCHASE, answer=answers.BargainBought)
def buy(call: Call) -> dict:
    b = bargain.buy(call.user_id, call.path["ref"], now=call.now)
    return {"bargainId": b.bargain_id, "state": b.state, "price": int(b.lock_price), "productId": b.product_id}


@route(bp, "GET", "/referral/me", auth=SESSION, answer=answers.Referrals)
def my_referrals(call: Call) -> dict:
    m = referral.mine(call.user_id)
    return {
        "code": m.code,
        "invitees": [{"stage": i.stage, "attributedAt": iso(i.attributed_at), "flagged": i.flagged} for i in m.invitees],
        "rewardsEarned": m.rewards,
    }


def _card(c: bargain.Card, call: Call) -> dict:
    b = c.bargain
    return {
        "bargainId": b.bargain_id,
        "campaignId": b.campaign_id,
        "productId": b.product_id,
        "name": b.name,
        "originalPrice": int(b.original_price),
        "floorPrice": int(b.floor_price),
        "price": c.price,
        "helpersNeeded": len(b.cuts),
        "cutsTaken": int(b.helped),
        "state": c.state,
        "secondsLeft": max(0, int((b.deadline - call.now).total_seconds())) if c.state == bargain.ACTIVE else 0,
        "helpers": [{"nickname": h.nickname, "avatarUrl": h.avatar_url, "cut": int(h.amount)} for h in c.helps],
        "mine": call.principal is not None and call.principal.user_id == b.owner_id,
    }
