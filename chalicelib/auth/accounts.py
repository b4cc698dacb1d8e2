"""Who is calling, as the users table says now: a signed token only proves who it was issued to.

Every request that acts for a user reads the user item once (a consistent read of one small
item), so a token outlives neither its account's erasure nor the account's absence: a token
minted for an id that never logged in, or whose erasure has begun, is refused.
"""
from __future__ import annotations

from datetime import datetime

import msgspec
from pynamodb.expressions.condition import Condition

from chalicelib import errors
from chalicelib.auth.models import User
from chalicelib.store import raw


class Account(msgspec.Struct, frozen=True):
    """The caller, without the secrets of the user item (no session_key)."""

    user_id: str
    level: str
    openid: str
    phone: str | None
    first_seen: datetime
    last_active: datetime


# Built once: a condition is only read when a transaction serialises it.
_ACTIVE = User.user_id.exists() & User.erasing.does_not_exist()


def still_active(user_id: str) -> tuple[type[User], str, Condition]:
    """The condition a request's writes carry (``transactions.request_guard``): the account is
    still there and its erasure has not begun."""
    return User, user_id, _ACTIVE


# What an Account holds, and ``erasing``: never the session_key (store/raw.py reads it raw).
_ACCOUNT = "#level, openid, phone, first_seen, last_active, erasing"


def load(user_id: str, *, erasing_ok: bool = False) -> Account:
    """The account, or ``UserGone``. ``erasing_ok`` lets the erasure itself be retried."""
    item = raw.send(User, "GetItem", {"Key": {"user_id": raw.value(User.user_id, user_id)}, "ConsistentRead": True,
                                      "ProjectionExpression": _ACCOUNT, "ExpressionAttributeNames": {"#level": "level"}}).get("Item")
    if item is None or ("erasing" in item and not erasing_ok):
        raise errors.UserGone()
    return Account(user_id=user_id, level=raw.field(User.level, item), openid=raw.field(User.openid, item),
                   phone=raw.field(User.phone, item), first_seen=raw.field(User.first_seen, item),
                   last_active=raw.field(User.last_active, item))
