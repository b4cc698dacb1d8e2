"""Consent, and the scheduled wake-ups: inactivity, abandoned carts, after a purchase, the
check-in habit.

Each candidate comes from an index keyed by a day or an hour (never a scan), and each
(user, journey, step, anchor) is decided once: held out, skipped and why, or sent. A send
first *claims* its record together with a consent credit and the contact cap, in one
transaction, then calls WeChat, then records what happened; a failure that may pass (WeChat
busy, rate limited) gives the credit and the cap back and is tried again by a later run.
"""
from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime, timedelta

import msgspec
from pynamodb.exceptions import DoesNotExist, PutError

from chalicelib import rulebook
from chalicelib.checkin.models import REMINDER_SHARDS, CheckinStatus
from chalicelib.config import china_day, hour_bucket
from chalicelib.coupons import service as coupons
from chalicelib.events.models import Activity
from chalicelib.store.transactions import Cancelled, Transaction, run
from chalicelib.wakeup import rules
from chalicelib.wakeup.models import Consent, ConsentReport, ContactCap, Send
from chalicelib.wechat import NO_CONSENT, REFUSED, SENT, STOP, WeChat

log = logging.getLogger(__name__)

RULES_NAME = "wakeup"
ANSWERS = ("accept", "reject", "ban", "filter")
IN_FLIGHT = timedelta(minutes=15)  # a claim older than this was cut off mid-send: retake it
# What a self-reported subscribe-message answer can add: real users accept a template a few
# times a day at most, and WeChat itself refuses (43101) past the credits a user really gave.
CREDITS_PER_DAY = 5
MAX_CREDITS = 50
REPORT_KEPT = timedelta(days=2)


class Report(msgspec.Struct):
    candidates: int = 0  # index items read: what the run costs grows with this, not with users
    decisions: Counter = msgspec.field(default_factory=Counter)
    stopped: str | None = None  # why the run ended early (quiet hours, rate limited, time)

    def as_dict(self) -> dict:
        return {"candidates": self.candidates, "decisions": dict(self.decisions), "stopped": self.stopped}


Candidate = tuple[str, rules.Step, str, "str | None", "str | None"]  # user, step, anchor, category, openid

# What must still hold of a candidate when its send is claimed: an index is eventually
# consistent, so a user who came back, ordered or checked in a moment ago may still be listed.
# The claim transaction checks the base item, at no extra read.
STILL = {
    "inactive": lambda user_id, anchor: (Activity, user_id, Activity.last_active_day == anchor),
    "cart": lambda user_id, anchor: (Activity, user_id, Activity.cart_hour == anchor),
    "post_purchase": lambda user_id, anchor: (Activity, user_id, Activity.last_order_day == anchor),
    "habit": lambda user_id, anchor: (CheckinStatus, user_id, CheckinStatus.last_day != anchor),
}


class _Stop(Exception):
    def __init__(self, why: str) -> None:
        self.why = why


def wakeup_rules() -> rules.WakeupRules:
    return rulebook.load(RULES_NAME, rules.WakeupRules)


def parse_rules(body: dict) -> rules.WakeupRules:
    return rulebook.parse(RULES_NAME, body, rules.WakeupRules)


# --- consent ---------------------------------------------------------------------------------
def record_consent(user_id: str, openid: str, answers: dict[str, str], *, idempotency_key: str | None,
                   now: datetime) -> dict[str, int]:
    """``wx.requestSubscribeMessage``'s result: each 'accept' is one more send of that template.

    The mini-program reports this itself, so a report is believed only so far: one credit per
    template a report (WeChat asks about a template once a call), ``CREDITS_PER_DAY`` a
    template and China day, ``MAX_CREDITS`` held; an accept past those records the answer
    and adds nothing. With an Idempotency-Key, a replayed report adds nothing and gets its
    first answer. One transaction, so a report counts whole or not at all.
    """
    day = china_day(now).isoformat()
    expires = now + REPORT_KEPT
    capped: set[str] = set()  # templates past a cap: their answer is recorded, no credit added
    for attempt in range(len(answers) + 1):

        def build(tx: Transaction) -> None:
            for template_id, answer in answers.items():
                actions = [Consent.last_answer.set(answer), Consent.openid.set(openid), Consent.updated_at.set(now)]
                if answer == "accept" and template_id not in capped:
                    actions.append(Consent.credits.add(1))
                    tx.update(f"day:{template_id}", ConsentReport(user_id, f"day#{day}#{template_id}"),
                              actions=[ConsentReport.added.add(1), ConsentReport.expires_at.set(expires)],
                              condition=ConsentReport.added.does_not_exist()
                              | (ConsentReport.added < CREDITS_PER_DAY))
                    condition = Consent.credits.does_not_exist() | (Consent.credits < MAX_CREDITS)
                else:
                    if answer == "ban":  # the user turned the template off: nothing may be sent any more
                        actions.append(Consent.credits.set(0))
                    condition = None
                tx.update(f"consent:{template_id}", Consent(user_id, template_id), actions=actions,
                          condition=condition)
            if idempotency_key is not None:
                tx.save("report", ConsentReport(user_id, f"key#{idempotency_key}", expires_at=expires),
                        condition=ConsentReport.ref.does_not_exist())

        try:
            run(build)
            break
        except Cancelled as exc:
            if "report" in exc.failed:
                return _reported(user_id, idempotency_key)
            over = {name.split(":", 1)[1] for name in exc.failed if name.split(":", 1)[0] in ("day", "consent")}
            if not over or over <= capped or attempt == len(answers):
                raise
            capped |= over
    credits = {c.template_id: int(c.credits or 0) for c in Consent.batch_get([(user_id, t) for t in answers])}
    if idempotency_key is not None:
        ConsentReport(user_id, f"key#{idempotency_key}").update(
            actions=[ConsentReport.credits.set(credits)])
    # The wake-up indexes carry the openid, so a run sends without reading anything per user.
    today = china_day(now).isoformat()
    Activity(user_id).update(actions=[Activity.openid.set(openid),
                                      Activity.first_seen_day.set(Activity.first_seen_day | today),
                                      Activity.last_active_day.set(Activity.last_active_day | today)])
    return credits


