"""Rate-limit counters.

Key pattern:
- ``rate-limits``: ``key`` = ``<scope>#<digest>#<window start>`` → ``taken``, the units used in
  that window. The digest is an HMAC of the subject (user id, device id, network), so neither
  an address nor a device id is stored. ``expires_at`` (TTL) is the window's end: a later
  window has another key, so an expired item DynamoDB has not yet deleted is never read.
"""
from __future__ import annotations

from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.models import Model

from chalicelib.store.base import meta


class RateCounter(Model):
    Meta = meta("rate-limits")
    key = UnicodeAttribute(hash_key=True)
    taken = NumberAttribute()
    expires_at = TTLAttribute()
