"""The daily rollup: one China day's facts → metric rows. Scheduled for yesterday at 00:30 in
China; ``backfill`` rebuilds any range (``python -m chalicelib.metrics.backfill``).

It reads only that day's slices of the day-keyed indexes (events ``by_day``, coupons
``by_issued_day`` / ``by_used_day``, groups ``by_closed_day``, bargains ``by_deadline_day``,
wake-up decisions ``by_journey_day``), the day's ``event-counts`` and the activity of the users
in them, never a scan.

The scheduled run has a time budget (``stop_at``, as every job). Every figure drawn from the
events is a sum over actors, and an actor's events of a day share one of the day's
``DAY_SHARDS`` slices, so a day is rolled up shard by shard: the run keeps each shard's share (a
``partial`` row, rewritten whole) and checkpoints ``<day>|<shard>``; one that would not finish
within its budget stops there, and the next run reads the shares kept and goes on with the next
shard. Nothing is incremented, so a share is counted once however often a run stops or repeats.
"""
from __future__ import annotations

import contextvars
import json
import logging
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date, datetime, timedelta
from time import monotonic
from typing import NamedTuple

import msgspec

from chalicelib import jobs
from chalicelib.bargain.models import Bargain
from chalicelib.config import china_day
from chalicelib.coupons.models import Coupon
from chalicelib.events import rules as event_rules
from chalicelib.events import service as events
from chalicelib.events.models import DAY_SHARDS, Activity, Event
from chalicelib.groupbuy.models import Group
from chalicelib.metrics.models import (
    COHORT,
    DAY,
    REPURCHASE_DAYS,
    RETENTION_DAYS,
    WAKEUP,
    MetricRow,
)
from chalicelib.referral.models import ReferralStats
from chalicelib.referral.service import CAMPAIGN
from chalicelib.wakeup import rules as wakeup_rules
from chalicelib.wakeup.models import Send
from chalicelib.wakeup.service import wakeup_rules as wakeup_book

log = logging.getLogger(__name__)

BATCH_KEYS = 100  # DynamoDB's most keys in one BatchGetItem
READERS = 8  # BatchGetItem calls in flight at once, beside the thread reading the slices
OUTCOME_DAYS = 7  # a wake-up's effect: came back / ordered within this many days after the decision
JOURNEYS = ("inactive", "cart", "post_purchase", "habit")
FUNNEL = (("visit", None), ("view", "product_view"), ("cart", "add_to_cart"),
          ("checkout", "checkout_start"), ("paid", event_rules.ORDER_PAID))
COMPLETED_BARGAIN = ("complete", "locked", "purchased")


JOB = "metrics-rollup"  # the scheduled run's checkpoint: ``<day>|<last shard kept>``, ``<day>|~`` once done
PARTIAL = "partial"  # metric of the shares a cut-short run keeps (``<day>#<shard>``); no report reads it
CATCH_UP_DAYS = 7  # a day a run left unfinished (or a night with no run) is taken up within this


class Report(msgspec.Struct):
    day: str
    events: int = 0
    users: int = 0
    rows: int = 0


class Run(msgspec.Struct):
    """A scheduled run: the days it finished, oldest first."""

    days: list[Report] = msgspec.field(default_factory=list)
    stopped: str | None = None  # "time": the budget ran out; the checkpoint holds the day and its shards kept
    checkpoint: str | None = None  # "resumed" a day cut short; "complete": yesterday was done already


class Budget:
    """``stop_at`` (``time.monotonic``) and the longest step taken so far: a step (a shard, the
    day's remaining reads and its rows) starts only if one as long would still end in time."""

    def __init__(self, stop_at: float | None) -> None:
        self.stop_at, self.longest = stop_at, 0.0

    def allows(self) -> bool:
        return self.stop_at is None or monotonic() + self.longest <= self.stop_at

    def took(self, started: float) -> None:
        self.longest = max(self.longest, monotonic() - started)


