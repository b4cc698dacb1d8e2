"""会员: what the console shows of one member, and their erasure at the merchant's hand.

A read-only view across capabilities, like the metrics rollup: it reads each capability's items
of one user (all keyed by the user id, so every list is one Query of one partition) and answers
what an operator may see. The phone only ever leaves masked (138****5678); the openid, unionid
and session_key never. Long lists are paged by an opaque cursor that carries only the sort key of
the last item read: the user id is put back from the request, so no cursor can name another
partition. The erasure is ``chalicelib.privacy.erase``, the very path ``DELETE /me`` takes.
"""
from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pynamodb.exceptions import DoesNotExist, UpdateError
from pynamodb.models import Model

from chalicelib import errors, idempotency, privacy, pseudonyms
from chalicelib.auth import service as auth
from chalicelib.auth import store as users
from chalicelib.auth.models import Receipt, User
from chalicelib.checkin.models import CheckinDay, CheckinStatus
from chalicelib.config import iso
from chalicelib.coupons import rules as coupon_rules
from chalicelib.coupons.models import Coupon
from chalicelib.events import service as events
from chalicelib.events.models import Activity, Event
from chalicelib.kept_limits import ErasedAccount
from chalicelib.members import service as members
from chalicelib.members.models import LedgerEntry
from chalicelib.wakeup.models import Consent, Send

PAGE_DEFAULT, PAGE_MAX = 20, 100
FIRST_PAGE = 10  # each list's first page on the member's card
CONSENTS_MAX = 100  # one item per subscribe-message template: a merchant has a handful
MATCHES_MAX = 20  # users sharing one phone (each WeChat account is a user)
USER_ID = re.compile(r"u[a-z2-7]{24}")
CURSOR_VALUE_MAX = 256


def audit_ref(user_id: str) -> str:
    """How audit records name a member: a keyed hash, so the log keeps no identifier that an
    erasure would have to reach (support can compute it from an id; nobody can invert it)."""
    return pseudonyms.of("member-audit", user_id, 24)


def user_id_of(text: str) -> str:
    if not USER_ID.fullmatch(text):
        raise errors.MemberUserIdInvalid()
    return text


def phone_of(text: str) -> str:
    """The number as WeChat binds it (``purePhoneNumber``): digits, no country code for +86."""
    number = re.sub(r"[\s\-()]", "", text)
    if number.startswith("+86"):
        number = number[3:]
    elif number.startswith("0086"):
        number = number[4:]
    if not re.fullmatch(r"[0-9]{6,15}", number):
        raise errors.MemberPhoneInvalid()
    return number


@dataclass(frozen=True)
class Match:
    user_id: str
    level: str
    phone: str | None  # masked
    first_seen: datetime
    last_active: datetime


def find(*, user_id: str | None = None, phone: str | None = None) -> list[Match]:
    """Members by id (0 or 1) or by phone (through the keyed by_phone index: no phone is read
    back, none compared in clear). Accounts being erased are nobody's."""
    if (user_id is None) == (phone is None):
        raise errors.MemberQueryInvalid()
    ids = [user_id_of(user_id)] if user_id is not None else users.users_with_phone(phone_of(phone or ""), MATCHES_MAX)
    found = []
    for uid in ids:
        user = _user(uid)
        if user is not None:
            found.append(Match(uid, user.level, auth.mask_phone(user.phone), user.first_seen, user.last_active))
    return found


def card(user_id: str, *, now: datetime) -> dict[str, Any]:
    """Everything the console's member card shows: the profile, the tier and points, activity,
    check-in status, consent credits, and the first page of each list."""
    user = _user(user_id_of(user_id))
    if user is None:
        raise errors.MemberNotFound()
    summary = members.summary(user_id, now=now)
    activity = _get(Activity, user_id)
    seen = events.summarise(activity, now=now) if activity is not None else None
    status = _get(CheckinStatus, user_id)
    return {
        "profile": {
            "id": user_id, "level": user.level, "phone": auth.mask_phone(user.phone),
            "phoneCountry": user.phone_country, "firstSeen": iso(user.first_seen),
            "lastActive": iso(user.last_active), "logins": int(user.login_count or 0),
        },
        "tier": {
            "tier": summary.tier.code, "tierName": summary.tier.name, "growth": summary.growth,
            "nextTier": None if summary.next_tier is None else summary.next_tier.code,
            "nextTierName": None if summary.next_tier is None else summary.next_tier.name,
            "growthNeeded": None if summary.next_tier is None else summary.next_tier.threshold - summary.growth,
            "points": summary.points.balance, "pointsExpiring": summary.points.expiring,
            "pointsExpiringAt": iso(summary.points.expiring_at) if summary.points.expiring_at else None,
        },
        "activity": {
            "segment": seen.segment if seen else "new",
            "activeDays": seen.active_days if seen else 0,
            "lastActiveDay": seen.last_active_day.isoformat() if seen else None,
            "orders": seen.orders if seen else 0,
            "spend": seen.spend if seen else 0,
            "privacyAgreed": None if activity is None else activity.privacy_agreed,
        },
        "checkin": {
            "streak": int(status.streak) if status else 0, "totalDays": int(status.total_days) if status else 0,
            "lastDay": status.last_day if status else None, "cards": int(status.cards) if status else 0,
            "reminder": bool(status.reminder) if status else False,
        },
        "consents": [
            {"templateId": c.template_id, "credits": int(c.credits), "lastAnswer": c.last_answer,
             "updatedAt": iso(c.updated_at)}
            for c in Consent.query(user_id, limit=CONSENTS_MAX)
        ],
        **{name: page(user_id, name, now=now, limit=FIRST_PAGE) for name in SECTIONS},
    }


