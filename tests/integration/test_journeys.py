"""Journeys operators design, run by the engine over the fan-out queue: entries, delays, waits,
splits, sends through the one send pipeline, goals, versions and pauses."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.journeys import stats, store
from tests.integration.journey_helpers import happen, on_event, person, progress, publish, send, texts, tick, unique

NOW = datetime(2028, 2, 1, 2, tzinfo=timezone.utc)  # 10:00 in China


@pytest.fixture(autouse=True)
def _own_queue(queue):
    """No page of another test's can reach these workers."""


def test_a_chain_sends_its_first_step_at_once_and_the_next_after_its_delay_once_each(dynamodb, sandbox):
    name = unique("ev")
    journey = publish(on_event(name, [send("first", "首单立减已到账"), {"type": "delay", "id": "wait3", "days": 3},
                                      send("second", "满减券已到账")]), NOW)
    user = person(sandbox, NOW)
    happen(user, name, NOW)

    tick(NOW)
    assert texts(sandbox, user) == ["首单立减已到账"]
    [p] = progress(user, journey)
    assert (p.step, p.inside, p.status) == ("wait3", "delay", "active")

    tick(NOW + timedelta(days=1))  # not yet due: nothing listed, nothing sent
    assert texts(sandbox, user) == ["首单立减已到账"]
    due = NOW + timedelta(days=3, minutes=2)
    tick(due)
    tick(due)  # the same minutes read again: each unit finds itself decided
    assert texts(sandbox, user) == ["首单立减已到账", "满减券已到账"]
    [p] = progress(user, journey)
    assert p.status == "done"
    figures = stats.report(journey, store.body_of(journey, 1)["steps"])
    assert (figures["entered"], figures["done"], figures["waiting"]) == (1, 1, 0)
    assert [s["sent"] for s in figures["steps"]] == [1, 0, 1]
