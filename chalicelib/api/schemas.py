"""Request bodies shared by several views, and the JSON shapes of shared objects."""
from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated

import msgspec

from chalicelib import bounds
from chalicelib.config import iso

if TYPE_CHECKING:  # annotations only: the models load with the coupon services, not at cold start
    from chalicelib.coupons.models import Coupon, CouponTemplate

Id = Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]
Fen = Annotated[int, msgspec.Meta(ge=0, le=100_000_000)]  # up to ¥1,000,000
Qty = Annotated[int, msgspec.Meta(ge=1, le=999)]


class Dated(msgspec.Struct):
    """A body whose date and datetime fields must fall in ``bounds``' years. The check runs as
    the body is decoded, so any other value is a 422 naming the field as the client spells it,
    before a view can do arithmetic with it."""

    def __post_init__(self) -> None:
        for attr, field in zip(self.__struct_fields__, self.__struct_encode_fields__):
            value = getattr(self, attr)
            if isinstance(value, date) and not bounds.in_window(value):  # datetime is a date too
                raise ValueError(bounds.window_message(field))


class TemplateRef(msgspec.Struct, rename="camel"):
    template_id: Id


def terms_json(c: Coupon | CouponTemplate) -> dict:
    return {
        "kind": c.kind,
        "amount": int(c.amount),
        "threshold": int(c.threshold),
        "rate": int(c.rate),
        "cap": None if c.cap is None else int(c.cap),
        "scope": c.scope,
        "scopeIds": list(c.scope_ids or []),
    }


def coupon_json(c: Coupon, state: str) -> dict:
    return {
        "couponId": c.coupon_id,
        "templateId": c.template_id,
        "name": c.name,
        **terms_json(c),
        "state": state,
        "validFrom": iso(c.valid_from),
        "validUntil": iso(c.valid_until),
        "source": c.source,
    }


def template_json(t: CouponTemplate) -> dict:
    return {
        "templateId": t.template_id,
        "name": t.name,
        **terms_json(t),
        "channel": t.channel,
        "pointsPrice": None if t.points_price is None else int(t.points_price),
        "validFrom": iso(t.valid_from) if t.valid_from else None,
        "validUntil": iso(t.valid_until) if t.valid_until else None,
        "validDays": None if t.valid_days is None else int(t.valid_days),
        "perUserLimit": None if t.per_user_limit is None else int(t.per_user_limit),
        "soldOut": bool(t.sold_out),
    }
