"""Bargains: start one, friends help, the owner buys at the price reached.

Helps race for the next cut: each reads ``helped`` = k and commits on condition it is still
k, so the loser reads again and takes k + 1. No price is ever read, changed and written back.
"""
from __future__ import annotations

import hashlib
import secrets
import time
import uuid
from datetime import datetime, timedelta

import msgspec
from pynamodb.exceptions import DoesNotExist, PutError, UpdateError
from pynamodb.expressions.condition import Condition

from chalicelib import config, errors, messages
from chalicelib.bargain import rules
from chalicelib.bargain.models import Bargain, BargainQuota, Campaign, Help, HelperDay
from chalicelib.config import china_day
from chalicelib.idempotency import first_answer
from chalicelib.journeys import facts as journey_facts
from chalicelib.members import service as members
from chalicelib.shop.service import SHOP_ID
from chalicelib.store import quotas
from chalicelib.store.transactions import Cancelled, Transaction, run

ACTIVE, COMPLETE, LOCKED, PURCHASED, EXPIRED = "active", "complete", "locked", "purchased", "expired"


class Helped(msgspec.Struct, frozen=True):
    amount: int  # fen cut by this help
    cuts: int
    price: int  # the price now
    complete: bool


class Card(msgspec.Struct, frozen=True):
    bargain: Bargain
    helps: list[Help]
    state: str

    @property
    def price(self) -> int:
        return rules.price_after(int(self.bargain.original_price), cuts_of(self.bargain), int(self.bargain.helped))


def cuts_of(b: Bargain) -> list[int]:
    return [int(c) for c in b.cuts]


def state_of(b: Bargain, now: datetime) -> str:
    """An active bargain past its deadline reads as expired: no job flips it."""
    return EXPIRED if b.state == ACTIVE and now >= b.deadline else b.state


def campaigns(*, now: datetime) -> list[Campaign]:
    return [c for c in Campaign.query(SHOP_ID) if _running(c, now)]


def _running(c: Campaign, now: datetime) -> bool:
    return bool(c.active) and c.ended_at is None and c.starts_at <= now < c.ends_at


def not_stopped() -> Condition:
    """On the campaign item: not paused and not ended by an operator. Every start, help and buy
    carries it in its write, so a pause or an end, once written, refuses every later one."""
    return (Campaign.active == True) & Campaign.ended_at.does_not_exist()  # noqa: E712 (a condition)


def _campaign_check(tx: Transaction, campaign_id: str) -> None:
    tx.check("campaign", Campaign, SHOP_ID, campaign_id, condition=not_stopped())


def bargain(bargain_id: str) -> Bargain:
    found = _find(bargain_id)
    if found is None:
        raise errors.NotFound(messages.text("NOT_FOUND.bargain"))
    return found


def start(user_id: str, campaign_id: str, *, idempotency_key: str | None, now: datetime) -> Bargain:
    """Start a bargain. With the same Idempotency-Key, a retry returns the same bargain."""
    key = idempotency_key or uuid.uuid4().hex
    bargain_id = "b" + hashlib.sha256(f"{user_id}|{campaign_id}|{key}".encode()).hexdigest()[:20]
    return first_answer(idempotency_key, lambda: _start(user_id, campaign_id, bargain_id, now),
                        lambda: _find(bargain_id))


def _find(bargain_id: str) -> Bargain | None:
    try:
        return Bargain.get(bargain_id, consistent_read=True)
    except DoesNotExist:
        return None