def yesterday(now: datetime, stop_at: float | None = None, *, job: str = JOB) -> dict:
    """The scheduled run: the China days after the last one finished (at most ``CATCH_UP_DAYS``
    back) through yesterday, going on with a day a run cut short from its last shard kept."""
    last = china_day(now) - timedelta(days=1)
    run = Run()
    day, resume = _start(job, last, run)
    budget = Budget(stop_at)
    while day <= last:
        report = roll_up(day, now=now, job=job, resume=resume, budget=budget)
        if report is None:
            run.stopped = "time"
            break
        run.days.append(report)
        day, resume = day + timedelta(days=1), None
    return msgspec.to_builtins(run)


def _start(job: str, last: date, run: Run) -> tuple[date, int | None]:
    """The first day this run rolls up, and the shards of it already kept (None: none)."""
    saved = jobs.cursor(job) or ""
    day_text, _, position = saved.partition("|")
    try:
        day = date.fromisoformat(day_text)
    except ValueError:
        return last, None
    oldest = last - timedelta(days=CATCH_UP_DAYS)
    if day > last:  # a clock moved back (the local stack's): start afresh
        return last, None
    if position == "~":
        if day == last:
            run.checkpoint = "complete"
        return max(day + timedelta(days=1), oldest), None
    if day < oldest:
        return oldest, None
    run.checkpoint = "resumed"
    return day, int(position) + 1


def backfill(first: date, last: date, *, now: datetime) -> list[Report]:
    """Rebuild every day in ``first..last``, oldest first. Safe to interrupt and run again."""
    reports = []
    day = first
    while day <= last:
        report = roll_up(day, now=now)
        assert report is not None  # no budget, no stop
        reports.append(report)
        day += timedelta(days=1)
    return reports


class _Slice(NamedTuple):
    """One shard of the day's events, read; its users' activity on the way."""

    shard: int
    facts: int
    per_actor: dict[str, set[str]]
    orders: list[tuple[str, int]]  # (user, how many orders the buyer had with this one)
    reads: list[Future]


def roll_up(day: date, *, now: datetime, job: str | None = None, resume: int | None = None,
            budget: Budget | None = None) -> Report | None:
    """This thread reads the day's slices one after another, as a bare read would; the activity
    of the users each slice names is read meanwhile, ``READERS`` BatchGetItem calls at a time.

    With ``job`` (the scheduled run), each shard's share is kept and checkpointed as it is done,
    the shares before ``resume`` are read back instead of the shards, and the run stops (None)
    when ``budget`` would not allow the next step; the shares kept are deleted with the rows."""
    budget = budget or Budget(None)
    first = resume or 0
    shares = _kept(day, first) if first else []
    book = wakeup_book()
    with ThreadPoolExecutor(READERS, thread_name_prefix="rollup-read") as pool:
        waiting: _Slice | None = None
        for shard in range(first, DAY_SHARDS):
            if job is not None and not budget.allows():
                if waiting is not None:
                    _keep(job, day, waiting.shard, _share(waiting, day, book), now)
                return None
            started = monotonic()
            part = _slice(pool, day, shard)
            if waiting is not None:  # its reads ran while this slice was read
                shares.append(_share(waiting, day, book))
                if job is not None:
                    _keep(job, day, waiting.shard, shares[-1], now)
            waiting = part
            budget.took(started)
        if waiting is not None:
            shares.append(_share(waiting, day, book))
            if job is not None:
                _keep(job, day, waiting.shard, shares[-1], now)
        if job is not None and not budget.allows():
            return None
        started = monotonic()
        decisions = _decisions(day, now)
        outcome_reads = _read(pool, {u for sends in decisions.values() for u, _ in sends},
                              ("active_day_set", "order_day_set"))
        total = _summed(shares)
        values = {
            "active": total.get("active", {}),
            "funnel": total.get("funnel", {step: 0 for step, _ in FUNNEL}),
            "behaviour": total.get("behaviour", {}),
            "referral": _referral(day, total.get("referral", {})),
            "coupons": _coupons(day),
            "groupbuy": _groupbuy(day),
            "bargain": _bargain(day),
            # Events of callers who had not agreed to the privacy notice: counted, never anyone's.
            "withoutConsent": events.counts_of(day),
        }
        outcome_activity = _gathered(outcome_reads)
    rows = [_row(DAY, day.isoformat(), values, now)]
    rows += [_row(COHORT, key, counts, now) for key, counts in sorted(total.get("cohorts", {}).items())]
    rows += [_row(WAKEUP, key, counts, now) for key, counts in _wakeups(decisions, outcome_activity).items()]
    with MetricRow.batch_write() as batch:
        for row in rows:
            batch.save(row)
        if job is not None:
            for shard in range(DAY_SHARDS):
                batch.delete(MetricRow(PARTIAL, _partial_key(day, shard)))
    if job is not None:
        jobs.advance_in(job, day.isoformat(), "~", now=now)
    budget.took(started)
    report = Report(day=day.isoformat(), events=total.get("events", 0), users=total.get("users", 0), rows=len(rows))
    log.info("rollup %s", day, extra=msgspec.structs.asdict(report))
    return report