@dataclass(frozen=True)
class Section:
    """One list of a member's: where it is read, which sort-key attributes make its cursor,
    and how an item is shown."""

    query: Callable[[str, dict[str, Any] | None, int], Any]
    keys: tuple[str, ...]  # the cursor's attributes besides the partition key
    partition: Callable[[str], dict[str, str]]
    show: Callable[[Any, datetime], dict[str, Any]]
    valid: Callable[[dict[str, str]], bool] = lambda key: True


def _ledger(uid: str, start: dict[str, Any] | None, limit: int) -> Any:
    return LedgerEntry.by_time.query(uid, scan_index_forward=False, limit=limit, page_size=limit,
                                     last_evaluated_key=start)


def _orders(uid: str, start: dict[str, Any] | None, limit: int) -> Any:
    # Paid orders are kept as ``order_paid`` events (90 days); counts and spend live on beyond
    # in the activity item, shown on the card.
    return Event.query(f"u:{uid}", Event.event_id.startswith("order:"), scan_index_forward=False, limit=limit,
                       page_size=limit, last_evaluated_key=start)


def _by_user(model: type[Model]) -> Callable[[str, dict[str, Any] | None, int], Any]:
    def query(uid: str, start: dict[str, Any] | None, limit: int) -> Any:
        return model.query(uid, scan_index_forward=False, limit=limit, page_size=limit, last_evaluated_key=start)

    return query


def _order(e: Event, now: datetime) -> dict[str, Any]:
    props = json.loads(e.props or "{}")
    amount = props.get("amount")
    return {"orderId": e.event_id.removeprefix("order:"), "amount": amount if isinstance(amount, int) else None,
            "at": iso(e.at)}


def _coupon(c: Coupon, now: datetime) -> dict[str, Any]:
    return {"couponId": c.coupon_id, "templateId": c.template_id, "name": c.name, "source": c.source,
            "state": coupon_rules.state_at(c.state, c.valid_from, c.valid_until, now),
            "issuedAt": iso(c.issued_at), "validUntil": iso(c.valid_until), "orderId": c.order_id}


SECTIONS: dict[str, Section] = {
    "ledger": Section(
        _ledger, ("entry", "at"), lambda uid: {"user_id": uid},
        lambda e, now: {"kind": e.kind, "delta": int(e.delta), "reason": e.reason, "ref": e.ref,
                        "bucket": e.bucket, "note": e.note, "at": e.at.split("#")[0]}),
    "orders": Section(_orders, ("event_id",), lambda uid: {"actor": f"u:{uid}"}, _order,
                      valid=lambda key: key["event_id"].startswith("order:")),
    "coupons": Section(_by_user(Coupon), ("coupon_id",), lambda uid: {"user_id": uid}, _coupon),
    "checkins": Section(
        _by_user(CheckinDay), ("day",), lambda uid: {"user_id": uid},
        lambda d, now: {"day": d.day, "kind": d.kind, "streak": int(d.streak), "points": int(d.points),
                        "coupon": d.coupon_name, "at": iso(d.at)}),
    "journeys": Section(
        _by_user(Send), ("key",), lambda uid: {"user_id": uid},
        lambda s, now: {"journey": s.journey, "step": s.step, "state": s.state, "reason": s.reason,
                        "templateId": s.template_id, "couponId": s.coupon_id, "at": iso(s.at)}),
}


def page(user_id: str, section: str, *, now: datetime, cursor: str | None = None,
         limit: int = PAGE_DEFAULT) -> dict[str, Any]:
    """One page of a member's list, newest first where the key allows (``next``: the cursor of
    the page after, or None)."""
    spec = SECTIONS.get(section)
    if spec is None:
        raise errors.NotFound()
    limit = min(max(limit, 1), PAGE_MAX)
    start = _start(cursor, spec, user_id)
    found = spec.query(user_id, start, limit)
    items = [spec.show(item, now) for item in found]
    last = found.last_evaluated_key if len(items) == limit else None
    return {"items": items, "next": _cursor(last, spec)}


