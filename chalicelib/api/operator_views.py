"""The merchant's staff, with the operator key: coupon templates and the rule book."""
from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Annotated, Any, TypeVar

import msgspec
from chalice import Blueprint

from chalicelib import config, errors, lazy, messages
from chalicelib.api.http import Call, route
from chalicelib.api.schemas import Dated, Fen, Id, template_json
from chalicelib.auth.levels import OPERATOR
from chalicelib.coupons import rules

# What the routes run loads with the first request that uses it (chalicelib.lazy), not at cold start.
bargain = lazy.module("chalicelib.bargain.service")
checkin = lazy.module("chalicelib.checkin.service")
coupons = lazy.module("chalicelib.coupons.service")
events = lazy.module("chalicelib.events.service")
groupbuy = lazy.module("chalicelib.groupbuy.service")
members = lazy.module("chalicelib.members.service")
referral = lazy.module("chalicelib.referral.service")
rulebook = lazy.module("chalicelib.rulebook")
wakeup = lazy.module("chalicelib.wakeup.service")

bp = Blueprint(__name__)

# Answer types by name: only the OpenAPI generator imports them (chalicelib.api.merchant_answers).
ANSWERS = "chalicelib.api.merchant_answers:"

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=40)]
Count = Annotated[int, msgspec.Meta(ge=1, le=100_000_000)]
Q = TypeVar("Q", bound=msgspec.Struct)


@cache
def _rule_books() -> dict[str, Any]:
    """Each rule document, with the parser that validates it (asked on first use: they are the services')."""
    return {s.RULES_NAME: s.parse_rules for s in (members, checkin, referral, events, wakeup)}


class NewTemplate(Dated, rename="camel", forbid_unknown_fields=True):
    template_id: Id
    name: Name
    kind: str
    channel: str
    amount: Fen = 0
    threshold: Fen = 0
    rate: Annotated[int, msgspec.Meta(ge=1, le=100)] = 100
    cap: Fen | None = None
    scope: str = rules.SCOPE_ALL
    scope_ids: Annotated[list[Id], msgspec.Meta(max_length=100)] = []
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    valid_days: Annotated[int, msgspec.Meta(ge=1, le=3650)] | None = None
    total: Count | None = None
    shards: Annotated[int, msgspec.Meta(ge=1, le=coupons.MAX_SHARDS)] = 1
    per_user_limit: Count | None = 1
    points_price: Count | None = None


class TemplatePatch(Dated, rename="camel", forbid_unknown_fields=True):
    name: Name | None = None
    active: bool | None = None
    per_user_limit: Count | None = None
    valid_until: datetime | None = None
    add_stock: Count | None = None


@route(bp, "GET", "/operator/coupon-templates", auth=OPERATOR, answer=ANSWERS + "OperatorTemplates")
def list_templates(call: Call) -> dict:
    out, found = [], coupons.templates()
    used = coupons.used([t.template_id for t in found])
    for t in found:
        issued, total = coupons.stock_report(t)
        out.append({**template_json(t), "active": bool(t.active), "issued": issued, "total": total,
                    "used": used[t.template_id]})
    return {"templates": out}


@route(bp, "POST", "/operator/coupon-templates", auth=OPERATOR, body=NewTemplate, status=201,
       answer="chalicelib.api.answers:Template")
def create_template(call: Call) -> dict:
    b: NewTemplate = call.body
    _zoned(b.valid_from, b.valid_until)
    spec = coupons.TemplateSpec(
        template_id=b.template_id, name=b.name, channel=b.channel,
        terms=rules.Terms(kind=b.kind, amount=b.amount, threshold=b.threshold, rate=b.rate, cap=b.cap,
                          scope=b.scope, scope_ids=tuple(b.scope_ids)),
        valid_from=b.valid_from, valid_until=b.valid_until, valid_days=b.valid_days, total=b.total,
        shards=b.shards, per_user_limit=b.per_user_limit, points_price=b.points_price,
    )
    return template_json(coupons.create_template(spec, now=call.now))


@route(bp, "PATCH", "/operator/coupon-templates/{template_id}", auth=OPERATOR, body=TemplatePatch,
       answer="chalicelib.api.answers:Template")
