"""Group-buy: open, join, pay, and the scheduled close (success, virtual fill, or refunds).

Every limit is a condition in the transaction that takes it: ``reserved < size`` on the
group, ``attribute_not_exists`` on the membership, ``opened < stock`` on the activity,
``taken < limit`` on the user's quota. A reservation is a slot held until its payment
deadline; the order system pays it with ``order_ref`` (``<group>.<user>``).
"""
from __future__ import annotations

import hashlib
import logging
import time
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import NoReturn

import msgspec
from pynamodb.exceptions import DoesNotExist, PutError
from pynamodb.expressions.condition import Condition

from chalicelib import errors, jobs, messages
from chalicelib.config import china_day, hour_bucket
from chalicelib.coupons import service as coupons
from chalicelib.groupbuy.models import Activity, Group, GroupMember, GroupQuota
from chalicelib.journeys import facts as journey_facts
from chalicelib.members import service as members
from chalicelib.outbox import service as outbox
from chalicelib.shop.service import SHOP_ID
from chalicelib.store import quotas
from chalicelib.store.transactions import Cancelled, Transaction, backoff, run

log = logging.getLogger(__name__)

OPEN, SUCCEEDED, FAILED = "open", "succeeded", "failed"
RESERVED, PAID, EXPIRED, REFUNDED = "reserved", "paid", "expired", "refunded"
LEADER, MEMBER = "leader", "member"
STAND_IN = "gone-"  # the user id an erased member's seat keeps
PAY_ATTEMPTS = 8
JOB = "groupbuy-close"
FIRST_LOOK_BACK = timedelta(hours=48)  # where a job with no checkpoint starts reading


class Seat(msgspec.Struct, frozen=True):
    """A user's place in a group: what open and join answer."""

    group: Group
    member: GroupMember

    @property
    def order_ref(self) -> str:
        return order_ref(self.group.group_id, self.member.user_id)


class Card(msgspec.Struct, frozen=True):
    """What a shared group card shows."""

    group: Group
    members: list[GroupMember]


class Payment(msgspec.Struct, frozen=True):
    group: Group
    completed: bool  # this payment made the group succeed
    already: bool  # a retry of a payment recorded before


class CloseReport(msgspec.Struct):
    groups_read: int = 0
    succeeded: int = 0
    virtual_filled: int = 0
    failed: int = 0
    refunds: int = 0
    reservations_freed: int = 0


def order_ref(group_id: str, user_id: str) -> str:
    return f"{group_id}.{user_id}"


# --- browsing -------------------------------------------------------------------------------
def activities(*, now: datetime) -> list[Activity]:
    return [a for a in Activity.query(SHOP_ID) if _running(a, now)]


def _running(a: Activity, now: datetime) -> bool:
    return bool(a.active) and a.ended_at is None and a.starts_at <= now < a.ends_at


def not_stopped() -> Condition:
    """On the activity item: not paused and not ended by an operator. Every open and join carries
    it in its transaction, so a pause or an end, once written, refuses every later one."""
    return (Activity.active == True) & Activity.ended_at.does_not_exist()  # noqa: E712 (a condition)


def activity(activity_id: str) -> Activity:
    try:
        return Activity.get(SHOP_ID, activity_id)
    except DoesNotExist as exc:
        raise errors.NotFound(messages.text("NOT_FOUND.groupbuy")) from exc


def group(group_id: str) -> Group:
    try:
        return Group.get(group_id, consistent_read=True)
    except DoesNotExist as exc:
        raise errors.NotFound(messages.text("NOT_FOUND.group")) from exc


def card(group_id: str) -> Card:
    """The share card: two round trips."""
    g = group(group_id)
    seats = _in_seat_order(GroupMember.query(group_id))
    return Card(g, [m for m in seats if m.state in (RESERVED, PAID)])


def my_groups(user_id: str) -> list[str]:
    return [m.group_id for m in GroupMember.by_user.query(user_id)]


