"""What travels on the queue, and how long a page waits before it is tried again. Pure.

A message is one ``Page``: the units of work of one kind (``wakeup``) and scope (the journey),
as JSON lists the kind's handler understands, never the whole job. A handler answers with a
``Worked``: what it decided, and what must go back on the queue with a delay (``Again``).
"""
from __future__ import annotations

import math
import random
from collections import Counter
from datetime import timedelta
from typing import Any

import msgspec

MAX_DELAY = 900  # seconds: SQS's longest DelaySeconds
PAGE_SIZE = 50  # units a message: ~5 s of work at AWS latencies, ~7 KB of JSON
# A page put back this many times (rate limited, WeChat busy) is left to the next scheduled run,
# whose catch-up window reads its users again: 30 s doubling to 900 s is about an hour of tries.
MAX_ATTEMPTS = 8
RETRY_BASE = 30  # seconds before the first retry after a rate limit or a busy answer


class Page(msgspec.Struct, frozen=True, omit_defaults=True):
    kind: str  # whose handler: "wakeup"
    scope: str  # what the handler needs besides the units: the journey
    items: list[Any]  # the units of work
    attempt: int = 0  # times these units were put back after a rate limit or a busy answer


class Again(msgspec.Struct, frozen=True):
    """Units to try again in ``delay`` seconds. ``counts``: the delay is a backoff (a rate limit,
    a busy answer), so the page's attempt grows; quiet hours and claims still in flight do not."""

    items: list[Any]
    delay: int
    counts: bool = True


class Worked(msgspec.Struct):
    """A handler's answer for one page."""

    decisions: Counter = msgspec.field(default_factory=Counter)
    again: list[Again] = msgspec.field(default_factory=list)
    # "rate_limited" or "busy": stop calling WeChat; the rest of the batch goes back, delayed.
    stopped: str | None = None


_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(Page)


def encode(page: Page) -> str:
    return _encoder.encode(page).decode()


def decode(body: str | bytes) -> Page:
    return _decoder.decode(body)


def backoff(attempt: int, rng: random.Random | None = None) -> int:
    """Seconds before a page put back for the ``attempt``-th time is tried: 30 s doubling to SQS's
    900 s cap, each drawn from its upper quarter so that pages stopped together do not all
    come back on the same second."""
    ceiling = min(MAX_DELAY, RETRY_BASE * 2 ** min(attempt, 10))
    return max(1, int(ceiling * (rng or random).uniform(0.75, 1.0)))


def seconds(wait: timedelta) -> int:
    """A wait as SQS's DelaySeconds: whole seconds, at least one, at most the cap (a longer wait
    comes back at the cap and is put back again)."""
    return min(MAX_DELAY, max(1, math.ceil(wait.total_seconds())))


def chunks(items: list[Any], size: int = PAGE_SIZE) -> list[list[Any]]:
    return [items[i:i + size] for i in range(0, len(items), size)]
