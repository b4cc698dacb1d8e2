"""The synthetic population: who arrives when, and how likely each person is to come back, buy,
share, help a friend's bargain, accept subscribe messages and react to one, and whether they
agree to the privacy notice (most do; the others' events are only counted, as the law wants).

Each person draws their own propensities once (Beta distributions, so the population is
mixed: a few loyal buyers, many browsers who drift away). The chance of a visit decays with the
days since the last one (``base · e^(−gap/τ)``); a wake-up message received that day or in the two
before (its coupon is still good) raises it to the person's reaction propensity. The journeys-off half of the population
(the global holdout) never gets a message, so the difference between the halves is the lift.
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

PRIVACY_AGREE = 0.9  # share of people who tap agree on the privacy notice


@dataclass
class Person:
    name: str  # the WeChat sandbox user (codes are demo:<name>:<n>)
    arrived: int  # simulated day index
    base: float  # chance of a visit the day after a visit
    tau: float  # days for that chance to fall by e
    buy: float  # chance a visit ends in an order
    share: float  # chance a visit shares the shop
    helpful: float  # chance of helping a friend's bargain or joining their group, when seeing one
    react: float  # chance of coming back the day a wake-up message arrives
    consent: float  # chance of accepting the subscribe-message prompt
    privacy: bool = True  # agrees to the privacy notice (not ``consent``: that is the subscribe prompt)
    invited_by: str | None = None  # invite code carried by the link they arrived with
    anonymous_id: str | None = None  # from POST /auth/anonymous, kept as wx.setStorageSync would
    user_id: str | None = None
    token: str | None = None
    purchase_token: str | None = None  # after the phone number
    invite_code: str | None = None
    last_visit: int | None = None
    messaged: set[int] = field(default_factory=set)  # days a wake-up message reached them
    bargains: list[str] = field(default_factory=list)  # their own, still to look at
    visits: int = 0

    def visits_today(self, day: int, rng: random.Random) -> bool:
        if self.last_visit is None:
            return day == self.arrived
        gap = day - self.last_visit - 1
        chance = self.base * math.exp(-gap / self.tau)
        if self.messaged & {day, day - 1, day - 2}:  # the coupon in the message lasts a few days
            chance = max(chance, self.react)
        return rng.random() < chance


class Population:
    def __init__(self, run: str, seed: int) -> None:
        self.run, self.rng, self.people = run, random.Random(seed), []

    def arrive(self, day: int, n: int, invited_by: str | None = None) -> list[Person]:
        rng = self.rng
        born = [
            Person(
                name=f"{self.run}n{len(self.people) + i}",
                arrived=day,
                base=rng.betavariate(2, 4),  # mean 0.33
                tau=rng.uniform(1.5, 8),
                buy=rng.betavariate(1.2, 8),  # mean 0.13
                share=rng.betavariate(1, 12),
                helpful=rng.betavariate(2, 5),
                react=rng.betavariate(4, 3),  # mean 0.57
                consent=rng.betavariate(4, 3),
                # Its own generator, so that the other draws (and earlier runs' figures) stay as they were.
                privacy=random.Random(f"{self.run}n{len(self.people) + i}:privacy").random() < PRIVACY_AGREE,
                invited_by=invited_by,
            )
            for i in range(n)
        ]
        self.people.extend(born)
        return born

    def by_name(self) -> dict[str, Person]:
        return {p.name: p for p in self.people}