# --- open and join --------------------------------------------------------------------------
def open_group(user_id: str, activity_id: str, *, nickname: str | None, avatar_url: str | None,
               idempotency_key: str | None, now: datetime) -> Seat:
    """Open a group as its leader, holding the first slot. Two round trips."""
    a = activity(activity_id)
    if not _running(a, now):
        raise errors.GroupbuyUnavailable()
    key = idempotency_key or uuid.uuid4().hex
    group_id = "g" + hashlib.sha256(f"{user_id}|{activity_id}|{key}".encode()).hexdigest()[:20]
    deadline = now + timedelta(minutes=int(a.time_limit_minutes))
    g = Group(
        group_id, activity_id=activity_id, leader_id=user_id, product_id=a.product_id, name=a.name,
        original_price=a.original_price, group_price=a.group_price, size=a.size, pay_minutes=a.pay_minutes,
        per_user_limit=a.per_user_limit, new_users_only=a.new_users_only, leader_coupon=a.leader_coupon, virtual_fill_share=a.virtual_fill_share,
        state=OPEN, reserved=1, paid=0, created_at=now, deadline=deadline, due_bucket=hour_bucket(deadline),
    )
    seat = _seat(g, user_id, LEADER, nickname, avatar_url, now)

    def build(tx: Transaction) -> None:
        running = not_stopped() & (Activity.starts_at <= now) & (Activity.ends_at > now)
        if a.stock is not None:
            running &= Activity.opened < a.stock
        tx.update("activity", Activity(SHOP_ID, activity_id), actions=[Activity.opened.add(1)], condition=running)
        _take_quota(tx, user_id, a.activity_id, int(a.per_user_limit))
        tx.save("group", g, condition=Group.group_id.does_not_exist())
        tx.save("member", seat)

    try:
        run(build)
    except Cancelled as exc:
        if "group" in exc.failed:  # a retry with the same Idempotency-Key: the group opened then
            return Seat(group(group_id), GroupMember.get(group_id, user_id))
        if "activity" in exc.failed:  # paused, ended or sold out since it was read: which one?
            if not _running(activity(activity_id), now):
                raise errors.GroupbuyUnavailable() from exc
            raise errors.GroupbuySoldOut() from exc
        if "quota" in exc.failed:
            raise errors.GroupbuyLimitReached() from exc
        raise
    return Seat(g, seat)


def join(user_id: str, group_id: str, *, nickname: str | None, avatar_url: str | None, now: datetime) -> Seat:
    """Take a slot in a friend's group. Three round trips at most; the last slot goes to one."""
    g = group(group_id)
    if g.leader_id == user_id:
        raise errors.GroupOwn()
    if g.state != OPEN or now >= g.deadline:
        raise errors.GroupClosed()
    if g.new_users_only and not members.is_new_customer(user_id):
        raise errors.GroupNewUsersOnly()
    seat = _seat(g, user_id, MEMBER, nickname, avatar_url, now)

    def build(tx: Transaction) -> None:
        tx.update("group", Group(group_id), actions=[Group.reserved.add(1)],
                  condition=(Group.state == OPEN) & (Group.reserved < g.size) & (Group.deadline > now))
        tx.save("member", seat, condition=GroupMember.user_id.does_not_exist())
        _take_quota(tx, user_id, g.activity_id, int(g.per_user_limit))
        tx.check("activity", Activity, SHOP_ID, g.activity_id, condition=not_stopped())

    for attempt in range(2):
        try:
            run(build)
            return Seat(g, seat)
        except Cancelled as exc:
            if "member" in exc.failed:  # in the group already: a retry, or a second tap
                existing = GroupMember.get(group_id, user_id)
                if existing.state in (RESERVED, PAID):
                    return Seat(group(group_id), existing)
                raise errors.GroupClosed(messages.text("GROUP_CLOSED.reservation_expired")) from exc
            if "activity" in exc.failed:
                raise errors.GroupbuyUnavailable() from exc
            if "quota" in exc.failed:
                raise errors.GroupbuyLimitReached() from exc
            if "group" not in exc.failed:
                raise
            current = group(group_id)
            if current.state != OPEN or now >= current.deadline:
                raise errors.GroupClosed() from exc
            # Full: unless a reservation ran out unpaid, freeing its slot, in which case try again.
            if attempt or not free_lapsed(group_id, now=now):
                raise errors.GroupFull() from exc
    raise AssertionError("unreachable")


