"""PIPL: erase a user. The account is first marked, so that its tokens act for nobody but the
erasure itself; what once-only limits it used is kept under a keyed hash (``kept_limits``);
then every capability forgets its own items, and the user item goes last, so an interrupted
erasure is finished by the client's retry (the token still authorises that, and only that)."""
from __future__ import annotations

from datetime import datetime

from chalicelib import kept_limits
from chalicelib.auth import service as auth
from chalicelib.bargain import service as bargain
from chalicelib.checkin import service as checkin
from chalicelib.coupons import service as coupons
from chalicelib.events import service as events
from chalicelib.groupbuy import service as groupbuy
from chalicelib.journeys import engine as journeys
from chalicelib.members import service as members
from chalicelib.referral import service as referral
from chalicelib.wakeup import service as wakeup

FORGETTERS = (wakeup.forget, events.forget, referral.forget, bargain.forget, groupbuy.forget, checkin.forget,
              coupons.forget, members.forget, journeys.forget)


def erase(user_id: str, *, now: datetime) -> None:
    """Idempotent: running it again after a partial run removes what is left."""
    auth.begin_erasure(user_id, now=now)
    kept_limits.remember(user_id, now=now)
    for forget in FORGETTERS:
        forget(user_id)
    auth.forget(user_id)
