"""The abuse-limit counter on the store: one conditional update a take, exact under racing."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from chalicelib import errors
from chalicelib.limits import rules
from chalicelib.limits import service as limits
from chalicelib.limits.models import RateCounter
from chalicelib.store.roundtrips import counting
from tests.conftest import BACKEND
from tests.integration.helpers import race, uid

# Every take in a test passes this same instant, so no test crosses a window by chance; it is a
# day ahead so that no counter's TTL has passed (DynamoDB Local deletes expired items).
NOW = (datetime.now(timezone.utc) + timedelta(days=1)).replace(second=30, microsecond=0)


def limit(count: int, seconds: int = 60) -> rules.Limit:
    return rules.Limit(uid("t-"), count, seconds)  # a scope of its own: no other test's counters


def test_takes_up_to_the_limit_pass_and_the_next_is_refused_until_the_window_ends(dynamodb):
    lim, subject = limit(5), "203.0.113.7"

    for _ in range(5):
        limits.take(lim, subject, now=NOW)
    with pytest.raises(errors.RateLimited) as refused:
        limits.take(lim, subject, now=NOW)

    wait = refused.value.retry_after
    assert refused.value.status == 429 and refused.value.code == "RATE_LIMITED"
    assert 1 <= wait <= 60
    with pytest.raises(errors.RateLimited):
        limits.take(lim, subject, now=NOW + timedelta(seconds=wait - 1))
    limits.take(lim, subject, now=NOW + timedelta(seconds=wait))  # the next window
    limits.take(lim, "203.0.113.8", now=NOW)  # another subject has its own budget


def test_units_are_counted_and_a_refused_take_counts_nothing(dynamodb):
    lim, subject = limit(100), uid()

    limits.take(lim, subject, 60, now=NOW)
    with pytest.raises(errors.RateLimited):
        limits.take(lim, subject, 50, now=NOW)  # 110 would pass the limit
    limits.take(lim, subject, 40, now=NOW)  # so 40 still fit: exactly 100
    with pytest.raises(errors.RateLimited):
        limits.take(lim, subject, 1, now=NOW)
    with pytest.raises(errors.RateLimited):
        limits.take(limit(10), uid(), 11, now=NOW)  # more than a whole window allows, even the first time


def test_a_take_is_one_round_trip(dynamodb):
    lim = limit(10)

    with counting() as calls:
        limits.take(lim, uid(), 3, now=NOW)

    assert dict(calls) == {"UpdateItem": 1}


def test_the_counter_keeps_no_address_or_device_id_and_expires_with_its_window(dynamodb):
    lim, address = limit(10), "198.51.100.23"

    limits.take(lim, address, now=NOW)

    [item] = [c for c in RateCounter.scan() if c.key.startswith(f"{lim.scope}#")]
    assert address not in item.key and int(item.taken) == 1
    start = int(item.key.rsplit("#", 1)[1])
    assert start <= NOW.timestamp() < start + 60
    assert item.expires_at == datetime.fromtimestamp(start + 60, timezone.utc)


@pytest.mark.skipif(BACKEND != "dynamodb-local", reason="moto's backend is not thread-safe: races only on DynamoDB Local")
def test_racing_takes_never_pass_the_limit(dynamodb):
    lim, subject = limit(25), uid()

    results = race(80, lambda i: limits.take(lim, subject, 1 + i % 2, now=NOW))

    taken = sum(1 + i % 2 for i, r in enumerate(results) if r is None)
    assert all(r is None or isinstance(r, errors.RateLimited) for r in results)
    assert 24 <= taken <= 25  # full, give or take a refused 2 that a 1 could still have filled
    [item] = [c for c in RateCounter.scan() if c.key.startswith(f"{lim.scope}#")]
    assert int(item.taken) == taken