def _seat(g: Group, user_id: str, role: str, nickname: str | None, avatar_url: str | None,
          now: datetime) -> GroupMember:
    pay_by = now + timedelta(minutes=int(g.pay_minutes))
    return GroupMember(g.group_id, user_id, activity_id=g.activity_id, role=role, state=RESERVED, pay_by=pay_by,
                       joined_at=now, nickname=nickname, avatar_url=avatar_url, pay_bucket=hour_bucket(pay_by))


def _take_quota(tx: Transaction, user_id: str, activity_id: str, limit: int) -> None:
    tx.update("quota", GroupQuota(user_id, activity_id), actions=[GroupQuota.taken.add(1)],
              condition=GroupQuota.taken.does_not_exist() | (GroupQuota.taken < limit))


# --- payment --------------------------------------------------------------------------------
def pay(ref: str, order_id: str, *, now: datetime) -> Payment:
    """The order system reports a payment. Idempotent per order: a resent report gets the answer
    the first one got, with ``already`` set. A payment for a lapsed reservation or a closed
    group, or for a seat another order has paid, is refused and its refund recorded (once).
    Three round trips: the seats, the group, the transaction."""
    group_id, _, user_id = ref.partition(".")
    if not group_id or not user_id:
        raise errors.NotFound(messages.text("NOT_FOUND.reservation"))
    for attempt in range(PAY_ATTEMPTS):
        # The seats first: a payment they show as made is then in the group read after them.
        seats = _in_seat_order(GroupMember.query(group_id, consistent_read=True))
        seat = next((m for m in seats if m.user_id == user_id), None)
        if seat is None:
            raise errors.NotFound(messages.text("NOT_FOUND.reservation"))
        g = group(group_id)
        if seat.order_id == order_id:  # this very payment, recorded before (and refunded since, if the group failed)
            return Payment(g, completed=g.completed_by == order_id, already=True)
        if seat.order_id is not None:  # another order paid for the seat
            _refuse(g, seat, order_id, "seat_already_paid", errors.SeatAlreadyPaid(), now,
                    event_id=f"refund:second:{group_id}:{order_id}", still=GroupMember.order_id == seat.order_id)
            backoff(attempt)
            continue
        if seat.state != RESERVED or seat.pay_by <= now or g.state != OPEN or now >= g.deadline:
            # The group was read after the seat: it may be closed by a copy of this very payment.
            _refuse(g, seat, order_id, "reservation_expired", errors.ReservationExpired(), now,
                    event_id=f"refund:late:{group_id}:{order_id}", still=GroupMember.order_id.does_not_exist())
            backoff(attempt)
            continue
        paid = [m for m in seats if m.state == PAID]
        completes = len(paid) + 1 == int(g.size)
        orders = [order_id if m is seat else m.order_id for m in seats if m.state == PAID or m is seat]

        def build(tx: Transaction) -> None:
            tx.update("member", GroupMember(group_id, user_id),
                      actions=[GroupMember.state.set(PAID), GroupMember.order_id.set(order_id),
                               GroupMember.pay_bucket.remove()],
                      condition=(GroupMember.state == RESERVED) & (GroupMember.pay_by > now))
            actions = [Group.paid.add(1)]
            if completes:
                actions += [Group.state.set(SUCCEEDED), Group.completed_by.set(order_id), *_closing(now)]
            # Every payment adds to ``paid`` with its seat: equal to the paid seats read, it says no
            # payment came in between, so the completion and the event's order list are right.
            tx.update("group", Group(group_id), actions=actions,
                      condition=(Group.state == OPEN) & (Group.paid == len(paid)) & (Group.deadline > now))
            if completes:
                _succeeded_event(tx, g, orders, virtual=0, now=now)
                _count_success(tx, g)
                _result_facts(tx, g, "group_succeeded", [(m.user_id, m.order_id) for m in paid] + [(user_id, order_id)],
                              now=now)

        try:
            if completes:
                _succeed(g, build, now)
            else:
                run(build)
        except Cancelled as exc:
            # Another payment (perhaps a copy of this one), an expiry or the close got there
            # first; a copy that completed the group also finds its coupon and event written.
            if exc.failed - {"member", "group", "coupon", "event"}:
                raise
            backoff(attempt)
            continue
        g.paid = len(paid) + 1  # what the transaction wrote, under its condition: no need to read it back
        if completes:
            g.state, g.completed_by = SUCCEEDED, order_id
        return Payment(g, completed=completes, already=False)
    raise errors.StorageUnavailable(retry_after=1)