def member_page(user_id: str, section: str, *, now: datetime, cursor: str | None, limit: int) -> dict[str, Any]:
    """A later page, for a member who still exists (an erased one is a 404 like their card)."""
    if section not in SECTIONS:
        raise errors.NotFound()
    if _user(user_id_of(user_id)) is None:
        raise errors.MemberNotFound()
    return page(user_id, section, now=now, cursor=cursor, limit=limit)


# How long a keyed erasure's receipt answers its replays: far longer than any client's retries.
ERASE_RECEIPT_LIFETIME = timedelta(days=1)


def erase(user_id: str, *, idempotency_key: str | None, now: datetime) -> dict[str, Any]:
    """PIPL erasure on the member's request, made by an operator: ``privacy.erase``, the path
    ``DELETE /me`` takes (it finishes an interrupted run too).

    A request with an Idempotency-Key leaves a receipt (auth's receipts table, keyed by a hash of
    the member and the key, holding no id) that is looked up before anything else: a replay gets
    its first answer even after the member has logged in again with the same WeChat account (the
    same id), whose new account it must not erase."""
    user_id_of(user_id)
    receipt = pseudonyms.of("member-erase", f"{user_id}:{idempotency_key}") if idempotency_key else None
    if receipt is not None and _get(Receipt, f"erase#{receipt}", consistent=True) is not None:
        return {"erased": True}

    def attempt() -> dict[str, Any]:
        try:
            privacy.erase(user_id, now=now)
        except errors.UserGone as exc:
            raise errors.MemberNotFound() from exc
        if receipt is not None:
            Receipt(f"erase#{receipt}", user_id=receipt, level="erased", expires_at=now + ERASE_RECEIPT_LIFETIME).save()
        return {"erased": True}

    def earlier() -> dict[str, Any] | None:
        # The answer was lost before its receipt was written: the erasure's own lasting record.
        return {"erased": True} if _erased(user_id) else None

    return idempotency.first_answer(idempotency_key, attempt, earlier)


def index_phones() -> int:
    """Once per stage, by hand (``python -m infra.phone_index``): the accounts that bound a phone
    before the by_phone index existed get their ``phone_key``. A Scan, so never scheduled; each
    write is conditioned on the phone it read and on no erasure having begun, so a rebind or an
    erasure meanwhile is neither overwritten nor brought back. Returns how many were indexed."""
    done = 0
    unindexed = User.phone.exists() & User.phone_key.does_not_exist() & User.erasing.does_not_exist()
    for user in User.scan(unindexed, attributes_to_get=["user_id", "phone"]):
        try:
            User(user.user_id).update(actions=[User.phone_key.set(users.phone_key(user.phone))],
                                      condition=(User.phone == user.phone) & User.erasing.does_not_exist())
        except UpdateError as exc:
            if exc.cause_response_code != "ConditionalCheckFailedException":
                raise
            continue
        done += 1
    return done


def _erased(user_id: str) -> bool:
    """Erased and not back since: the erasure's lasting record exists, the account does not."""
    try:
        ErasedAccount.get(pseudonyms.of("erased-account", user_id), consistent_read=True)
    except DoesNotExist:
        return False
    return _get(User, user_id, consistent=True) is None


def _user(user_id: str) -> User | None:
    """The account, unless it is absent or its erasure has begun (then it is nobody's)."""
    user = _get(User, user_id, consistent=True)
    return None if user is None or user.erasing is not None else user


def _get(model: type[Model], key: str, *, consistent: bool = False) -> Any:
    try:
        return model.get(key, consistent_read=consistent)
    except DoesNotExist:
        return None


def _cursor(key: dict[str, Any] | None, spec: Section) -> str | None:
    if not key:
        return None
    # DynamoDB answers each attribute as {"S": value}; only the sort-key parts travel.
    values = {name: key[name]["S"] for name in spec.keys}
    return base64.urlsafe_b64encode(json.dumps(values, sort_keys=True).encode()).decode().rstrip("=")


def _start(cursor: str | None, spec: Section, user_id: str) -> dict[str, Any] | None:
    if not cursor:
        return None
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, UnicodeDecodeError) as exc:
        raise errors.MemberCursorInvalid() from exc
    if (not isinstance(values, dict) or set(values) != set(spec.keys)
            or not all(isinstance(v, str) and 0 < len(v) <= CURSOR_VALUE_MAX for v in values.values())
            or not spec.valid(values)):
        raise errors.MemberCursorInvalid()
    return {name: {"S": value} for name, value in {**spec.partition(user_id), **values}.items()}
