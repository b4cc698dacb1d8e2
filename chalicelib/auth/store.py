"""Storage of users and receipts; each function owns one write or one transaction."""
from __future__ import annotations

import hashlib
import time
from datetime import datetime, timedelta

from pynamodb.exceptions import DoesNotExist, UpdateError

from chalicelib import errors, pseudonyms
from chalicelib.auth.levels import PURCHASE, SESSION
from chalicelib.auth.models import Receipt, User
from chalicelib.store import raw
from chalicelib.store.transactions import Cancelled, Transaction, run
from chalicelib.wechat import Phone, WxSession

# WeChat's codes live five minutes; a receipt outlives the longest client retry of one.
RECEIPT_LIFETIME = timedelta(minutes=10)
# How long a request whose code was spent looks for the receipt of the request that spent it.
RECEIPT_WAITS = (0.05, 0.1, 0.2, 0.4, 0.8)


def receipt_key(kind: str, code: str) -> str:
    # Hashed: the table holds nothing that could be replayed against WeChat.
    return f"{kind}#{hashlib.sha256(code.encode()).hexdigest()}"


def phone_key(pure_number: str) -> str:
    """What the by_phone index is keyed by: keyed, so the index cannot be read back into phones
    by hashing every number (a mainland number has only about 10^10 possible values)."""
    return pseudonyms.of("member-phone", pure_number)


def users_with_phone(pure_number: str, limit: int = 20) -> list[str]:
    """The ids of the users who bound this phone (two WeChat accounts may share one)."""
    return [u.user_id for u in User.by_phone.query(phone_key(pure_number), limit=limit)]


# The login upsert (store/raw.py): first_seen and level only if absent, login_count counted.
_LOGIN = ("SET openid = :openid, session_key = :session_key, first_seen = if_not_exists(first_seen, :now), "
          "#level = if_not_exists(#level, :session), last_active = :now{unionid} ADD login_count :one")


def record_login(user_id: str, wx: WxSession, receipt: str, *, now: datetime) -> tuple[str, bool]:
    """Create the user on first login or refresh them; returns (level, is_new). Two round trips.

    One upsert does both, so two first logins racing cannot create two users: ``login_count``
    comes back as 1 to exactly one of them.
    """
    values = {
        ":openid": raw.value(User.openid, wx.openid),
        ":session_key": raw.value(User.session_key, wx.session_key),
        ":now": raw.value(User.last_active, now),
        ":session": raw.value(User.level, SESSION),
        ":one": raw.value(User.login_count, 1),
    }
    if wx.unionid:
        values[":unionid"] = raw.value(User.unionid, wx.unionid)
    answer = raw.send(User, "UpdateItem", {
        "Key": {"user_id": raw.value(User.user_id, user_id)},
        "UpdateExpression": _LOGIN.format(unionid=", unionid = :unionid" if wx.unionid else ""),
        "ExpressionAttributeNames": {"#level": "level"},  # a reserved word
        "ExpressionAttributeValues": values,
        "ReturnValues": "ALL_NEW",  # UPDATED_NEW leaves out a level if_not_exists kept
    })["Attributes"]
    level, is_new = raw.field(User.level, answer), raw.field(User.login_count, answer) == 1
    Receipt(receipt, user_id=user_id, level=level, is_new=is_new, expires_at=now + RECEIPT_LIFETIME).save()
    return level, is_new


def bind_phone(user_id: str, phone: Phone, receipt: str | None, *, now: datetime) -> None:
    """Store the phone and raise the user to purchase level, with the code's receipt: one transaction."""

    def build(tx: Transaction) -> None:
        tx.update(
            "user",
            User(user_id),
            actions=[
                User.phone.set(phone.pure_number),
                User.phone_country.set(phone.country_code),
                User.phone_key.set(phone_key(phone.pure_number)),
                User.level.set(PURCHASE),
                User.last_active.set(now),
            ],
            # A deleted account must not come back to life through a late request.
            condition=User.user_id.exists() & User.erasing.does_not_exist(),
        )
        if receipt:
            tx.save("receipt", Receipt(receipt, user_id=user_id, level=PURCHASE, expires_at=now + RECEIPT_LIFETIME))

    try:
        run(build)
    except Cancelled as exc:
        raise errors.UserGone() from exc


def get_user(user_id: str) -> User:
    try:
        user = User.get(user_id, consistent_read=True)
    except DoesNotExist as exc:
        raise errors.UserGone() from exc
    if user.erasing is not None:
        raise errors.UserGone()
    return user


def mark_erasing(user_id: str, *, now: datetime) -> None:
    try:
        User(user_id).update(actions=[User.erasing.set(User.erasing | now)], condition=User.user_id.exists())
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            raise errors.UserGone() from exc
        raise


def find_receipt(key: str, *, now: datetime, wait: bool = False) -> Receipt | None:
    """The answer a code earned. ``wait``: the code may be in use by a concurrent duplicate of
    this request, so look again for a moment (its WeChat call and write take tens of ms)."""
    pauses = RECEIPT_WAITS if wait else ()
    for pause in (0.0, *pauses):
        time.sleep(pause)
        try:
            found = Receipt.get(key, consistent_read=True)
        except DoesNotExist:
            continue
        # TTL deletes lazily, sometimes days late: an expired receipt is no receipt.
        return found if found.expires_at > now else None
    return None


def delete_user(user_id: str) -> None:
    """Remove every item of the user's. Safe to run again after an interruption."""
    for receipt in Receipt.by_user.query(user_id):
        receipt.delete()
    # The user item goes last: an interrupted deletion is finished by the client's retry,
    # which the token still authorises.
    User(user_id).delete()