def _refuse(g: Group, seat: GroupMember, order_id: str, reason: str, error: errors.AppError, now: datetime, *,
            event_id: str, still: Condition) -> None:
    """Refuse a payment: record its refund and raise ``error`` while the seat is ``still`` as
    read; if it has changed since, return (the caller reads again). The event id comes from
    the order, so resent reports of it record one refund."""
    def build(tx: Transaction) -> None:
        tx.check("member", GroupMember, g.group_id, seat.user_id, condition=still)
        outbox.record(tx, "refunds", event_id, {
            "reason": reason, "groupId": g.group_id, "orderId": order_id, "amount": int(g.group_price)}, now=now)

    try:
        run(build)
    except Cancelled as exc:
        if "member" in exc.failed:
            return
        if exc.failed != {"event"}:  # recorded by an earlier delivery of this payment: fine
            raise
    raise error


def _succeeded_event(tx: Transaction, g: Group, orders: list[str], *, virtual: int, now: datetime) -> None:
    """Fulfilment: the merchant ships each of ``orders`` (the members' paid orders)."""
    outbox.record(tx, "fulfilment", f"group-succeeded:{g.group_id}", {
        "groupId": g.group_id, "activityId": g.activity_id, "productId": g.product_id,
        "price": int(g.group_price), "orderIds": orders, "virtualMembers": virtual}, now=now)


def _count_success(tx: Transaction, g: Group) -> None:
    """The activity's count of groups that succeeded, in the success's own transaction (the console's)."""
    tx.update("counted", Activity(SHOP_ID, g.activity_id), actions=[Activity.succeeded.add(1)],
              condition=Activity.activity_id.exists())


def _result_facts(tx: Transaction, g: Group, fact: str, paid: list[tuple[str, str | None]], *, now: datetime) -> None:
    """``group_succeeded`` / ``group_failed`` for each member who paid (virtual members are no
    one), about the group, in the transaction that decides the result: a group succeeds or fails
    once, so its facts are written once, and no crash between the two can lose them. At most
    ``size`` (≤ 10) items."""
    for user_id, order_id in paid:
        if user_id.startswith(STAND_IN):  # an erased member's seat (``forget``): no one to tell
            continue
        journey_facts.in_transaction(tx, user_id, fact, g.group_id, now=now, props={
            "groupId": g.group_id, "activityId": g.activity_id, "productId": g.product_id, "orderId": order_id,
            "amount": int(g.group_price)})


def _succeed(g: Group, build: Callable[[Transaction], None], now: datetime) -> None:
    """The success, with the leader's bonus coupon (if any) in the same transaction: once."""
    coupons.reward(g.leader_id, g.leader_coupon, reason="groupbuy-leader", ref=g.group_id, now=now, also=build)


def _in_seat_order(seats: Iterable[GroupMember]) -> list[GroupMember]:
    """The leader first, then the members as they joined: how the card and the events list them."""
    return sorted(seats, key=lambda m: (m.role != LEADER, m.joined_at))


# --- the scheduled close --------------------------------------------------------------------
def close_due(*, now: datetime, stop_at: float | None = None) -> CloseReport:
    """Close the groups past their deadline and free the reservations past theirs.

    Reads the ``due`` and ``unpaid`` indexes hour bucket by hour bucket from the checkpoint,
    never the table: the cost grows with what is due. Every close is conditional on the group
    still being open, so a run cut short and run again closes nothing twice. The checkpoint
    passes an hour only when everything due in it is closed; ``stop_at`` (``time.monotonic``)
    ends a run early, before a Lambda timeout would, and the next run goes on from there.
    """
    report = CloseReport()
    for bucket in _buckets(JOB, now):
        finished = True
        for key in Group.due.query(bucket, Group.deadline <= now):
            if stop_at is not None and time.monotonic() > stop_at:
                return report
            report.groups_read += 1
            finished &= _close(key.group_id, now, report)
        for key in GroupMember.unpaid.query(bucket, GroupMember.pay_by <= now):
            if stop_at is not None and time.monotonic() > stop_at:
                return report
            report.reservations_freed += _free(key.group_id, key.user_id, now)
        if finished and bucket < hour_bucket(now):
            jobs.advance(JOB, bucket, now=now)  # an hour wholly past, all of it closed: done
    return report


