"""The journeys a shop starts with, as documents an operator can read, change, pause or copy.

Installed in a deployed stage by ``python -m infra.journeys install --stage prod [--marketing-live]``
(a workstation's command, outside the Lambda package); the local stack's demo seed,
``infra/seed.py``, installs them too.

Two kinds:

- **Service notices** (``marketing: false``): an order paid, an order shipped, a group's result,
  a bargain completed. The user asked for them (a consent credit each) and they say what
  happened to the user's own order, so they do not count against the contact cap, do not wait
  out quiet hours and hold no one out (``holdoutPercent: 0``); every order may send one
  (``everyDays: 0``). Installed **live** everywhere: a shop that has the templates wants them on.
- **Marketing chains**: the new-user chain (a first order, then a repurchase coupon three days
  on, then a paid-membership offer), the review cashback after shipping, and the recovery of a
  cancelled order. They grant coupons and speak for the shop, so a deployed stage installs them
  as **drafts** for the operator to read and publish (``--marketing-live`` publishes them at
  once); the local demo seed publishes them, so ``make dev`` shows them running.

Installing is idempotent: a journey that exists is left alone (an operator may have changed,
paused or published it), except that one this installer saved and nobody touched since, still
unpublished, is published when it should be (a run that stopped between the save and the
publish). Each is marked ``built_in`` with its default's name. The templates are the sandbox's
(``devstack/wechat_sandbox.py`` ``TEMPLATES``); a shop maps its own in the console.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chalicelib import config, errors

BY = "defaults"  # who saved and published them, in the journey's head and its audit


@dataclass(frozen=True)
class Default:
    name: str  # the ``built_in`` mark: which default a journey came from
    journey_id: str
    marketing: bool
    body: dict[str, Any]


def _send(step_id: str, template: str, fields: dict[str, dict[str, str]], *, marketing: bool, name: str = "",
          coupon: str | None = None, page: str = "pages/index/index") -> dict[str, Any]:
    step: dict[str, Any] = {"type": "send", "id": step_id, "template": template, "fields": fields,
                            "marketing": marketing, "page": page}
    if name:
        step["name"] = name
    if coupon:
        step["coupon"] = coupon
    return step


def _source(source: str, fallback: str | None = None) -> dict[str, str]:
    return {"source": source} | ({"fallback": fallback} if fallback is not None else {})


def _text(text: str) -> dict[str, str]:
    return {"text": text}


NOTICE_ENTRY = {"everyDays": 0, "holdoutPercent": 0}  # every order's notice, no one held out of a service


def _notice(name: str, journey_id: str, title: str, fact: str, template: str, fields: dict[str, dict[str, str]],
            description: str, page: str = "pages/order/list") -> Default:
    return Default(name, journey_id, False, {
        "name": title, "description": description, "trigger": {"kind": "fact", "fact": fact}, "entry": NOTICE_ENTRY,
        "steps": [_send("notice", template, fields, marketing=False, name=title, page=page)]})


DEFAULTS: tuple[Default, ...] = (
    # --- service notices ------------------------------------------------------------------------------
    _notice("order-paid", "builtin-order-paid", "支付成功通知", "order_paid", "tpl_order_paid", {
        "character_string1": _source("order.id", "-"),
        "amount2": _source("order.amount"),  # every order_paid fact carries its amount and time
        "time3": _source("order.paid_at"),
        "thing4": _text("商家正在备货，请耐心等待"),
    }, "每笔订单支付后通知用户：订单号、金额、时间。"),
    _notice("order-shipped", "builtin-order-shipped", "发货通知", "order_shipped", "tpl_order_shipped", {
        "character_string1": _source("order.id", "-"),
        "thing2": _source("product.name", "您购买的商品"),
        "time3": _source("now.time"),
        "thing4": _text("包裹已发出，请留意物流信息"),
    }, "商家发货（POST /server/orders/{id}/shipped）后通知用户。"),
    _notice("group-succeeded", "builtin-group-succeeded", "拼团成功通知", "group_succeeded", "tpl_group_result", {
        "thing1": _text("拼团成功"),
        "character_string2": _source("order.id", "-"),
        "thing3": _source("order.amount", "拼团价"),
        "thing4": _text("商家将尽快为您发货"),
    }, "拼团成团后通知每位已付款的团员。", page="pages/groupbuy/mine"),
    _notice("group-failed", "builtin-group-failed", "拼团失败通知", "group_failed", "tpl_group_result", {
        "thing1": _text("拼团未成团"),
        "character_string2": _source("order.id", "-"),
        "thing3": _source("order.amount", "已付金额"),
        "thing4": _text("款项将原路退回，请留意"),
    }, "拼团到期未成团、退款时通知每位已付款的团员。", page="pages/groupbuy/mine"),
    _notice("bargain-completed", "builtin-bargain-completed", "砍价完成通知", "bargain_completed",
            "tpl_bargain_result", {
                "thing1": _source("product.name", "砍价商品"),
                "thing2": _source("order.amount", "已砍至底价"),
                "thing3": _text("您的砍价已完成"),
                "time4": _source("now.time"),
            }, "好友帮砍到底价，或用户按当前价购买时，通知发起人一次。", page="pages/bargain/mine"),
    # --- marketing chains -----------------------------------------------------------------------------
    Default("new-user", "builtin-new-user", True, {
        "name": "新客首单后培育", "description": "首单后第3天送回购券；再过4天推荐付费会员（[13/16] 将加上会员卡）。"
                                              "已复购的用户不再打扰。",
        "trigger": {"kind": "fact", "fact": "first_order"}, "entry": {"once": True, "holdoutPercent": 10},
        "steps": [
            {"type": "delay", "id": "wait3", "name": "等3天", "days": 3, "window": True},
            # No goal: a goal of order_paid would be met by the first order's own payment (same instant).
            {"type": "split", "id": "again", "name": "已复购？",
             "branches": [{"when": [{"fact": "orders", "op": "gte", "value": 2}], "next": "done"}]},
            _send("coupon", "tpl_benefit_arrived", {
                "thing1": _source("coupon.name", "回购专享券"),
                "thing2": _text("新客回购专享，下单立减"),
                "thing3": _source("coupon.expires_at", "领取后14天内有效"),
            }, marketing=True, name="送回购券", coupon="wakeup-repurchase", page="pages/coupons/mine"),
            {"type": "delay", "id": "wait4", "name": "再等4天", "days": 4, "window": True},
            _send("membership", "tpl_benefit_arrived", {
                "thing1": _text("付费会员限时开通"),
                "thing2": _text("开通享折扣、包邮和专属券"),
                "thing3": _text("限时7天"),
            }, marketing=True, name="推荐付费会员", page="pages/member/index"),
            {"type": "exit", "id": "done", "name": "结束"},
        ]}),
    Default("review-cashback", "builtin-review-cashback", True, {
        "name": "晒单返现", "description": "发货3天后邀请评价晒单，评价后返现。",
        "trigger": {"kind": "fact", "fact": "order_shipped"}, "entry": {"everyDays": 30, "holdoutPercent": 10},
        "goal": {"on": {"kind": "event", "name": "review_posted"}, "withinDays": 7},
        "steps": [
            {"type": "delay", "id": "wait3", "name": "等3天", "days": 3, "window": True},
            _send("review", "tpl_order_review", {
                "thing1": _source("product.name", "您购买的商品"),
                "thing2": _text("晒单评价返现，最高5元"),
                "character_string3": _source("order.id", "-"),
            }, marketing=True, name="邀请晒单", page="pages/order/list"),
        ]}),
    Default("order-recovery", "builtin-order-recovery", True, {
        "name": "取消订单挽回", "description": "订单取消1小时后提醒：恢复订单可继续享受优惠；3天内支付算作挽回。",
        "trigger": {"kind": "fact", "fact": "order_cancelled"}, "entry": {"everyDays": 7, "holdoutPercent": 10},
        "goal": {"on": {"kind": "fact", "fact": "order_paid"}, "withinDays": 3},
        "steps": [
            {"type": "delay", "id": "wait1h", "name": "等1小时", "hours": 1},
            _send("recover", "tpl_order_recovery", {
                "thing1": _source("product.name", "您的订单"),
                "thing2": _text("恢复订单可继续享受优惠"),
                "character_string3": _source("order.id", "-"),
            }, marketing=True, name="恢复订单提醒", page="pages/order/list"),
        ]}),
)


def by_name(name: str) -> Default:
    return next(d for d in DEFAULTS if d.name == name)


def install(*, now: datetime, marketing_live: bool, only: Iterable[str] | None = None) -> dict[str, str]:
    """Install the defaults (``only``: those names); what happened to each, by name:
    ``installed`` (saved, and published if it goes live), ``published`` (finishing an earlier run),
    ``left`` (it exists)."""
    from chalicelib.journeys import store  # the models name their tables when imported: after --stage

    wanted = set(only) if only is not None else None
    out: dict[str, str] = {}
    for d in DEFAULTS:
        if wanted is not None and d.name not in wanted:
            continue
        live = marketing_live or not d.marketing
        current = _head(d.journey_id)
        if current is None:
            try:
                store.save(d.journey_id, d.body, now=now, by=BY, expected=0, built_in=d.name)
            except errors.JourneyVersionStale:  # another install saved it first: it exists
                out[d.name] = "left"
                continue
            if live:
                store.publish(d.journey_id, 1, now=now, by=BY)
            out[d.name] = "installed"
        elif live and _untouched(current, d.name):
            store.publish(d.journey_id, 1, now=now, by=BY)
            out[d.name] = "published"
        else:
            out[d.name] = "left"
    return out


def _head(journey_id: str) -> Any:
    from chalicelib.journeys import store

    try:
        return store.head(journey_id)
    except errors.NotFound:
        return None


def _untouched(head: Any, name: str) -> bool:
    """Saved by this installer, once, never published, paused or edited since."""
    from chalicelib.journeys import store

    return (head.built_in == name and int(head.version) == 1 and head.live_version is None
            and head.status == store.DRAFT and head.updated_by == BY)
