"""Check-in arithmetic: streaks, the reward cycle, milestones, make-up windows. Pure.

Days are China days (``config.china_day``). A day's *streak* is the length of the run of
consecutive checked-in days ending on it; the user's current streak is the streak of their
last day if that is today or yesterday, else 0.
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

import msgspec

from chalicelib import messages
from chalicelib.bounds import Cards, RewardPoints, TemplateId


class Reward(msgspec.Struct, frozen=True, rename="camel", forbid_unknown_fields=True):
    points: RewardPoints = 0
    coupon: TemplateId | None = None  # a grant template id
    makeup_cards: Cards = 0


class Milestone(msgspec.Struct, frozen=True, rename="camel", forbid_unknown_fields=True):
    """Paid when the days checked in within one calendar month reach ``days``."""

    days: Annotated[int, msgspec.Meta(ge=1, le=31)]
    points: RewardPoints = 0
    coupon: TemplateId | None = None
    makeup_cards: Cards = 0


class CheckinRules(msgspec.Struct, frozen=True, rename="camel", forbid_unknown_fields=True):
    """The rule book's ``checkin`` document (camelCase JSON); these are the defaults."""

    cycle: Annotated[tuple[Reward, ...], msgspec.Meta(min_length=1, max_length=31)] = (
        Reward(5), Reward(5), Reward(10), Reward(5), Reward(5), Reward(10), Reward(30, coupon="checkin-day7"),
    )
    milestones: tuple[Milestone, ...] = (Milestone(15, points=50, makeup_cards=1), Milestone(28, points=100))
    makeup_window_days: Annotated[int, msgspec.Meta(ge=0, le=31)] = 7
    makeup_points_cost: Annotated[int, msgspec.Meta(ge=1, le=100_000)] = 50

    def __post_init__(self) -> None:
        if not self.cycle or len(self.cycle) > 31:
            raise ValueError("cycle needs 1 to 31 days")
        if any(r.points < 0 or r.makeup_cards < 0 for r in self.cycle):
            raise ValueError("rewards cannot be negative")
        days = [m.days for m in self.milestones]
        if days != sorted(set(days)) or any(not 1 <= d <= 31 for d in days):
            raise ValueError(messages.text("RULES_MILESTONES_RISING"))
        if not 0 <= self.makeup_window_days <= 31 or self.makeup_points_cost < 1:
            raise ValueError("makeupWindowDays is 0 to 31 and makeupPointsCost at least 1")


def next_streak(last_day: date | None, streak: int, today: date) -> int:
    """The streak a check-in today makes."""
    return streak + 1 if last_day == today - timedelta(days=1) else 1


def current_streak(last_day: date | None, streak: int, today: date) -> int:
    return streak if last_day is not None and today - last_day <= timedelta(days=1) else 0


def cycle_day(streak: int, rules: CheckinRules) -> int:
    """1-based position in the reward cycle of the day that makes ``streak``; it restarts after the last."""
    return (streak - 1) % len(rules.cycle) + 1


def reward_for(streak: int, rules: CheckinRules) -> Reward:
    return rules.cycle[cycle_day(streak, rules) - 1]


def milestone_for(days_this_month: int, rules: CheckinRules) -> Milestone | None:
    return next((m for m in rules.milestones if m.days == days_this_month), None)


def makeup_refusal(day: date, today: date, checked: set[date], rules: CheckinRules,
                   first_day: date | None = None) -> str | None:
    """Why ``day`` cannot be made up (None: it can). ``first_day``: the user's first visit; a
    day before it was never missed, so making it up would only buy points."""
    if day >= today:
        return messages.text("CHECKIN_DAY_INVALID.not_before_today")
    if today - day > timedelta(days=rules.makeup_window_days):
        return messages.text("CHECKIN_DAY_INVALID.window", days=rules.makeup_window_days)
    if first_day is not None and day < first_day:
        return messages.text("CHECKIN_DAY_INVALID.before_first_visit", first=first_day.isoformat())
    if day in checked:
        return messages.text("CHECKIN_ALREADY_DONE")
    return None


def refill(streaks: dict[date, int], day: date) -> dict[date, int]:
    """The streaks that change when the missing ``day`` is filled in.

    ``streaks`` holds each checked-in day's streak (at least the day before ``day`` and the run
    after it). The filled day continues the run before it, and every day of the run after it
    grows by that much. Returns the new streaks of ``day`` and of the days after it that change.
    """
    before = streaks.get(day - timedelta(days=1), 0)
    changed = {day: before + 1}
    following = day + timedelta(days=1)
    while following in streaks:
        changed[following] = streaks[following] + before + 1
        following += timedelta(days=1)
    return changed


def streak_of(days: set[date], day: date) -> int:
    """The streak of ``day`` computed from scratch: the reference the stored streaks must equal."""
    n = 0
    while day - timedelta(days=n) in days:
        n += 1
    return n


def month_of(day: date) -> str:
    return day.strftime("%Y-%m")
