"""Anonymous ids: what a visitor's events are kept under before login.

The server issues them (``POST /auth/anonymous``, once the visitor has agreed to the privacy
notice) and signs them. A login merges the events of an id only when we signed it, so a
client cannot make one up, and the random part is too long to guess, so it cannot name another
visitor's either: before this, any string sent as ``deviceId`` moved that device's events to
whoever logged in naming it.

Nothing is stored to verify an id: the signature is the proof. Only the random part (the
*device*) reaches the tables, so a copy of the events table cannot be turned back into ids
that merge. The signing key is derived from the token key for this one purpose: no anonymous
id is a token signature or the other way round, and rotating the token key retires every
anonymous id (``ANONYMOUS_ID_INVALID`` tells the mini-program to ask for a new one).

Format: ``a1.<device: 24 base32 characters, 120 random bits>.<signature: 26 base32 characters>``.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

from chalicelib import errors

PREFIX = "a1"
PURPOSE = b"huiliu anonymous id v1"
MAX_LENGTH = 64  # what a request may send; ours are 54 characters
DEVICE = re.compile(r"^[a-z2-7]{24}$")


def issue(*, key: str) -> tuple[str, str]:
    """A new anonymous id signed with (a key derived from) the token key ``key``, and its device."""
    device = _b32(secrets.token_bytes(15))
    return f"{PREFIX}.{device}.{_sign(device, key)}", device


def device_of(anonymous_id: str, *, key: str) -> str:
    """The device an id we issued stands for; ``AnonymousIdInvalid`` for anything else."""
    prefix, _, rest = anonymous_id.partition(".")
    device, _, signature = rest.partition(".")
    # compare_digest on bytes: on str it raises for non-ASCII input instead of answering False.
    if prefix != PREFIX or not DEVICE.match(device) or not hmac.compare_digest(
        signature.encode(), _sign(device, key).encode()
    ):
        raise errors.AnonymousIdInvalid()
    return device


def _sign(device: str, key: str) -> str:
    derived = hmac.new(key.encode(), PURPOSE, hashlib.sha256).digest()
    return _b32(hmac.new(derived, f"{PREFIX}.{device}".encode(), hashlib.sha256).digest()[:16])


def _b32(raw: bytes) -> str:
    return base64.b32encode(raw).decode().rstrip("=").lower()
