"""Checkpoints of scheduled jobs, so a run that is cut short resumes where it stopped."""
from __future__ import annotations

from datetime import datetime

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import DoesNotExist, UpdateError
from pynamodb.models import Model

from chalicelib.store.base import meta


class JobCursor(Model):
    Meta = meta("job-cursors")
    name = UnicodeAttribute(hash_key=True)
    cursor = UnicodeAttribute()
    updated_at = UTCDateTimeAttribute()


def cursor(name: str) -> str | None:
    try:
        return JobCursor.get(name, consistent_read=True).cursor
    except DoesNotExist:
        return None


def advance(name: str, value: str, *, now: datetime) -> None:
    """Move the checkpoint forward only: two overlapping runs never move it back."""
    try:
        JobCursor(name).update(
            actions=[JobCursor.cursor.set(value), JobCursor.updated_at.set(now)],
            condition=JobCursor.cursor.does_not_exist() | (JobCursor.cursor < value),
        )
    except UpdateError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise


def advance_in(name: str, slot: str, position: str, *, now: datetime) -> None:
    """Checkpoint a run of one ``slot`` (a day, an hour) at ``position``: within the slot the
    cursor only moves forward (two overlapping runs never move it back); a run of another slot
    starts its own, whichever slot the cursor held."""
    value = f"{slot}|{position}"
    try:
        JobCursor(name).update(
            actions=[JobCursor.cursor.set(value), JobCursor.updated_at.set(now)],
            condition=JobCursor.cursor.does_not_exist() | (JobCursor.cursor < value)
            | ~JobCursor.cursor.startswith(f"{slot}|"),
        )
    except UpdateError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