def _start(user_id: str, campaign_id: str, bargain_id: str, now: datetime) -> Bargain:
    try:
        c = Campaign.get(SHOP_ID, campaign_id)
    except DoesNotExist as exc:
        raise errors.NotFound(messages.text("NOT_FOUND.bargain_campaign")) from exc
    if not _running(c, now):
        raise errors.BargainUnavailable()
    seed = secrets.randbits(32)
    deadline = min(now + timedelta(minutes=int(c.duration_minutes)), c.ends_at)
    b = Bargain(
        bargain_id, campaign_id=campaign_id, owner_id=user_id, product_id=c.product_id, name=c.name,
        original_price=c.original_price, floor_price=c.floor_price, seed=seed,
        cuts=rules.split(int(c.original_price) - int(c.floor_price), int(c.helpers), seed),
        helper_daily_cap=c.helper_daily_cap, new_user_bonus=c.new_user_bonus, buy_at_current=c.buy_at_current,
        state=ACTIVE, deadline=deadline, deadline_day=china_day(deadline).isoformat(), created_at=now,
    )

    def build(tx: Transaction) -> None:
        tx.save("bargain", b, condition=Bargain.bargain_id.does_not_exist())
        tx.update("quota", BargainQuota(user_id, campaign_id), actions=[BargainQuota.started.add(1)],
                  condition=BargainQuota.started.does_not_exist() | (BargainQuota.started < int(c.per_user_limit)))
        tx.update("campaign", Campaign(SHOP_ID, campaign_id), actions=[Campaign.started.add(1)],
                  condition=not_stopped() & (Campaign.starts_at <= now) & (Campaign.ends_at > now))

    try:
        run(build)
    except Cancelled as exc:
        if "bargain" in exc.failed:  # a retry with the same Idempotency-Key
            return bargain(bargain_id)
        if "campaign" in exc.failed:
            raise errors.BargainUnavailable() from exc
        if "quota" in exc.failed:
            raise errors.BargainLimitReached() from exc
        raise
    return b


def give_help(helper_id: str, bargain_id: str, *, nickname: str | None, avatar_url: str | None,
         now: datetime) -> Helped:
    """Cut a friend's price: one help per helper per bargain, none after completion or expiry,
    at most ``helper_daily_cap`` a China day across bargains. Three round trips at most."""
    day = china_day(now).isoformat()
    bonus_checked: bool | None = None
    for _ in range(64):
        b = bargain(bargain_id)
        if b.owner_id == helper_id:
            raise errors.BargainSelfHelp()
        if state_of(b, now) != ACTIVE:
            raise errors.BargainClosed()
        cuts, k = cuts_of(b), int(b.helped)
        if b.new_user_bonus and bonus_checked is None:
            bonus_checked = members.is_new_customer(helper_id)
        step = 2 if bonus_checked and k + 2 <= len(cuts) else 1
        amount, completes = sum(cuts[k:k + step]), k + step == len(cuts)

        def build(tx: Transaction) -> None:
            tx.save("help", Help(bargain_id, helper_id, first_cut=k, cuts=step, amount=amount, at=now,
                                 nickname=nickname, avatar_url=avatar_url),
                    condition=Help.helper_id.does_not_exist())
            actions = [Bargain.helped.set(k + step)]
            if completes:
                actions.append(Bargain.state.set(COMPLETE))
            tx.update("bargain", Bargain(bargain_id), actions=actions,
                      condition=(Bargain.helped == k) & (Bargain.state == ACTIVE) & (Bargain.deadline > now))
            tx.update("day", HelperDay(helper_id, day), actions=[HelperDay.helps.add(1)],
                      condition=HelperDay.helps.does_not_exist() | (HelperDay.helps < int(b.helper_daily_cap)))
            _campaign_check(tx, b.campaign_id)

        try:
            run(build)
            if completes:
                completed_fact(b, now=now)
            return Helped(amount=amount, cuts=step, price=rules.price_after(int(b.original_price), cuts, k + step),
                          complete=completes)
        except Cancelled as exc:
            if "help" in exc.failed:
                raise errors.BargainAlreadyHelped() from exc
            if "campaign" in exc.failed:
                raise errors.BargainUnavailable() from exc
            if "day" in exc.failed:
                raise errors.BargainHelpCapReached() from exc
            if exc.failed != {"bargain"}:
                raise
            # Another friend took cut k first: read again and take the next one.
    raise errors.StorageUnavailable(retry_after=1)


def card(bargain_id: str, *, now: datetime) -> Card:
    """The share card: two round trips."""
    b = bargain(bargain_id)
    helps = sorted(Help.query(bargain_id), key=lambda h: int(h.first_cut))
    return Card(b, helps, state_of(b, now))


