"""Invite codes, attribution at first login, and the inviter's rewards as the invitee buys.

Every reward is written in the same transaction as the stage it pays for, with the stage as
the condition, so each is granted exactly once whatever the retries.
"""
from __future__ import annotations

import base64
import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime

from pynamodb.exceptions import DoesNotExist, PutError

from chalicelib import pseudonyms, rulebook
from chalicelib.config import china_day
from chalicelib.coupons import service as coupons
from chalicelib.events import service as events
from chalicelib.members import service as members
from chalicelib.referral import rules
from chalicelib.referral.models import (
    DeviceAccount,
    InviteCode,
    Referral,
    ReferralDay,
    ReferralStats,
)
from chalicelib.store.transactions import Cancelled, Transaction

log = logging.getLogger(__name__)

RULES_NAME = "referral"
SIGNED_UP, PURCHASE, ORDERED = "signed_up", "purchase", "ordered"
CAMPAIGN = "default"


@dataclass(frozen=True)
class Invitee:
    stage: str
    attributed_at: datetime
    flagged: bool


@dataclass(frozen=True)
class Mine:
    code: str
    invitees: list[Invitee]
    rewards: int  # stages the user was rewarded for as an inviter


def referral_rules() -> rules.ReferralRules:
    return rulebook.load(RULES_NAME, rules.ReferralRules)


def parse_rules(body: dict) -> rules.ReferralRules:
    return rulebook.parse(RULES_NAME, body, rules.ReferralRules)


def code_for(user_id: str) -> str:
    """``I`` and 13 base32 characters (65 bits): too many to find a live code by trying logins."""
    return "I" + base64.b32encode(hashlib.sha256(f"invite:{user_id}".encode()).digest()).decode()[:13]


def device_hash(device_id: str) -> str:
    return hashlib.sha256(f"device:{device_id}".encode()).hexdigest()[:32]


def mine(user_id: str) -> Mine:
    """My code (registered on first ask, so a link can carry it) and my invitees."""
    code = code_for(user_id)
    try:
        InviteCode(code, user_id=user_id).save(condition=InviteCode.code.does_not_exist())
    except PutError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
    invited = list(Referral.by_inviter.query(user_id, scan_index_forward=False))
    return Mine(
        code=code,
        invitees=[Invitee(r.stage, r.attributed_at, bool(r.flags)) for r in invited],
        rewards=sum(len(r.rewarded or []) for r in invited),
    )


def attribute(invitee_id: str, code: str, *, shared_at: datetime | None, device_id: str | None,
              now: datetime) -> bool:
    """At a new user's first login: credit the inviter whose code the link carried, and give
    the invitee their new-user pack. Two round trips. False when nothing was attributed
    (unknown code, oneself, a stale link); the login goes on regardless."""
    book = referral_rules()
    if not rules.within_window(shared_at, now, book):
        return False
    try:
        inviter_id = InviteCode.get(code).user_id
    except DoesNotExist:
        return False
    # A new user cannot be anybody's inviter yet, so this is the only cycle there can be.
    if inviter_id == invitee_id:
        return False
    day = china_day(now).isoformat()
    device = device_hash(device_id) if device_id else None

    def build(tx: Transaction, capped: bool = False) -> None:
        tx.save("referral", Referral(invitee_id, inviter_id=inviter_id, campaign=CAMPAIGN, stage=SIGNED_UP,
                                     attributed_at=now, device=device, flags=["daily_cap"] if capped else []),
                condition=Referral.invitee_id.does_not_exist())
        if not capped:
            tx.update("cap", ReferralDay(inviter_id, day), actions=[ReferralDay.attributions.add(1)],
                      condition=ReferralDay.attributions.does_not_exist()
                      | (ReferralDay.attributions < book.inviter_daily_cap))
        tx.update("stats", ReferralStats(CAMPAIGN, day), actions=[ReferralStats.signups.add(1)])
        # A fact of the inviter's day for the rollup's behaviour → referral conversion.
        tx.save("fact", events.referral_fact(inviter_id, now=now))
        if device:
            tx.save("device", DeviceAccount(device, invitee_id))

    for capped in (False, True):  # over the inviter's cap: still attributed, rewards withheld
        try:
            coupons.reward(invitee_id, book.invitee_pack, reason="referral-signup", ref=invitee_id, now=now,
                           also=lambda tx, capped=capped: build(tx, capped))
            return True
        except Cancelled as exc:
            if "referral" in exc.failed:
                return False  # attributed before: a retried login
            if exc.failed != {"cap"}:
                raise
    return False


