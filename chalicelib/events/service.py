"""Taking in behaviour events and orders; reading a user's activity and segment."""
from __future__ import annotations

import json
import random
import uuid
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta

import msgspec
from pynamodb.attributes import Attribute
from pynamodb.exceptions import DoesNotExist, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from chalicelib import rulebook
from chalicelib.config import china_day, hour_bucket
from chalicelib.events import consent, rules
from chalicelib.events.models import DAY_SHARDS, Activity, Event, EventCount, day_shard

RULES_NAME = "segments"
KEPT = timedelta(days=90)


class Incoming(msgspec.Struct, frozen=True):
    event_id: str
    name: str
    time: datetime | None
    props: dict


# Where accepted events went: the user's, the device's (a visitor who agreed), or only counted.
USER, DEVICE, AGGREGATE = "user", "device", "aggregate"


class Accepted(msgspec.Struct, frozen=True):
    """An event past the rules, its props as sent (not yet JSON for storage)."""

    event_id: str
    name: str
    at: datetime
    props: dict


class Ingested(msgspec.Struct, frozen=True):
    accepted: int
    rejected: list[tuple[str, str]]  # (event id, why)
    kept: str  # USER, DEVICE or AGGREGATE


class Summary(msgspec.Struct, frozen=True):
    segment: str
    score: float
    active_days: int
    last_active_day: date
    orders: int
    spend: int


def segment_rules() -> rules.SegmentRules:
    return rulebook.load(RULES_NAME, rules.SegmentRules)


def parse_rules(body: dict) -> rules.SegmentRules:
    return rulebook.parse(RULES_NAME, body, rules.SegmentRules)


def ingest(events: list[Incoming], *, user_id: str | None, device_id: str | None, now: datetime) -> Ingested:
    """Refuse invalid events one by one and keep the others where consent allows: a user who
    agreed to the privacy notice gets them and their activity updated; a device (``device_id``
    comes only from a verified anonymous id, which exists only after consent) gets them as they
    are; anyone else's are only counted. At most three round trips for 50 events: one update
    and two batch writes; before consent, the failed update and one counter."""
    who = f"u:{user_id}" if user_id else f"d:{device_id}" if device_id else "-"
    kept: list[Accepted] = []
    refused: list[tuple[str, str]] = []
    for e in events:
        why = rules.refusal(e.name, e.time)
        if why:
            refused.append((e.event_id, why))
            continue
        kept.append(Accepted(e.event_id, e.name, rules.clamp(e.time, now), e.props))
    if user_id:
        # The consent check is the activity update's condition: no read, and nothing per user
        # is written when it fails.
        agreed = not kept or _touch(user_id, _activity_actions(kept, now, segment_rules()), consent.AGREED)
        where = USER if agreed else AGGREGATE
    else:
        where = DEVICE if device_id else AGGREGATE
    if where == AGGREGATE:
        _count(kept, now)
    else:
        _save(who, kept, now)
    if where == USER:
        _journey_facts(user_id, kept, now)
    return Ingested(accepted=len(kept), rejected=refused, kept=where)


def _journey_facts(user_id: str, kept: list[Accepted], now: datetime) -> None:
    """The events a published journey starts on, waits for or counts as its goal become journey
    facts (keyed by the client's event id: a resent batch records nothing twice). No journey
    watching any: no write, and the watched names are cached a minute."""
    from chalicelib.journeys import facts, store

    watched = store.watched_names()
    for e in kept:
        if e.name in watched:
            facts.event(user_id, e.name, e.event_id, now=now, props=e.props)


def _save(who: str, kept: list[Accepted], now: datetime) -> None:
    # One item per client event id: a resent batch overwrites itself and counts nothing twice.
    # The items are built as DynamoDB wants them, not as 50 models serialised one attribute at
    # a time (~9 ms a batch); ``stored_item`` keeps them exactly what ``Event.of`` would store.
    received, expires = _serialised(Event.received_at, now), _serialised(Event.expires_at, now + KEPT)
    times: dict[datetime, tuple[dict, dict]] = {}  # most events of a batch share a time (unsent: now)
    with Event.batch_write() as batch:
        for e in {e.event_id: e for e in kept}.values():
            batch.save(_Item(stored_item(who, e, received, expires, times)))  # type: ignore[arg-type]


