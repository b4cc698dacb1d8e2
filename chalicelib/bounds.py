"""How far in time an input may reach: the dates people and operators send, and the local clock.

Python's dates end at years 1 and 9999, and the code adds to and subtracts from every date it
is given (a make-up day's neighbours, a coupon's expiry TTL, a metrics range's defaults), so a
value near either end overflowed inside a route, often after something was written. Inputs are
held to the years below, far from both ends and wide enough for any campaign or report; a
zone offset (at most a day) cannot carry them out.
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Annotated

import msgspec

from chalicelib import messages

FIRST_YEAR, LAST_YEAR = 2000, 2100

# The simulated clock is narrower: the activity score doubles once per half-life from its epoch
# (2026-01-01, ``events.rules``), and at the shortest half-life an operator may set it stays
# inside DynamoDB's number range only within about five years of it.
CLOCK_FROM = datetime(2021, 1, 1, tzinfo=timezone.utc)
CLOCK_UNTIL = datetime(2031, 1, 1, tzinfo=timezone.utc)


# Values of the rule books (``PUT /operator/rules/{name}``), checked when a document is saved so
# that none can break a route afterwards. Counts and amounts stay far from anything that could
# overflow a date or DynamoDB's 38 digits; each capability's rules add their own.
TemplateId = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]  # a coupon template to grant
Label = Annotated[str, msgspec.Meta(min_length=1, max_length=40)]
RewardPoints = Annotated[int, msgspec.Meta(ge=0, le=100_000)]  # points one reward pays
Cards = Annotated[int, msgspec.Meta(ge=0, le=10)]  # make-up cards one reward pays
Percent = Annotated[int, msgspec.Meta(ge=0, le=100)]
Days = Annotated[int, msgspec.Meta(ge=1, le=365)]


def in_window(value: date) -> bool:
    """``value`` (a date, or a datetime read on its own calendar) falls in the accepted years."""
    return FIRST_YEAR <= value.year <= LAST_YEAR


def window_message(field: str) -> str:
    return messages.text("VALIDATION_FAILED.years", field=field, first=FIRST_YEAR, last=LAST_YEAR)


def clock_message() -> str:
    return messages.text("VALIDATION_FAILED.clock_range", first=f"{CLOCK_FROM:%Y-%m-%d}", last=f"{CLOCK_UNTIL:%Y-%m-%d}")