def on_purchase_level(user_id: str, *, now: datetime) -> None:
    """The invitee authorised their phone: the inviter's first reward."""
    _advance(user_id, SIGNED_UP, PURCHASE, "inviter_on_purchase", "purchases", now)


def on_first_order(user_id: str, *, now: datetime) -> None:
    """The invitee's first paid order: the inviter's second reward."""
    _advance(user_id, None, ORDERED, "inviter_on_first_order", "first_orders", now)


def _advance(invitee_id: str, from_stage: str | None, to_stage: str, reward_rule: str, counter: str,
             now: datetime) -> None:
    try:
        r = Referral.get(invitee_id, consistent_read=True)
    except DoesNotExist:
        return  # not referred: the common case, one read and nothing else
    if to_stage in (r.rewarded or []) or r.stage == to_stage or (from_stage and r.stage != from_stage):
        return
    book = referral_rules()
    reward: rules.Reward = getattr(book, reward_rule)
    flags = list(r.flags or []) or _suspicion(r, book)
    day = china_day(now).isoformat()
    # The inviter's ledger and coupon name the invitee only by a keyed hash: they stay with the
    # inviter when the invitee is erased, and must not hold the invitee's id.
    invitee_ref = pseudonyms.of("referral-invitee", invitee_id, 24)

    def build(tx: Transaction) -> None:
        actions = [Referral.stage.set(to_stage)]
        if flags:
            actions.append(Referral.flags.set(flags))
        else:
            actions.append(Referral.rewarded.set((Referral.rewarded | []).append([to_stage])))
            if reward.points:
                members.points_items(tx, r.inviter_id, now=now, earn=(reward.points, f"referral-{to_stage}", invitee_ref))
        tx.update("referral", Referral(invitee_id), actions=actions, condition=Referral.stage == r.stage)
        tx.update("stats", ReferralStats(r.campaign, day), actions=[getattr(ReferralStats, counter).add(1)])

    try:
        coupons.reward(r.inviter_id, None if flags else reward.coupon, reason=f"referral-{to_stage}", ref=invitee_ref,
                       now=now, also=build)
    except Cancelled as exc:
        if exc.failed & {"referral", "entry"}:
            return  # advanced by a concurrent call: paid once, by it
        raise
    if flags:
        log.warning("referral reward withheld", extra={"stage": to_stage, "flags": ",".join(flags)})


def _suspicion(r: Referral, book: rules.ReferralRules) -> list[str]:
    invited = list(Referral.by_inviter.query(r.inviter_id))
    buyers = sum(1 for x in invited if x.stage == ORDERED)
    accounts = DeviceAccount.count(r.device) if r.device else 0
    return rules.suspicion(len(invited), buyers, accounts, book)



def forget(user_id: str) -> None:
    """The user's code, their own attribution, their devices and caps. Their invitees keep
    their referral items (those are the invitees' data) with the inviter erased."""
    InviteCode(code_for(user_id)).delete()
    try:
        own = Referral.get(user_id)
        if own.device:
            DeviceAccount(own.device, user_id).delete()
        own.delete()
    except DoesNotExist:
        pass
    for r in Referral.by_inviter.query(user_id):
        r.update(actions=[Referral.inviter_id.set("gone")])
    with ReferralDay.batch_write() as batch:
        for item in ReferralDay.query(user_id):
            batch.delete(item)
