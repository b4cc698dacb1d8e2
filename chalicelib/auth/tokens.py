"""Session tokens: HS256 JWTs carrying the user id and level, never the session_key."""
from __future__ import annotations

from datetime import datetime
from types import ModuleType

import msgspec

from chalicelib import errors
from chalicelib.config import MAX_TOKEN_TTL_SECONDS
from chalicelib.auth.levels import PURCHASE, SESSION

ISSUER = "huiliu"
ALGORITHM = "HS256"
# Lambdas' clocks agree to well under this; more than that in the future was not issued by us.
CLOCK_SKEW_SECONDS = 60


class Principal(msgspec.Struct, frozen=True):
    user_id: str
    level: str


def _jwt() -> ModuleType:
    # PyJWT imports cryptography (~25 ms) for RSA and EC, which HS256 never uses: paid on the
    # first token, not by every cold start, so anonymous browsing does not pay it at all.
    import jwt

    return jwt


def issue(user_id: str, level: str, *, key: str, ttl_seconds: int, now: datetime) -> str:
    jwt = _jwt()
    issued = int(now.timestamp())
    claims = {"iss": ISSUER, "sub": user_id, "lvl": level, "iat": issued, "exp": issued + ttl_seconds}
    return jwt.encode(claims, key, algorithm=ALGORITHM)


def verify(token: str, *, key: str, now: datetime) -> Principal:
    jwt = _jwt()
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],  # pinned: never let the token choose ("none", RS/HS confusion)
            issuer=ISSUER,
            # Time claims are checked against our clock below, not the machine's, so the
            # simulated clock is honoured.
            options={"require": ["exp", "iat", "sub", "lvl"], "verify_exp": False, "verify_iat": False},
        )
    except jwt.PyJWTError as exc:
        raise errors.TokenInvalid() from exc
    issued, expires = claims["iat"], claims["exp"]
    if not (_is_instant(issued) and _is_instant(expires)):
        raise errors.TokenInvalid()
    if issued > now.timestamp() + CLOCK_SKEW_SECONDS or not 0 < expires - issued <= MAX_TOKEN_TTL_SECONDS:
        raise errors.TokenInvalid()
    if expires <= now.timestamp():
        raise errors.TokenExpired()
    if claims["lvl"] not in (SESSION, PURCHASE) or not isinstance(claims["sub"], str):
        raise errors.TokenInvalid()
    return Principal(user_id=claims["sub"], level=claims["lvl"])


def _is_instant(value: object) -> bool:
    # bool is an int to Python, and a float can be inf or nan: neither is a time we issued.
    return type(value) is int
