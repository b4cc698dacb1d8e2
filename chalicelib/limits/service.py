"""Taking from a budget: one conditional ``UpdateItem``, so a limit holds across Lambdas."""
from __future__ import annotations

import logging
from datetime import datetime, timezone

from botocore.exceptions import ClientError

from chalicelib import errors, pseudonyms
from chalicelib.limits import rules
from chalicelib.limits.models import RateCounter
from chalicelib.store import raw

log = logging.getLogger(__name__)


def take(limit: rules.Limit, subject: str, n: int = 1, *, now: datetime) -> None:
    """Count ``n`` units of ``subject`` against ``limit``, or raise ``RateLimited`` (with the
    seconds to the window's end) and count nothing."""
    digest = _digest(limit.scope, subject)
    w = rules.window(limit, now, phase=int(digest[:8], 16))
    if n > limit.count:  # could never fit; also keeps a first take from overshooting
        raise errors.RateLimited(retry_after=rules.retry_after(w, now))
    try:
        # ADD under the condition is the whole guarantee: DynamoDB applies concurrent takes one
        # at a time, and one that would pass the limit changes nothing.
        raw.send(RateCounter, "UpdateItem", {
            "Key": {"key": raw.value(RateCounter.key, f"{limit.scope}#{digest}#{w.start}")},
            "UpdateExpression": "ADD taken :n SET expires_at = :end",
            "ConditionExpression": "attribute_not_exists(taken) OR taken <= :room",
            "ExpressionAttributeValues": {
                ":n": raw.value(RateCounter.taken, n),
                ":end": raw.value(RateCounter.expires_at, datetime.fromtimestamp(w.end, timezone.utc)),
                ":room": raw.value(RateCounter.taken, limit.count - n),
            },
        })
    except ClientError as exc:
        if not raw.conditional_failed(exc):
            raise
        log.info("rate limited", extra={"scope": limit.scope})
        raise errors.RateLimited(retry_after=rules.retry_after(w, now)) from exc


def _digest(scope: str, subject: str) -> str:
    return pseudonyms.of(f"rate-limit:{scope}", subject, 32)
