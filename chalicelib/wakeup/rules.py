"""Wake-up rules: journeys and their steps, holdouts, quiet hours, the contact cap. Pure."""
from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Annotated

import msgspec

from chalicelib.bounds import TemplateId
from chalicelib.config import CHINA

Hour = Annotated[int, msgspec.Meta(ge=0, le=23)]
Category = Annotated[str, msgspec.Meta(min_length=1, max_length=32)]
HoldoutPercent = Annotated[int, msgspec.Meta(ge=0, le=50)]  # half the users at most: the other half gets the journey


class Step(msgspec.Struct, frozen=True, rename="camel", forbid_unknown_fields=True):
    key: Annotated[str, msgspec.Meta(min_length=1, max_length=32)]
    wait: Annotated[int, msgspec.Meta(ge=0, le=365)]  # days (hours for the cart journey)
    template: TemplateId  # subscribe-message template id
    text: Annotated[str, msgspec.Meta(max_length=20)]  # thing1: at most 20 characters
    page: Annotated[str, msgspec.Meta(min_length=1, max_length=256)] = "pages/index/index"
    coupon: TemplateId | None = None  # a grant template; "by_history" picks one from the user's history
    marketing: bool = True  # counts against the contact cap


Steps = Annotated[tuple[Step, ...], msgspec.Meta(max_length=10)]


class WakeupRules(msgspec.Struct, frozen=True, rename="camel", forbid_unknown_fields=True):
    """The rule book's ``wakeup`` document; these are the defaults."""

    inactive: Steps = (
        Step("d3", 3, "tpl_benefit_arrived", "您的专属福利已到账", coupon="by_history"),
        Step("d7", 7, "tpl_benefit_arrived", "好久不见，送您一张券", coupon="by_history"),
        Step("d30", 30, "tpl_benefit_arrived", "回来看看，专属福利已到账", coupon="by_history"),
    )
    cart: Step = Step("h4", 4, "tpl_cart_reminder", "购物车里的宝贝在等您", coupon="wakeup-cart",
                      page="pages/cart/cart")
    post_purchase: Steps = (
        Step("review", 3, "tpl_order_review", "您的订单已送达，来评价吧", page="pages/orders/orders", marketing=False),
        Step("repurchase", 7, "tpl_benefit_arrived", "回购专享券已到账", coupon="wakeup-repurchase"),
        Step("invite", 14, "tpl_benefit_arrived", "邀请好友，双方得礼", page="pages/invite/invite"),
    )
    habit: Step = Step("daily", 0, "tpl_checkin_reminder", "今天还没签到哦", page="pages/checkin/checkin",
                       marketing=False)
    holdout_percent: HoldoutPercent = 10  # per journey: that journey's lift
    # A universal control group: these users get no journey at all, so retention can be compared
    # between the population with journeys and the one without.
    global_holdout_percent: HoldoutPercent = 0
    quiet_from: Hour = 22  # China hours: nothing is sent from 22:00 ...
    quiet_until: Hour = 8  # ... to 08:00; a run then leaves the rest for the next
    cap_days: Annotated[int, msgspec.Meta(ge=0, le=365)] = 3
    # A step missed (quiet hours, WeChat down) is still sent this much later; the cart journey
    # reads one index hour per hour of it, so it stays a week at most.
    catch_up_days: Annotated[int, msgspec.Meta(ge=0, le=7)] = 2
    category_coupons: Annotated[dict[Category, TemplateId], msgspec.Meta(max_length=100)] = msgspec.field(
        default_factory=lambda: {"tea": "wakeup-tea"})
    general_coupon: TemplateId = "wakeup-general"

    def __post_init__(self) -> None:
        if not 0 <= self.holdout_percent <= 50 or not 0 <= self.global_holdout_percent <= 50:
            raise ValueError("holdoutPercent and globalHoldoutPercent are 0 to 50")
        steps = [*self.inactive, self.cart, *self.post_purchase, self.habit]
        if any(len(s.text) > 20 for s in steps):
            raise ValueError("a step's text is a WeChat 'thing': 20 characters at most")


GLOBAL = "all"


def in_holdout(user_id: str, journey: str, percent: int) -> bool:
    """Deterministic per (user, journey): the same users are held out every run."""
    bucket = int(hashlib.sha256(f"holdout:{journey}:{user_id}".encode()).hexdigest(), 16) % 100
    return bucket < percent


def held_out(user_id: str, journey: str, rules: WakeupRules) -> str | None:
    """Why a user gets nothing from this journey (None: they are in the treated group)."""
    if in_holdout(user_id, GLOBAL, rules.global_holdout_percent):
        return GLOBAL
    if in_holdout(user_id, journey, rules.holdout_percent):
        return "journey"
    return None


def arm(user_id: str, rules: WakeupRules) -> str:
    """Which population a user is in for retention: ``holdout`` (no journeys) or ``journeys``."""
    return "holdout" if in_holdout(user_id, GLOBAL, rules.global_holdout_percent) else "journeys"


def quiet(now: datetime, rules: WakeupRules) -> bool:
    hour = now.astimezone(CHINA).hour
    return hour >= rules.quiet_from or hour < rules.quiet_until


def quiet_ends(now: datetime, rules: WakeupRules) -> datetime:
    """The end of the quiet hours ``now`` is in (``now`` itself when it is outside them)."""
    if not quiet(now, rules):
        return now
    local = now.astimezone(CHINA)
    end = local.replace(hour=rules.quiet_until, minute=0, second=0, microsecond=0)
    if end <= local:
        end += timedelta(days=1)
    return end.astimezone(now.tzinfo)


def coupon_for(step: Step, last_category: str | None, rules: WakeupRules) -> str | None:
    if step.coupon != "by_history":
        return step.coupon
    return rules.category_coupons.get(last_category or "", rules.general_coupon)


def cap_open(last_contact: datetime | None, now: datetime, rules: WakeupRules) -> bool:
    return last_contact is None or now - last_contact >= timedelta(days=rules.cap_days)
