"""The check-in page: check in, make up a missed day, the calendar, the habit reminder."""
from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated, Literal

import msgspec
from chalice import Blueprint

from chalicelib import errors, lazy, messages
from chalicelib.api import answers
from chalicelib.api.http import Call, route
from chalicelib.api.schemas import Dated
from chalicelib.auth.levels import SESSION
from chalicelib.config import china_day

if TYPE_CHECKING:  # annotations only: the rules load with the check-in service
    from chalicelib.checkin.rules import Milestone, Reward

# What the routes run loads with the first request that uses it (chalicelib.lazy), not at cold start.
service = lazy.module("chalicelib.checkin.service")

bp = Blueprint(__name__)


class MakeUp(Dated):
    day: date
    pay: Literal["card", "points"]


class MonthQuery(msgspec.Struct):
    month: Annotated[str, msgspec.Meta(pattern=r"^\d{4}-\d{2}$")] | None = None  # YYYY-MM, a China month


class Reminder(msgspec.Struct):
    enabled: bool


@route(bp, "POST", "/checkin", auth=SESSION, answer=answers.CheckIn)
def check_in(call: Call) -> dict:
    return _result(service.check_in(call.user_id, now=call.now))


@route(bp, "POST", "/checkin/makeup", auth=SESSION, body=MakeUp, answer=answers.CheckIn)
def make_up(call: Call) -> dict:
    return _result(service.make_up(call.user_id, call.body.day, call.body.pay, now=call.now,
                                   first_seen=call.account.first_seen))


@route(bp, "GET", "/checkin/calendar", auth=SESSION, query=MonthQuery, answer=answers.Calendar)
def calendar(call: Call) -> dict:
    month = call.query.get("month") or china_day(call.now).strftime("%Y-%m")
    if len(month) != 7:
        raise errors.ValidationFailed(messages.text("VALIDATION_FAILED.month"))
    c = service.calendar(call.user_id, month, now=call.now)
    return {
        "month": c.month,
        "days": [{"day": d.isoformat(), "kind": kind} for d, kind in c.days],
        "streak": c.streak,
        "todayChecked": c.today_checked,
        "next": {"cycleDay": c.next_cycle_day, "reward": _reward(c.next_reward)},
        "monthDays": c.month_days,
        "nextMilestone": None if c.next_milestone is None else {"days": c.next_milestone.days, "reward": _reward(c.next_milestone)},
        "makeupCards": c.cards,
        "makeup": {"windowDays": c.makeup_window_days, "pointsCost": c.makeup_points_cost},
        "reminder": c.reminder,
    }


@route(bp, "POST", "/checkin/reminder", auth=SESSION, body=Reminder, answer=answers.ReminderSet)
def reminder(call: Call) -> dict:
    service.set_reminder(call.user_id, call.body.enabled)
    return {"reminder": call.body.enabled}


def _reward(r: Reward | Milestone) -> dict:
    return {"points": r.points, "coupon": r.coupon, "makeupCards": r.makeup_cards}


def _result(r: service.Result) -> dict:
    return {
        "day": r.day.isoformat(),
        "kind": r.kind,
        "streak": r.streak,
        "cycleDay": r.cycle_day,
        "reward": {
            "points": r.points,
            "makeupCards": r.cards,
            "coupon": None if r.coupon_id is None else {"couponId": r.coupon_id, "name": r.coupon_name},
        },
        "milestone": r.milestone,
        "alreadyCheckedIn": r.already,
    }