def _reported(user_id: str, key: str | None) -> dict[str, int]:
    """A replayed report's first answer (written just after its transaction: a replay racing
    its first request may find it not yet there, and then answers the credits as they are)."""
    report = ConsentReport.get(user_id, f"key#{key}", consistent_read=True)
    if report.credits is not None:
        return {k: int(v) for k, v in report.credits.as_dict().items()}
    return credits_of(user_id)


def credits_of(user_id: str) -> dict[str, int]:
    return {c.template_id: int(c.credits) for c in Consent.query(user_id)}


# --- the journeys ----------------------------------------------------------------------------
def run_inactive(*, wechat: WeChat, now: datetime, stop_at: float | None = None) -> Report:
    """Users whose last active day is N days ago, for each step N (with a catch-up window)."""
    book = wakeup_rules()

    def candidates() -> Iterator[Candidate]:
        for step in book.inactive:
            for day in _days(now, step.wait, book):
                for item in Activity.by_last_active.query(day):
                    yield item.user_id, step, day, item.last_category, item.openid

    return _run("inactive", candidates(), book, wechat=wechat, now=now, stop_at=stop_at)


def run_cart(*, wechat: WeChat, now: datetime, stop_at: float | None = None) -> Report:
    """Carts left alone ``cart.wait`` hours: the index holds a cart only until an order or an
    emptied cart removes it, keyed by the hour it last changed."""
    book = wakeup_rules()

    def candidates() -> Iterator[Candidate]:
        hour = now - timedelta(hours=book.cart.wait, days=book.catch_up_days)
        while hour <= now - timedelta(hours=book.cart.wait):
            for item in Activity.by_cart_hour.query(hour_bucket(hour)):
                yield item.user_id, book.cart, hour_bucket(hour), None, item.openid
            hour += timedelta(hours=1)

    return _run("cart", candidates(), book, wechat=wechat, now=now, stop_at=stop_at)


def run_post_purchase(*, wechat: WeChat, now: datetime, stop_at: float | None = None) -> Report:
    """Day 3 review reminder, day 7 repurchase coupon, day 14 invitation, after the last order."""
    book = wakeup_rules()

    def candidates() -> Iterator[Candidate]:
        for step in book.post_purchase:
            for day in _days(now, step.wait, book):
                for item in Activity.by_last_order.query(day):
                    yield item.user_id, step, day, None, item.openid

    return _run("post_purchase", candidates(), book, wechat=wechat, now=now, stop_at=stop_at)


def run_habit(*, wechat: WeChat, now: datetime, stop_at: float | None = None) -> Report:
    """The daily check-in reminder, to those who opted in and have not checked in today."""
    book, today = wakeup_rules(), china_day(now).isoformat()

    def candidates() -> Iterator[Candidate]:
        for shard in range(REMINDER_SHARDS):
            for item in CheckinStatus.reminders.query(str(shard)):
                if item.last_day != today:
                    yield item.user_id, book.habit, today, None, None

    return _run("habit", candidates(), book, wechat=wechat, now=now, stop_at=stop_at)


def _days(now: datetime, wait: int, book: rules.WakeupRules) -> list[str]:
    today = china_day(now)
    return [(today - timedelta(days=wait + back)).isoformat() for back in range(book.catch_up_days + 1)]


def _run(journey: str, candidates: Iterator[Candidate], book: rules.WakeupRules,
         *, wechat: WeChat, now: datetime, stop_at: float | None) -> Report:
    report = Report()
    try:
        for user_id, step, anchor, category, openid in candidates:
            report.candidates += 1
            if stop_at is not None and time.monotonic() > stop_at:
                raise _Stop("time")
            decision = _decide(user_id, journey, step, anchor, category, openid, book, wechat=wechat, now=now)
            report.decisions[decision] += 1
    except _Stop as stop:
        report.stopped = stop.why
    log.info("wake-up %s", journey, extra={"journey": journey, **report.as_dict()})
    return report


