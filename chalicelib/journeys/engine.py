"""The journey engine: users enter journeys, move through their steps, wait, and convert.

Every unit of work arrives on the fan-out queue (page kind ``journey``), as one of:
- ``["due", user, key]``: a user's delay ended or their wait timed out (``runs.tick`` read it
  from ``by_due``);
- ``["fact", user, fact_key]``: something happened to a user (``runs.tick`` read it from the
  facts' ``by_slot``): it converts the journeys whose goal it is, wakes the waits for it, and
  enters the user into the journeys it starts;
- ``["enter", journey, user, anchor]``: a timed trigger's candidate (``runs.enter``).

Exactly once, whatever the retries: a user's progress moves only by a write conditioned on its
``seq`` (two workers holding the same unit: one moves, the other finds it moved); each step's
effect is keyed by (journey, step, entry): the send by its record in ``sends`` (the one send
pipeline, ``wakeup.service.deliver``), a coupon or points by their reference. A worker killed
between an effect and the move runs the step again when the unit comes back, and the effect
finds itself done.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import time
from datetime import datetime, timedelta
from typing import Any

from pynamodb.exceptions import DoesNotExist, UpdateError

from chalicelib import fanout
from chalicelib.auth import accounts
from chalicelib.config import CHINA
from chalicelib.journeys import document as d
from chalicelib.journeys import facts as fact_store
from chalicelib.journeys import stats, store
from chalicelib.journeys.fields import render
from chalicelib.journeys.models import EntryGuard, Progress
from chalicelib.journeys.userfacts import UserFacts
from chalicelib.store.transactions import Cancelled, Transaction, run
from chalicelib.wakeup import rules as wakeup_rules
from chalicelib.wakeup import service as pipeline
from chalicelib.wechat import WeChat

log = logging.getLogger(__name__)

KIND = "journey"
ACTIVE, DONE, EXITED, CONVERTED = "active", "done", "exited", "converted"
CONVERTIBLE = (ACTIVE, DONE, EXITED)  # the goal counts within its window, however the steps ended
MAX_MOVES = d.MAX_STEPS + 2  # every move goes forward: a journey ends within its steps
PAUSED_RETRY = timedelta(hours=1)  # a paused journey's due users are looked at again this much later
# A user at a step that decides at once is listed in ``by_due`` this much later too: should every
# delivery of their unit fail (WeChat down past the queue's attempts, a worker dying each time),
# the tick finds them then and runs on from that step. Moving on rewrites the listing: no extra write.
RESUME_AFTER = timedelta(hours=1)
# A finished user's progress is kept this long past the goal's window: what the member screens and
# a support question look at; then TTL removes it (the entry history, which the entry rules need,
# is kept apart in ``journey-entries``).
KEPT_AFTER = timedelta(days=30)
WINDOW = (9, 21)  # China hours of the "next send window" delay
GRANT_REASON = "journey"
BY_HISTORY = "by_history"  # a send's coupon chosen by the category the user last bought


class _Later(Exception):
    """Leave the unit for ``delay`` seconds (nothing was decided)."""

    def __init__(self, delay: int) -> None:
        self.delay = delay


# --- the worker's side -----------------------------------------------------------------------------
def work(page: fanout.Page, *, wechat: WeChat, now: datetime, stop_at: float | None = None) -> fanout.Worked:
    """Decide each unit of a page; what cannot be done now goes back with a delay, as for the
    wake-ups: quiet hours, a send another worker holds, WeChat busy or rate limiting."""
    book, worked = pipeline.wakeup_rules(), fanout.Worked()
    retry: list[Any] = []
    held: list[Any] = []
    later: dict[int, list[Any]] = {}
    wait, busy = timedelta(0), 0
    for i, item in enumerate(page.items):
        if stop_at is not None and time.monotonic() > stop_at:
            worked.again.append(fanout.Again(page.items[i:], 1, counts=False))
            break
        try:
            decisions = _one(item, book, wechat=wechat, now=now)
        except pipeline._InFlight as claim:
            held.append(item)
            wait = max(wait, claim.wait)
            decisions = ["in_flight"]
        except _Later as leave:
            later.setdefault(leave.delay, []).append(item)
            decisions = ["later"]
        except pipeline._Stop as stop:
            if stop.why == "quiet_hours":
                later.setdefault(fanout.seconds(wakeup_rules.quiet_ends(now, book) - now), []).append(item)
                worked.decisions["quiet_hours"] += 1
                continue
            worked.decisions[stop.why] += 1
            retry += page.items[i:]
            worked.stopped = stop.why
            break
        worked.decisions.update(decisions)
        busy = busy + 1 if "retry" in decisions else 0
        if "retry" in decisions:
            retry.append(item)
            if busy == pipeline.BUSY_IN_A_ROW:
                retry += page.items[i + 1:]
                worked.stopped = "busy"
                break
    if retry:
        worked.again.append(fanout.Again(retry, fanout.backoff(page.attempt)))
    if held:
        worked.again.append(fanout.Again(held, fanout.seconds(wait + timedelta(seconds=1)), counts=False))
    worked.again += [fanout.Again(items, delay, counts=False) for delay, items in later.items()]
    log.info("journey page", extra={"decisions": dict(worked.decisions), "stopped": worked.stopped})
    return worked


def _one(item: list[Any], book: wakeup_rules.WakeupRules, *, wechat: WeChat, now: datetime) -> list[str]:
    kind = item[0]
    if kind == "due":
        return [_due(item[1], item[2], book, wechat=wechat, now=now)]
    if kind == "fact":
        return on_fact(item[1], item[2], book, wechat=wechat, now=now)
    if kind == "enter":
        journey = next((j for j in store.live() if j.journey_id == item[1]), None)
        if journey is None or journey.status != store.LIVE:
            return ["not_live"]
        return [enter(journey, item[2], item[3], book,
                      wechat=wechat, now=now, context={"anchor": item[3]},
                      still=_still(journey.doc.trigger, item[2], item[3]))]
    return ["unknown_unit"]


def _due(user_id: str, key: str, book: wakeup_rules.WakeupRules, *, wechat: WeChat, now: datetime) -> str:
    try:
        p = Progress.get(user_id, key, consistent_read=True)
    except DoesNotExist:
        return "gone"  # erased, or never written
    if p.status != ACTIVE or p.step is None or (p.inside and (p.due_at is None or p.due_at > now + fact_store.LAG)):
        return "not_due"  # moved on meanwhile (a fact woke it, or a redelivered unit did)
    if store.status_of(p.journey_id) != store.LIVE:
        _postpone(p, now)
        return "paused"
    doc = store.doc_of(p.journey_id, int(p.version))
    return _run(p, doc, book, wechat=wechat, now=now, woke=True)


# --- entering --------------------------------------------------------------------------------------
def enter(journey: store.Live, user_id: str, entry: str, book: wakeup_rules.WakeupRules, *, wechat: WeChat,
          now: datetime, context: dict[str, Any] | None = None, still: Any = None) -> str:
    """Put the user into the journey once per ``entry`` (the fact or the anchor that triggered it),
    within the journey's entry rules, in the treated group or its holdout; then run the steps
    that are due at once."""
    doc, e = journey.doc, journey.doc.entry
    if (e.starts_at is not None and now < e.starts_at) or (e.ends_at is not None and now >= e.ends_at):
        return "outside_dates"
    # A journey of service notices only (an order paid, shipped) holds no one out: not even the
    # universal control group goes without the notices about their own orders.
    held = held_out(user_id, journey.journey_id, e.holdout_percent, book) if d.marketing(doc) else None
    key = f"{journey.journey_id}#{entry}"
    resume = now + RESUME_AFTER
    p = Progress(user_id, key, journey_id=journey.journey_id, version=journey.version, step=doc.steps[0].id, seq=0,
                 status=ACTIVE, held=held, entered_at=now,
                 context=json.dumps(context or {}, ensure_ascii=False, default=str),
                 goal_until=now + timedelta(days=doc.goal.within_days) if doc.goal else None,
                 due_at=resume, due_slot=fact_store.slot(resume, user_id), unit=f"{user_id}|{key}")

    def build(tx: Transaction) -> None:
        tx.save("progress", p, condition=Progress.key.does_not_exist())
        guard = EntryGuard(user_id, journey.journey_id)
        actions = [EntryGuard.last_at.set(now), EntryGuard.entries.add(1)]
        if e.once:
            tx.update("entry_limit", guard, actions=actions, condition=EntryGuard.journey_id.does_not_exist())
        elif e.every_days:
            tx.update("entry_limit", guard, actions=actions, condition=EntryGuard.journey_id.does_not_exist()
                      | (EntryGuard.last_at <= now - timedelta(days=e.every_days)))
        else:
            tx.update("entry_limit", guard, actions=actions)
        if still is not None:
            still(tx)
        # No place in a journey for an account that is gone or being erased (a fact the order
        # system reports after the erasure): nothing personal is written back for it.
        model, key, active = accounts.still_active(user_id)
        tx.check("account", model, key, condition=active)

    try:
        run(build)
    except Cancelled as exc:
        if "account" in exc.failed:
            return "gone"
        if "progress" in exc.failed:  # a redelivered unit: go on from where the first one stopped
            return _resume(user_id, p.key, book, wechat=wechat, now=now) or "already_entered"
        if "entry_limit" in exc.failed:
            return "entry_limit"
        if "still" in exc.failed:
            return "no_longer_due"
        raise
    stats.add(journey.journey_id, journey.version, user_id, {"entered": 1, "holdout": int(held is not None)})
    return _run(p, doc, book, wechat=wechat, now=now)


def held_out(user_id: str, journey_id: str, percent: int, book: wakeup_rules.WakeupRules) -> str | None:
    """Why a user is held out of this journey (None: treated). The same hash as the wake-ups',
    salted by the journey's id: the same users every time they enter."""
    if wakeup_rules.in_holdout(user_id, wakeup_rules.GLOBAL, book.global_holdout_percent):
        return wakeup_rules.GLOBAL
    return "journey" if wakeup_rules.in_holdout(user_id, journey_id, percent) else None


