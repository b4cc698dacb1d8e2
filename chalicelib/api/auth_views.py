"""Login, phone authorisation and the user's own record."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec
from chalice import Blueprint

from chalicelib import config, errors, lazy, messages
from chalicelib.api import answers
from chalicelib.api.http import Call, route
from chalicelib.api.schemas import Dated
from chalicelib.api.limiting import caller_network
from chalicelib.auth import anonymous
from chalicelib.auth.levels import ANONYMOUS, SESSION
from chalicelib.config import china_day, iso

# What the routes run loads with the first request that uses it (chalicelib.lazy), not at cold start.
events = lazy.module("chalicelib.events.service")
limits = lazy.module("chalicelib.limits.service")
limit_rules = lazy.module("chalicelib.limits.rules")
members = lazy.module("chalicelib.members.service")
privacy = lazy.module("chalicelib.privacy")
service = lazy.module("chalicelib.auth.service")
wechat = lazy.module("chalicelib.wechat")

bp = Blueprint(__name__)

BENEFIT_PAUSE_DAYS = 7

# WeChat's codes are 32 characters; the bound only keeps garbage out of logs and hashes.
Code = Annotated[str, msgspec.Meta(min_length=1, max_length=128)]
Blob = Annotated[str, msgspec.Meta(min_length=1, max_length=4096)]


class InviteBody(Dated, rename="camel"):
    code: Annotated[str, msgspec.Meta(min_length=1, max_length=16)]
    shared_at: datetime | None = None  # when the link was shared (the link carries it)


class LoginBody(msgspec.Struct, rename="camel"):
    code: Code
    invite: InviteBody | None = None
    anonymous_id: Annotated[str, msgspec.Meta(min_length=1, max_length=anonymous.MAX_LENGTH)] | None = None


class PhoneBody(msgspec.Struct, rename="camel"):
    """Either ``code`` (getPhoneNumber since base library 2.21.2) or the legacy pair."""

    code: Code | None = None
    encrypted_data: Blob | None = None
    iv: Annotated[str, msgspec.Meta(min_length=1, max_length=64)] | None = None


@route(bp, "POST", "/auth/login", auth=ANONYMOUS, body=LoginBody, answer=answers.Session)
def login(call: Call) -> dict:
    body: LoginBody = call.body
    # Before WeChat is asked: a flood of made-up codes would spend the app's quota there.
    limit = limit_rules.LIMITS.invite_logins_per_address if body.invite else limit_rules.LIMITS.logins_per_address
    limits.take(limit, caller_network(call), now=call.now)
    invite = None
    if body.invite:
        shared_at = body.invite.shared_at
        if shared_at is not None and shared_at.tzinfo is None:
            raise errors.ValidationFailed(messages.text("VALIDATION_FAILED.shared_at_zone"))
        invite = service.Invite(body.invite.code, shared_at)
    return _session(service.login(body.code, wechat=wechat.get_wechat(), now=call.now, invite=invite,
                                  device_id=_device(body.anonymous_id)))


@route(bp, "POST", "/auth/phone", auth=SESSION, body=PhoneBody, answer=answers.Session)
def authorise_phone(call: Call) -> dict:
    body: PhoneBody = call.body
    if body.code is not None:
        session = service.authorise_phone_by_code(call.user_id, body.code, wechat=wechat.get_wechat(), now=call.now)
    elif body.encrypted_data is not None and body.iv is not None:
        session = service.authorise_phone_by_encrypted_data(
            call.user_id, body.encrypted_data, body.iv, wechat=wechat.get_wechat(), now=call.now
        )
    else:
        raise errors.ValidationFailed(messages.text("VALIDATION_FAILED.phone_input"))
    return _session(session)


@route(bp, "GET", "/me", auth=SESSION, answer=answers.Me)
def me(call: Call) -> dict:
    p = call.account
    m = members.summary(call.user_id, now=call.now)
    activity = events.summary(call.user_id, now=call.now)
    idle = (china_day(call.now) - activity.last_active_day).days if activity else 0
    return {
        "id": p.user_id,
        "level": p.level,
        "phone": service.mask_phone(p.phone),
        "firstSeen": iso(p.first_seen),
        "lastActive": iso(p.last_active),
        "member": {
            "tier": m.tier.code,
            "tierName": m.tier.name,
            "growth": m.growth,
            "nextTier": None if m.next_tier is None else {"tier": m.next_tier.code, "growthNeeded": m.next_tier.threshold - m.growth},
            "benefits": {"discountRate": m.tier.discount_rate, "pointsMultiplier": m.tier.points_multiplier,
                         "birthdayCoupon": m.tier.birthday_template is not None,
                         # Paused after a week without activity; they resume with the next visit.
                         "paused": idle >= BENEFIT_PAUSE_DAYS},
            "points": m.points.balance,
        },
        "segment": activity.segment if activity else "new",
    }


@route(bp, "DELETE", "/me", auth=SESSION, status=204, erasing_ok=True)
def delete_me(call: Call) -> None:
    privacy.erase(call.user_id, now=call.now)


def _device(anonymous_id: str | None) -> str | None:
    """The device of an anonymous id we signed: its events merge into the account, and it is the
    device referral abuse is counted by. Any other id is ignored rather than refused: a login
    must not fail over analytics, and it would merge nothing (tokens do not fail on it either)."""
    if anonymous_id is None:
        return None
    try:
        return anonymous.device_of(anonymous_id, key=config.settings().token_key)
    except errors.AnonymousIdInvalid:
        return None


def _session(s: service.Session) -> dict:
    return {"token": s.token, "expiresIn": s.expires_in, "user": {"id": s.user_id, "level": s.level, "isNew": s.is_new}}
