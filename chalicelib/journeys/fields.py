"""A send step's template data: each keyword's value from its fixed text or its source, formatted
as WeChat wants that keyword (``amount`` ¥12.50, ``date`` 2026年11月28日, …) and checked against
its limits before anything is sent. Pure, given the facts."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from chalicelib.config import CHINA
from chalicelib.journeys import document as d

ELLIPSIS = "…"


class Facts(Protocol):
    def value(self, name: str) -> Any: ...


class BadField(ValueError):
    """A value WeChat would refuse (47003): the send is recorded as failed, its credit kept."""


def render(fields: dict[str, d.Field], *, user: Facts, context: dict[str, Any], coupon: Any, journey: str,
           now: datetime) -> dict[str, str]:
    out: dict[str, str] = {}
    for keyword, field in fields.items():
        kind = d.KEYWORD.match(keyword)[1]  # type: ignore[index]  # checked when the journey was saved
        value = field.text if field.text is not None else _format(kind, _source(field.source or "", user=user,
                                                                                 context=context, coupon=coupon,
                                                                                 journey=journey, now=now))
        if value is None or d.value_problem(keyword, value):
            value = field.fallback
        if value is None or d.value_problem(keyword, value):
            raise BadField(keyword)
        out[keyword] = value
    return out


def _source(source: str, *, user: Facts, context: dict[str, Any], coupon: Any, journey: str, now: datetime) -> Any:
    granted = context.get("coupon") or {}
    order = context
    return {
        "user.tier": lambda: user.value("tier_name"),
        "user.points": lambda: user.value("points"),
        "order.id": lambda: order.get("orderId"),
        "order.amount": lambda: _fen(order.get("amount")),
        "order.paid_at": lambda: _instant(order.get("paidAt")),
        "coupon.name": lambda: coupon.name if coupon is not None else granted.get("name"),
        "coupon.value": lambda: _fen(int(coupon.amount) if coupon is not None and coupon.amount else granted.get("value")),
        "coupon.expires_at": lambda: coupon.valid_until if coupon is not None else _instant(granted.get("expiresAt")),
        "product.name": lambda: order.get("productName"),
        "now.date": lambda: now,
        "now.time": lambda: now,
        "journey.name": lambda: journey,
    }.get(source, lambda: None)()


class _Fen(int):
    """An amount in fen, formatted as money."""


def _fen(value: Any) -> _Fen | None:
    return _Fen(value) if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _instant(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    return None


def _format(kind: str, value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, _Fen):
        money = f"¥{value // 100}.{value % 100:02d}"
        return money if kind == "amount" else money
    if isinstance(value, datetime):
        local = value.astimezone(CHINA)
        day = f"{local.year}年{local.month}月{local.day}日"
        return day if kind == "date" else f"{day} {local.hour:02d}:{local.minute:02d}"
    text = str(value)
    if kind == "thing" and len(text) > d.LIMITS["thing"]:
        return text[: d.LIMITS["thing"] - 1] + ELLIPSIS
    return text