def _slice(pool: ThreadPoolExecutor, day: date, shard: int) -> _Slice:
    per_actor: dict[str, set[str]] = defaultdict(set)
    orders: list[tuple[str, int]] = []
    users: set[str] = set()
    facts = 0
    for actor, name, props in _events_of(day, shard):
        facts += 1
        per_actor[actor].add(name)
        if name == event_rules.ORDER_PAID:
            orders.append((actor[2:], int(json.loads(props or "{}").get("n", 0))))
        if actor.startswith("u:") and (name not in event_rules.SERVER_ONLY or name == event_rules.ORDER_PAID):
            users.add(actor[2:])
    # An actor's events of a day share one shard: its users are all known now.
    return _Slice(shard, facts, per_actor, orders, _read(pool, users, ("first_seen_day", "first_order_day")))


def _share(part: _Slice, day: date, book: wakeup_rules.WakeupRules) -> dict:
    """One shard's share of the day's figures, as JSON: each is a sum over the shard's actors."""
    activity = _gathered(part.reads)
    # Activity is what people did: the server's facts about them (an inviter's referral) are not a visit.
    active = {a: names for a, names in part.per_actor.items()
              if names - set(event_rules.SERVER_ONLY) or event_rules.ORDER_PAID in names}
    users = {a[2:] for a in active if a.startswith("u:")}
    arms = {u: wakeup_rules.arm(u, book) for u in users}
    return {
        "events": part.facts,
        "users": len(users),
        "active": _active(active, activity, arms, day),
        "funnel": _funnel(active),
        "behaviour": _behaviour(active, part.orders),
        "referral": {"inviters": sum(event_rules.REFERRAL_SIGNUP in names for names in part.per_actor.values()),
                     "sharers": sum("share" in names for names in part.per_actor.values())},
        "cohorts": _cohorts(active, activity, arms, part.orders, day),
    }


def _summed(shares: list[dict]) -> dict:
    """The shares added up, key by key (a count that is 0 in every share stays, as 0)."""
    total: dict = {}

    def add(into: dict, share: dict) -> None:
        for key, value in share.items():
            if isinstance(value, dict):
                add(into.setdefault(key, {}), value)
            else:
                into[key] = into.get(key, 0) + value

    for share in shares:
        add(total, share)
    return total


def _partial_key(day: date, shard: int) -> str:
    return f"{day.isoformat()}#{shard:02d}"


def _keep(job: str, day: date, shard: int, share: dict, now: datetime) -> None:
    """The share first, then the checkpoint that names it: a run stopped between the two
    computes that shard again and rewrites the same share."""
    _row(PARTIAL, _partial_key(day, shard), share, now).save()
    jobs.advance_in(job, day.isoformat(), f"{shard:02d}", now=now)


def _kept(day: date, shards: int) -> list[dict]:
    """The shares of shards ``0..shards-1`` a cut-short run kept."""
    kept = {r.key: r.counts() for r in MetricRow.query(
        PARTIAL, MetricRow.key.between(_partial_key(day, 0), _partial_key(day, shards - 1)), consistent_read=True)}
    missing = [s for s in range(shards) if _partial_key(day, s) not in kept]
    if missing:  # the checkpoint names a share it wrote first: only a hand-deleted row gets here
        raise LookupError(f"rollup of {day}: shares of shards {missing} are gone")
    return [kept[_partial_key(day, s)] for s in range(shards)]


