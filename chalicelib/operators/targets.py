"""What each operator route changes, in one place: how to name its target from the call, and
how to read the stored item before and after (for the audit log). A route missing here is still
audited (its path parameters and its answer); a test lists the change routes of the app and
fails on any not named here, so a new route cannot be forgotten.

``INLINE``: the view writes its audit record in the transaction of its change.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pynamodb.exceptions import DoesNotExist

from chalicelib import config, errors


@dataclass(frozen=True)
class Target:
    name: Callable[[Any], dict[str, Any]]  # call -> what the change names
    load: Callable[[dict[str, Any]], Any] | None  # names -> the stored item, or None: use the answer


INLINE = object()


def _coupon_template(names: dict[str, Any]) -> Any:
    from chalicelib.coupons import service as coupons
    from chalicelib.coupons import store

    try:
        t = store.template(names["templateId"])
    except errors.NotFound:
        return None
    issued, total = coupons.stock_report(t)
    return {"template": t.attribute_values, "stock": {"issued": issued, "total": total}}


def _rule_book(names: dict[str, Any]) -> Any:
    from chalicelib.rulebook import Rule

    try:
        return json.loads(Rule.get(names["name"], consistent_read=True).body)
    except DoesNotExist:
        return None


def _groupbuy_activity(names: dict[str, Any]) -> Any:
    from chalicelib.groupbuy import service as groupbuy

    try:
        return groupbuy.activity(names["activityId"]).attribute_values
    except errors.NotFound:
        return None


def _bargain_campaign(names: dict[str, Any]) -> Any:
    from chalicelib.bargain.models import Campaign
    from chalicelib.shop.service import SHOP_ID

    try:
        return Campaign.get(SHOP_ID, names["campaignId"], consistent_read=True).attribute_values
    except DoesNotExist:
        return None


def _alert_rule(names: dict[str, Any]) -> Any:
    from chalicelib.alerts import service as alerts

    try:
        return alerts.rule_json(alerts.rule(names["ruleId"]))
    except errors.NotFound:
        return None


def _alert_webhook(names: dict[str, Any]) -> Any:
    """Masked: the webhook URL holds the robot's key, never kept in clear in the audit log."""
    from chalicelib.alerts import service as alerts

    return alerts.webhook_json(alerts.webhook_url())


def _member(call: Any) -> dict[str, Any]:
    """The erased member by a keyed hash only: the record must not keep what the erasure removed."""
    from chalicelib import member_lookup

    return {"member": member_lookup.audit_ref(call.path["user_id"])}


def _product(names: dict[str, Any]) -> Any:
    from chalicelib.shop import edits as products

    return products.audited(names["productId"])


def _clock(names: dict[str, Any]) -> Any:
    return {"now": config.iso(config.utcnow())}


def _journey(names: dict[str, Any]) -> Any:
    from chalicelib.journeys.models import SHOP, JourneyHead, JourneyVersion

    try:
        head = JourneyHead.get(SHOP, names["journeyId"], consistent_read=True)
    except DoesNotExist:
        return None
    body = JourneyVersion.get(head.journey_id, int(head.version), consistent_read=True).body
    return {"status": head.status, "version": int(head.version),
            "liveVersion": None if head.live_version is None else int(head.live_version), "document": json.loads(body)}


_JOURNEY = Target(lambda c: {"journeyId": c.path["journey_id"]}, _journey)

TARGETS: dict[tuple[str, str], Any] = {
    ("PUT", "/operator/journeys/{journey_id}"): _JOURNEY,
    ("POST", "/operator/journeys/{journey_id}/publish"): _JOURNEY,
    ("POST", "/operator/journeys/{journey_id}/pause"): _JOURNEY,
    ("POST", "/operator/journeys/{journey_id}/resume"): _JOURNEY,
    ("POST", "/operator/coupon-templates"): Target(lambda c: {"templateId": c.body.template_id}, _coupon_template),
    ("PATCH", "/operator/coupon-templates/{template_id}"): Target(lambda c: {"templateId": c.path["template_id"]},
                                                                  _coupon_template),
    ("PUT", "/operator/rules/{name}"): Target(lambda c: {"name": c.path["name"]}, _rule_book),
    ("POST", "/operator/rules/{name}/rollback"): Target(lambda c: {"name": c.path["name"], "version": c.body.version},
                                                        _rule_book),
    ("POST", "/operator/groupbuy/activities"): Target(lambda c: {"activityId": c.body.activity_id},
                                                      _groupbuy_activity),
    ("POST", "/operator/bargain/campaigns"): Target(lambda c: {"campaignId": c.body.campaign_id}, _bargain_campaign),
    **{(method, f"/operator/groupbuy/activities/{{activity_id}}{tail}"): Target(
        lambda c: {"activityId": c.path["activity_id"]}, _groupbuy_activity)
       for method, tail in (("PATCH", ""), ("POST", "/pause"), ("POST", "/resume"), ("POST", "/end"))},
    **{(method, f"/operator/bargain/campaigns/{{campaign_id}}{tail}"): Target(
        lambda c: {"campaignId": c.path["campaign_id"]}, _bargain_campaign)
       for method, tail in (("PATCH", ""), ("POST", "/pause"), ("POST", "/resume"), ("POST", "/end"))},
    ("POST", "/operator/jobs/{job}"): Target(lambda c: {"job": c.path["job"]}, None),
    ("POST", "/operator/metrics/rollup"): Target(
        lambda c: {"from": c.body.first.isoformat(), "to": c.body.last.isoformat()}, None),
    ("POST", "/operator/alerts/rules"): Target(lambda c: {"alertRule": "new"}, None),
    ("PUT", "/operator/alerts/rules/{rule_id}"): Target(lambda c: {"ruleId": c.path["rule_id"]}, _alert_rule),
    ("DELETE", "/operator/alerts/rules/{rule_id}"): Target(lambda c: {"ruleId": c.path["rule_id"]}, _alert_rule),
    ("PUT", "/operator/alerts/webhook"): Target(lambda c: {"setting": "alertWebhook"}, _alert_webhook),
    ("PUT", "/operator/clock"): Target(lambda c: {"clock": "simulated"}, _clock),
    ("PUT", "/operator/products/{product_id}"): Target(lambda c: {"productId": c.path["product_id"]}, _product),
    # An import names its file's products; its answer (the counts by status) is the "after".
    ("POST", "/operator/products/import"): Target(lambda c: {"import": "rows"}, None),
    ("DELETE", "/operator/members/{user_id}"): Target(_member, None),  # after: the answer, {"erased": true}
    # The console's own: operators and settings, audited in their transactions.
    ("POST", "/operator/operators"): INLINE,
    ("PATCH", "/operator/operators/{operator_id}"): INLINE,
    ("POST", "/operator/operators/{operator_id}/password"): INLINE,
    ("POST", "/operator/operators/{operator_id}/revoke-sessions"): INLINE,
    ("PUT", "/operator/settings"): INLINE,
}
