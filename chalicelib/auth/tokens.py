"""Session tokens: HS256 JWTs carrying the user id and level, never the session_key."""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from datetime import datetime

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


# A compact JWS header as PyJWT writes it for HS256: any JWT library reads our tokens.
_HEADER = base64.urlsafe_b64encode(b'{"alg":"HS256","typ":"JWT"}').rstrip(b"=").decode()


def issue(user_id: str, level: str, *, key: str, ttl_seconds: int, now: datetime) -> str:
    # Written here rather than by PyJWT, which imports cryptography (~25 ms) for RSA and EC
    # that HS256 never uses, and whose encode costs as much as the rest of a login's Python.
    issued = int(now.timestamp())
    claims = {"iss": ISSUER, "sub": user_id, "lvl": level, "iat": issued, "exp": issued + ttl_seconds}
    payload = base64.urlsafe_b64encode(json.dumps(claims, separators=(",", ":")).encode()).rstrip(b"=").decode()
    signing = f"{_HEADER}.{payload}"
    signature = hmac.new(key.encode(), signing.encode(), hashlib.sha256).digest()
    return f"{signing}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"


def verify(token: str, *, key: str, now: datetime) -> Principal:
    claims = _signed_claims(token, key)
    if not all(name in claims for name in ("exp", "iat", "sub", "lvl")) or claims.get("iss") != ISSUER:
        raise errors.TokenInvalid()
    if "aud" in claims or "nbf" in claims:  # never issued by us: refused rather than half-checked
        raise errors.TokenInvalid()
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


# Every user request verifies a token: PyJWT's decode (its key checks, options merging, claim
# passes) cost ~0.3 ms of it, more than everything else we do before the first round trip.
# HS256 is a few lines of hmac; time and claim rules stay ours, above.
_SEGMENT = re.compile(r"[A-Za-z0-9_-]+")


def _signed_claims(token: str, key: str) -> dict:
    """The claims of a compact JWS signed with ``key`` under HS256, or TokenInvalid."""
    parts = token.split(".")
    if len(parts) != 3 or not all(_SEGMENT.fullmatch(p) for p in parts):
        raise errors.TokenInvalid()
    header_b64, payload_b64, signature_b64 = parts
    signed = hmac.new(key.encode(), f"{header_b64}.{payload_b64}".encode(), hashlib.sha256).digest()
    # Compared as text, not decoded: base64's last character has bits a decoder drops, so a token
    # with those changed would otherwise pass as the same token.
    if not hmac.compare_digest(signature_b64, base64.urlsafe_b64encode(signed).rstrip(b"=").decode()):
        raise errors.TokenInvalid()
    try:
        header, claims = json.loads(_b64(header_b64)), json.loads(_b64(payload_b64))
    except (ValueError, binascii.Error) as exc:  # bad base64, UTF-8 or JSON
        raise errors.TokenInvalid() from exc
    # Pinned: never let the token choose ("none", RS/HS confusion); no extensions we would ignore.
    if not isinstance(header, dict) or header.get("alg") != ALGORITHM or "crit" in header:
        raise errors.TokenInvalid()
    if not isinstance(claims, dict):
        raise errors.TokenInvalid()
    return claims


def _b64(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _is_instant(value: object) -> bool:
    # bool is an int to Python, and a float can be inf or nan: neither is a time we issued.
    return type(value) is int
