"""Record an event inside a transaction; let the merchant poll and ack."""
from __future__ import annotations

import json
from datetime import datetime

from pynamodb.exceptions import UpdateError

from chalicelib import errors, messages
from chalicelib.outbox.models import OutboxEvent
from chalicelib.store.transactions import Transaction

TOPICS = ("fulfilment", "refunds")
PAGE = 50


def record(tx: Transaction, topic: str, event_id: str, body: dict, *, now: datetime, name: str = "event") -> None:
    """The event, once: a second record of the same id cancels the transaction (``name`` failed)."""
    tx.save(name, OutboxEvent(topic, event_id, body=json.dumps(body, ensure_ascii=False), created_at=now,
                              pending_topic=topic), condition=OutboxEvent.event_id.does_not_exist())


def pending(topic: str, limit: int = PAGE) -> list[OutboxEvent]:
    """Events not yet acked, oldest first."""
    return list(OutboxEvent.pending.query(topic, limit=limit))


def ack(topic: str, event_id: str, *, now: datetime) -> None:
    """Idempotent: acking twice is fine; acking what never existed is 404."""
    try:
        OutboxEvent(topic, event_id).update(
            actions=[OutboxEvent.pending_topic.remove(), OutboxEvent.acked_at.set(OutboxEvent.acked_at | now)],
            condition=OutboxEvent.event_id.exists(),
        )
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            raise errors.NotFound(messages.text("NOT_FOUND.event")) from exc
        raise


def events(topic: str) -> list[OutboxEvent]:
    """Every event of a topic (tests and reports; the merchant reads ``pending``)."""
    return list(OutboxEvent.query(topic))