def _resume(user_id: str, key: str, book: wakeup_rules.WakeupRules, *, wechat: WeChat, now: datetime) -> str | None:
    """A user left at a step that decides at once (a send tried again later, a worker that died):
    run on from it. None when the user is inside a delay or wait, or finished."""
    try:
        p = Progress.get(user_id, key, consistent_read=True)
    except DoesNotExist:
        return None
    return _run_stuck(p, book, wechat=wechat, now=now)


def _run_stuck(p: Progress, book: wakeup_rules.WakeupRules, *, wechat: WeChat, now: datetime) -> str | None:
    if p.status != ACTIVE or p.step is None or p.inside:
        return None
    if store.status_of(p.journey_id) != store.LIVE:
        _postpone(p, now)
        return "paused"
    return _run(p, store.doc_of(p.journey_id, int(p.version)), book, wechat=wechat, now=now)


def _still(trigger: d.Trigger, user_id: str, anchor: str) -> Any:
    """What must still hold of a timed trigger's candidate when it enters (the index may lag)."""
    from chalicelib.events.models import Activity

    condition = {d.Inactive: Activity.last_active_day == anchor, d.CartLeft: Activity.cart_hour == anchor,
                 d.SinceLastOrder: Activity.last_order_day == anchor}.get(type(trigger))
    if condition is None:
        return None
    return lambda tx: tx.check("still", Activity, user_id, condition=condition)


