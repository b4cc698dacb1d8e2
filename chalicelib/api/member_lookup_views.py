"""会员: look a member up by user id or phone, read their card and lists, erase them on request
(PIPL). Every role reads (the phone masked for all); erasing needs ``change``. Each read of a
member's data is recorded in the audit log, naming the member by a keyed hash; the erasure is
audited like every change, by the same hash. The logic lives in ``chalicelib.member_lookup``."""
from __future__ import annotations

from typing import Annotated, Any

import msgspec
from chalice import Blueprint

from chalicelib import errors, lazy, messages
from chalicelib.api.http import Call, route
from chalicelib.auth.levels import OPERATOR
from chalicelib.config import iso

lookup = lazy.module("chalicelib.member_lookup")
audit = lazy.module("chalicelib.operators.audit")

bp = Blueprint(__name__)

ANSWERS = "chalicelib.api.member_answers:"
BASE = "/operator/members"


class MembersQuery(msgspec.Struct, rename="camel"):
    """Exactly one of them: ``userId`` (u + 24 characters) or ``phone`` (11 digits for the
    mainland, ``+86`` allowed; 6 to 15 digits otherwise)."""

    user_id: Annotated[str, msgspec.Meta(max_length=64)] | None = None
    phone: Annotated[str, msgspec.Meta(max_length=32)] | None = None


class PageQuery(msgspec.Struct):
    """``cursor``: the ``next`` of the page before."""

    limit: Annotated[int, msgspec.Meta(ge=1, le=100)] = 20
    cursor: Annotated[str, msgspec.Meta(max_length=1024)] | None = None


def _query(call: Call, struct: type) -> Any:
    try:
        return msgspec.convert(call.query, struct, strict=False)
    except msgspec.ValidationError as exc:
        raise errors.ValidationFailed(messages.text("VALIDATION_FAILED.body", detail=exc)) from exc


def _read(call: Call, route_path: str, target: dict[str, Any]) -> None:
    """Personal data was shown: who read whose, when (PIPL accountability). Never the phone."""
    audit.record_after(call.actor.who, "GET", route_path, target, None, None)


@route(bp, "GET", BASE, auth=OPERATOR, query=MembersQuery, answer=ANSWERS + "MemberMatches")
def find(call: Call) -> dict:
    q: MembersQuery = _query(call, MembersQuery)
    found = lookup.find(user_id=q.user_id, phone=q.phone)
    _read(call, BASE, {"by": "phone" if q.phone is not None else "userId",
                       "members": [lookup.audit_ref(m.user_id) for m in found]})
    return {"members": [{"id": m.user_id, "level": m.level, "phone": m.phone, "firstSeen": iso(m.first_seen),
                         "lastActive": iso(m.last_active)} for m in found]}


@route(bp, "GET", BASE + "/{user_id}", auth=OPERATOR, answer=ANSWERS + "MemberCard")
def card(call: Call) -> dict:
    user_id = call.path["user_id"]
    answer = lookup.card(user_id, now=call.now)
    _read(call, BASE + "/{user_id}", {"member": lookup.audit_ref(user_id)})
    return answer


def _page(call: Call, section: str) -> dict:
    q: PageQuery = _query(call, PageQuery)
    user_id = call.path["user_id"]
    answer = lookup.member_page(user_id, section, now=call.now, cursor=q.cursor, limit=q.limit)
    _read(call, f"{BASE}/{{user_id}}/{section}", {"member": lookup.audit_ref(user_id)})
    return answer


@route(bp, "GET", BASE + "/{user_id}/ledger", auth=OPERATOR, query=PageQuery, answer=ANSWERS + "MemberLedgerPage")
def ledger(call: Call) -> dict:
    return _page(call, "ledger")


@route(bp, "GET", BASE + "/{user_id}/orders", auth=OPERATOR, query=PageQuery, answer=ANSWERS + "MemberOrderPage")
def orders(call: Call) -> dict:
    return _page(call, "orders")


@route(bp, "GET", BASE + "/{user_id}/coupons", auth=OPERATOR, query=PageQuery, answer=ANSWERS + "MemberCouponPage")
def coupons(call: Call) -> dict:
    return _page(call, "coupons")


@route(bp, "GET", BASE + "/{user_id}/checkins", auth=OPERATOR, query=PageQuery, answer=ANSWERS + "MemberCheckinPage")
def checkins(call: Call) -> dict:
    return _page(call, "checkins")


@route(bp, "GET", BASE + "/{user_id}/journeys", auth=OPERATOR, query=PageQuery, answer=ANSWERS + "MemberJourneyPage")
def journeys(call: Call) -> dict:
    return _page(call, "journeys")


@route(bp, "DELETE", BASE + "/{user_id}", auth=OPERATOR, answer=ANSWERS + "MemberErased")
def erase(call: Call) -> dict:
    """The member's erasure (PIPL art. 47), the same path as ``DELETE /me``. Send an
    Idempotency-Key: a retry after a lost answer then gets ``erased`` again, not a 404."""
    return lookup.erase(call.path["user_id"], idempotency_key=call.idempotency_key, now=call.now)
