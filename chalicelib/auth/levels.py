"""Authorisation levels, lowest first. A function declares the level it needs.

- ``anonymous``: browsing; no token needed (one is still read when sent).
- ``session``: logged in with ``wx.login``; enough to check in or help a friend's bargain.
- ``purchase``: the phone number is authorised; needed to claim, join a group or pay.
- ``operator``/``server``: not user levels; the merchant's credential (see ``chalicelib.api.http``).
"""
from __future__ import annotations

ANONYMOUS, SESSION, PURCHASE = "anonymous", "session", "purchase"
USER_LEVELS = (ANONYMOUS, SESSION, PURCHASE)
OPERATOR, SERVER = "operator", "server"
MERCHANT_LEVELS = (OPERATOR, SERVER)


def satisfies(held: str, needed: str) -> bool:
    return USER_LEVELS.index(held) >= USER_LEVELS.index(needed)
