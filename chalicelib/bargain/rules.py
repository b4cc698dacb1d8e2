"""The cuts of a bargain: pure and reproducible from a stored seed.

The N cuts are fixed when the bargain starts. They sum exactly to original − floor, each is
at least 1 fen, and they shrink (each weight is 0.6 of the one before, jittered by ±20%, so a
later weight can never exceed an earlier one): the first friends cut a lot, which feels like
progress, and the last few fen are what make people share again.
"""
from __future__ import annotations

import random

DECAY = 0.6
JITTER = 0.2


def split(total: int, n: int, seed: int) -> list[int]:
    """``n`` cuts of at least 1 fen summing exactly to ``total`` fen, largest first."""
    if n < 1 or total < n:
        raise ValueError("a bargain needs at least one fen of discount per helper")
    rng = random.Random(seed)
    weights = [DECAY**i * rng.uniform(1 - JITTER, 1 + JITTER) for i in range(n)]
    spare = total - n  # every cut gets 1 fen first; the rest is shared by weight
    shares = [spare * w / sum(weights) for w in weights]
    cuts = [1 + int(s) for s in shares]
    # Largest remainders first: the sum comes out exact without moving any cut by more than 1.
    by_remainder = sorted(range(n), key=lambda i: shares[i] - int(shares[i]), reverse=True)
    for i in by_remainder[: total - sum(cuts)]:
        cuts[i] += 1
    return cuts


def price_after(original: int, cuts: list[int], helped: int) -> int:
    return original - sum(cuts[:helped])
