"""What survives an erasure, so that erasing and logging in again does not reset once-only limits.

PIPL lets us keep what a limit needs and nothing personal. The user id is derived from the
openid, so the same WeChat user comes back under the same id; what we keep is keyed by an
HMAC of that id under a secret key (``HUILIU_PSEUDONYM_KEY``), so the record cannot be tied to
a WeChat user without the key, and holds only counts: how much of each per-user limit was
used (coupon templates, bargain and group-buy campaigns), how many orders were paid (not a new
customer again), and that the account existed (not a new invitee again). No openid, phone,
nickname, order id or time of use. It is kept without expiry: the limits it guards have none.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from pynamodb.attributes import UnicodeAttribute, UnicodeSetAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import DoesNotExist
from pynamodb.models import Model

from chalicelib import pseudonyms
from chalicelib.bargain import service as bargain
from chalicelib.coupons import service as coupons
from chalicelib.groupbuy import service as groupbuy
from chalicelib.members import service as members
from chalicelib.store.base import meta

# Each capability with once-only limits: (what it has used, put it back).
KEEPERS: dict[str, tuple[Callable[[str], dict[str, int]], Callable[[str, dict[str, int]], None]]] = {
    "coupons": (coupons.limits_used, coupons.restore_limits),
    "bargain": (bargain.limits_used, bargain.restore_limits),
    "groupbuy": (groupbuy.limits_used, groupbuy.restore_limits),
    "members": (members.limits_used, members.restore_limits),
}


class ErasedAccount(Model):
    """``pseudonym`` = HMAC-SHA256(pseudonym key, user id); ``used`` = ``capability|key|count``
    strings, a set so that a retried or repeated erasure only ever adds to it."""

    Meta = meta("erased-accounts")
    pseudonym = UnicodeAttribute(hash_key=True)
    used = UnicodeSetAttribute(null=True)
    first_erased = UTCDateTimeAttribute()


def remember(user_id: str, *, now: datetime) -> None:
    """Before the erasure deletes anything: what the account used of its once-only limits."""
    used = {f"{name}|{key}|{n}" for name, (limits_used, _) in KEEPERS.items()
            for key, n in limits_used(user_id).items()}
    actions = [ErasedAccount.first_erased.set(ErasedAccount.first_erased | now)]
    if used:
        actions.append(ErasedAccount.used.add(used))
    ErasedAccount(pseudonyms.of("erased-account", user_id)).update(actions=actions)


def erased_before(user_id: str) -> bool:
    """Whether this account was erased before (one read), without putting anything back."""
    try:
        ErasedAccount.get(pseudonyms.of("erased-account", user_id), consistent_read=True)
    except DoesNotExist:
        return False
    return True


def restore(user_id: str) -> bool:
    """At a first login: True when this account was erased before (so it is not new to a
    referral), its used limits put back. One read for a genuinely new user."""
    try:
        record = ErasedAccount.get(pseudonyms.of("erased-account", user_id), consistent_read=True)
    except DoesNotExist:
        return False
    by_capability: dict[str, dict[str, int]] = {}
    for entry in record.used or ():
        name, _, rest = entry.partition("|")
        key, _, n = rest.rpartition("|")  # a key may hold "|"; the capability and count cannot
        kept = by_capability.setdefault(name, {})
        kept[key] = max(kept.get(key, 0), int(n))
    for name, used in by_capability.items():
        if name in KEEPERS:
            KEEPERS[name][1](user_id, used)
    return True