def stored_item(who: str, e: Accepted, received: dict, expires: dict,
                times: dict[datetime, tuple[dict, dict]] | None = None) -> dict:
    """``Event.of(who, ...).serialize()`` for an accepted event, ``received``/``expires`` serialised."""
    at_and_shard = times.get(e.at) if times is not None else None
    if at_and_shard is None:
        at_and_shard = _serialised(Event.at, e.at), {"S": day_shard(who, china_day(e.at))}
        if times is not None:
            times[e.at] = at_and_shard
    return {
        _ACTOR: {"S": who},
        _EVENT_ID: {"S": e.event_id},
        _NAME: {"S": e.name},
        _AT: at_and_shard[0],
        _RECEIVED_AT: received,
        _PROPS: {"S": json.dumps(e.props, ensure_ascii=False)},
        _EXPIRES_AT: expires,
        _DAY_SHARD: at_and_shard[1],
    }


# The stored names, read once: each ``Event.x.attr_name`` goes through a descriptor (8 an event).
_ACTOR, _EVENT_ID, _NAME, _AT, _RECEIVED_AT, _PROPS, _EXPIRES_AT, _DAY_SHARD = (
    a.attr_name for a in (Event.actor, Event.event_id, Event.name, Event.at, Event.received_at, Event.props,
                          Event.expires_at, Event.day_shard))


def _serialised(attribute: Attribute, value: object) -> dict:
    return {attribute.attr_type: attribute.serialize(value)}


class _Item:
    """What ``Model.batch_write`` asks of an item to put: its serialised form."""

    __slots__ = ("_item",)

    def __init__(self, item: dict) -> None:
        self._item = item

    def serialize(self) -> dict:
        return self._item


def _count(kept: list[Accepted], now: datetime) -> None:
    """Nobody's events: add to their China day's counters (one update per day in the batch).
    Without an id to deduplicate by, a resent batch counts again: these are estimates."""
    per_day: dict[str, Counter[str]] = defaultdict(Counter)
    for e in kept:
        per_day[china_day(e.at).isoformat()][e.name if e.name in rules.STANDARD else "custom"] += 1
    shard = random.randrange(DAY_SHARDS)
    for day, counts in per_day.items():
        actions = [getattr(EventCount, name).add(n) for name, n in sorted(counts.items())]
        EventCount(f"{day}#{shard}").update(actions=[*actions, EventCount.expires_at.set(now + KEPT)])


def counts_of(day: date) -> dict[str, int]:
    """The counted (not kept) events of a China day, by name: one batch read of its shards."""
    total: Counter[str] = Counter()
    names = [*rules.STANDARD, "custom"]
    for item in EventCount.batch_get([f"{day.isoformat()}#{shard}" for shard in range(DAY_SHARDS)]):
        total.update({name: int(getattr(item, name) or 0) for name in names})
    return {name: n for name, n in total.items() if n}


def _touch(user_id: str, actions: list[Action], condition: Condition) -> bool:
    """Apply ``actions`` to the user's activity if ``condition`` holds: whether it did."""
    try:
        Activity(user_id).update(actions=actions, condition=condition)
    except UpdateError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        return False
    return True


def _activity_actions(kept: list[Accepted], now: datetime, book: rules.SegmentRules) -> list[Action]:
    if not kept:
        return []
    today = china_day(now).isoformat()
    score = sum(rules.forward_weight(book.weights.get(e.name, 1.0), e.at, book) for e in kept)
    actions = [
        Activity.first_seen_day.set(Activity.first_seen_day | today),
        Activity.last_active_day.set(today),
        Activity.active_day_set.add({today}),
        Activity.score_forward.add(score),
    ]
    viewed = [e.props.get("category") for e in kept if e.name == "product_view"]
    if viewed and isinstance(viewed[-1], str):
        actions.append(Activity.last_category.set(viewed[-1][:32]))
    snapshots = [e.props.get("cart") for e in sorted(kept, key=lambda e: e.at)
                 if e.name in ("add_to_cart", "remove_from_cart", "checkout_start")]
    snapshots = [s for s in snapshots if isinstance(s, list)]
    if snapshots:
        cart = {str(p)[:64] for p in snapshots[-1][:100]}
        if cart:
            actions += [Activity.cart.set(cart), Activity.cart_at.set(now),
                        Activity.cart_hour.set(hour_bucket(now))]
        else:
            actions += [Activity.cart.remove(), Activity.cart_hour.remove()]
    return actions


