"""Consent, and the scheduled wake-ups: inactivity, abandoned carts, after a purchase, the
check-in habit.

A scheduled run only reads: each candidate comes from an index keyed by a day or an hour (never
a scan), and goes on the fan-out queue in pages (``chalicelib.fanout``), the run's place kept in
a checkpoint. Workers then decide each (user, journey, step, anchor) once: held out, skipped and
why, or sent. A send first *claims* its record together with a consent credit and the contact
cap, in one transaction, then calls WeChat, then records what happened; a failure that may pass
(WeChat busy, rate limited) gives the credit and the cap back and the unit goes back on the
queue with a growing delay.
"""
from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

import msgspec
from pynamodb.exceptions import DoesNotExist, PutError

from chalicelib import fanout, jobs, rulebook
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
    """A scheduled run: what it read and put on the queue. The decisions are the workers'."""

    candidates: int = 0  # index items read: what the run costs grows with this, not with users
    enqueued: int = 0  # units put on the queue
    pages: int = 0  # messages
    stopped: str | None = None  # why the run ended early: quiet_hours, time (the checkpoint holds its place)
    checkpoint: str | None = None  # "resumed" a run cut short; "complete": this slot's run had finished

    def as_dict(self) -> dict:
        return {"candidates": self.candidates, "enqueued": self.enqueued, "pages": self.pages,
                "stopped": self.stopped, "checkpoint": self.checkpoint}


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


class _InFlight(Exception):
    """Another worker claimed this send and has not recorded WeChat's answer yet: it is still
    working, or it died; either way the claim may be retaken only after ``IN_FLIGHT``."""

    def __init__(self, wait: timedelta) -> None:
        self.wait = wait


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


# --- the journeys: reading candidates ---------------------------------------------------------
QUEUE_BATCH = 10  # pages a SendMessageBatch takes
# Index items a Query returns at most: DynamoDB's 1 MB page is ~7,000 of them, which DynamoDB
# Local under load took longer than a read timeout to answer; smaller pages cost nothing on AWS.
READ_PAGE = 1_000


class _Slice(NamedTuple):
    """One index partition a run reads: the step its users are due for, and their anchor."""

    step: rules.Step | None  # None: a journey's entry, not a wake-up step
    anchor: str
    read: Callable[[str | None], Iterable[Any]]  # index items, in user order, after a user id
    due: Callable[[Any], bool] = lambda item: True


def _after(index: Any, key: str, user_attribute: Any) -> Callable[[str | None], Iterable[Any]]:
    # Every wake-up index has the user id as its range key: a run cut short resumes with ``>``.
    return lambda after: index.query(key, None if after is None else user_attribute > after, page_size=READ_PAGE)


def run_inactive(*, now: datetime, stop_at: float | None = None) -> Report:
    """Users whose last active day is N days ago, for each step N (with a catch-up window)."""
    book = wakeup_rules()
    slices = [_Slice(step, day, _after(Activity.by_last_active, day, Activity.user_id))
              for step in book.inactive for day in _days(now, step.wait, book)]
    return _schedule("wakeup-inactive", "inactive", china_day(now).isoformat(), slices, book, now=now, stop_at=stop_at)


def run_cart(*, now: datetime, stop_at: float | None = None) -> Report:
    """Carts left alone ``cart.wait`` hours: the index holds a cart only until an order or an
    emptied cart removes it, keyed by the hour it last changed."""
    book = wakeup_rules()
    hours, hour = [], now - timedelta(hours=book.cart.wait, days=book.catch_up_days)
    while hour <= now - timedelta(hours=book.cart.wait):
        hours.append(hour_bucket(hour))
        hour += timedelta(hours=1)
    slices = [_Slice(book.cart, h, _after(Activity.by_cart_hour, h, Activity.user_id)) for h in hours]
    return _schedule("wakeup-cart", "cart", hour_bucket(now), slices, book, now=now, stop_at=stop_at)