def free_lapsed(group_id: str, *, now: datetime) -> int:
    """Free this group's reservations whose payment deadline passed (a full group looks again)."""
    return sum(_free(group_id, m.user_id, now) for m in GroupMember.query(group_id)
               if m.state == RESERVED and m.pay_by <= now)


def _buckets(job: str, now: datetime) -> list[str]:
    done = jobs.cursor(job)
    start = datetime.strptime(done, "%Y-%m-%dT%H").replace(tzinfo=now.tzinfo) + timedelta(hours=1) if done \
        else now - FIRST_LOOK_BACK
    out, hour = [], start.replace(minute=0, second=0, microsecond=0)
    while hour <= now:
        out.append(hour_bucket(hour))
        hour += timedelta(hours=1)
    return out


def _free(group_id: str, user_id: str, now: datetime) -> int:
    seat = GroupMember.get(group_id, user_id, consistent_read=True)
    if seat.state != RESERVED or seat.pay_by > now:
        return 0

    def build(tx: Transaction, give_back_quota: bool = True) -> None:
        tx.update("member", GroupMember(group_id, user_id),
                  actions=[GroupMember.state.set(EXPIRED), GroupMember.pay_bucket.remove()],
                  condition=(GroupMember.state == RESERVED) & (GroupMember.pay_by <= now))
        tx.update("group", Group(group_id), actions=[Group.reserved.add(-1)], condition=Group.state == OPEN)
        if give_back_quota:
            tx.update("quota", GroupQuota(user_id, seat.activity_id), actions=[GroupQuota.taken.add(-1)],
                      condition=GroupQuota.taken > 0)

    try:
        try:
            run(build)
        except Cancelled as exc:
            if exc.failed != {"quota"}:
                raise
            run(lambda tx: build(tx, give_back_quota=False))  # no quota to give back (an erased account)
        return 1
    except Cancelled as exc:
        if "member" in exc.failed or "group" in exc.failed:
            return 0  # paid meanwhile, freed by another run, or the group closed (its close handles it)
        raise


def _close(group_id: str, now: datetime, report: CloseReport) -> bool:
    """Close one group; False when a race left it open for the next run."""
    g = group(group_id)
    if g.state != OPEN or g.deadline > now:
        return True
    seats = _in_seat_order(GroupMember.query(group_id, consistent_read=True))
    paid = [m for m in seats if m.state == PAID]
    share = g.virtual_fill_share
    fill = bool(paid) and share is not None and len(paid) * 100 >= int(share) * int(g.size)
    closed = _closing(now)
    guard = (Group.state == OPEN) & (Group.paid == g.paid)

    if fill:
        virtual = int(g.size) - len(paid)

        def succeed(tx: Transaction) -> None:
            tx.update("group", Group(group_id), actions=[Group.state.set(SUCCEEDED), Group.virtual.set(virtual), *closed],
                      condition=guard)
            _succeeded_event(tx, g, [m.order_id for m in paid], virtual=virtual, now=now)
            _count_success(tx, g)
            _result_facts(tx, g, "group_succeeded", [(m.user_id, m.order_id) for m in paid], now=now)

        try:
            _succeed(g, succeed, now)
            report.succeeded += 1
            report.virtual_filled += 1
            return True
        except Cancelled as exc:
            if exc.failed - {"group", "event"}:
                raise
            return False

    def fail(tx: Transaction) -> None:
        tx.update("group", Group(group_id), actions=[Group.state.set(FAILED), *closed], condition=guard)
        for m in seats:
            if m.state == PAID:
                tx.update(f"member:{m.user_id}", GroupMember(group_id, m.user_id),
                          actions=[GroupMember.state.set(REFUNDED)], condition=GroupMember.state == PAID)
                # Events name orders, never users: the order system knows whose they are.
                outbox.record(tx, "refunds", f"refund:{group_id}:{m.order_id}", {
                    "reason": "group_failed", "groupId": group_id, "orderId": m.order_id,
                    "amount": int(g.group_price)}, now=now, name=f"refund:{m.user_id}")
            elif m.state == RESERVED:
                tx.update(f"member:{m.user_id}", GroupMember(group_id, m.user_id),
                          actions=[GroupMember.state.set(EXPIRED), GroupMember.pay_bucket.remove()],
                          condition=GroupMember.state == RESERVED)
        _result_facts(tx, g, "group_failed", [(m.user_id, m.order_id) for m in paid], now=now)

    try:
        run(fail)
        report.failed += 1
        report.refunds += len(paid)
        return True
    except Cancelled as exc:
        if not exc.failed:
            raise
        return False  # someone paid or closed it meanwhile: the next run reads it afresh


