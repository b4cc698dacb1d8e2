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


def test_tokens_pyjwt_signs_with_any_header_are_verified():
    # verify() checks HS256 itself; what PyJWT (which issues our tokens) signs must pass it.
    import jwt

    issued = int(NOW.timestamp())
    claims = {"iss": tokens.ISSUER, "sub": "u1", "lvl": PURCHASE, "iat": issued, "exp": issued + 60}
    for headers in (None, {"kid": "k1"}, {"typ": "JWT"}):
        token = jwt.encode(claims, KEY, algorithm="HS256", headers=headers)
        assert tokens.verify(token, key=KEY, now=NOW) == tokens.Principal("u1", PURCHASE)


def _signed(header: dict, claims: dict, key: str = KEY) -> str:
    import base64
    import hashlib
    import hmac
    import json

    def b64(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    signing = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"
    return f"{signing}.{b64(hmac.new(key.encode(), signing.encode(), hashlib.sha256).digest())}"


_CLAIMS = {"iss": tokens.ISSUER, "sub": "u1", "lvl": SESSION, "iat": int(NOW.timestamp()),
           "exp": int(NOW.timestamp()) + 60}


@pytest.mark.parametrize(
    "header,claims,key",
    [
        ({"alg": "none"}, _CLAIMS, KEY),
        ({"alg": "HS512"}, _CLAIMS, KEY),
        ({"alg": "HS256", "crit": ["b64"]}, _CLAIMS, KEY),
        ({"alg": "HS256"}, _CLAIMS, "another key" * 3),
        ({"alg": "HS256"}, {**_CLAIMS, "iss": "someone else"}, KEY),
        ({"alg": "HS256"}, {k: v for k, v in _CLAIMS.items() if k != "iss"}, KEY),
        ({"alg": "HS256"}, {k: v for k, v in _CLAIMS.items() if k != "sub"}, KEY),
        ({"alg": "HS256"}, {**_CLAIMS, "sub": 7}, KEY),
        ({"alg": "HS256"}, {**_CLAIMS, "aud": "x"}, KEY),
        ({"alg": "HS256"}, ["not", "claims"], KEY),
    ],
)
def test_a_token_pyjwt_refused_is_refused(header, claims, key):
    import jwt

    token = _signed(header, claims, key)
    with pytest.raises(jwt.PyJWTError):
        jwt.decode(token, KEY, algorithms=["HS256"], issuer=tokens.ISSUER,
                   options={"require": ["exp", "iat", "sub", "lvl"], "verify_exp": False, "verify_iat": False})
    with pytest.raises(errors.TokenInvalid):
        tokens.verify(token, key=KEY, now=NOW)


def test_a_tampered_payload_or_signature_is_refused():
    token = tokens.issue("u1", SESSION, key=KEY, ttl_seconds=60, now=NOW)
    header, payload, signature = token.split(".")
    other = tokens.issue("u2", PURCHASE, key=KEY, ttl_seconds=60, now=NOW).split(".")[1]
    for forged in (f"{header}.{other}.{signature}", f"{header}.{payload}.{signature[:-2]}",
                   f"{header}.{payload}.", f"{header}.{payload}.{signature}.", f"{header}.{payload}.{signature}=="):
        with pytest.raises(errors.TokenInvalid):
            tokens.verify(forged, key=KEY, now=NOW)


def test_pyjwt_reads_the_tokens_we_issue():
    import jwt

    token = tokens.issue("u1", PURCHASE, key=KEY, ttl_seconds=60, now=NOW)

    assert jwt.get_unverified_header(token) == {"alg": "HS256", "typ": "JWT"}
    claims = jwt.decode(token, KEY, algorithms=["HS256"], issuer=tokens.ISSUER, options={"verify_exp": False})
    assert claims == {"iss": tokens.ISSUER, "sub": "u1", "lvl": PURCHASE, "iat": int(NOW.timestamp()),
                      "exp": int(NOW.timestamp()) + 60}
