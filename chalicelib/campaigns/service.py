"""Group-buy activities and bargain campaigns as operators run them: list with their figures,
edit under a version, pause, resume, end.

Every change is one conditional write on the campaign's item: an edit on the version it was
made on (``version``, 409 ``CAMPAIGN_VERSION_STALE`` otherwise), so two operators' edits never
overwrite each other silently; an edit of what only a campaign not yet started may change, on
``starts_at > now``. The user side honours a pause or an end through a condition on the same
item in the transaction of each open, join, start, help and buy (``not_stopped`` in
``chalicelib.groupbuy.service`` and ``chalicelib.bargain.service``), never a read in Python.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import msgspec
from pynamodb.exceptions import DoesNotExist, UpdateError
from pynamodb.models import Model

from chalicelib import errors, messages
from chalicelib.bargain import service as bargain
from chalicelib.bargain.models import Campaign
from chalicelib.campaigns import rules
from chalicelib.config import iso
from chalicelib.groupbuy import service as groupbuy
from chalicelib.groupbuy.models import Activity
from chalicelib.shop.service import SHOP_ID

ATTEMPTS = 3


@dataclass(frozen=True)
class Kind:
    name: str
    model: type[Model]
    key: str  # the id attribute
    spec: type[msgspec.Struct]  # every setting, as the create takes them
    problems: Callable[[Any], list[str]]  # what is wrong with a whole set of settings
    figures: tuple[str, ...]  # counters shown beside the settings


GROUPBUY = Kind("groupbuy", Activity, "activity_id", groupbuy.ActivitySpec, groupbuy.problems,
                ("opened", "succeeded"))
BARGAIN = Kind("bargain", Campaign, "campaign_id", bargain.CampaignSpec, bargain.problems, ("started", "bought"))


def settings(kind: Kind, item: Model) -> dict[str, Any]:
    return {name: getattr(item, name) for name in kind.spec.__struct_fields__}


def state(item: Model, now: datetime) -> str:
    return rules.state(active=bool(item.active), ended_at=item.ended_at, starts_at=item.starts_at,
                       ends_at=item.ends_at, now=now)


def to_json(kind: Kind, item: Model, now: datetime) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in settings(kind, item).items():
        if isinstance(value, datetime):
            value = iso(value)
        elif isinstance(value, float):  # PynamoDB may read a number back as a float
            value = int(value)
        out[rules.camel(name)] = value
    for name in kind.figures:
        out[name] = int(getattr(item, name) or 0)
    if kind is GROUPBUY:
        out["stockLeft"] = None if item.stock is None else max(0, int(item.stock) - int(item.opened or 0))
    out.update(state=state(item, now), endedAt=iso(item.ended_at) if item.ended_at else None,
               version=int(item.version or 0))
    return out


def listing(kind: Kind, now: datetime) -> list[dict[str, Any]]:
    """Every campaign of the kind, newest start first (a shop keeps tens, not thousands: one query)."""
    items = sorted(kind.model.query(SHOP_ID, consistent_read=True), key=lambda i: i.starts_at, reverse=True)
    return [to_json(kind, i, now) for i in items]


def get(kind: Kind, campaign_id: str) -> Model:
    try:
        return kind.model.get(SHOP_ID, campaign_id, consistent_read=True)
    except DoesNotExist as exc:
        raise errors.CampaignNotFound() from exc


def edit(kind: Kind, campaign_id: str, patch: dict[str, Any], *, expected: int, key: str | None,
         now: datetime) -> Model:
    """Apply ``patch`` (snake_case settings, and ``add_stock``) to the campaign read at version
    ``expected``. A replay with the ``Idempotency-Key`` of the edit that made the current version
    answers it; any other edit on an older version is 409."""
    m = kind.model
    for _ in range(ATTEMPTS):
        item = get(kind, campaign_id)
        if key is not None and item.edit_key == key and int(item.version or 0) == expected + 1:
            return item  # this very edit, applied before
        if int(item.version or 0) != expected:
            raise errors.CampaignVersionStale()
        if state(item, now) == rules.ENDED:
            raise errors.CampaignEnded()
        started = now >= item.starts_at
        current = settings(kind, item)
        found = rules.unsafe(current, patch, started=started, now=now)
        if found:
            raise errors.CampaignEditUnsafe("; ".join([messages.text("CAMPAIGN_EDIT_UNSAFE"), *found]))
        merged = {**current, **{k: v for k, v in patch.items() if k != "add_stock"}}
        if patch.get("add_stock"):
            merged["stock"] = int(current["stock"]) + patch["add_stock"]
        wrong = kind.problems(kind.spec(**merged))
        if wrong:
            raise errors.ValidationFailed("; ".join(wrong))
        actions = [getattr(m, k).remove() if v is None else getattr(m, k).set(v)
                   for k, v in patch.items() if k != "add_stock"]
        if patch.get("add_stock"):
            actions.append(m.stock.add(patch["add_stock"]))
        actions += [m.version.add(1), m.edit_key.set(key) if key else m.edit_key.remove()]
        # Version 0 may be no version at all: the item was written before versions existed.
        same = (m.version == expected) if expected else (m.version.does_not_exist() | (m.version == 0))
        condition = same & m.ended_at.does_not_exist() & (m.ends_at > now)
        if not started:  # it may start between the read and the write: then the checks above were wrong
            condition &= m.starts_at > now
        try:
            item.update(actions=actions, condition=condition)
            return item
        except UpdateError as exc:
            if exc.cause_response_code != "ConditionalCheckFailedException":
                raise
            # Changed, started or ended meanwhile: read again and say which.
    raise errors.StorageUnavailable(retry_after=1)


def pause(kind: Kind, campaign_id: str, *, now: datetime) -> Model:
    return _set_active(kind, campaign_id, False, now)


def resume(kind: Kind, campaign_id: str, *, now: datetime) -> Model:
    return _set_active(kind, campaign_id, True, now)


def _set_active(kind: Kind, campaign_id: str, active: bool, now: datetime) -> Model:
    """Pausing a paused campaign (or resuming a running one) changes nothing and answers it."""
    m = kind.model
    for _ in range(ATTEMPTS):
        item = get(kind, campaign_id)
        if state(item, now) == rules.ENDED:
            raise errors.CampaignEnded()
        if bool(item.active) == active:
            return item
        try:
            item.update(actions=[m.active.set(active), m.version.add(1)],
                        condition=(m.active == (not active)) & m.ended_at.does_not_exist() & (m.ends_at > now))
            return item
        except UpdateError as exc:
            if exc.cause_response_code != "ConditionalCheckFailedException":
                raise
    raise errors.StorageUnavailable(retry_after=1)


def end(kind: Kind, campaign_id: str, *, now: datetime) -> Model:
    """End now: no open, join, start, help or buy after this write. Open groups still close at
    their deadlines (refunded, or virtually filled), and bargains already locked for an order
    settle as the order does. Ending an ended campaign answers it."""
    m = kind.model
    item = get(kind, campaign_id)
    if item.ended_at is not None:
        return item
    actions = [m.ended_at.set(now), m.version.add(1)]
    if item.ends_at > now:
        actions.append(m.ends_at.set(now))
    try:
        item.update(actions=actions, condition=m.ended_at.does_not_exist())
    except UpdateError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        return get(kind, campaign_id)  # ended by another operator just now
    return item
