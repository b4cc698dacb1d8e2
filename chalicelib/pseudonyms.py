"""Keyed hashes that stand for a user where a record must outlive the user's erasure.

An unkeyed hash of a user id would not do: the id is itself derived from the openid, so anyone
holding an openid could find its records. HMAC under ``HUILIU_PSEUDONYM_KEY`` (a secret of its
own, never rotated) cannot be recomputed without the key; ``purpose`` keeps the pseudonyms of
one use from matching those of another.
"""
from __future__ import annotations

import hashlib
import hmac

from chalicelib import config


def of(purpose: str, user_id: str, length: int = 64) -> str:
    key = config.settings().pseudonym_key.encode()
    return hmac.new(key, f"{purpose}:{user_id}".encode(), hashlib.sha256).hexdigest()[:length]
