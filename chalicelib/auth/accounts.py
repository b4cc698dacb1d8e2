"""Who is calling, as the users table says now: a signed token only proves who it was issued to.

Every request that acts for a user reads the user item once (a consistent read of one small
item), so a token outlives neither its account's erasure nor the account's absence: a token
minted for an id that never logged in, or whose erasure has begun, is refused.
"""
from __future__ import annotations

from datetime import datetime

import msgspec
from pynamodb.exceptions import DoesNotExist
from pynamodb.expressions.condition import Condition

from chalicelib import errors
from chalicelib.auth.models import User


class Account(msgspec.Struct, frozen=True):
    """The caller, without the secrets of the user item (no session_key)."""

    user_id: str
    level: str
    openid: str
    phone: str | None
    first_seen: datetime
    last_active: datetime


def still_active(user_id: str) -> tuple[type[User], str, Condition]:
    """The condition a request's writes carry (``transactions.request_guard``): the account is
    still there and its erasure has not begun."""
    return User, user_id, User.user_id.exists() & User.erasing.does_not_exist()


def load(user_id: str, *, erasing_ok: bool = False) -> Account:
    """The account, or ``UserGone``. ``erasing_ok`` lets the erasure itself be retried."""
    try:
        user = User.get(user_id, consistent_read=True)
    except DoesNotExist as exc:
        raise errors.UserGone() from exc
    if user.erasing is not None and not erasing_ok:
        raise errors.UserGone()
    return Account(user_id=user.user_id, level=user.level, openid=user.openid, phone=user.phone,
                   first_seen=user.first_seen, last_active=user.last_active)
