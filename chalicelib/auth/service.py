"""Login, phone authorisation, the user's profile and account deletion."""
from __future__ import annotations

import base64
import hashlib
from datetime import datetime

import msgspec

from chalicelib import config, errors, kept_limits
from chalicelib.auth import accounts, store, tokens
from chalicelib.auth.levels import PURCHASE
from chalicelib.events import service as events
from chalicelib.referral import service as referral
from chalicelib.wechat import WeChat


class Session(msgspec.Struct, frozen=True):
    """What a login or a phone authorisation answers: a fresh token and who it is for."""

    token: str
    expires_in: int
    user_id: str
    level: str
    is_new: bool


def user_id_for(appid: str, openid: str) -> str:
    """Stable, opaque and derived: the openid never leaves the server, and no lookup is needed."""
    digest = hashlib.sha256(f"{appid}:{openid}".encode()).digest()
    return "u" + base64.b32encode(digest).decode().lower()[:24]


class Invite(msgspec.Struct, frozen=True):
    """What a share link or 小程序码 scene carried to a first login."""

    code: str
    shared_at: datetime | None = None


def login(code: str, *, wechat: WeChat, now: datetime, invite: Invite | None = None,
          device_id: str | None = None) -> Session:
    """``wx.login`` code → the user (created on first login) and a session token. A new user
    who came through an invite is attributed to the inviter (at most two more round trips);
    events sent before login under ``device_id`` become the user's.

    A retried request whose code WeChat has already accepted gets the first answer again.
    """
    receipt = store.receipt_key("login", code)
    try:
        wx = wechat.code_to_session(code)
    except errors.WechatCodeInvalid as exc:
        # Used: maybe by a duplicate of this request still running; it will leave a receipt.
        earlier = store.find_receipt(receipt, now=now, wait=isinstance(exc, errors.WechatCodeUsed))
        if earlier is None:
            raise
        accounts.load(earlier.user_id)  # erased since? then the retry must not log it in
        if earlier.is_new and not kept_limits.erased_before(earlier.user_id):
            _signup_fact(earlier.user_id, now)  # the first call may have stopped before it
        return _session(earlier.user_id, earlier.level, earlier.is_new, now=now)
    user_id = user_id_for(wechat.appid, wx.openid)
    level, is_new = store.record_login(user_id, wx, receipt, now=now)
    # An account erased before comes back with the once-only limits it had used, and is
    # nobody's new invitee.
    returning = is_new and kept_limits.restore(user_id)
    if is_new and invite and not returning:
        referral.attribute(user_id, invite.code, shared_at=invite.shared_at, device_id=device_id, now=now)
    if device_id:
        events.merge_device(user_id, device_id, now=now)
    if is_new and not returning:
        _signup_fact(user_id, now)
    return _session(user_id, level, is_new, now=now)


def _signup_fact(user_id: str, now: datetime) -> None:
    """``signup``, about the user, once: a new user's journeys (a welcome, a first-order coupon)
    start on it. An account that was erased and comes back is not new (``kept_limits``): it
    gets no second welcome."""
    from chalicelib.journeys import facts  # the login path's cold start stays as it was until a new user

    facts.server(user_id, "signup", user_id, now=now, props={"userId": user_id})


def authorise_phone_by_code(user_id: str, code: str, *, wechat: WeChat, now: datetime) -> Session:
    """The ``getPhoneNumber`` button's code → the phone; the user reaches purchase level."""
    receipt = store.receipt_key("phone", code)
    try:
        phone = wechat.phone_number(code)
    except errors.PhoneCodeInvalid:
        # WeChat answers a used phone code as an unknown one (40029), so a duplicate of this
        # request still running cannot be told apart: wait a moment for its receipt either way.
        earlier = store.find_receipt(receipt, now=now, wait=True)
        if earlier is None or earlier.user_id != user_id:
            raise
        return _session(user_id, PURCHASE, False, now=now)
    store.bind_phone(user_id, phone, receipt, now=now)
    referral.on_purchase_level(user_id, now=now)
    return _session(user_id, PURCHASE, False, now=now)


def authorise_phone_by_encrypted_data(
    user_id: str, encrypted_data: str, iv: str, *, wechat: WeChat, now: datetime
) -> Session:
    """The legacy form, decrypted with the session_key of the user's latest login.

    Naturally idempotent: the same data decrypts to the same phone until the next login.
    """
    user = store.get_user(user_id)
    phone = wechat.decrypt_phone(user.session_key, encrypted_data, iv)
    store.bind_phone(user_id, phone, None, now=now)
    referral.on_purchase_level(user_id, now=now)
    return _session(user_id, PURCHASE, False, now=now)


def begin_erasure(user_id: str, *, now: datetime) -> None:
    """From now on the account's tokens act for nobody, except to finish the erasure."""
    store.mark_erasing(user_id, now=now)


def forget(user_id: str) -> None:
    """The user item and the receipts; ``chalicelib.privacy`` calls this last of all."""
    store.delete_user(user_id)


def mask_phone(phone: str | None) -> str | None:
    if not phone:
        return None
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 7 else "****"


def first_seen(user_id: str) -> datetime:
    """When the user first logged in (one read of the user item); ``UserGone`` if there is none."""
    return store.get_user(user_id).first_seen


def _session(user_id: str, level: str, is_new: bool, *, now: datetime) -> Session:
    s = config.settings()
    token = tokens.issue(user_id, level, key=s.token_key, ttl_seconds=s.token_ttl_seconds, now=now)
    return Session(token=token, expires_in=s.token_ttl_seconds, user_id=user_id, level=level, is_new=is_new)
