"""Check in, make up a missed day, draw the calendar, opt in to the habit reminder.

A check-in and everything it pays (points, make-up cards, a coupon) are one transaction:
the day item's ``attribute_not_exists`` makes a double tap or a retry pay nothing twice.
"""
from __future__ import annotations

import hashlib
import logging
from calendar import monthrange
from collections.abc import Callable
from datetime import date, datetime, timedelta

import msgspec
from pynamodb.attributes import Attribute
from pynamodb.exceptions import DoesNotExist
from pynamodb.expressions.condition import Condition

from chalicelib import errors, messages, rulebook
from chalicelib.auth import service as auth
from chalicelib.checkin import rules
from chalicelib.checkin.models import REMINDER_SHARDS, CheckinDay, CheckinStatus
from chalicelib.config import china_day
from chalicelib.coupons import service as coupons
from chalicelib.coupons.models import Coupon
from chalicelib.members import service as members
from chalicelib.store.transactions import Cancelled, Transaction, backoff

log = logging.getLogger(__name__)

RULES_NAME = "checkin"
NORMAL, MAKEUP = "normal", "makeup"
CARD, POINTS = "card", "points"
ATTEMPTS = 10  # optimistic retries when check-ins and make-ups race on the status item
MAX_BACKOFF_STEP = 4  # pauses grow to at most 320 ms: a user's racing make-ups settle in a second or two


class Result(msgspec.Struct, frozen=True):
    """What a check-in or make-up paid; a retry gets the same, with ``already`` set."""

    day: date
    kind: str
    streak: int  # the user's current streak after it
    day_streak: int  # the streak of the day itself
    cycle_day: int
    points: int
    cards: int
    coupon_id: str | None
    coupon_name: str | None
    milestone: int | None
    already: bool = False


class Calendar(msgspec.Struct, frozen=True):
    month: str
    days: list[tuple[date, str]]
    streak: int
    today_checked: bool
    next_reward: rules.Reward
    next_cycle_day: int
    next_milestone: rules.Milestone | None
    month_days: int
    cards: int
    reminder: bool
    makeup_window_days: int
    makeup_points_cost: int


def checkin_rules() -> rules.CheckinRules:
    return rulebook.load(RULES_NAME, rules.CheckinRules)


def parse_rules(body: dict) -> rules.CheckinRules:
    return rulebook.parse(RULES_NAME, body, rules.CheckinRules)


def check_in(user_id: str, *, now: datetime) -> Result:
    """Today's check-in: two round trips with its reward (coupon templates are cached)."""
    today, book = china_day(now), checkin_rules()
    for attempt in range(ATTEMPTS):
        status = _status(user_id)
        last = _day(status.last_day) if status else None
        if last == today:
            return _answer_again(user_id, today, status)
        streak = rules.next_streak(last, int(status.streak) if status else 0, today)
        month = rules.month_of(today)
        month_days = (int(status.month_days) if status and status.month == month else 0) + 1
        reward, milestone = rules.reward_for(streak, book), rules.milestone_for(month_days, book)
        points, cards, coupon_templates = _payout(reward, milestone)

        def status_update(tx: Transaction) -> None:
            actions = [
                CheckinStatus.last_day.set(today.isoformat()),
                CheckinStatus.streak.set(streak),
                CheckinStatus.total_days.add(1),
                CheckinStatus.month.set(month),
                CheckinStatus.month_days.set(month_days),
            ]
            if cards:
                actions.append(CheckinStatus.cards.add(cards))
            tx.update("status", CheckinStatus(user_id), actions=actions, condition=_unchanged(status))

        try:
            coupon = _commit(user_id, today, NORMAL, streak, points, cards, milestone, coupon_templates, now,
                             status_update)
        except Cancelled as exc:
            if "day" in exc.failed:
                return _answer_again(user_id, today, _status(user_id))
            if exc.failed & {"status"}:
                backoff(min(attempt, MAX_BACKOFF_STEP))
                continue
            raise
        return Result(today, NORMAL, streak, streak, rules.cycle_day(streak, book), points, cards,
                      coupon.coupon_id if coupon else None, coupon.name if coupon else None,
                      milestone.days if milestone else None)
    raise errors.StorageUnavailable(retry_after=1)


