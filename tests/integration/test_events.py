"""Events in: batched, deduplicated, refused one by one; the activity summary they keep; and
what privacy consent allows to be kept of them."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from chalicelib import config
from chalicelib.events import consent
from chalicelib.events import service as events
from chalicelib.events.models import Activity, Event
from chalicelib.store.roundtrips import counting
from tests.integration.helpers import uid


def batch(n: int, prefix: str = "e", name: str = "page_view", **props) -> list[events.Incoming]:
    return [events.Incoming(f"{prefix}{i}", name, None, dict(props)) for i in range(n)]


def agreed(user: str | None = None) -> str:
    """A user who agreed to the privacy notice: their events are kept."""
    user = user or uid()
    consent.record(user, agreed=True, version="v1", now=config.utcnow())
    return user


def test_fifty_events_cost_at_most_three_round_trips(dynamodb):
    user = agreed()
    events.ingest(batch(1), user_id=user, device_id=None, now=config.utcnow())  # the rule book, cached

    with counting() as calls:
        result = events.ingest(batch(50, "f"), user_id=user, device_id=None, now=config.utcnow())

    assert result.accepted == 50 and sum(calls.values()) <= 3, calls


def test_a_resent_batch_counts_once_and_bad_events_are_refused_alone(dynamodb):
    user, now = agreed(), config.utcnow()
    sent = batch(3) + [events.Incoming("bad", "Bad Name", None, {}),
                       events.Incoming("naive", "page_view", datetime(2026, 1, 1), {})]

    first = events.ingest(sent, user_id=user, device_id=None, now=now)
    events.ingest(sent, user_id=user, device_id=None, now=now)

    assert first.accepted == 3 and [i for i, _ in first.rejected] == ["bad", "naive"]
    assert Event.count(f"u:{user}") == 3
    assert events.summary(user, now=now).active_days == 1


def test_client_clocks_are_clamped(dynamodb):
    user, now = agreed(), config.utcnow()
    far = [events.Incoming("past", "page_view", now - timedelta(days=400), {}),
           events.Incoming("future", "page_view", now + timedelta(days=1), {})]

    events.ingest(far, user_id=user, device_id=None, now=now)

    times = {e.event_id: e.at for e in Event.query(f"u:{user}")}
    assert times["past"] == now - timedelta(days=7) and times["future"] == now + timedelta(minutes=5)


def test_a_cart_left_alone_is_due_and_an_order_clears_it(dynamodb):
    user, now = agreed(), datetime(2026, 11, 24, 2, 30, tzinfo=timezone.utc)
    events.ingest([events.Incoming("c1", "add_to_cart", None, {"cart": ["p-nuts", "p-mango"]})],
                  user_id=user, device_id=None, now=now)

    assert Activity.get(user).cart_hour == "2026-11-24T02"
    events.record_order(user, "o-1", 8990, now=now)
    a = Activity.get(user)
    assert a.cart_hour is None and not a.cart and int(a.orders) == 1 and a.last_order_day == "2026-11-24"


def test_events_before_login_become_the_users_with_the_visitors_agreement(dynamodb):
    user, device, now = uid(), uid("dev"), config.utcnow()
    consent.record_visitor(device, version="v7", now=now - timedelta(days=1))
    events.ingest(batch(4), user_id=None, device_id=device, now=now)

    with counting() as calls:
        assert events.merge_device(user, device, now=now) == 4

    assert sum(calls.values()) == 3, calls  # the device's items, the activity, the move
    assert Event.count(f"d:{device}") == 1 and Event.count(f"u:{user}") == 4  # the agreement stays, for a later login
    a = Activity.get(user)
    assert (a.privacy_agreed, a.privacy_version, a.privacy_at) == (True, "v7", now - timedelta(days=1))
    assert a.last_active_day == config.china_day(now).isoformat()


def test_before_consent_events_are_counted_and_nothing_is_written_for_the_user(dynamodb):
    user, now = uid(), datetime(2026, 5, 1, 4, tzinfo=timezone.utc)
    day = config.china_day(now)
    before = events.counts_of(day)

    with counting() as calls:
        result = events.ingest(batch(3) + batch(2, "c", "my_custom"), user_id=user, device_id=None, now=now)

    assert result.accepted == 5 and result.kept == events.AGGREGATE and sum(calls.values()) <= 2, calls
    assert Event.count(f"u:{user}") == 0 and Activity.count(user) == 0
    after = events.counts_of(day)
    assert after["page_view"] - before.get("page_view", 0) == 3 and after["custom"] - before.get("custom", 0) == 2
    assert events.ingest(batch(1), user_id=None, device_id=None, now=now).kept == events.AGGREGATE


def test_a_device_merges_into_nobody_who_has_not_agreed_and_never_over_a_withdrawal(dynamodb):
    device, now = uid("dev"), config.utcnow()
    events.ingest(batch(2), user_id=None, device_id=device, now=now)  # no agreement on record: an expired one
    withdrawn = uid()
    consent.record(withdrawn, agreed=False, version="v1", now=now)

    assert events.merge_device(uid(), device, now=now) == 0
    consent.record_visitor(device, version="v2", now=now)
    assert events.merge_device(withdrawn, device, now=now) == 0

    assert Event.count(f"d:{device}") == 3 and Event.count(f"u:{withdrawn}") == 0
    assert Activity.get(withdrawn).privacy_agreed is False
    assert events.merge_device(agreed(), device, now=now) == 2


def test_a_withdrawal_stops_keeping_events_and_deletes_those_kept(dynamodb):
    user, now = agreed(), config.utcnow()
    assert events.ingest(batch(1), user_id=user, device_id=None, now=now).kept == events.USER

    consent.record(user, agreed=False, version="v1", now=now)

    assert events.ingest(batch(2, "w"), user_id=user, device_id=None, now=now).kept == events.AGGREGATE
    assert Event.count(f"u:{user}") == 0  # PIPL art. 47: processing ends with the consent


def test_segments_follow_the_facts(dynamodb):
    user = agreed()
    start = datetime(2026, 1, 10, 4, tzinfo=timezone.utc)
    events.ingest(batch(1), user_id=user, device_id=None, now=start)

    assert events.summary(user, now=start).segment == "new"
    assert events.summary(user, now=start + timedelta(days=8)).segment == "at_risk"
    assert events.summary(user, now=start + timedelta(days=40)).segment == "churned"
    score_now = events.summary(user, now=start).score
    assert events.summary(user, now=start + timedelta(days=7)).score == round(score_now / 2, 2)