# --- operators and deletion -----------------------------------------------------------------
class ActivitySpec(msgspec.Struct, frozen=True):
    activity_id: str
    name: str
    product_id: str
    original_price: int
    group_price: int
    size: int
    starts_at: datetime
    ends_at: datetime
    time_limit_minutes: int = 24 * 60
    pay_minutes: int = 15
    stock: int | None = None
    per_user_limit: int = 1
    new_users_only: bool = False
    leader_coupon: str | None = None
    virtual_fill_share: int | None = None


def create_activity(spec: ActivitySpec) -> Activity:
    """Save a new activity. The same id again with the same settings is a replay and answers
    the activity saved; with other settings it is 409 ``CAMPAIGN_EXISTS``."""
    found = problems(spec)
    if found:
        raise errors.ValidationFailed("; ".join(found))
    fields = msgspec.structs.asdict(spec)
    a = Activity(SHOP_ID, fields.pop("activity_id"), **fields)
    try:
        a.save(condition=Activity.activity_id.does_not_exist())
    except PutError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            saved = activity(spec.activity_id)
            if all(getattr(saved, name) == value for name, value in fields.items()):
                return saved
            raise errors.CampaignExists() from exc
        raise
    return a


def problems(spec: ActivitySpec) -> list[str]:
    """What is wrong with these settings taken together (each message names its field)."""
    found = []
    if not 2 <= spec.size <= 10:
        found.append(messages.text("VALIDATION_FAILED.between", field="size", least=2, most=10))
    if not 0 < spec.group_price < spec.original_price:
        found.append(messages.text("VALIDATION_FAILED.group_price"))
    if spec.starts_at >= spec.ends_at:
        found.append(messages.text("VALIDATION_FAILED.before", field="startsAt", other="endsAt"))
    if spec.virtual_fill_share is not None and not 1 <= spec.virtual_fill_share <= 100:
        found.append(messages.text("VALIDATION_FAILED.virtual_fill"))
    if spec.pay_minutes < 1 or spec.time_limit_minutes < spec.pay_minutes:
        found.append(messages.text("VALIDATION_FAILED.pay_minutes"))
    return found


def forget(user_id: str) -> None:
    """The user leaves no trace in the groups they were in, yet the groups keep their slots
    and history: each seat passes to an anonymous stand-in, without nickname or avatar."""
    for key in GroupMember.by_user.query(user_id):
        seat = GroupMember.get(key.group_id, user_id)
        stand_in = STAND_IN + uuid.uuid4().hex[:12]
        copy = {name: getattr(seat, name) for name in ("activity_id", "role", "state", "pay_by", "order_id",
                                                       "joined_at", "pay_bucket")}

        def build(tx: Transaction, seat: GroupMember = seat, stand_in: str = stand_in, copy: dict = copy) -> None:
            tx.delete("seat", seat)
            tx.save("stand-in", GroupMember(seat.group_id, stand_in, **copy))
            if seat.role == LEADER:
                tx.update("group", Group(seat.group_id), actions=[Group.leader_id.set(stand_in)])

        run(build)
    with GroupQuota.batch_write() as batch:
        for quota in GroupQuota.query(user_id):
            batch.delete(quota)


def _closing(now: datetime) -> list:
    return [Group.closed_at.set(now), Group.closed_day.set(china_day(now).isoformat()), Group.due_bucket.remove()]


def limits_used(user_id: str) -> dict[str, int]:
    """Seats taken per activity, against its per-user limit (kept through an erasure)."""
    return quotas.used(GroupQuota, GroupQuota.taken, user_id)


def restore_limits(user_id: str, used: dict[str, int]) -> None:
    quotas.restore(GroupQuota, GroupQuota.taken, user_id, used)
