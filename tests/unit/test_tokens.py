from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib import errors
from chalicelib.auth import tokens
from chalicelib.auth.levels import ANONYMOUS, PURCHASE, SESSION, satisfies

KEY = "k" * 32
NOW = datetime(2026, 11, 24, 16, 0, tzinfo=timezone.utc)


def test_a_token_round_trips_its_user_and_level():
    token = tokens.issue("u1", PURCHASE, key=KEY, ttl_seconds=60, now=NOW)

    assert tokens.verify(token, key=KEY, now=NOW + timedelta(seconds=59)) == tokens.Principal("u1", PURCHASE)


def test_expiry_follows_the_injected_clock_not_the_machine():
    token = tokens.issue("u1", SESSION, key=KEY, ttl_seconds=60, now=NOW)

    with pytest.raises(errors.TokenExpired):
        tokens.verify(token, key=KEY, now=NOW + timedelta(seconds=60))


def test_a_token_claiming_an_unknown_level_is_refused():
    token = tokens.issue("u1", "operator", key=KEY, ttl_seconds=60, now=NOW)

    with pytest.raises(errors.TokenInvalid):
        tokens.verify(token, key=KEY, now=NOW)


@given(st.text(max_size=200))
def test_no_string_is_accepted_as_a_token(garbage):
    with pytest.raises(errors.TokenInvalid):
        tokens.verify(garbage, key=KEY, now=NOW)


@pytest.mark.parametrize(
    "held,needed,ok",
    [
        (SESSION, ANONYMOUS, True),
        (SESSION, SESSION, True),
        (SESSION, PURCHASE, False),
        (PURCHASE, SESSION, True),
        (PURCHASE, PURCHASE, True),
    ],
)
def test_levels_are_ordered(held, needed, ok):
    assert satisfies(held, needed) is ok


def _forged(**claims) -> str:
    import jwt

    base = {"iss": tokens.ISSUER, "sub": "u1", "lvl": SESSION, "iat": int(NOW.timestamp()),
            "exp": int(NOW.timestamp()) + 60}
    return jwt.encode({**base, **claims}, KEY, algorithm=tokens.ALGORITHM)


@pytest.mark.parametrize(
    "claims",
    [
        {"exp": int(NOW.timestamp()) + 10 * 365 * 86400},  # a lifetime far past the cap
        {"iat": int(NOW.timestamp()) + 3600, "exp": int(NOW.timestamp()) + 7200},  # issued in the future
        {"iat": int(NOW.timestamp()) + 5 * 365 * 86400, "exp": int(NOW.timestamp()) + 5 * 365 * 86400 + 60},
        {"exp": int(NOW.timestamp()) - 10},  # expired before it was issued
        {"iat": True},
        {"exp": 1e400},
        {"iat": "2026-11-24"},
    ],
)
def test_a_token_with_impossible_times_is_refused_though_signed_with_our_key(claims):
    with pytest.raises(errors.TokenInvalid):
        tokens.verify(_forged(**claims), key=KEY, now=NOW)


def test_a_token_issued_within_the_clock_skew_is_accepted():
    token = _forged(iat=int(NOW.timestamp()) + 30, exp=int(NOW.timestamp()) + 90)

    assert tokens.verify(token, key=KEY, now=NOW).user_id == "u1"


def test_the_longest_allowed_lifetime_is_accepted_until_it_ends():
    from chalicelib.config import MAX_TOKEN_TTL_SECONDS

    token = tokens.issue("u1", SESSION, key=KEY, ttl_seconds=MAX_TOKEN_TTL_SECONDS, now=NOW)

    assert tokens.verify(token, key=KEY, now=NOW + timedelta(seconds=MAX_TOKEN_TTL_SECONDS - 1)).user_id == "u1"
