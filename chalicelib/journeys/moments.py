"""Where the mini-program asks for consent: the templates to ask for at a moment.

WeChat only sends a subscribe message the user agreed to, one credit per agreement, and the
mini-program may only ask inside a tap (``wx.requestSubscribeMessage``, at most 3 templates a
call). So it asks at the moments the user is already acting — after paying, on joining a group,
starting a bargain, checking in, claiming a coupon, signing up — and asks for the templates the
live journeys will send next: each send step's template, at its journey's ``askAt``, or, when the
journey names none, at the moment its trigger belongs to (``moment_of``). The ones the user has
the fewest credits for come first: a credit already held is worth less than a first one.
"""
from __future__ import annotations

from typing import Literal, get_args

from chalicelib.journeys import document as d
from chalicelib.journeys import store

Moment = Literal["after_pay", "join_group", "bargain", "checkin", "coupon", "signup"]
MOMENTS: tuple[str, ...] = get_args(Moment)
PER_ASK = 3  # wx.requestSubscribeMessage takes at most 3 template ids

# A fact trigger's moment; other triggers (events, timed ones) ask after a payment, the moment a
# user is most willing to hear from the shop again.
_BY_FACT = {
    "order_paid": "after_pay", "first_order": "after_pay", "order_shipped": "after_pay", "refund": "after_pay",
    "order_cancelled": "after_pay", "group_succeeded": "join_group", "group_failed": "join_group",
    "bargain_completed": "bargain", "bargain_expired": "bargain", "bargain_expiring": "bargain", "signup": "signup",
}
DEFAULT = "after_pay"


def moment_of(doc: d.Journey) -> str:
    """The moment a journey's templates are asked for: its ``askAt``, else its trigger's."""
    if doc.ask_at is not None:
        return doc.ask_at
    if isinstance(doc.trigger, d.OnFact):
        return _BY_FACT.get(doc.trigger.fact, DEFAULT)
    return DEFAULT


def templates_at(moment: str) -> list[str]:
    """Every template a live journey sends whose moment is ``moment``, in journey then step order
    (the live set is cached: ``store.live``)."""
    out: list[str] = []
    for journey in store.live():
        if journey.status != store.LIVE or moment_of(journey.doc) != moment:
            continue
        out += [t for t in d.templates(journey.doc) if t not in out]
    return out


def to_ask(moment: str, credits: dict[str, int]) -> list[str]:
    """At most ``PER_ASK`` templates for the moment, those the user holds the fewest credits for
    first (a stable sort: equal credits keep the journeys' order)."""
    found = templates_at(moment)
    return sorted(found, key=lambda t: credits.get(t, 0))[:PER_ASK]