def make_up(user_id: str, day: date, pay: str, *, now: datetime, first_seen: datetime | None = None) -> Result:
    """Fill a missed day in the window, paid with a make-up card or points; repairs the streak
    as if the day had been checked in, and pays that day's reward once.

    ``first_seen``: the user's first visit, when the caller has already read the account (else
    it is read here); no day before it can be made up.

    The new streaks come from the neighbours of ``day`` and the month's count from its days, all
    read before the write: the status item's ``total_days`` moves with every check-in and
    make-up, so conditioning on it (see ``_unchanged``) means nothing read has changed since.
    When something has, the make-up reads again and recomputes.
    """
    today, book = china_day(now), checkin_rules()
    first_day = china_day(first_seen if first_seen is not None else auth.first_seen(user_id))
    refusal = rules.makeup_refusal(day, today, set(), book, first_day=first_day)
    if refusal:  # before any read of days: a date at the ends of the calendar has no day before it
        raise errors.CheckinDayInvalid(refusal)
    month = rules.month_of(day)
    for attempt in range(ATTEMPTS):
        status = _status(user_id)
        known = {_day(d.day): d for d in _days(user_id, min(day - timedelta(days=1), day.replace(day=1)), today)}
        if day in known:
            raise errors.CheckinAlreadyDone()
        if pay == CARD and (status is None or int(status.cards) < 1):
            raise errors.MakeupCardMissing()
        allocation = members.plan_spend(user_id, book.makeup_points_cost, now=now) if pay == POINTS else None
        changed = rules.refill({d: int(item.streak) for d, item in known.items()}, day)
        month_days = sum(1 for d in known if rules.month_of(d) == month) + 1
        reward, milestone = rules.reward_for(changed[day], book), rules.milestone_for(month_days, book)
        points, cards, coupon_templates = _payout(reward, milestone)
        last = _day(status.last_day) if status else None

        def updates(tx: Transaction) -> None:
            for d, streak in changed.items():
                if d != day:  # the run after the filled day grows
                    tx.update(f"day:{d}", CheckinDay(user_id, d.isoformat()), actions=[CheckinDay.streak.set(streak)],
                              condition=CheckinDay.streak == known[d].streak)
            actions = [CheckinStatus.total_days.add(1)]
            if last is None or day > last:
                actions += [CheckinStatus.last_day.set(day.isoformat()), CheckinStatus.streak.set(changed[day])]
            elif last in changed:
                actions.append(CheckinStatus.streak.set(changed[last]))
            if status is None or status.month is None or month >= status.month:
                actions += [CheckinStatus.month.set(month), CheckinStatus.month_days.set(month_days)]
            card_change = cards - (1 if pay == CARD else 0)
            if card_change:
                actions.append(CheckinStatus.cards.add(card_change))
            condition = _unchanged(status)
            if pay == CARD:
                condition = condition & (CheckinStatus.cards >= 1)
            tx.update("status", CheckinStatus(user_id), actions=actions, condition=condition)

        try:
            coupon = _commit(user_id, day, MAKEUP, changed[day], points, cards, milestone, coupon_templates, now,
                             updates, spend=(allocation, "makeup", day.isoformat()) if allocation else None)
        except Cancelled as exc:
            if "day" in exc.failed:  # made up meanwhile by a racing request: the first one's answer stands
                raise errors.CheckinAlreadyDone() from exc
            if exc.failed and all(n == "status" or n.startswith(("day:", "bucket:")) for n in exc.failed):
                backoff(min(attempt, MAX_BACKOFF_STEP))  # another check-in, make-up or spend won: read again
                continue
            raise
        current = _streak_after(status, changed, day, today)
        return Result(day, MAKEUP, current, changed[day], rules.cycle_day(changed[day], book), points, cards,
                      coupon.coupon_id if coupon else None, coupon.name if coupon else None,
                      milestone.days if milestone else None)
    raise errors.StorageUnavailable(retry_after=1)


def _streak_after(status: CheckinStatus | None, changed: dict[date, int], day: date, today: date) -> int:
    last = _day(status.last_day) if status else None
    if last is None or day > last:
        return rules.current_streak(day, changed[day], today)
    stored = changed.get(last, int(status.streak)) if status else 0
    return rules.current_streak(last, stored, today)


def calendar(user_id: str, month: str, *, now: datetime) -> Calendar:
    """Everything the check-in page draws, in two round trips."""
    try:
        first = datetime.strptime(month, "%Y-%m").date()
    except ValueError as exc:
        raise errors.ValidationFailed(messages.text("VALIDATION_FAILED.month")) from exc
    today, book = china_day(now), checkin_rules()
    status = _status(user_id)
    last = _day(status.last_day) if status else None
    streak = rules.current_streak(last, int(status.streak) if status else 0, today)
    last_of_month = first.replace(day=monthrange(first.year, first.month)[1])
    days = [(_day(d.day), d.kind) for d in _days(user_id, first, last_of_month)]
    checked_today = last == today
    upcoming = rules.next_streak(last, streak, today + timedelta(days=1) if checked_today else today)
    this_month = rules.month_of(today)
    month_days = int(status.month_days) if status and status.month == this_month else 0
    return Calendar(
        month=month,
        days=days,
        streak=streak,
        today_checked=checked_today,
        next_reward=rules.reward_for(upcoming, book),
        next_cycle_day=rules.cycle_day(upcoming, book),
        next_milestone=next((m for m in book.milestones if m.days > month_days), None),
        month_days=month_days,
        cards=int(status.cards) if status else 0,
        reminder=bool(status.reminder) if status else False,
        makeup_window_days=book.makeup_window_days,
        makeup_points_cost=book.makeup_points_cost,
    )