# --- facts -------------------------------------------------------------------------------------------
def on_fact(user_id: str, fact_key: str, book: wakeup_rules.WakeupRules, *, wechat: WeChat,
            now: datetime) -> list[str]:
    f = fact_store.get(user_id, fact_key)
    if f is None:
        return ["gone"]
    props = json.loads(f.props)
    out: list[str] = []
    for p in Progress.query(user_id):
        if p.status not in CONVERTIBLE or p.entered_at >= f.at:  # the entry's own fact is no conversion
            continue
        stuck = _run_stuck(p, book, wechat=wechat, now=now)  # this unit, redelivered after a retry
        if stuck is not None:
            out.append(stuck)
            continue
        doc = store.doc_of(p.journey_id, int(p.version))
        if doc.goal is not None and _matches(doc.goal.on, f.name, props) and (p.goal_until is None
                                                                              or f.at <= p.goal_until):
            out.append(_convert(p, f.at))
        elif p.status == ACTIVE and p.inside == "wait" and p.waiting_for == f.name:  # held out too
            step = doc.steps[d.step_index(doc)[p.step]]
            if isinstance(step, d.Wait) and _matches(step.until, f.name, props) \
                    and store.status_of(p.journey_id) == store.LIVE:
                out.append(_run(p, doc, book, wechat=wechat, now=now, woke=True, happened=True))
    ref = fact_key.split("#", 1)[1]
    for journey in store.live_by_trigger(f.name):
        if _matches(journey.doc.trigger, f.name, props):
            out.append(enter(journey, user_id, f"{f.name}:{ref}", book, wechat=wechat, now=now, context=props))
    return out or ["no_journey"]