# --- reading one day's facts -----------------------------------------------------------------
def _events_of(day: date, shard: int) -> Iterator[tuple[str, str, str]]:
    for e in Event.by_day.query(f"{day.isoformat()}#{shard}"):
        yield e.actor, e.name, e.props


def _read(pool: ThreadPoolExecutor, users: Iterable[str], attributes: tuple[str, ...]) -> list[Future]:
    """Start reading the users' activity, ``BATCH_KEYS`` to a BatchGetItem: one after another
    these took four times as long as reading the day's slices. botocore's client is
    thread-safe and PynamoDB keeps a botocore session per thread; each read runs in a copy of
    this thread's context, so round-trip counting sees it."""
    keys = sorted(set(users))
    names = ["user_id", *attributes]

    def read(chunk: list[str]) -> list[Activity]:
        return list(Activity.batch_get(chunk, attributes_to_get=names))

    return [pool.submit(contextvars.copy_context().run, read, keys[i:i + BATCH_KEYS])
            for i in range(0, len(keys), BATCH_KEYS)]


def _gathered(reads: list[Future]) -> dict[str, Activity]:
    return {a.user_id: a for read in reads for a in read.result()}


# --- the day row -----------------------------------------------------------------------------
def _active(active: dict[str, set[str]], activity: dict[str, Activity], arms: dict[str, str], day: date) -> dict:
    counts: Counter[str] = Counter()
    for actor in active:
        if actor.startswith("d:"):
            counts["devices"] += 1
            continue
        user = actor[2:]
        counts["users"] += 1
        counts[arms[user]] += 1
        a = activity.get(user)
        if a is not None and a.first_seen_day == day.isoformat():
            counts["new"] += 1
    return dict(counts)


def _funnel(active: dict[str, set[str]]) -> dict:
    counts = {step: 0 for step, _ in FUNNEL}
    for names in active.values():
        for step, name in FUNNEL:
            if name is None or name in names:
                counts[step] += 1
    return counts


BEHAVIOURS = (("visit", None), ("click", "product_view"), ("share", "share"))


def _behaviour(active: dict[str, set[str]], orders: list[tuple[str, int]]) -> dict:
    """For users who visited, clicked a product, shared: how many of them also ordered that day,
    repurchased (an order that was not their first), or brought a referral signup."""
    repeat = {u for u, n in orders if n >= 2}
    out: dict[str, dict[str, int]] = {}
    for key, name in BEHAVIOURS:
        group = [(a[2:], names) for a, names in active.items()
                 if a.startswith("u:") and (name is None or name in names)]
        out[key] = {
            "users": len(group),
            "ordered": sum(event_rules.ORDER_PAID in names for _, names in group),
            "repurchased": sum(u in repeat for u, _ in group),
            "referred": sum(event_rules.REFERRAL_SIGNUP in names for _, names in group),
        }
    return out


def _coupons(day: date) -> dict:
    issued = Counter(_source(c.source) for c in Coupon.by_issued_day.query(day.isoformat()))
    redeemed = Counter(_source(c.source) for c in Coupon.by_used_day.query(day.isoformat()))
    return {"issued": dict(issued), "redeemed": dict(redeemed)}


def _source(source: str) -> str:
    # "grant:<reason>" (checkin, wakeup, referral-signup...) reports as the feature that granted it.
    parts = source.split(":")
    return parts[1] if parts[0] == "grant" and len(parts) > 1 else parts[0]


def _groupbuy(day: date) -> dict:
    counts: Counter[str] = Counter()
    for g in Group.by_closed_day.query(day.isoformat()):
        counts[g.state] += 1
        if g.virtual:
            counts["virtual_filled"] += 1
    return {"succeeded": counts["succeeded"], "failed": counts["failed"], "virtualFilled": counts["virtual_filled"]}


def _bargain(day: date) -> dict:
    states = [b.state for b in Bargain.by_deadline_day.query(day.isoformat())]
    return {"ended": len(states), "completed": sum(s in COMPLETED_BARGAIN for s in states)}