def set_reminder(user_id: str, enabled: bool) -> None:
    """The habit-reminder opt-in; the reminder job reads the sparse ``reminders`` index."""
    shard = str(int(hashlib.sha256(user_id.encode()).hexdigest(), 16) % REMINDER_SHARDS)
    actions = [CheckinStatus.reminder.set(enabled)]
    actions.append(CheckinStatus.reminder_shard.set(shard) if enabled else CheckinStatus.reminder_shard.remove())
    CheckinStatus(user_id).update(actions=actions)


def forget(user_id: str) -> None:
    with CheckinDay.batch_write() as batch:
        for item in CheckinDay.query(user_id):
            batch.delete(item)
    CheckinStatus(user_id).delete()


# --- helpers --------------------------------------------------------------------------------
def _payout(reward: rules.Reward, milestone: rules.Milestone | None) -> tuple[int, int, list[str]]:
    points = reward.points + (milestone.points if milestone else 0)
    cards = reward.makeup_cards + (milestone.makeup_cards if milestone else 0)
    templates = [t for t in (reward.coupon, milestone.coupon if milestone else None) if t]
    return points, cards, templates


def _commit(user_id: str, day: date, kind: str, day_streak: int, points: int, cards: int,
            milestone: rules.Milestone | None, coupon_templates: list[str], now: datetime,
            more: Callable[[Transaction], None],
            spend: tuple[dict[str, int], str, str] | None = None) -> Coupon | None:
    """The day item, its points (and a make-up's price), the caller's updates and the first
    coupon: one transaction. A second coupon (a cycle day that is also a milestone with its
    own) follows, idempotently. A coupon that cannot be granted (paused, sold out) is left out
    rather than failing the check-in."""
    ref = day.isoformat()

    def build_with(template_id: str | None) -> Callable[[Transaction], None]:
        def build(tx: Transaction) -> None:
            tx.save("day", CheckinDay(
                user_id, ref, kind=kind, streak=day_streak, points=points, cards=cards,
                milestone=milestone.days if milestone else None, at=now,
                coupon_id=coupons.coupon_id(user_id, template_id, coupons.GRANT, "checkin", ref) if template_id else None,
                coupon_name=coupons.template_name(template_id) if template_id else None,
            ), condition=CheckinDay.day.does_not_exist())
            more(tx)
            if points or spend:
                members.points_items(tx, user_id, now=now, earn=(points, "checkin", ref) if points else None,
                                     spend=spend)
        return build

    first = coupon_templates[0] if coupon_templates else None
    coupon = coupons.reward(user_id, first, reason="checkin", ref=ref, now=now,
                            also=build_with(first), instead=build_with(None))
    if coupon is not None:
        for extra in coupon_templates[1:]:
            coupons.reward(user_id, extra, reason="checkin-milestone", ref=ref, now=now)
    return coupon


def _unchanged(status: CheckinStatus | None) -> Condition:
    """The status is as read, and so is every day item: each check-in and make-up adds 1 to
    ``total_days`` in the transaction that writes its day, so ``total_days`` is the version of
    the user's whole calendar (the neighbours a make-up's streaks come from, the month's count)."""
    if status is None:
        return CheckinStatus.user_id.does_not_exist()
    return (_same(CheckinStatus.total_days, int(status.total_days), absent=0)
            & _same(CheckinStatus.streak, int(status.streak), absent=0)
            & _same(CheckinStatus.last_day, status.last_day, absent=None))


def _same(attribute: Attribute, value: object, *, absent: object) -> Condition:
    # A status written only by the reminder opt-in has no streak yet: read back, it is the default.
    if value == absent:
        return attribute.does_not_exist() if absent is None else attribute.does_not_exist() | (attribute == value)
    return attribute == value


def _answer_again(user_id: str, day: date, status: CheckinStatus | None) -> Result:
    item = CheckinDay.get(user_id, day.isoformat())
    streak = int(status.streak) if status else int(item.streak)
    return Result(day, item.kind, streak, int(item.streak), rules.cycle_day(int(item.streak), checkin_rules()),
                  int(item.points), int(item.cards), item.coupon_id, item.coupon_name,
                  None if item.milestone is None else int(item.milestone), already=True)


def _status(user_id: str) -> CheckinStatus | None:
    try:
        return CheckinStatus.get(user_id, consistent_read=True)
    except DoesNotExist:
        return None


def _days(user_id: str, first: date, last: date) -> list[CheckinDay]:
    return list(CheckinDay.query(user_id, CheckinDay.day.between(first.isoformat(), last.isoformat()),
                                 consistent_read=True))


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None