def run_post_purchase(*, now: datetime, stop_at: float | None = None) -> Report:
    """Day 3 review reminder, day 7 repurchase coupon, day 14 invitation, after the last order."""
    book = wakeup_rules()
    slices = [_Slice(step, day, _after(Activity.by_last_order, day, Activity.user_id))
              for step in book.post_purchase for day in _days(now, step.wait, book)]
    return _schedule("wakeup-post-purchase", "post_purchase", china_day(now).isoformat(), slices, book, now=now,
                     stop_at=stop_at)


def run_habit(*, now: datetime, stop_at: float | None = None) -> Report:
    """The daily check-in reminder, to those who opted in and have not checked in today."""
    book, today = wakeup_rules(), china_day(now).isoformat()
    slices = [_Slice(book.habit, today, _after(CheckinStatus.reminders, str(shard), CheckinStatus.user_id),
                     due=lambda item: item.last_day != today)
              for shard in range(REMINDER_SHARDS)]
    return _schedule("wakeup-habit", "habit", today, slices, book, now=now, stop_at=stop_at)


def _days(now: datetime, wait: int, book: rules.WakeupRules) -> list[str]:
    today = china_day(now)
    return [(today - timedelta(days=wait + back)).isoformat() for back in range(book.catch_up_days + 1)]


def _wakeup_unit(part: _Slice, item: Any) -> list[Any]:
    return [item.user_id, part.step.key, part.anchor, getattr(item, "last_category", None), getattr(item, "openid", None)]


def _schedule(job: str, journey: str, slot: str, slices: list[_Slice], book: rules.WakeupRules, *,
              now: datetime, stop_at: float | None, kind: str = "wakeup",
              unit: Callable[[_Slice, Any], list[Any]] = _wakeup_unit) -> Report:
    """Read the slices in order and enqueue their due users, ``PAGE_SIZE`` to a message.

    The checkpoint (``jobs``) is ``<slot>|<slice>|<last user enqueued>``, following the batches
    of pages that are on the queue (``fanout.Sender``), and ``<slot>|~`` once the slot's run is
    complete: a run cut short (its time budget, a crash) is resumed by the next run in the same
    slot (the day, or the hour for carts), and a run that finished is not repeated. Pages
    enqueued twice (a crash between the send and the checkpoint) cost a claim each that finds
    itself decided.
    """
    report = Report()
    if rules.quiet(now, book):
        report.stopped = "quiet_hours"  # nothing read: the catch-up window covers what would be due
        return report
    start, after = _resume(job, slot, slices, report)
    if report.checkpoint == "complete":
        return report
    pending: list[list[Any]] = []
    page: list[Any] = []

    def pages() -> list[fanout.Page]:
        report.pages += len(pending)
        report.enqueued += sum(len(items) for items in pending)
        out = [fanout.Page(kind, journey, items) for items in pending]
        pending.clear()
        return out

    with fanout.Sender(lambda position: jobs.advance_in(job, slot, position, now=now)) as sender:
        for index in range(start, len(slices)):
            part = slices[index]
            for item in part.read(after if index == start else None):
                report.candidates += 1
                if not part.due(item):
                    continue
                page.append(unit(part, item))
                if len(page) == fanout.PAGE_SIZE:
                    pending.append(page)
                    page = []
                if len(pending) == QUEUE_BATCH:
                    sender.send(pages(), f"{index:03d}|{item.user_id}")
                    if stop_at is not None and time.monotonic() > stop_at:
                        report.stopped = "time"
                        break
            if report.stopped:
                break
        else:
            if page:
                pending.append(page)
            sender.send(pages(), "~")
    log.info("wake-up %s scheduled", journey, extra={"journey": journey, **report.as_dict()})
    return report