def update_template(call: Call) -> dict:
    b: TemplatePatch = call.body
    _zoned(b.valid_until)
    t = coupons.update_template(call.path["template_id"], name=b.name, active=b.active,
                                per_user_limit=b.per_user_limit, valid_until=b.valid_until, add_stock=b.add_stock)
    return template_json(t)


class RulesSaveQuery(msgspec.Struct, rename="camel"):
    """``expectedVersion``: the version the change was made on; another saved since is 409."""

    expected_version: Annotated[int, msgspec.Meta(ge=0, le=1_000_000_000)] | None = None


class RuleVersionsQuery(msgspec.Struct):
    """Newest first; ``cursor``: the ``cursor`` of the page before (older versions follow)."""

    limit: Annotated[int, msgspec.Meta(ge=1, le=100)] = 20
    cursor: Annotated[int, msgspec.Meta(ge=1, le=1_000_000_000)] | None = None


class Rollback(msgspec.Struct, rename="camel", forbid_unknown_fields=True):
    version: Annotated[int, msgspec.Meta(ge=1, le=1_000_000_000)]  # the saved version to restore
    expected_version: Annotated[int, msgspec.Meta(ge=0, le=1_000_000_000)] | None = None  # the current one, as read


@route(bp, "GET", "/operator/rules/{name}", auth=OPERATOR, answer=ANSWERS + "RuleBook")
def get_rules(call: Call) -> dict:
    name = _known(call.path["name"])
    body, version = rulebook.current(name)
    return _book(name, body, version)


@route(bp, "PUT", "/operator/rules/{name}", auth=OPERATOR, body=dict, query=RulesSaveQuery,
       answer=ANSWERS + "RuleBook")
def put_rules(call: Call) -> dict:
    name = _known(call.path["name"])
    q = _query(call, RulesSaveQuery)
    _rule_books()[name](call.body)  # raises ValidationFailed saying what is wrong
    saved = rulebook.save(name, call.body, now=call.now, by=call.actor.who, expected=q.expected_version)
    return _book(name, call.body, saved.version)


@route(bp, "GET", "/operator/rules/{name}/versions", auth=OPERATOR, query=RuleVersionsQuery,
       answer=ANSWERS + "RuleVersions")
def rule_versions(call: Call) -> dict:
    name = _known(call.path["name"])
    q = _query(call, RuleVersionsQuery)
    page, cursor = rulebook.versions(name, limit=q.limit, before=q.cursor)
    _, current = rulebook.current(name)
    return {"name": name, "current": current, "defaults": _defaults(name), "cursor": cursor,
            "versions": [_version_json(v) for v in page]}


@route(bp, "POST", "/operator/rules/{name}/rollback", auth=OPERATOR, body=Rollback, answer=ANSWERS + "RuleBook")
def rollback_rules(call: Call) -> dict:
    """Write a saved version back as a new version (audited; 409 if the book moved on meanwhile)."""
    name = _known(call.path["name"])
    b: Rollback = call.body
    old = rulebook.version(name, b.version)
    _rule_books()[name](old.body)  # a version saved before a bound existed cannot come back as it was
    saved = rulebook.save(name, old.body, now=call.now, by=call.actor.who, expected=b.expected_version,
                          rollback_of=old.version)
    return _book(name, old.body, saved.version)


def _book(name: str, body: dict | None, version: int) -> dict:
    return {"name": name, "rules": body, "default": body is None, "defaults": _defaults(name), "version": version,
            "effective": _effective(name, body), "schema": _schema(name)}


def _effective(name: str, body: dict | None) -> dict:
    """What the capability applies: the document, the defaults filling what it leaves out (and the
    defaults alone for a document no longer valid, as ``rulebook.load`` reads it)."""
    try:
        return msgspec.to_builtins(_rule_books()[name](body)) if body else _defaults(name)
    except errors.ValidationFailed:
        return _defaults(name)


