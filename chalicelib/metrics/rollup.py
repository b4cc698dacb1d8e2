"""The daily rollup: one China day's facts → metric rows. Scheduled for yesterday at 00:30 in
China; ``backfill`` rebuilds any range (``python -m chalicelib.metrics.backfill``).

It reads only that day's slices of the day-keyed indexes (events ``by_day``, coupons
``by_issued_day`` / ``by_used_day``, groups ``by_closed_day``, bargains ``by_deadline_day``,
wake-up decisions ``by_journey_day``), the day's ``event-counts`` and the activity of the users
in them, never a scan.
"""
from __future__ import annotations

import contextvars
import json
import logging
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date, datetime, timedelta

import msgspec

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


class Report(msgspec.Struct):
    day: str
    events: int = 0
    users: int = 0
    rows: int = 0


def yesterday(now: datetime) -> dict:
    """The scheduled run: roll up the China day that just ended."""
    return msgspec.structs.asdict(roll_up(china_day(now) - timedelta(days=1), now=now))


def backfill(first: date, last: date, *, now: datetime) -> list[Report]:
    """Rebuild every day in ``first..last``, oldest first. Safe to interrupt and run again."""
    reports = []
    day = first
    while day <= last:
        reports.append(roll_up(day, now=now))
        day += timedelta(days=1)
    return reports


def roll_up(day: date, *, now: datetime) -> Report:
    """This thread reads the day's slices one after another, as a bare read would; the activity
    of the users each slice names is read meanwhile, ``READERS`` BatchGetItem calls at a time."""
    per_actor: dict[str, set[str]] = defaultdict(set)
    orders: list[tuple[str, int]] = []  # (user, how many orders the buyer had with this one)
    facts = 0
    with ThreadPoolExecutor(READERS, thread_name_prefix="rollup-read") as pool:
        reads: list[Future] = []
        for shard in range(DAY_SHARDS):
            part = list(_events_of(day, shard))
            facts += len(part)
            shard_users: set[str] = set()
            for actor, name, props in part:
                per_actor[actor].add(name)
                if name == event_rules.ORDER_PAID:
                    orders.append((actor[2:], int(json.loads(props or "{}").get("n", 0))))
                if actor.startswith("u:") and (name not in event_rules.SERVER_ONLY or name == event_rules.ORDER_PAID):
                    shard_users.add(actor[2:])
            # An actor's events of a day share one shard: its users are all known now.
            reads += _read(pool, shard_users, ("first_seen_day", "first_order_day"))
        decisions = _decisions(day, now)
        outcome_reads = _read(pool, {u for sends in decisions.values() for u, _ in sends},
                              ("active_day_set", "order_day_set"))
        values = {
            "coupons": _coupons(day),
            "groupbuy": _groupbuy(day),
            "bargain": _bargain(day),
            # Events of callers who had not agreed to the privacy notice: counted, never anyone's.
            "withoutConsent": events.counts_of(day),
        }
        activity, outcome_activity = _gathered(reads), _gathered(outcome_reads)
    # Activity is what people did: the server's facts about them (an inviter's referral) are not a visit.
    active = {a: names for a, names in per_actor.items()
              if names - set(event_rules.SERVER_ONLY) or event_rules.ORDER_PAID in names}
    users = {a[2:] for a in active if a.startswith("u:")}
    book = wakeup_book()
    arms = {u: wakeup_rules.arm(u, book) for u in users}
    values |= {
        "active": _active(active, activity, arms, day),
        "funnel": _funnel(active),
        "behaviour": _behaviour(active, orders),
        "referral": _referral(day, per_actor),
    }
    rows = [_row(DAY, day.isoformat(), values, now)]
    rows += [_row(COHORT, key, counts, now) for key, counts in _cohorts(active, activity, arms, orders, day).items()]
    rows += [_row(WAKEUP, key, counts, now) for key, counts in _wakeups(decisions, outcome_activity).items()]
    with MetricRow.batch_write() as batch:
        for row in rows:
            batch.save(row)
    report = Report(day=day.isoformat(), events=facts, users=len(users), rows=len(rows))
    log.info("rollup %s", day, extra=msgspec.structs.asdict(report))
    return report


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


def _referral(day: date, per_actor: dict[str, set[str]]) -> dict:
    try:
        stats = ReferralStats.get(CAMPAIGN, day.isoformat())
        signups, purchases, first_orders = int(stats.signups), int(stats.purchases), int(stats.first_orders)
    except ReferralStats.DoesNotExist:
        signups = purchases = first_orders = 0
    return {
        "signups": signups, "purchaseLevel": purchases, "firstOrders": first_orders,
        "inviters": sum(event_rules.REFERRAL_SIGNUP in names for names in per_actor.values()),
        "sharers": sum("share" in names for names in per_actor.values()),
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