def buy(owner_id: str, bargain_id: str, *, now: datetime) -> Bargain:
    """Lock the price for the owner's order: the floor once complete, or the price reached so
    far when the campaign allows buying early. The order system then consumes or releases it."""
    b = bargain(bargain_id)
    if b.owner_id != owner_id:
        raise errors.NotFound(messages.text("NOT_FOUND.bargain"))
    state = state_of(b, now)
    if state == LOCKED:
        return b  # a retry
    if state not in (COMPLETE, ACTIVE) or (state == ACTIVE and not b.buy_at_current):
        raise errors.BargainNotBuyable()
    price = rules.price_after(int(b.original_price), cuts_of(b), int(b.helped))

    def build(tx: Transaction) -> None:
        tx.update("bargain", Bargain(bargain_id),
                  actions=[Bargain.state.set(LOCKED), Bargain.lock_price.set(price), Bargain.locked_from.set(b.state)],
                  condition=(Bargain.state == b.state) & (Bargain.helped == b.helped))
        _campaign_check(tx, b.campaign_id)

    try:
        run(build)
    except Cancelled as exc:
        if "campaign" in exc.failed:
            raise errors.BargainUnavailable() from exc
        if "bargain" in exc.failed:
            raise errors.Conflict(messages.text("CONFLICT.bargain_changed")) from exc
        raise
    b.state, b.lock_price, b.locked_from = LOCKED, price, b.state
    return b


def purchased(bargain_id: str, order_id: str, *, now: datetime | None = None) -> Bargain:
    """The order system paid the locked price. Idempotent for the same order; its journey fact is
    recorded on every call, so a retry after a crash records it (and a completing help's fact that
    a crash lost is recorded here, at the latest)."""
    b = _settle(bargain_id, order_id, to=PURCHASED)
    completed_fact(b, now=now or config.utcnow())
    return b


def release(bargain_id: str, order_id: str) -> Bargain:
    """The order was cancelled: the bargain goes back to where it was."""
    return _settle(bargain_id, order_id, to=None)


def _settle(bargain_id: str, order_id: str, *, to: str | None) -> Bargain:
    b = bargain(bargain_id)
    if to == PURCHASED and b.state == PURCHASED and b.order_id == order_id:
        return b
    if to is None and b.state != LOCKED:
        if b.state == PURCHASED:
            raise errors.BargainNotBuyable(messages.text("BARGAIN_NOT_BUYABLE.bought"))
        return b
    if b.state != LOCKED:
        raise errors.BargainNotBuyable(messages.text("BARGAIN_NOT_BUYABLE.not_locked"))
    actions = [Bargain.state.set(to), Bargain.order_id.set(order_id)] if to else \
        [Bargain.state.set(b.locked_from or ACTIVE), Bargain.lock_price.remove()]
    if to == PURCHASED:
        return _purchase(b, actions, order_id)
    try:
        b.update(actions=actions, condition=Bargain.state == LOCKED)
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return _settle(bargain_id, order_id, to=to)
        raise
    return b


def _purchase(b: Bargain, actions: list, order_id: str) -> Bargain:
    """The purchase, counted on its campaign in the same transaction (the console's "bought")."""
    def build(tx: Transaction) -> None:
        tx.update("bargain", Bargain(b.bargain_id), actions=actions, condition=Bargain.state == LOCKED)
        tx.update("campaign", Campaign(SHOP_ID, b.campaign_id), actions=[Campaign.bought.add(1)],
                  condition=Campaign.campaign_id.exists())

    try:
        run(build)
    except Cancelled as exc:
        if "bargain" in exc.failed:
            return _settle(b.bargain_id, order_id, to=PURCHASED)
        raise
    b.state, b.order_id = PURCHASED, order_id
    return b


# --- journey facts ------------------------------------------------------------------------------
def completed_fact(b: Bargain, *, now: datetime) -> bool:
    """``bargain_completed`` for the owner, once per bargain: when the helps reach the floor, or
    when it is bought (a campaign that lets the owner buy early never reaches the floor), whichever
    comes first. The result notice is then sent once, however the bargain ended."""
    return journey_facts.server(b.owner_id, "bargain_completed", b.bargain_id, now=now, props=_props(b))


def _props(b: Bargain) -> dict[str, object]:
    props: dict[str, object] = {"bargainId": b.bargain_id, "campaignId": b.campaign_id, "productId": b.product_id,
                                "productName": b.name}
    if b.lock_price is not None:
        props["amount"] = int(b.lock_price)
    if b.order_id is not None:
        props["orderId"] = b.order_id
    return props


EXPIRY_DAYS_BACK = 1  # the China days read: today's and yesterday's deadlines (a run late by a day still sees them)


