"""A campaign's state, and which edits a started one refuses (pure)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.campaigns import rules

NOW = datetime(2026, 12, 1, 4, 0, tzinfo=timezone.utc)
HOUR = timedelta(hours=1)


@pytest.mark.parametrize(("active", "ended_at", "starts", "ends", "state"), [
    (True, None, -HOUR, HOUR, rules.LIVE),
    (True, None, HOUR, 2 * HOUR, rules.SCHEDULED),
    (False, None, -HOUR, HOUR, rules.PAUSED),
    (False, None, HOUR, 2 * HOUR, rules.PAUSED),
    (True, None, -2 * HOUR, -HOUR, rules.ENDED),
    (True, NOW, -HOUR, HOUR, rules.ENDED),  # ended by an operator, even with its end still ahead
    (False, NOW, -HOUR, HOUR, rules.ENDED),
    (True, None, -HOUR, timedelta(0), rules.ENDED),  # the end is exclusive
])
def test_state(active, ended_at, starts, ends, state):
    assert rules.state(active=active, ended_at=ended_at, starts_at=NOW + starts, ends_at=NOW + ends, now=NOW) == state


CURRENT = {"name": "团", "ends_at": NOW + 10 * HOUR, "per_user_limit": 2, "stock": 5, "group_price": 100}


def test_a_started_campaign_takes_only_the_safe_edits():
    safe = {"name": "新团", "ends_at": NOW + 20 * HOUR, "per_user_limit": 3, "add_stock": 1}
    assert rules.unsafe(CURRENT, safe, started=True, now=NOW) == []
    assert rules.unsafe(CURRENT, {"per_user_limit": 2, "ends_at": CURRENT["ends_at"]}, started=True, now=NOW) == []


@pytest.mark.parametrize(("patch", "field"), [
    ({"group_price": 90}, "groupPrice"),
    ({"starts_at": NOW}, "startsAt"),
    ({"ends_at": NOW + 5 * HOUR}, "endsAt"),  # earlier than it was
    ({"per_user_limit": 1}, "perUserLimit"),
])
def test_a_started_campaign_refuses_each_unsafe_field_by_name(patch, field):
    found = rules.unsafe(CURRENT, patch, started=True, now=NOW)
    assert len(found) == 1 and found[0].startswith(f"{field}：")


def test_before_the_start_anything_goes_but_an_end_in_the_past_or_stock_for_the_unlimited():
    assert rules.unsafe(CURRENT, {"group_price": 1, "per_user_limit": 1, "ends_at": NOW + HOUR}, started=False, now=NOW) == []
    assert rules.unsafe(CURRENT, {"ends_at": NOW}, started=False, now=NOW)[0].startswith("endsAt：")
    assert rules.unsafe({**CURRENT, "stock": None}, {"add_stock": 3}, started=False, now=NOW)[0].startswith("addStock：")


def test_camel_names_the_field_as_the_api_does():
    assert rules.camel("time_limit_minutes") == "timeLimitMinutes" and rules.camel("name") == "name"
