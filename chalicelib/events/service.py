"""Taking in behaviour events and orders; reading a user's activity and segment."""
from __future__ import annotations

import json
import uuid
from datetime import date, datetime, timedelta

import msgspec
from pynamodb.exceptions import DoesNotExist

from chalicelib import errors, rulebook
from chalicelib.config import china_day, hour_bucket
from chalicelib.events import rules
from chalicelib.events.models import Activity, Event

RULES_NAME = "segments"
KEPT = timedelta(days=90)


class Incoming(msgspec.Struct, frozen=True):
    event_id: str
    name: str
    time: datetime | None
    props: dict


class Ingested(msgspec.Struct, frozen=True):
    accepted: int
    rejected: list[tuple[str, str]]  # (event id, why)


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


def actor(user_id: str | None, device_id: str | None) -> str:
    if user_id:
        return f"u:{user_id}"
    if device_id:
        return f"d:{device_id}"
    raise errors.ValidationFailed("Send a token, or a deviceId for events before login.")


def ingest(events: list[Incoming], *, user_id: str | None, device_id: str | None, now: datetime) -> Ingested:
    """Keep the valid events (refusing the others one by one) and, for a user, update their
    activity. At most three round trips for 50 events: two batch writes and one update."""
    who, book = actor(user_id, device_id), segment_rules()
    kept: list[Event] = []
    refused: list[tuple[str, str]] = []
    for e in events:
        why = rules.refusal(e.name, e.time)
        if why:
            refused.append((e.event_id, why))
            continue
        kept.append(Event.of(who, e.event_id, name=e.name, at=rules.clamp(e.time, now), received_at=now,
                             props=json.dumps(e.props, ensure_ascii=False), expires_at=now + KEPT))
    # One item per client event id: a resent batch overwrites itself and counts nothing twice.
    with Event.batch_write() as batch:
        for item in {e.event_id: e for e in kept}.values():
            batch.save(item)
    if user_id and kept:
        _touch(user_id, kept, now, book)
    return Ingested(accepted=len(kept), rejected=refused)


def _touch(user_id: str, kept: list[Event], now: datetime, book: rules.SegmentRules) -> None:
    today = china_day(now).isoformat()
    score = sum(rules.forward_weight(book.weights.get(e.name, 1.0), e.at, book) for e in kept)
    actions = [
        Activity.first_seen_day.set(Activity.first_seen_day | today),
        Activity.last_active_day.set(today),
        Activity.active_day_set.add({today}),
        Activity.score_forward.add(score),
    ]
    viewed = [json.loads(e.props).get("category") for e in kept if e.name == "product_view"]
    if viewed and isinstance(viewed[-1], str):
        actions.append(Activity.last_category.set(viewed[-1][:32]))
    snapshots = [json.loads(e.props).get("cart") for e in sorted(kept, key=lambda e: e.at)
                 if e.name in ("add_to_cart", "remove_from_cart", "checkout_start")]
    snapshots = [s for s in snapshots if isinstance(s, list)]
    if snapshots:
        cart = {str(p)[:64] for p in snapshots[-1][:100]}
        if cart:
            actions += [Activity.cart.set(cart), Activity.cart_at.set(now),
                        Activity.cart_hour.set(hour_bucket(now))]
        else:
            actions += [Activity.cart.remove(), Activity.cart_hour.remove()]
    Activity(user_id).update(actions=actions)


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
    """Events sent before login under a device id become the user's. Returns how many."""
    earlier = list(Event.query(f"d:{device_id}"))
    if not earlier:
        return 0
    with Event.batch_write() as batch:
        for e in earlier:
            batch.save(Event.of(f"u:{user_id}", e.event_id, name=e.name, at=e.at, received_at=e.received_at,
                                props=e.props, expires_at=e.expires_at))
            batch.delete(e)
    _touch(user_id, earlier, now, segment_rules())
    return len(earlier)


def summary(user_id: str, *, now: datetime) -> Summary | None:
    try:
        a = Activity.get(user_id)
    except DoesNotExist:
        return None
    return summarise(a, now=now)


def summarise(a: Activity, *, now: datetime) -> Summary:
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