def record_order(user_id: str, order_id: str, amount: int, *, now: datetime) -> None:
    """A paid order: activity, repurchase facts, and an ``order_paid`` event carrying the buyer's
    order count (what the rollup's funnel and repurchase read); the cart is done with. Call
    once per order."""
    today = china_day(now).isoformat()
    book = segment_rules()
    activity = Activity(user_id)
    activity.update(actions=[
        Activity.first_seen_day.set(Activity.first_seen_day | today),
        Activity.last_active_day.set(today),
        Activity.active_day_set.add({today}),
        Activity.score_forward.add(rules.forward_weight(book.weights.get("order", 20.0), now, book)),
        Activity.orders.add(1),
        Activity.spend.add(amount),
        Activity.last_order_day.set(today),
        Activity.last_order_id.set(order_id),
        Activity.first_order_day.set(Activity.first_order_day | today),
        Activity.order_day_set.add({today}),
        Activity.cart.remove(),
        Activity.cart_hour.remove(),
    ])
    Event.of(f"u:{user_id}", f"order:{order_id}", name=rules.ORDER_PAID, at=now, received_at=now,
             props=json.dumps({"amount": amount, "n": int(activity.orders)}), expires_at=now + KEPT).save()


def referral_fact(inviter_id: str, *, now: datetime) -> Event:
    """The item that records, on the inviter's day, that an invitee signed up: the caller saves
    it in its own transaction (whose guard makes it once per invitee). It does not make the
    inviter active, and it does not name the invitee: their deletion leaves nothing of them here."""
    return Event.of(f"u:{inviter_id}", f"referral:{uuid.uuid4().hex}", name=rules.REFERRAL_SIGNUP, at=now,
                    received_at=now, expires_at=now + KEPT)


def record_refund(user_id: str, amount: int) -> None:
    Activity(user_id).update(actions=[Activity.refunded.add(amount)])


def merge_device(user_id: str, device_id: str, *, now: datetime) -> int:
    """Events sent before login under a device become the user's, with the agreement of the
    device's visitor, if the user has not withdrawn theirs. ``device_id`` must come from a
    verified anonymous id (``chalicelib.auth.anonymous``): anything a client can choose would
    let it take another visitor's events. Returns how many moved; three round trips."""
    earlier = list(Event.query(f"d:{device_id}"))
    visitor = next((e for e in earlier if e.name == rules.PRIVACY_CONSENT), None)
    moved = [e for e in earlier if e.name != rules.PRIVACY_CONSENT]
    also: list[Action] = []
    condition = consent.AGREED
    if visitor is not None:
        # The record stays under the device: a later login (after an erasure, say) carries it again.
        also, condition = consent.carried(consent.visitor_version(visitor), visitor.at)
    accepted = [Accepted(e.event_id, e.name, e.at, json.loads(e.props)) for e in moved]
    actions = [*_activity_actions(accepted, now, segment_rules()), *also]
    if not actions or not _touch(user_id, actions, condition):
        return 0  # left to expire under the device: nobody agreed to keep them per user
    with Event.batch_write() as batch:
        for e in moved:
            batch.save(Event.of(f"u:{user_id}", e.event_id, name=e.name, at=e.at, received_at=e.received_at,
                                props=e.props, expires_at=e.expires_at))
            batch.delete(e)
    return len(moved)


def summary(user_id: str, *, now: datetime) -> Summary | None:
    try:
        a = Activity.get(user_id)
    except DoesNotExist:
        return None
    return summarise(a, now=now)


def summarise(a: Activity, *, now: datetime) -> Summary | None:
    if a.last_active_day is None:  # only a privacy decision so far
        return None
    book, today = segment_rules(), china_day(now)
    last = date.fromisoformat(a.last_active_day)
    return Summary(
        segment=rules.segment(first_seen=date.fromisoformat(a.first_seen_day), last_active=last,
                              orders=int(a.orders), spend=int(a.spend) - int(a.refunded), today=today, rules=book),
        score=round(rules.score_at(float(a.score_forward), now, book), 2),
        active_days=len(a.active_day_set or ()),
        last_active_day=last,
        orders=int(a.orders),
        spend=int(a.spend) - int(a.refunded),
    )


def forget(user_id: str) -> None:
    with Event.batch_write() as batch:
        for e in Event.query(f"u:{user_id}"):
            batch.delete(e)
    Activity(user_id).delete()