def _resume(job: str, slot: str, slices: list[_Slice], report: Report) -> tuple[int, str | None]:
    """Where this slot's run starts: the slice and the last user a cut-short run enqueued."""
    saved = jobs.cursor(job) or ""
    if not saved.startswith(f"{slot}|"):
        return 0, None
    position = saved[len(slot) + 1:]
    if position == "~":
        report.checkpoint = "complete"
        return len(slices), None
    report.checkpoint = "resumed"
    index, after = position.split("|", 1)
    return int(index), after


# --- the journeys: the worker's side -----------------------------------------------------------
BUSY_IN_A_ROW = 3  # busy answers (-1, timeouts) in a row that mean WeChat, not one message, is in trouble


def _steps(journey: str, book: rules.WakeupRules) -> dict[str, rules.Step]:
    steps = {"inactive": book.inactive, "cart": (book.cart,), "post_purchase": book.post_purchase,
             "habit": (book.habit,)}[journey]
    return {step.key: step for step in steps}


def work(page: fanout.Page, *, wechat: WeChat, now: datetime, stop_at: float | None = None) -> fanout.Worked:
    """Decide each unit of one page (``[user, step, anchor, category, openid]``) of a journey.

    What cannot be done now goes back on the queue with a delay, never dropped: a page met in
    quiet hours waits for their end; a claim another worker holds (in flight, or its worker
    died) is looked at again once ``IN_FLIGHT`` has passed; busy answers are retried with a
    growing delay, and a rate limit (or several busy answers in a row) stops the page: the
    rest goes back and the batch's other pages with it.
    """
    book, worked = wakeup_rules(), fanout.Worked()
    if rules.quiet(now, book):
        worked.again.append(fanout.Again(page.items, fanout.seconds(rules.quiet_ends(now, book) - now), counts=False))
        return worked
    steps = _steps(page.scope, book)
    retry: list[Any] = []
    held: list[Any] = []
    wait, busy = timedelta(0), 0
    for i, item in enumerate(page.items):
        if stop_at is not None and time.monotonic() > stop_at:  # the worker's time is up: the rest, at once
            worked.again.append(fanout.Again(page.items[i:], 1, counts=False))
            break
        user_id, step_key, anchor, category, openid = item
        step = steps.get(step_key)
        if step is None:  # the rule book dropped the step since the run read it
            worked.decisions["step_gone"] += 1
            continue
        try:
            decision = _decide(user_id, page.scope, step, anchor, category, openid, book, wechat=wechat, now=now)
        except _InFlight as claim:
            held.append(item)
            wait = max(wait, claim.wait)
            decision = "in_flight"
        except _Stop as stop:
            if stop.why == "quiet_hours":  # the page ran into them
                worked.again.append(fanout.Again(page.items[i:], fanout.seconds(rules.quiet_ends(now, book) - now),
                                                 counts=False))
            else:
                worked.decisions[stop.why] += 1
                retry += page.items[i:]
                worked.stopped = stop.why
            break
        worked.decisions[decision] += 1
        busy = busy + 1 if decision == "retry" else 0
        if decision == "retry":
            retry.append(item)
            if busy == BUSY_IN_A_ROW:
                retry += page.items[i + 1:]
                worked.stopped = "busy"
                break
    if retry:
        worked.again.append(fanout.Again(retry, fanout.backoff(page.attempt)))
    if held:  # one second past IN_FLIGHT: the claim's condition is strict
        worked.again.append(fanout.Again(held, fanout.seconds(wait + timedelta(seconds=1)), counts=False))
    log.info("wake-up %s page", page.scope, extra={"journey": page.scope, "decisions": dict(worked.decisions),
                                                    "stopped": worked.stopped})
    return worked


# --- one decision ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Message:
    """One subscribe message a journey step or a broadcast would send: the one send pipeline
    (``deliver``) takes it. ``journey`` and ``step`` name it on its record; ``fields`` builds the
    template's data once the coupon (if any) is granted; ``still`` adds the condition that must
    hold of the user when the send is claimed (an index read may be stale)."""

    journey: str
    step: str
    template: str
    page: str
    marketing: bool
    fields: Callable[[coupons.Coupon | None], dict[str, str]]
    coupon: str | None = None
    still: Callable[[Transaction], None] | None = None
    quiet: bool = True  # waits out quiet hours (a service notice the user is waiting for does not)


