"""The fan-out's pure parts: page encoding, delays, batch sizes, and the order a checkpoint follows."""
from __future__ import annotations

import random
import threading
import time
from datetime import timedelta

from chalicelib.fanout import pages, queue, sender
from chalicelib.fanout.pages import MAX_DELAY, Page


def test_a_page_survives_the_queue_as_json():
    page = Page("wakeup", "inactive", [["u-1", "d3", "2031-06-07", None, "o1"]], attempt=2)

    assert pages.decode(pages.encode(page)) == page
    assert "attempt" not in pages.encode(Page("wakeup", "cart", []))  # defaults stay off the wire


def test_backoff_doubles_from_30_seconds_to_sqs_cap_with_jitter_below_each_step():
    rng = random.Random(1)
    draws = [[pages.backoff(attempt, rng) for _ in range(200)] for attempt in range(8)]

    for attempt, d in enumerate(draws[:5]):  # 30, 60, 120, 240, 480 s, drawn from the upper quarter
        assert int(0.75 * 30 * 2**attempt) <= min(d) < max(d) <= 30 * 2**attempt
    assert all(max(d) <= MAX_DELAY for d in draws) and min(draws[7]) >= int(0.75 * MAX_DELAY)


def test_a_wait_becomes_whole_seconds_between_one_and_the_cap():
    assert pages.seconds(timedelta(seconds=0.2)) == 1
    assert pages.seconds(timedelta(seconds=540.2)) == 541
    assert pages.seconds(timedelta(hours=9)) == MAX_DELAY
    assert pages.seconds(timedelta(seconds=-5)) == 1


def test_batches_hold_ten_entries_and_stay_under_sqs_size_limit():
    small = [("x" * 100, 0)] * 25
    big = [("y" * 60_000, 0)] * 9

    assert [len(b) for b in queue._batches(small)] == [10, 10, 5]
    assert [len(b) for b in queue._batches(big)] == [4, 4, 1]  # 4 x 60 KB fit in 256 KB, 5 do not


def test_the_checkpoint_follows_only_pages_that_are_on_the_queue_and_every_earlier_one(monkeypatch):
    sent: set[str] = set()
    lock = threading.Lock()

    def slow_send(batch):  # sends finish out of order
        time.sleep(random.uniform(0, 0.02))
        with lock:
            sent.update(page.scope for page, _ in batch)
        return 1

    monkeypatch.setattr(queue, "send", slow_send)
    saved: list[tuple[str, set[str]]] = []

    def checkpoint(position: str) -> None:
        with lock:
            saved.append((position, set(sent)))

    with sender.Sender(checkpoint, every=0.0) as out:
        for i in range(60):
            out.send([Page("wakeup", f"{i:03d}", [])], f"{i:03d}")

    assert saved[-1][0] == "059" and sent == {f"{i:03d}" for i in range(60)}
    for position, on_queue in saved:  # every page up to the position was sent when it was saved
        assert {f"{i:03d}" for i in range(int(position) + 1)} <= on_queue
    assert [p for p, _ in saved] == sorted(p for p, _ in saved)
