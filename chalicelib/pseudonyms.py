"""Keyed hashes that stand for a person where a record must not name them: what outlives a
user's erasure, the subjects of abuse counters (an address, a device).

An unkeyed hash would not do: a user id is itself derived from the openid, and an IPv4 address
is found again by hashing all 2^32 of them. HMAC under ``HUILIU_PSEUDONYM_KEY`` (a secret of its
own, never rotated) cannot be recomputed without the key; ``purpose`` keeps the pseudonyms of
one use from matching those of another.
"""
from __future__ import annotations

import hashlib
import hmac

from chalicelib import config


def of(purpose: str, value: str, length: int = 64) -> str:
    """Hex HMAC-SHA256 of ``value`` (a user id, an address) for ``purpose``, cut to ``length``."""
    key = config.settings().pseudonym_key.encode()
    return hmac.new(key, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()[:length]