def trigger_name(t: d.OnEvent | d.OnFact) -> str:
    return f"fact:{t.fact}" if isinstance(t, d.OnFact) else f"event:{t.name}"


def _matches(t: Any, name: str, props: dict[str, Any]) -> bool:
    if not isinstance(t, (d.OnEvent, d.OnFact)) or trigger_name(t) != name:
        return False
    return all(props.get(k) == v for k, v in getattr(t, "where", {}).items())


# --- moving through the steps ---------------------------------------------------------------------------
def _run(p: Progress, doc: d.Journey, book: wakeup_rules.WakeupRules, *, wechat: WeChat, now: datetime,
         woke: bool = False, happened: bool = False) -> str:
    """Run the user's steps from where they are until one waits, the journey ends, or a send
    must be tried again later (the unit goes back; nothing moved)."""
    index = d.step_index(doc)
    outcome = "moved"
    for _ in range(MAX_MOVES):
        if p.step is None:
            return outcome
        if p.step not in index:  # cannot happen: versions never change; kept from looping on bad data
            return _finish(p, EXITED, now) or "moved_elsewhere"
        at = index[p.step]
        step = doc.steps[at]
        if p.inside:
            if not woke:
                return "waiting"
            if isinstance(step, d.Wait):
                target = step.then if happened else (step.timeout or _next(doc, at))
            else:
                target = _next(doc, at)
            woke = False
            if not _move(p, target, now, counts={"waiting": -1, f"waiting:{p.step}": -1}):
                return "moved_elsewhere"
            continue
        if isinstance(step, d.Delay):
            due = delay_until(step, now)
            if due <= now:
                moved = _move(p, _next(doc, at), now)
            else:
                moved = _inside(p, "delay", due, now)
                outcome = "waiting"
            if not moved:
                return "moved_elsewhere"
            if outcome == "waiting":
                return outcome
            continue
        if isinstance(step, d.Wait):
            if not _inside(p, "wait", now + timedelta(hours=step.timeout_hours), now, waiting_for=trigger_name(step.until)):
                return "moved_elsewhere"
            return "waiting"
        if isinstance(step, d.Exit):
            return _finish(p, EXITED, now) or "moved_elsewhere"
        if isinstance(step, d.Send):
            decision, counts, last = _send(p, doc, step, book, wechat=wechat, now=now)
            if decision == "retry":
                return "retry"  # nothing moved: the unit comes back and tries the step again
            if decision == "no_longer_due":  # the timed trigger no longer holds: the user leaves
                return _finish(p, EXITED, now, counts=counts) or "moved_elsewhere"
            outcome = decision
            if not _move(p, _next(doc, at), now, counts=counts, last_step=last):
                return "moved_elsewhere"
            continue
        target, counts, context = _instant(p, doc, step, at, now)
        if not _move(p, target, now, counts=counts, context=context):
            return "moved_elsewhere"
    return outcome


def _next(doc: d.Journey, at: int) -> str | None:
    return doc.steps[at + 1].id if at + 1 < len(doc.steps) else None


def delay_until(step: d.Delay, now: datetime) -> datetime:
    due = now + timedelta(days=step.days, hours=step.hours)
    if not step.window:
        return due
    local = due.astimezone(CHINA)
    start, end = WINDOW
    if local.hour < start:
        local = local.replace(hour=start, minute=0, second=0, microsecond=0)
    elif local.hour >= end:
        local = (local + timedelta(days=1)).replace(hour=start, minute=0, second=0, microsecond=0)
    return local.astimezone(now.tzinfo)


def effect_key(p: Progress, step_id: str) -> str:
    """What a step's effect is keyed by: one per (journey, step, entry), whichever version; for a
    timed trigger the entry is its anchor, as the wake-ups keyed theirs (``inactive:d3:<day>``)."""
    journey, entry = p.key.split("#", 1)
    return f"{journey}:{step_id}:{entry}"