def record_expired(*, now: datetime, stop_at: float | None = None) -> dict[str, int]:
    """``bargain_expired`` for each bargain whose deadline passed while it was still active (no job
    flips its state: ``state_of`` reads it as expired). Reads the ``by_deadline_day`` index of
    today and yesterday (China days) and gets each bargain the index still shows active; each fact
    once, so the hourly run (``chalicelib.journeys.runs.enter``) may read a day again."""
    report = {"read": 0, "expired": 0, "recorded": 0}
    today = china_day(now)
    for back in range(EXPIRY_DAYS_BACK, -1, -1):
        day = (today - timedelta(days=back)).isoformat()
        for item in Bargain.by_deadline_day.query(day):
            if item.state != ACTIVE:
                continue
            if stop_at is not None and time.monotonic() > stop_at:
                return report
            report["read"] += 1
            try:
                b = bargain(item.bargain_id)
            except errors.NotFound:
                continue
            if state_of(b, now) != EXPIRED:
                continue
            report["expired"] += 1
            report["recorded"] += journey_facts.server(b.owner_id, "bargain_expired", b.bargain_id, now=now,
                                                       props=_props(b))
    return report


class CampaignSpec(msgspec.Struct, frozen=True):
    campaign_id: str
    name: str
    product_id: str
    original_price: int
    floor_price: int
    helpers: int
    starts_at: datetime
    ends_at: datetime
    duration_minutes: int = 24 * 60
    per_user_limit: int = 1
    helper_daily_cap: int = 5
    new_user_bonus: bool = False
    buy_at_current: bool = False


def create_campaign(spec: CampaignSpec) -> Campaign:
    """Save a new campaign. The same id again with the same settings is a replay and answers
    the campaign saved; with other settings it is 409 ``CAMPAIGN_EXISTS``."""
    found = problems(spec)
    if found:
        raise errors.ValidationFailed("; ".join(found))
    fields = msgspec.structs.asdict(spec)
    c = Campaign(SHOP_ID, fields.pop("campaign_id"), **fields)
    try:
        c.save(condition=Campaign.campaign_id.does_not_exist())
    except PutError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            saved = Campaign.get(SHOP_ID, spec.campaign_id, consistent_read=True)
            if all(getattr(saved, name) == value for name, value in fields.items()):
                return saved
            raise errors.CampaignExists() from exc
        raise
    return c


def problems(spec: CampaignSpec) -> list[str]:
    """What is wrong with these settings taken together (each message names its field)."""
    found = []
    if not 0 <= spec.floor_price < spec.original_price:
        found.append(messages.text("VALIDATION_FAILED.floor_price"))
    if not 1 <= spec.helpers <= spec.original_price - spec.floor_price:
        found.append(messages.text("VALIDATION_FAILED.helpers"))
    if spec.starts_at >= spec.ends_at:
        found.append(messages.text("VALIDATION_FAILED.before", field="startsAt", other="endsAt"))
    return found


def forget(user_id: str) -> None:
    """The user's bargains go (with the helps on them); their helps on others' bargains pass
    to anonymous stand-ins, so those bargains keep their cuts and prices."""
    for key in Bargain.by_owner.query(user_id):
        with Help.batch_write() as batch:
            for h in Help.query(key.bargain_id):
                batch.delete(h)
        Bargain(key.bargain_id).delete()
    for key in Help.by_helper.query(user_id):
        h = Help.get(key.bargain_id, user_id)
        stand_in = Help(h.bargain_id, "gone-" + uuid.uuid4().hex[:12], first_cut=h.first_cut, cuts=h.cuts,
                        amount=h.amount, at=h.at)

        def build(tx: Transaction, h: Help = h, stand_in: Help = stand_in) -> None:
            tx.delete("help", h)
            tx.save("stand-in", stand_in)

        run(build)
    for model in (HelperDay, BargainQuota):
        with model.batch_write() as batch:
            for item in model.query(user_id):
                batch.delete(item)


def limits_used(user_id: str) -> dict[str, int]:
    """Bargains started per campaign, against its per-user limit (kept through an erasure)."""
    return quotas.used(BargainQuota, BargainQuota.started, user_id)


def restore_limits(user_id: str, used: dict[str, int]) -> None:
    quotas.restore(BargainQuota, BargainQuota.started, user_id, used)
