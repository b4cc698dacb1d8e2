"""Events in: batched, deduplicated, refused one by one; the activity summary they keep."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from chalicelib import config
from chalicelib.events import service as events
from chalicelib.events.models import Activity, Event
from chalicelib.store.roundtrips import counting
from tests.integration.helpers import uid


def batch(n: int, prefix: str = "e", name: str = "page_view", **props) -> list[events.Incoming]:
    return [events.Incoming(f"{prefix}{i}", name, None, dict(props)) for i in range(n)]


def test_fifty_events_cost_at_most_three_round_trips(dynamodb):
    user = uid()
    events.ingest(batch(1), user_id=user, device_id=None, now=config.utcnow())  # the rule book, cached

    with counting() as calls:
        result = events.ingest(batch(50, "f"), user_id=user, device_id=None, now=config.utcnow())

    assert result.accepted == 50 and sum(calls.values()) <= 3, calls


def test_a_resent_batch_counts_once_and_bad_events_are_refused_alone(dynamodb):
    user, now = uid(), config.utcnow()
    sent = batch(3) + [events.Incoming("bad", "Bad Name", None, {}),
                       events.Incoming("naive", "page_view", datetime(2026, 1, 1), {})]

    first = events.ingest(sent, user_id=user, device_id=None, now=now)
    events.ingest(sent, user_id=user, device_id=None, now=now)

    assert first.accepted == 3 and [i for i, _ in first.rejected] == ["bad", "naive"]
    assert Event.count(f"u:{user}") == 3
    assert events.summary(user, now=now).active_days == 1


def test_client_clocks_are_clamped(dynamodb):
    user, now = uid(), config.utcnow()
    far = [events.Incoming("past", "page_view", now - timedelta(days=400), {}),
           events.Incoming("future", "page_view", now + timedelta(days=1), {})]

    events.ingest(far, user_id=user, device_id=None, now=now)

    times = {e.event_id: e.at for e in Event.query(f"u:{user}")}
    assert times["past"] == now - timedelta(days=7) and times["future"] == now + timedelta(minutes=5)


def test_a_cart_left_alone_is_due_and_an_order_clears_it(dynamodb):
    user, now = uid(), datetime(2026, 11, 24, 2, 30, tzinfo=timezone.utc)
    events.ingest([events.Incoming("c1", "add_to_cart", None, {"cart": ["p-nuts", "p-mango"]})],
                  user_id=user, device_id=None, now=now)

    assert Activity.get(user).cart_hour == "2026-11-24T02"
    events.record_order(user, "o-1", 8990, now=now)
    a = Activity.get(user)
    assert a.cart_hour is None and not a.cart and int(a.orders) == 1 and a.last_order_day == "2026-11-24"


def test_events_before_login_become_the_users(dynamodb):
    user, device, now = uid(), uid("dev-"), config.utcnow()
    events.ingest(batch(4), user_id=None, device_id=device, now=now)

    assert events.merge_device(user, device, now=now) == 4

    assert Event.count(f"d:{device}") == 0 and Event.count(f"u:{user}") == 4


def test_segments_follow_the_facts(dynamodb):
    user = uid()
    start = datetime(2026, 1, 10, 4, tzinfo=timezone.utc)
    events.ingest(batch(1), user_id=user, device_id=None, now=start)

    assert events.summary(user, now=start).segment == "new"
    assert events.summary(user, now=start + timedelta(days=8)).segment == "at_risk"
    assert events.summary(user, now=start + timedelta(days=40)).segment == "churned"
    score_now = events.summary(user, now=start).score
    assert events.summary(user, now=start + timedelta(days=7)).score == round(score_now / 2, 2)