def _send(p: Progress, doc: d.Journey, step: d.Send, book: wakeup_rules.WakeupRules, *, wechat: WeChat,
          now: datetime) -> tuple[str, dict[str, int], str | None]:
    context = json.loads(p.context)
    user = UserFacts(p.user_id, now)
    coupon = step.coupon
    if coupon == BY_HISTORY:  # the coupon of the category the user last bought, as the wake-ups chose
        coupon = book.category_coupons.get(user.value("last_category") or "", book.general_coupon)
    message = pipeline.Message(
        p.journey_id, step.id, step.template, step.page, step.marketing,
        lambda granted: render(step.fields, user=user, context=context, coupon=granted, journey=doc.name, now=now),
        coupon=coupon, quiet=step.marketing)
    anchor = context.get("anchor")
    if isinstance(doc.trigger, d.TIMED) and anchor:
        # "Inactive 3 days … 7 days …": a user who came back (ordered, emptied the cart) since
        # entering leaves the journey at its next send, checked in the send's own claim.
        message = dataclasses.replace(message, still=_still(doc.trigger, p.user_id, anchor))
    key = effect_key(p, step.id)
    decision = pipeline.deliver(p.user_id, key, message, book, openid=None, wechat=wechat, now=now, held=p.held)
    if decision == "retry":
        return decision, {}, None
    if decision == "no_longer_due":
        return decision, {f"skipped:{step.id}:no_longer_due": 1}, None
    if decision == "already_decided":  # a replay: counted when it was decided
        state, _ = pipeline.outcome(p.user_id, key)
        return decision, {}, step.id if state == "sent" else None
    if decision == "sent":
        return decision, {f"sent:{step.id}": 1}, step.id
    if decision == "holdout":
        return decision, {f"holdout:{step.id}": 1}, None
    state, reason = pipeline.outcome(p.user_id, key)
    return decision, {f"{state}:{step.id}:{reason or 'unknown'}": 1}, None


def _instant(p: Progress, doc: d.Journey, step: d.Step, at: int, now: datetime
             ) -> tuple[str | None, dict[str, int], dict[str, Any] | None]:
    """A step that decides at once: where it leads, what it counts, and the context it adds."""
    nxt = _next(doc, at)
    if isinstance(step, d.Split):
        user = UserFacts(p.user_id, now)
        for branch in step.branches:
            if all(user.holds(c) for c in branch.when):
                return branch.next, {}, None
        return step.otherwise or nxt, {}, None
    if isinstance(step, d.RandomSplit):
        variant = pick(step, effect_key(p, step.id))
        return variant.next, {f"variant:{step.id}:{variant.name}": 1}, {f"variant:{step.id}": variant.name}
    if isinstance(step, (d.Grant, d.SetFlag)) and p.held:
        return nxt, {f"holdout:{step.id}": 1}, None
    if isinstance(step, d.Grant):
        key = effect_key(p, step.id)
        if step.coupon is not None:
            from chalicelib.coupons import service as coupons

            coupon = coupons.reward(p.user_id, step.coupon, reason=GRANT_REASON, ref=key, now=now)
            if coupon is None:
                return nxt, {f"skipped:{step.id}:coupon_unavailable": 1}, None
            return nxt, {f"sent:{step.id}": 1}, {"coupon": {"name": coupon.name, "value": _coupon_value(coupon),
                                                          "expiresAt": coupon.valid_until}}
        from chalicelib.members import service as members

        members.earn(p.user_id, int(step.points or 0), GRANT_REASON, key, now=now)
        return nxt, {f"sent:{step.id}": 1}, None
    if isinstance(step, d.SetFlag):
        from chalicelib.members.flags import set_flag

        set_flag(p.user_id, step.flag, step.value)
        return nxt, {f"sent:{step.id}": 1}, None
    return nxt, {}, None


def _coupon_value(coupon: Any) -> int | None:
    return int(coupon.amount) if getattr(coupon, "amount", None) else None


def pick(step: d.RandomSplit, key: str) -> d.Variant:
    """The variant for this (user, journey, step, entry): a hash, so a replay picks the same."""
    point = int(hashlib.sha256(key.encode()).hexdigest(), 16) % sum(v.weight for v in step.variants)
    for variant in step.variants:
        if point < variant.weight:
            return variant
        point -= variant.weight
    return step.variants[-1]


# --- writes, each conditioned on the progress read ------------------------------------------------------
_CLEARED = ("inside", "due_at", "due_slot", "unit", "waiting_for")


def _update(p: Progress, actions: list, condition: Any, counts: dict[str, int]) -> bool:
    try:
        Progress(p.user_id, p.key).update(actions=actions, condition=condition)
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    stats.add(p.journey_id, int(p.version), p.user_id, counts)
    return True


def _clear() -> list:
    return [getattr(Progress, name).remove() for name in _CLEARED]