def _decide(user_id: str, journey: str, step: rules.Step, anchor: str, category: str | None, openid: str | None,
            book: rules.WakeupRules, *, wechat: WeChat, now: datetime) -> str:
    def still(tx: Transaction) -> None:
        model, key_, condition = STILL[journey](user_id, anchor)
        tx.check("still", model, key_, condition=condition)

    message = Message(journey, step.key, step.template, step.page, step.marketing,
                      lambda coupon: {"thing1": step.text, "thing2": (coupon.name if coupon else "点击查看详情")[:20]},
                      coupon=rules.coupon_for(step, category, book), still=still)
    return deliver(user_id, f"{journey}:{step.key}:{anchor}", message, book, openid=openid, wechat=wechat, now=now,
                   held=rules.held_out(user_id, journey, book))


def deliver(user_id: str, key: str, message: Message, book: rules.WakeupRules, *, openid: str | None,
            wechat: WeChat, now: datetime, held: str | None) -> str:
    """Decide one send, once per ``key``: recorded as held out (``held``: why), skipped (and
    why), sent, or failed. Raises ``_Stop`` (quiet hours, rate limited) and ``_InFlight``."""
    if held:
        return _final(user_id, key, message, "holdout", held, now)
    if message.quiet and rules.quiet(now, book):
        raise _Stop("quiet_hours")  # deferred, not dropped: the page goes back until they end
    if openid is None:  # candidates from an index that does not carry it
        try:
            openid = Consent.get(user_id, message.template).openid
        except DoesNotExist:
            return _final(user_id, key, message, "skipped", "no_consent", now)

    def claim(tx: Transaction) -> None:
        tx.save("send", Send(user_id, key, journey=message.journey, step=message.step, state="sending",
                             template_id=message.template, at=now,
                             journey_day=f"{message.journey}#{china_day(now).isoformat()}"),
                condition=Send.key.does_not_exist() | (Send.state == "retry"))
        tx.update("consent", Consent(user_id, message.template), actions=[Consent.credits.add(-1)],
                  condition=Consent.credits > 0)
        if message.still is not None:
            message.still(tx)
        if message.marketing:
            tx.update("cap", ContactCap(user_id), actions=[ContactCap.last_marketing_at.set(now)],
                      condition=ContactCap.user_id.does_not_exist()
                      | (ContactCap.last_marketing_at <= now - timedelta(days=book.cap_days)))

    try:
        run(claim)
    except Cancelled as exc:
        if "send" in exc.failed:
            retaken = _retake(user_id, key, message, now)
            if retaken != "retaken":
                if retaken == "no_longer_due":  # the dead claim's credit and cap were never used
                    _give_back(user_id, key, message, book, now, state="skipped", reason="no_longer_due")
                return retaken
        elif "still" in exc.failed:
            return "no_longer_due"  # nothing recorded: the user moved on, the index had not yet
        elif "consent" in exc.failed:
            return _final(user_id, key, message, "skipped", "no_consent", now)
        elif "cap" in exc.failed:
            return _final(user_id, key, message, "skipped", "frequency_cap", now)
        else:
            raise

    coupon = _coupon(user_id, message, key, now)
    try:
        data = message.fields(coupon)
    except ValueError:  # a value WeChat would refuse (47003): not sent, the credit and cap kept
        _give_back(user_id, key, message, book, now, state="failed", reason="template_data")
        return "failed"
    delivery = wechat.send_subscribe(openid, message.template, data, message.page)
    if delivery.outcome == SENT:
        Send(user_id, key).update(actions=[Send.state.set("sent"), Send.coupon_id.set(coupon.coupon_id if coupon else None),
                                           Send.attempts.add(1)])
        return "sent"
    if delivery.outcome == NO_CONSENT:
        def spent(tx: Transaction) -> None:
            tx.update("send", Send(user_id, key), actions=[Send.state.set("skipped"), Send.reason.set("no_consent")])
            tx.update("consent", Consent(user_id, message.template), actions=[Consent.credits.set(0)])
        run(spent)
        return "skipped"
    final = delivery.outcome == REFUSED
    _give_back(user_id, key, message, book, now, state="failed" if final else "retry",
               reason=f"wechat_{delivery.errcode}" if delivery.errcode is not None else "wechat_unreachable")
    if delivery.outcome == STOP:
        raise _Stop("rate_limited")
    return "failed" if final else "retry"


