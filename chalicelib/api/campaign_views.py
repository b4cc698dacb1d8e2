"""活动: group-buy activities and bargain campaigns as operators run them (the create routes are in
``operator_views``): list with their state and figures, edit what is safe (on the version read),
pause, resume, end. The rules live in ``chalicelib.campaigns``."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec
from chalice import Blueprint

from chalicelib import errors, lazy, messages
from chalicelib.api.http import Call, route
from chalicelib.api.schemas import Dated, Fen, Id
from chalicelib.auth.levels import OPERATOR

campaigns = lazy.module("chalicelib.campaigns.service")

bp = Blueprint(__name__)

ANSWERS = "chalicelib.api.campaign_answers:"

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=40)]
Count = Annotated[int, msgspec.Meta(ge=1, le=100_000_000)]
Version = Annotated[int, msgspec.Meta(ge=0, le=1_000_000_000)]
Minutes = Annotated[int, msgspec.Meta(ge=1, le=30 * 24 * 60)]
UNSET: Any = msgspec.UNSET


class CampaignPatch(Dated, rename="camel", forbid_unknown_fields=True):
    """Once started: ``name``, a later ``endsAt``, ``addStock``, a higher ``perUserLimit``; before
    the start, any setting. ``version``: the one the edit was made on (another since is 409)."""

    version: Version
    name: Name | msgspec.UnsetType = UNSET
    ends_at: datetime | msgspec.UnsetType = UNSET
    per_user_limit: Annotated[int, msgspec.Meta(ge=1, le=100)] | msgspec.UnsetType = UNSET
    product_id: Id | msgspec.UnsetType = UNSET
    original_price: Fen | msgspec.UnsetType = UNSET
    starts_at: datetime | msgspec.UnsetType = UNSET


class ActivityPatch(CampaignPatch, forbid_unknown_fields=True):
    add_stock: Count | msgspec.UnsetType = UNSET  # more groups that may be opened
    group_price: Fen | msgspec.UnsetType = UNSET
    size: Annotated[int, msgspec.Meta(ge=2, le=10)] | msgspec.UnsetType = UNSET
    time_limit_minutes: Annotated[int, msgspec.Meta(ge=1, le=7 * 24 * 60)] | msgspec.UnsetType = UNSET
    pay_minutes: Annotated[int, msgspec.Meta(ge=1, le=24 * 60)] | msgspec.UnsetType = UNSET
    stock: Count | None | msgspec.UnsetType = UNSET  # null: unlimited
    new_users_only: bool | msgspec.UnsetType = UNSET
    leader_coupon: Id | None | msgspec.UnsetType = UNSET
    virtual_fill_share: Annotated[int, msgspec.Meta(ge=1, le=100)] | None | msgspec.UnsetType = UNSET


class BargainPatch(CampaignPatch, forbid_unknown_fields=True):
    floor_price: Fen | msgspec.UnsetType = UNSET
    helpers: Annotated[int, msgspec.Meta(ge=1, le=100)] | msgspec.UnsetType = UNSET
    duration_minutes: Minutes | msgspec.UnsetType = UNSET
    helper_daily_cap: Annotated[int, msgspec.Meta(ge=1, le=100)] | msgspec.UnsetType = UNSET
    new_user_bonus: bool | msgspec.UnsetType = UNSET
    buy_at_current: bool | msgspec.UnsetType = UNSET


def _patch(body: CampaignPatch) -> dict[str, Any]:
    """The settings sent (snake_case, as the models name them); instants must say their zone."""
    sent = {name: getattr(body, name) for name in body.__struct_fields__
            if name != "version" and getattr(body, name) is not msgspec.UNSET}
    if any(isinstance(v, datetime) and v.tzinfo is None for v in sent.values()):
        raise errors.ValidationFailed(messages.text("VALIDATION_FAILED.times_zone"))
    if not sent:
        raise errors.ValidationFailed(messages.text("VALIDATION_FAILED.nothing_to_change"))
    if "stock" in sent and "add_stock" in sent:
        raise errors.ValidationFailed(messages.text("VALIDATION_FAILED.stock_or_add"))
    return sent


# --- 拼团 ----------------------------------------------------------------------------------------
@route(bp, "GET", "/operator/groupbuy/activities", auth=OPERATOR, answer=ANSWERS + "Activities")
def list_activities(call: Call) -> dict:
    return {"activities": campaigns.listing(campaigns.GROUPBUY, call.now)}


@route(bp, "PATCH", "/operator/groupbuy/activities/{activity_id}", auth=OPERATOR, body=ActivityPatch,
       answer=ANSWERS + "Activity")
def edit_activity(call: Call) -> dict:
    return _edit(call, campaigns.GROUPBUY, call.path["activity_id"])


@route(bp, "POST", "/operator/groupbuy/activities/{activity_id}/pause", auth=OPERATOR, answer=ANSWERS + "Activity")
def pause_activity(call: Call) -> dict:
    return _done(call, campaigns.GROUPBUY, campaigns.pause(campaigns.GROUPBUY, call.path["activity_id"], now=call.now))


@route(bp, "POST", "/operator/groupbuy/activities/{activity_id}/resume", auth=OPERATOR, answer=ANSWERS + "Activity")
def resume_activity(call: Call) -> dict:
    return _done(call, campaigns.GROUPBUY, campaigns.resume(campaigns.GROUPBUY, call.path["activity_id"], now=call.now))


@route(bp, "POST", "/operator/groupbuy/activities/{activity_id}/end", auth=OPERATOR, answer=ANSWERS + "Activity")
def end_activity(call: Call) -> dict:
    return _done(call, campaigns.GROUPBUY, campaigns.end(campaigns.GROUPBUY, call.path["activity_id"], now=call.now))


# --- 砍价 ----------------------------------------------------------------------------------------
@route(bp, "GET", "/operator/bargain/campaigns", auth=OPERATOR, answer=ANSWERS + "Bargains")
def list_bargains(call: Call) -> dict:
    return {"campaigns": campaigns.listing(campaigns.BARGAIN, call.now)}


@route(bp, "PATCH", "/operator/bargain/campaigns/{campaign_id}", auth=OPERATOR, body=BargainPatch,
       answer=ANSWERS + "Bargain")
def edit_bargain(call: Call) -> dict:
    return _edit(call, campaigns.BARGAIN, call.path["campaign_id"])


@route(bp, "POST", "/operator/bargain/campaigns/{campaign_id}/pause", auth=OPERATOR, answer=ANSWERS + "Bargain")
def pause_bargain(call: Call) -> dict:
    return _done(call, campaigns.BARGAIN, campaigns.pause(campaigns.BARGAIN, call.path["campaign_id"], now=call.now))


@route(bp, "POST", "/operator/bargain/campaigns/{campaign_id}/resume", auth=OPERATOR, answer=ANSWERS + "Bargain")
def resume_bargain(call: Call) -> dict:
    return _done(call, campaigns.BARGAIN, campaigns.resume(campaigns.BARGAIN, call.path["campaign_id"], now=call.now))


@route(bp, "POST", "/operator/bargain/campaigns/{campaign_id}/end", auth=OPERATOR, answer=ANSWERS + "Bargain")
def end_bargain(call: Call) -> dict:
    return _done(call, campaigns.BARGAIN, campaigns.end(campaigns.BARGAIN, call.path["campaign_id"], now=call.now))


def _edit(call: Call, kind: Any, campaign_id: str) -> dict:
    item = campaigns.edit(kind, campaign_id, _patch(call.body), expected=call.body.version,
                          key=call.idempotency_key, now=call.now)
    return _done(call, kind, item)


def _done(call: Call, kind: Any, item: Any) -> dict:
    return campaigns.to_json(kind, item, call.now)
