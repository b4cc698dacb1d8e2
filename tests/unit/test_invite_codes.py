"""Invite codes: long enough that trying logins does not find one, short enough for the login body."""
from __future__ import annotations

import base64

import msgspec

from chalicelib.api.auth_views import InviteBody
from chalicelib.referral.service import code_for


def test_an_invite_code_carries_at_least_64_bits_and_fits_the_login_body():
    code = code_for("u" + "A" * 24)

    assert code.startswith("I") and len(code) == 14
    assert (len(code) - 1) * 5 >= 64  # base32: 5 bits a character
    base64.b32decode(code[1:] + "=" * (-(len(code) - 1) % 8))  # nothing but base32 after the I
    assert msgspec.convert({"code": code}, InviteBody).code == code


def test_an_invite_code_is_the_same_every_time_and_differs_between_users():
    assert code_for("u1") == code_for("u1")
    assert len({code_for(f"u{i}") for i in range(1_000)}) == 1_000