@cache
def _schema(name: str) -> dict:
    """The book's JSON Schema, from the same types that validate a save (ranges, lengths, which
    values may be null): the console builds and checks its form from it, so the bounds are written
    once. Checks across fields (rising tier thresholds) stay the server's, answered at the field."""
    def lean(node: Any, names: bool = False) -> Any:  # the defaults are answered beside it; the docstrings are ours
        if isinstance(node, dict):  # ``names``: a map of field or type names, whose keys are not keywords
            return {k: lean(v, k in ("properties", "$defs") and not names) for k, v in node.items()
                    if names or k not in ("default", "description", "title")}
        return [lean(v) for v in node] if isinstance(node, list) else node
    return lean(msgspec.json.schema(type(_rule_books()[name]({}))))


def _defaults(name: str) -> dict:
    """The built-in document the capability applies when none is stored (shown beside the current one)."""
    return msgspec.to_builtins(_rule_books()[name]({}))


def _version_json(v: Any) -> dict:
    return {"version": v.version, "savedAt": config.iso(v.saved_at), "rules": v.body, "rollbackOf": v.rollback_of,
            "savedBy": {"operatorId": v.saved_by_id, "name": v.saved_by_name}}


def _query(call: Call, kind: type[Q]) -> Q:
    try:
        return msgspec.convert(call.query, kind, strict=False)
    except msgspec.ValidationError as exc:
        raise errors.ValidationFailed(messages.text("VALIDATION_FAILED.body", detail=exc)) from exc


def _zoned(*moments: datetime | None) -> None:
    """Instants from operators must say their zone: a bare 2026-12-01T00:00 is eight hours vague."""
    if any(m is not None and m.tzinfo is None for m in moments):
        raise errors.ValidationFailed(messages.text("VALIDATION_FAILED.times_zone"))


def _known(name: str) -> str:
    if name not in _rule_books():
        raise errors.NotFound(messages.text("NOT_FOUND.choices", choices=", ".join(sorted(_rule_books()))))
    return name


class NewActivity(Dated, rename="camel", forbid_unknown_fields=True):
    activity_id: Id
    name: Name
    product_id: Id
    original_price: Fen
    group_price: Fen
    size: Annotated[int, msgspec.Meta(ge=2, le=10)]
    starts_at: datetime
    ends_at: datetime
    time_limit_minutes: Annotated[int, msgspec.Meta(ge=1, le=7 * 24 * 60)] = 24 * 60
    pay_minutes: Annotated[int, msgspec.Meta(ge=1, le=24 * 60)] = 15
    stock: Count | None = None
    per_user_limit: Annotated[int, msgspec.Meta(ge=1, le=100)] = 1
    new_users_only: bool = False
    leader_coupon: Id | None = None
    virtual_fill_share: Annotated[int, msgspec.Meta(ge=1, le=100)] | None = None


@route(bp, "POST", "/operator/groupbuy/activities", auth=OPERATOR, body=NewActivity, status=201,
       answer=ANSWERS + "ActivityCreated")
def create_activity(call: Call) -> dict:
    b: NewActivity = call.body
    _zoned(b.starts_at, b.ends_at)
    a = groupbuy.create_activity(groupbuy.ActivitySpec(**msgspec.structs.asdict(b)))
    return {"activityId": a.activity_id, "name": a.name}


class NewCampaign(Dated, rename="camel", forbid_unknown_fields=True):
    campaign_id: Id
    name: Name
    product_id: Id
    original_price: Fen
    floor_price: Fen
    helpers: Annotated[int, msgspec.Meta(ge=1, le=100)]
    starts_at: datetime
    ends_at: datetime
    duration_minutes: Annotated[int, msgspec.Meta(ge=1, le=30 * 24 * 60)] = 24 * 60
    per_user_limit: Annotated[int, msgspec.Meta(ge=1, le=100)] = 1
    helper_daily_cap: Annotated[int, msgspec.Meta(ge=1, le=100)] = 5
    new_user_bonus: bool = False
    buy_at_current: bool = False


@route(bp, "POST", "/operator/bargain/campaigns", auth=OPERATOR, body=NewCampaign, status=201,
       answer=ANSWERS + "CampaignCreated")
def create_campaign(call: Call) -> dict:
    b: NewCampaign = call.body
    _zoned(b.starts_at, b.ends_at)
    c = bargain.create_campaign(bargain.CampaignSpec(**msgspec.structs.asdict(b)))
    return {"campaignId": c.campaign_id, "name": c.name}
