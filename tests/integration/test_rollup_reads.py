"""The rollup's activity reads: every user found, in concurrent BatchGetItem calls."""
from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from chalicelib.events.models import Activity
from chalicelib.metrics import rollup
from chalicelib.store.roundtrips import counting
from tests.integration.helpers import uid


def test_the_rollup_reads_activity_in_concurrent_batches_and_finds_everyone(dynamodb, monkeypatch):
    users = [uid() for _ in range(450)]
    with Activity.batch_write() as batch:
        for user in users:
            batch.save(Activity(user, first_seen_day="2030-01-01", last_active_day="2030-01-01"))
    lock, state = threading.Lock(), {"now": 0, "peak": 0}
    real = Activity.batch_get

    def slow(keys, **kwargs):  # a round trip that takes long enough for reads to overlap, if they can
        with lock:
            state["now"] += 1
            state["peak"] = max(state["peak"], state["now"])
        try:
            time.sleep(0.05)
            return list(real(keys, **kwargs))
        finally:
            with lock:
                state["now"] -= 1

    monkeypatch.setattr(Activity, "batch_get", slow)
    with counting() as calls, ThreadPoolExecutor(rollup.READERS) as pool:
        found = rollup._gathered(rollup._read(pool, [*users, *users[:10], "u-nobody"], ("first_seen_day",)))

    assert sorted(found) == sorted(users) and found[users[0]].first_seen_day == "2030-01-01"
    assert calls["BatchGetItem"] == 5 and state["peak"] > 1  # 451 keys, 100 a call, several at once
