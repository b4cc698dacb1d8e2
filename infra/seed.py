"""The demo merchant: a shop, its goods and its coupons, for the local stack, the examples and
the simulator.

    python -m infra.seed       # on HUILIU_DYNAMODB_ENDPOINT; safe to run again

The shop and its goods are ``infra/catalogue.sample.json``, loaded the way an operator loads a
deployed stage's catalogue (``python -m infra.catalogue``): one way in, for demo and production.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from chalicelib import config, errors
from chalicelib.bargain import service as bargain
from chalicelib.coupons import rules
from chalicelib.coupons import service as coupons
from chalicelib.groupbuy import service as groupbuy
from infra.catalogue import loader

# The local stack's first owner (``make dev`` prints it). Only the local stage gets it: its
# password is in this file.
DEMO_OWNER, DEMO_PASSWORD = "demo-owner", "huiliu-demo-owner"


def coupon_templates(now: datetime) -> list[coupons.TemplateSpec]:
    T = coupons.TemplateSpec
    season = {"valid_from": now - timedelta(days=1), "valid_until": now + timedelta(days=90)}
    return [
        T("new-user-pack", "新人无门槛券 ¥5", rules.Terms(rules.NO_THRESHOLD, amount=500), coupons.GRANT, valid_days=7),
        T("tea-100-15", "茶叶满100减15", rules.Terms(rules.THRESHOLD, amount=1500, threshold=10000,
          scope=rules.SCOPE_CATEGORIES, scope_ids=("tea",)), coupons.CLAIM, total=1000, shards=4, **season),
        T("fruit-85", "鲜果85折 最高减20", rules.Terms(rules.DISCOUNT, rate=85, cap=2000, scope=rules.SCOPE_CATEGORIES,
          scope_ids=("fruit",)), coupons.CLAIM, valid_days=30, total=500, per_user_limit=2),
        T("cash-3", "全场立减 ¥3", rules.Terms(rules.CASH, amount=300), coupons.CLAIM, valid_days=14),
        T("points-10", "积分兑换 ¥10 无门槛", rules.Terms(rules.NO_THRESHOLD, amount=1000), coupons.POINTS,
          valid_days=30, total=200, per_user_limit=5, points_price=1000),
        T("checkin-day7", "签到7天礼 满30减5", rules.Terms(rules.THRESHOLD, amount=500, threshold=3000), coupons.GRANT,
          valid_days=7, per_user_limit=None),
        T("groupbuy-leader", "团长奖励 ¥10", rules.Terms(rules.NO_THRESHOLD, amount=1000), coupons.GRANT,
          valid_days=14, per_user_limit=None),
        T("referral-thanks", "邀请有礼 满50减8", rules.Terms(rules.THRESHOLD, amount=800, threshold=5000), coupons.GRANT,
          valid_days=14, per_user_limit=None),
        T("wakeup-general", "回归礼 ¥5 无门槛", rules.Terms(rules.NO_THRESHOLD, amount=500), coupons.GRANT,
          valid_days=7, per_user_limit=None),
        T("wakeup-tea", "茶友回归 满99减20", rules.Terms(rules.THRESHOLD, amount=2000, threshold=9900,
          scope=rules.SCOPE_CATEGORIES, scope_ids=("tea",)), coupons.GRANT, valid_days=7, per_user_limit=None),
        T("wakeup-cart", "购物车限时 满50减10", rules.Terms(rules.THRESHOLD, amount=1000, threshold=5000), coupons.GRANT,
          valid_days=1, per_user_limit=None),
        T("wakeup-repurchase", "回购专享 满60减8", rules.Terms(rules.THRESHOLD, amount=800, threshold=6000),
          coupons.GRANT, valid_days=14, per_user_limit=None),
        T("tpl-birthday", "生日礼券 ¥20", rules.Terms(rules.NO_THRESHOLD, amount=2000), coupons.GRANT, valid_days=30,
          per_user_limit=None),
    ]


def groupbuy_activities(now: datetime) -> list[groupbuy.ActivitySpec]:
    A = groupbuy.ActivitySpec
    window = {"starts_at": now - timedelta(days=1), "ends_at": now + timedelta(days=90)}
    return [
        A("gb-puer", "普洱三人团", "p-puer", 19900, 12900, 3, stock=500, per_user_limit=2,
          leader_coupon="groupbuy-leader", **window),
        A("gb-mango-new", "芒果老带新两人团", "p-mango", 3990, 1990, 2, new_users_only=True, virtual_fill_share=50,
          time_limit_minutes=12 * 60, **window),
    ]


def bargain_campaigns(now: datetime) -> list[bargain.CampaignSpec]:
    return [
        bargain.CampaignSpec("bg-longjing", "龙井砍到1元", "p-longjing", 12800, 100, 10, starts_at=now - timedelta(days=1),
                             ends_at=now + timedelta(days=90), new_user_bonus=True, buy_at_current=True),
    ]


def seed(now: datetime | None = None) -> int:
    now = now or config.utcnow()
    catalogue = loader.read(loader.SAMPLE)
    loader.load(catalogue, now=now)  # seeded before: every entry unchanged
    created = [
        *(lambda spec=spec: coupons.create_template(spec, now=now) for spec in coupon_templates(now)),
        *(lambda spec=spec: groupbuy.create_activity(spec) for spec in groupbuy_activities(now)),
        *(lambda spec=spec: bargain.create_campaign(spec) for spec in bargain_campaigns(now)),
    ]
    for create in created:
        try:
            create()
        except errors.Conflict:  # seeded before: its stock, issued coupons and groups stay as they are
            pass
    return catalogue.size() + len(created) + demo_owner(now) + alert_rule(now) + journeys(now)


def journeys(now: datetime) -> int:
    """The default journeys (``chalicelib.journeys.defaults``), all of them live: the demo shows the
    marketing chains running too (a deployed stage's install leaves those as drafts). One an
    operator changed or paused since is left as it is."""
    from chalicelib.journeys import defaults

    done = defaults.install(now=now, marketing_live=True)
    return sum(what != "left" for what in done.values())


# The 预警 the issue names, so the screen and the nightly evaluation have one from the start.
ALERT_RULE = {"name": "7日留存率连续3周低于20%", "metric": "d7Retention", "op": "below", "threshold": 20, "periods": 3,
              "unit": "week"}


def alert_rule(now: datetime) -> int:
    """The demo alert rule, unless one of its name exists (an operator may have deleted it: a later
    seed run then adds it back; two seeds at once may both add it, which only a person would notice)."""
    from chalicelib.alerts import service as alerts

    if any(r["name"] == ALERT_RULE["name"] for r in alerts.list_rules()):
        return 0
    alerts.create_rule(alerts.parse(ALERT_RULE), by="demo-seed", now=now)
    return 1


def demo_owner(now: datetime) -> int:
    """The demo owner, once; never in a deployed stage. The shared operator key stays on in the
    local stage (its default there), so the local scripts and the dashboard link keep working."""
    from chalicelib.operators import service, store

    if config.stage() != "local" or store.operator(DEMO_OWNER) is not None:
        return 0
    seeder = service.Actor("demo-seed", "demo seed (infra/seed.py)", "owner", route=("SEED", "python -m infra.seed"))
    try:
        service.create_operator(seeder, DEMO_OWNER, "owner", DEMO_PASSWORD, idempotency_key=None, now=now)
    except errors.Conflict:  # another seed run got there first
        return 0
    return 1


if __name__ == "__main__":
    print(f"seeded {seed()} items")
