"""What state a campaign is in, and which edits it can take. Pure: the service applies them.

Before a campaign starts, everything about it may change. Once it has started, groups and
bargains hold snapshots of its terms and users hold its promises, so only what cannot hurt them
may: its name, a later end, more stock, a higher per-user limit. An ended campaign is final.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib import messages

SCHEDULED, LIVE, PAUSED, ENDED = "scheduled", "live", "paused", "ended"
STATES = (SCHEDULED, LIVE, PAUSED, ENDED)
LIVE_SAFE = frozenset({"name", "ends_at", "add_stock", "per_user_limit"})


def state(*, active: bool, ended_at: datetime | None, starts_at: datetime, ends_at: datetime, now: datetime) -> str:
    if ended_at is not None or now >= ends_at:
        return ENDED
    if not active:
        return PAUSED
    return SCHEDULED if now < starts_at else LIVE


def camel(field: str) -> str:
    head, *rest = field.split("_")
    return head + "".join(part.title() for part in rest)


def unsafe(current: dict[str, Any], patch: dict[str, Any], *, started: bool, now: datetime) -> list[str]:
    """Why ``patch`` (snake_case fields, only those sent) cannot apply: one message per field,
    naming it as the API does (so the console shows each at its field); empty when it can."""
    found = []

    def say(code: str, field: str) -> None:
        found.append(messages.text(code).format(field=camel(field)))

    for field, value in patch.items():
        if field == "ends_at" and started and (value < current["ends_at"] or value <= now):
            say("CAMPAIGN_ENDS_EARLIER", field)
        elif field == "ends_at" and value <= now:
            say("CAMPAIGN_ENDS_PAST", field)
        elif field == "add_stock" and current.get("stock") is None:
            say("CAMPAIGN_STOCK_UNLIMITED", field)
        elif field == "per_user_limit" and started and value < current["per_user_limit"]:
            say("CAMPAIGN_LIMIT_LOWER", field)
        elif started and field not in LIVE_SAFE:
            say("CAMPAIGN_FIELD_LOCKED", field)
    return found