def _referral(day: date, actors: dict) -> dict:
    try:
        stats = ReferralStats.get(CAMPAIGN, day.isoformat())
        signups, purchases, first_orders = int(stats.signups), int(stats.purchases), int(stats.first_orders)
    except ReferralStats.DoesNotExist:
        signups = purchases = first_orders = 0
    return {
        "signups": signups, "purchaseLevel": purchases, "firstOrders": first_orders,
        "inviters": actors.get("inviters", 0), "sharers": actors.get("sharers", 0),
    }


# --- cohort rows -----------------------------------------------------------------------------
def _cohorts(active: dict[str, set[str]], activity: dict[str, Activity], arms: dict[str, str],
             orders: list[tuple[str, int]], day: date) -> dict[str, dict]:
    rows: dict[str, Counter[str]] = defaultdict(Counter)
    for actor in active:
        a = activity.get(actor[2:]) if actor.startswith("u:") else None
        if a is None or not a.first_seen_day:
            continue
        offset = (day - date.fromisoformat(a.first_seen_day)).days
        if 0 <= offset <= RETENTION_DAYS:
            row = rows[_cohort_key(a.first_seen_day, offset)]
            row["active"] += 1
            row[arms[a.user_id]] += 1
    for user, n in orders:
        a = activity.get(user)
        if n == 1:
            rows[_cohort_key(day.isoformat(), 0)]["buyers"] += 1
        elif n == 2 and a is not None and a.first_order_day:
            offset = (day - date.fromisoformat(a.first_order_day)).days
            if 0 <= offset <= REPURCHASE_DAYS:
                rows[_cohort_key(a.first_order_day, offset)]["second"] += 1
    return {key: dict(counts) for key, counts in rows.items()}


def _cohort_key(first_day: str, offset: int) -> str:
    return f"{first_day}#{offset:03d}"


# --- wake-up rows ----------------------------------------------------------------------------
def _decisions(day: date, now: datetime) -> dict[tuple[date, date, str], list[tuple[str, str]]]:
    """Decisions of ``day`` and of the days whose outcome window is still open, each to be
    judged on the days up to yesterday (never on ``day``'s run order): a re-run gives the same rows."""
    latest = china_day(now) - timedelta(days=1)
    decisions: dict[tuple[date, date, str], list[tuple[str, str]]] = {}
    for back in range(OUTCOME_DAYS + 1):
        decided = day - timedelta(days=back)
        through = min(decided + timedelta(days=OUTCOME_DAYS), latest)
        if through < decided:
            continue
        for journey in JOURNEYS:
            sends = [(s.user_id, s.state) for s in Send.by_journey_day.query(f"{journey}#{decided.isoformat()}")]
            if sends:
                decisions[(decided, through, journey)] = sends
    return decisions


def _wakeups(decisions: dict[tuple[date, date, str], list[tuple[str, str]]],
             activity: dict[str, Activity]) -> dict[str, dict]:
    """One row per day and journey decided; ``activity`` is read once for every user decided on
    in these days, however many journeys and days name them."""
    return {f"{decided.isoformat()}#{journey}": _outcomes(sends, activity, decided, through)
            for (decided, through, journey), sends in decisions.items()}


def _outcomes(sends: list[tuple[str, str]], activity: dict[str, Activity], decided: date, through: date) -> dict:
    """Intention to treat: every decision that was not a holdout counts as treated, even one
    skipped for lack of consent, so the two groups differ only by the random assignment."""
    window = {(decided + timedelta(days=i)).isoformat() for i in range(1, (through - decided).days + 1)}
    counts: Counter[str] = Counter()
    for user, state in sends:
        arm = "holdout" if state == "holdout" else "treated"
        a = activity.get(user)
        counts[arm] += 1
        if a is not None and window & set(a.active_day_set or ()):
            counts[f"{arm}Returned"] += 1
        if a is not None and window & set(a.order_day_set or ()):
            counts[f"{arm}Ordered"] += 1
    return {**counts, "windowDays": len(window), "complete": len(window) == OUTCOME_DAYS}


def _row(metric: str, key: str, values: dict, now: datetime) -> MetricRow:
    return MetricRow(metric, key, values=json.dumps(values, separators=(",", ":"), sort_keys=True), computed_at=now)