def _move(p: Progress, target: str | None, now: datetime, *, counts: dict[str, int] | None = None,
          last_step: str | None = None, context: dict[str, Any] | None = None) -> bool:
    """Move the user to ``target`` (None: past the last step: done), on the ``seq`` read."""
    if target is None:
        return _finish(p, DONE, now, counts=counts, last_step=last_step) is not None
    counts = {**(counts or {}), f"reached:{target}": 1}
    resume = now + RESUME_AFTER
    actions = [Progress.step.set(target), Progress.seq.set(int(p.seq) + 1), Progress.inside.remove(),
               Progress.waiting_for.remove(), Progress.due_at.set(resume),
               Progress.due_slot.set(fact_store.slot(resume, p.user_id)), Progress.unit.set(f"{p.user_id}|{p.key}")]
    merged = None
    if last_step:
        actions.append(Progress.last_step.set(last_step))
    if context:
        merged = {**json.loads(p.context), **context}
        actions.append(Progress.context.set(json.dumps(merged, ensure_ascii=False, default=str)))
    if not _update(p, actions, (Progress.seq == int(p.seq)) & (Progress.status == ACTIVE), counts):
        return False
    p.step, p.seq, p.inside, p.due_at, p.waiting_for = target, int(p.seq) + 1, None, resume, None
    p.last_step = last_step or p.last_step
    if merged is not None:
        p.context = json.dumps(merged, ensure_ascii=False, default=str)
    return True


def _inside(p: Progress, kind: str, due: datetime, now: datetime, *, waiting_for: str | None = None) -> bool:
    """Into a delay or a wait: the user is listed in ``by_due`` at ``due`` (at least the next
    minute the tick has not read yet)."""
    at = max(due, now + fact_store.LAG)
    actions = [Progress.inside.set(kind), Progress.due_at.set(due), Progress.seq.set(int(p.seq) + 1),
               Progress.due_slot.set(fact_store.slot(at, p.user_id)), Progress.unit.set(f"{p.user_id}|{p.key}")]
    actions.append(Progress.waiting_for.set(waiting_for) if waiting_for else Progress.waiting_for.remove())
    if not _update(p, actions, (Progress.seq == int(p.seq)) & (Progress.status == ACTIVE),
                   {"waiting": 1, f"waiting:{p.step}": 1}):
        return False
    p.inside, p.due_at, p.seq, p.waiting_for = kind, due, int(p.seq) + 1, waiting_for
    return True


def _postpone(p: Progress, now: datetime) -> None:
    """A paused journey's due user: listed again an hour later, nothing else changed."""
    due = now + PAUSED_RETRY
    _update(p, [Progress.due_at.set(due), Progress.due_slot.set(fact_store.slot(due, p.user_id)),
                Progress.seq.set(int(p.seq) + 1)],
            (Progress.seq == int(p.seq)) & (Progress.status == ACTIVE), {})


def _finish(p: Progress, status: str, now: datetime, *, counts: dict[str, int] | None = None,
            last_step: str | None = None) -> str | None:
    actions = [Progress.status.set(status), Progress.step.remove(), Progress.seq.set(int(p.seq) + 1), *_clear(),
               Progress.expires_at.set(max(now, p.goal_until or now) + KEPT_AFTER)]
    if last_step:
        actions.append(Progress.last_step.set(last_step))
    if not _update(p, actions, (Progress.seq == int(p.seq)) & (Progress.status == ACTIVE),
                   {**(counts or {}), status: 1}):
        return None
    p.status, p.step = status, None
    return status


def _convert(p: Progress, at: datetime) -> str:
    """The goal happened: the journey ends for the user, counted to the last send that reached them."""
    treated = p.held is None
    counts = {"converted": 1, f"converted:{p.last_step}": 1} if treated and p.last_step else \
        {"converted": 1} if treated else {"holdout_converted": 1}
    if p.inside:
        counts["waiting"] = counts[f"waiting:{p.step}"] = -1
    actions = [Progress.status.set(CONVERTED), Progress.converted_at.set(at), Progress.expires_at.set(at + KEPT_AFTER),
               Progress.step.remove(),
               Progress.seq.set(int(p.seq) + 1), *_clear()]
    if not _update(p, actions, (Progress.seq == int(p.seq)) & Progress.status.is_in(*CONVERTIBLE), counts):
        return "moved_elsewhere"
    return "converted" if treated else "holdout_converted"


def forget(user_id: str) -> None:
    """Erasure: the user's places in journeys, their entry history and their facts. The figures
    (``journey-stats``) are counts with no user in them."""
    fact_store.forget(user_id)
    for model in (Progress, EntryGuard):
        with model.batch_write() as batch:
            for item in model.query(user_id):
                batch.delete(item)