# --- one decision ----------------------------------------------------------------------------
def _decide(user_id: str, journey: str, step: rules.Step, anchor: str, category: str | None, openid: str | None,
            book: rules.WakeupRules, *, wechat: WeChat, now: datetime) -> str:
    key = f"{journey}:{step.key}:{anchor}"
    why = rules.held_out(user_id, journey, book)
    if why:
        return _final(user_id, key, journey, step, "holdout", why, now)
    if rules.quiet(now, book):
        raise _Stop("quiet_hours")  # deferred, not dropped: the catch-up window covers it
    if openid is None:  # candidates from an index that does not carry it
        try:
            openid = Consent.get(user_id, step.template).openid
        except DoesNotExist:
            return _final(user_id, key, journey, step, "skipped", "no_consent", now)

    def claim(tx: Transaction) -> None:
        tx.save("send", Send(user_id, key, journey=journey, step=step.key, state="sending", template_id=step.template,
                             at=now, journey_day=f"{journey}#{china_day(now).isoformat()}"),
                condition=Send.key.does_not_exist() | (Send.state == "retry")
                | ((Send.state == "sending") & (Send.at < now - IN_FLIGHT)))
        tx.update("consent", Consent(user_id, step.template), actions=[Consent.credits.add(-1)],
                  condition=Consent.credits > 0)
        model, key_, condition = STILL[journey](user_id, anchor)
        tx.check("still", model, key_, condition=condition)
        if step.marketing:
            tx.update("cap", ContactCap(user_id), actions=[ContactCap.last_marketing_at.set(now)],
                      condition=ContactCap.user_id.does_not_exist()
                      | (ContactCap.last_marketing_at <= now - timedelta(days=book.cap_days)))

    try:
        run(claim)
    except Cancelled as exc:
        if "send" in exc.failed:
            return "already_decided"
        if "still" in exc.failed:
            return "no_longer_due"  # nothing recorded: the user moved on, the index had not yet
        if "consent" in exc.failed:
            return _final(user_id, key, journey, step, "skipped", "no_consent", now)
        if "cap" in exc.failed:
            return _final(user_id, key, journey, step, "skipped", "frequency_cap", now)
        raise

    coupon = _coupon(user_id, step, category, book, key, now)
    data = {"thing1": step.text, "thing2": (coupon.name if coupon else "点击查看详情")[:20]}
    delivery = wechat.send_subscribe(openid, step.template, data, step.page)
    if delivery.outcome == SENT:
        Send(user_id, key).update(actions=[Send.state.set("sent"), Send.coupon_id.set(coupon.coupon_id if coupon else None),
                                           Send.attempts.add(1)])
        return "sent"
    if delivery.outcome == NO_CONSENT:
        def spent(tx: Transaction) -> None:
            tx.update("send", Send(user_id, key), actions=[Send.state.set("skipped"), Send.reason.set("no_consent")])
            tx.update("consent", Consent(user_id, step.template), actions=[Consent.credits.set(0)])
        run(spent)
        return "skipped"
    final = delivery.outcome == REFUSED
    _give_back(user_id, key, step, book, now, state="failed" if final else "retry",
               reason=f"wechat_{delivery.errcode}" if delivery.errcode is not None else "wechat_unreachable")
    if delivery.outcome == STOP:
        raise _Stop("rate_limited")
    return "failed" if final else "retry"


def _give_back(user_id: str, key: str, step: rules.Step, book: rules.WakeupRules, now: datetime, *,
               state: str, reason: str) -> None:
    """The message did not go: the credit is unused and the cap not taken."""

    def build(tx: Transaction) -> None:
        tx.update("send", Send(user_id, key), actions=[Send.state.set(state), Send.reason.set(reason),
                                                        Send.attempts.add(1)])
        tx.update("consent", Consent(user_id, step.template), actions=[Consent.credits.add(1)])
        if step.marketing:
            tx.update("cap", ContactCap(user_id),
                      actions=[ContactCap.last_marketing_at.set(now - timedelta(days=book.cap_days, seconds=1))])

    run(build)


def _coupon(user_id: str, step: rules.Step, category: str | None, book: rules.WakeupRules, key: str,
            now: datetime) -> coupons.Coupon | None:
    return coupons.reward(user_id, rules.coupon_for(step, category, book), reason="wakeup", ref=key, now=now)


def _final(user_id: str, key: str, journey: str, step: rules.Step, state: str, reason: str | None,
           now: datetime) -> str:
    """Record a decision that sends nothing, once (a re-run finds it and moves on)."""
    try:
        Send(user_id, key, journey=journey, step=step.key, state=state, reason=reason, template_id=step.template,
             at=now, journey_day=f"{journey}#{china_day(now).isoformat()}").save(
            condition=Send.key.does_not_exist() | (Send.state == "retry"))
    except PutError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        return "already_decided"
    return state


def decisions(journey: str, day: date) -> list[Send]:
    return list(Send.by_journey_day.query(f"{journey}#{day.isoformat()}"))


def forget(user_id: str) -> None:
    for model in (Consent, ConsentReport, Send):
        with model.batch_write() as batch:
            for item in model.query(user_id):
                batch.delete(item)
    ContactCap(user_id).delete()