def _coupon(user_id: str, message: Message, key: str, now: datetime) -> coupons.Coupon | None:
    return coupons.reward(user_id, message.coupon, reason="wakeup", ref=key, now=now) if message.coupon else None


def outcome(user_id: str, key: str) -> tuple[str, str | None]:
    """A decided send's state and reason (what a journey's figures count)."""
    try:
        send = Send.get(user_id, key, consistent_read=True, attributes_to_get=["state", "reason"])
    except DoesNotExist:
        return "skipped", "erased"
    return send.state, send.reason


def _retake(user_id: str, key: str, message: Message, now: datetime) -> str:
    """The claim met a record (read only now, so a page delivered twice costs one read per unit
    it had already decided). Decided for good: ``already_decided``. Claimed by a worker that has
    not recorded WeChat's answer: if that claim is younger than ``IN_FLIGHT``, it may still be
    working (``_InFlight``: look again later); if older, its worker died between the claim and
    the answer, and this one takes the claim over as it stands, its credit and cap already
    spent (``retaken``). The takeover is conditioned on the very claim read, so of two workers
    retaking at once one wins; the other looks again after ``IN_FLIGHT``."""
    try:
        send = Send.get(user_id, key, consistent_read=True, attributes_to_get=["state", "at"])
    except DoesNotExist:  # erased meanwhile
        return "already_decided"
    if send.state != "sending":
        return "already_decided"
    if send.at >= now - IN_FLIGHT:
        raise _InFlight(send.at + IN_FLIGHT - now)

    def takeover(tx: Transaction) -> None:
        tx.update("send", Send(user_id, key), actions=[Send.at.set(now)],
                  condition=(Send.state == "sending") & (Send.at == send.at))
        if message.still is not None:
            message.still(tx)

    try:
        run(takeover)
    except Cancelled as exc:
        if "send" in exc.failed:
            raise _InFlight(IN_FLIGHT) from exc
        if "still" in exc.failed:
            return "no_longer_due"
        raise
    return "retaken"


def _give_back(user_id: str, key: str, message: Message, book: rules.WakeupRules, now: datetime, *,
               state: str, reason: str) -> None:
    """The message did not go: the credit is unused and the cap not taken."""

    def build(tx: Transaction) -> None:
        tx.update("send", Send(user_id, key), actions=[Send.state.set(state), Send.reason.set(reason),
                                                        Send.attempts.add(1)])
        tx.update("consent", Consent(user_id, message.template), actions=[Consent.credits.add(1)])
        if message.marketing:
            tx.update("cap", ContactCap(user_id),
                      actions=[ContactCap.last_marketing_at.set(now - timedelta(days=book.cap_days, seconds=1))])

    run(build)


def _final(user_id: str, key: str, message: Message, state: str, reason: str | None, now: datetime) -> str:
    """Record a decision that sends nothing, once (a re-run finds it and moves on)."""
    try:
        Send(user_id, key, journey=message.journey, step=message.step, state=state, reason=reason,
             template_id=message.template, at=now,
             journey_day=f"{message.journey}#{china_day(now).isoformat()}").save(
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
