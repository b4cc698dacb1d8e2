"""The outbox: what the merchant's systems must act on, each event recorded exactly once.

Key patterns:
- ``outbox``: ``topic`` + ``event_id``. The id is derived from what happened
  (``refund:<group>:<user>``), and the item is written with ``attribute_not_exists`` inside the
  transaction that makes it true, so an event exists once and only if its cause committed.
  Sparse index ``pending`` (``pending_topic`` + ``event_id``) holds the events not yet acked:
  the merchant polls it and acks each; an unacked event is delivered again, with its stable id.
"""
from __future__ import annotations

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.store.base import meta


class PendingIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "pending"
        projection = AllProjection()

    pending_topic = UnicodeAttribute(hash_key=True)
    event_id = UnicodeAttribute(range_key=True)


class OutboxEvent(Model):
    Meta = meta("outbox")
    topic = UnicodeAttribute(hash_key=True)
    event_id = UnicodeAttribute(range_key=True)
    body = UnicodeAttribute()  # JSON
    created_at = UTCDateTimeAttribute()
    pending_topic = UnicodeAttribute(null=True)  # = topic until acked
    acked_at = UTCDateTimeAttribute(null=True)
    pending = PendingIndex()
