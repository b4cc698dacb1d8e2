"""A journey as data (DESIGN §9): the document an operator designs, and every check it must pass
before it is saved. Pure.

A journey is an entry ``trigger``, ``entry`` rules, a list of ``steps`` and an optional ``goal``.
Steps run in list order; a step that branches names its targets by id, and every target lies
*after* the step that names it, so a journey is a directed acyclic graph that always ends: no
user can loop in one, whatever the operator wrote.
"""
from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Literal

import msgspec

from chalicelib.bounds import TemplateId

StepId = Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9][a-z0-9_-]{0,31}$")]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=40)]
EventName = Annotated[str, msgspec.Meta(pattern=r"^[a-z][a-z0-9_]{0,31}$")]
Text = Annotated[str, msgspec.Meta(max_length=64)]
Page = Annotated[str, msgspec.Meta(min_length=1, max_length=256, pattern=r"^[A-Za-z0-9_\-/.?=&%]+$")]
HoldoutPercent = Annotated[int, msgspec.Meta(ge=0, le=50)]  # half the users at most
Hours = Annotated[int, msgspec.Meta(ge=0, le=24 * 365)]
Weight = Annotated[int, msgspec.Meta(ge=1, le=100)]

MAX_STEPS = 30
# What the server itself says happened: a client cannot fake any of these.
FACTS = (
    "signup", "first_order", "order_paid", "order_cancelled", "order_shipped", "refund",
    "group_succeeded", "group_failed", "bargain_completed", "bargain_expired", "bargain_expiring",
    "tier_changed", "points_expiring",
)
Fact = Literal[
    "signup", "first_order", "order_paid", "order_cancelled", "order_shipped", "refund",
    "group_succeeded", "group_failed", "bargain_completed", "bargain_expired", "bargain_expiring",
    "tier_changed", "points_expiring",
]
PropValue = str | int | bool


# --- triggers ------------------------------------------------------------------------------------
class _Base(msgspec.Struct, frozen=True, rename="camel", forbid_unknown_fields=True, tag_field="kind"):
    pass


class OnEvent(_Base, tag="event"):
    """A behaviour event the mini-program sends, its properties equal to ``where``'s."""

    name: EventName
    where: Annotated[dict[Annotated[str, msgspec.Meta(max_length=32)], PropValue],
                     msgspec.Meta(max_length=5)] = msgspec.field(default_factory=dict)


class OnFact(_Base, tag="fact"):
    """A server fact (an order paid, a group that succeeded, …)."""

    fact: Fact


class Inactive(_Base, tag="inactive"):
    """The user has not been active for ``days`` days."""

    days: Annotated[int, msgspec.Meta(ge=1, le=365)]


class CartLeft(_Base, tag="cart"):
    """A cart left alone ``hours`` hours, not ordered."""

    hours: Annotated[int, msgspec.Meta(ge=1, le=168)]


class SinceLastOrder(_Base, tag="since_last_order"):
    """``days`` days since the user's last paid order, and no order since."""

    days: Annotated[int, msgspec.Meta(ge=1, le=365)]


class SinceFirstOrder(_Base, tag="since_first_order"):
    """``days`` days since the user's first paid order, whatever they did since."""

    days: Annotated[int, msgspec.Meta(ge=1, le=365)]


class EnteredSegment(_Base, tag="segment"):
    """The user entered a saved segment ([12/16]): accepted by the schema, refused on save until
    segments exist, so documents written now keep their meaning then."""

    segment: Name


Trigger = OnEvent | OnFact | Inactive | CartLeft | SinceLastOrder | SinceFirstOrder | EnteredSegment
TIMED = (Inactive, CartLeft, SinceLastOrder, SinceFirstOrder)  # found by a scheduled read of an index, not by a fact


class Entry(msgspec.Struct, frozen=True, rename="camel", forbid_unknown_fields=True):
    """Who may enter, how often. ``once``: once ever; otherwise at most once per ``everyDays``."""

    once: bool = False
    every_days: Annotated[int, msgspec.Meta(ge=0, le=365)] = 1
    holdout_percent: HoldoutPercent = 10
    starts_at: datetime | None = None
    ends_at: datetime | None = None


# --- conditions (split steps) ----------------------------------------------------------------------
Op = Literal["eq", "ne", "gt", "gte", "lt", "lte", "in"]
# The user facts a split may look at, each with the kind of value it compares.
FACT_KINDS: dict[str, type] = {
    "tier": str, "segment": str, "orders": int, "spend": int, "last_category": str, "consent": int,
    "flag": bool, "points": int,
}


class Condition(msgspec.Struct, frozen=True, rename="camel", forbid_unknown_fields=True):
    fact: Literal["tier", "segment", "orders", "spend", "last_category", "consent", "flag", "points"]
    op: Op
    value: PropValue | Annotated[list[str | int], msgspec.Meta(max_length=20)]
    # ``consent``: the template whose credits are compared; ``flag``: the flag's name.
    key: Annotated[str, msgspec.Meta(min_length=1, max_length=64)] | None = None


class Branch(msgspec.Struct, frozen=True, rename="camel", forbid_unknown_fields=True):
    when: Annotated[list[Condition], msgspec.Meta(min_length=1, max_length=5)]  # all of them
    next: StepId


class Variant(msgspec.Struct, frozen=True, rename="camel", forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9_-]{1,16}$")]
    weight: Weight
    next: StepId


# --- template fields (send steps) ---------------------------------------------------------------
# Where a field's value comes from: a fixed text, or a fact of the user, the order or the coupon
# the journey carries.
SOURCES = (
    "user.tier", "user.points", "order.id", "order.amount", "order.paid_at", "coupon.name",
    "coupon.value", "coupon.expires_at", "product.name", "now.date", "now.time", "journey.name",
)


class Field(msgspec.Struct, frozen=True, rename="camel", forbid_unknown_fields=True):
    text: Text | None = None
    source: Literal[
        "user.tier", "user.points", "order.id", "order.amount", "order.paid_at", "coupon.name",
        "coupon.value", "coupon.expires_at", "product.name", "now.date", "now.time", "journey.name",
    ] | None = None
    fallback: Text | None = None  # when the source has no value for this user


KEYWORD = re.compile(r"^(thing|amount|date|phrase|character_string|number|time|name|letter|symbol|phone_number)"
                     r"([1-9][0-9]?)$")


# --- steps ------------------------------------------------------------------------------------------
class _Step(msgspec.Struct, frozen=True, rename="camel", forbid_unknown_fields=True, tag_field="type", kw_only=True):
    id: StepId
    name: Annotated[str, msgspec.Meta(max_length=40)] = ""


class Delay(_Step, tag="delay"):
    """Wait ``days`` and ``hours``; ``window``: then on until the next 09:00–21:00 China window."""

    days: Annotated[int, msgspec.Meta(ge=0, le=365)] = 0
    hours: Annotated[int, msgspec.Meta(ge=0, le=23)] = 0
    window: bool = False


class Wait(_Step, tag="wait"):
    """Wait for an event or fact, at most ``timeoutHours``: on to ``then`` if it happened, to
    ``timeout`` (by default the next step) if not."""

    until: OnEvent | OnFact
    timeout_hours: Annotated[int, msgspec.Meta(ge=1, le=24 * 90)]
    then: StepId
    timeout: StepId | None = None


class Split(_Step, tag="split"):
    """The first branch whose conditions all hold, else ``otherwise`` (by default the next step)."""

    branches: Annotated[list[Branch], msgspec.Meta(min_length=1, max_length=5)]
    otherwise: StepId | None = None


class RandomSplit(_Step, tag="random"):
    """Variants by weight, fixed per (user, journey, step, entry): [12/16] tests copy with it."""

    variants: Annotated[list[Variant], msgspec.Meta(min_length=2, max_length=5)]


class Send(_Step, tag="send"):
    """A subscribe message: the user's consent credit for ``template`` pays for it. ``marketing``:
    counts against the contact cap and waits out quiet hours; a service notice does not count."""

    template: TemplateId
    fields: Annotated[dict[str, Field], msgspec.Meta(min_length=1, max_length=10)]
    page: Page = "pages/index/index"
    marketing: bool = True
    coupon: TemplateId | None = None  # granted with the message, its name available as coupon.name


class Grant(_Step, tag="grant"):
    """A coupon, or points, once per (user, journey, step, entry)."""

    coupon: TemplateId | None = None
    points: Annotated[int, msgspec.Meta(ge=1, le=100_000)] | None = None


class SetFlag(_Step, tag="flag"):
    """A member flag (``benefits_paused``, …) that conditions and the member screens read."""

    flag: Annotated[str, msgspec.Meta(pattern=r"^[a-z][a-z0-9_]{0,31}$")]
    value: bool = True


class Exit(_Step, tag="exit"):
    pass


Step = Delay | Wait | Split | RandomSplit | Send | Grant | SetFlag | Exit


class Goal(msgspec.Struct, frozen=True, rename="camel", forbid_unknown_fields=True):
    """What ends the journey for a user and counts as its conversion."""

    on: OnEvent | OnFact
    within_days: Annotated[int, msgspec.Meta(ge=1, le=90)] = 7


class Journey(msgspec.Struct, frozen=True, rename="camel", forbid_unknown_fields=True):
    name: Name
    trigger: Trigger
    steps: Annotated[list[Step], msgspec.Meta(min_length=1, max_length=MAX_STEPS)]
    entry: Entry = Entry()
    goal: Goal | None = None
    description: Annotated[str, msgspec.Meta(max_length=200)] = ""
    # Where the mini-program asks for this journey's templates (``chalicelib.journeys.moments``).
    ask_at: Literal["after_pay", "join_group", "bargain", "checkin", "coupon", "signup"] | None = None


# --- checks beyond types -------------------------------------------------------------------------------
def problems(doc: Journey) -> list[tuple[str, str, dict]]:
    """Everything wrong with a journey that its types do not say: (path, catalogue key, params).
    An empty list: it may be saved."""
    out: list[tuple[str, str, dict]] = []
    index: dict[str, int] = {}
    for i, step in enumerate(doc.steps):
        if step.id in index:
            out.append((f"$.steps[{i}].id", "JOURNEY_INVALID.duplicate_step", {"id": step.id}))
        index.setdefault(step.id, i)
    for i, step in enumerate(doc.steps):
        at = f"$.steps[{i}]"
        for where, target in targets(step):
            if target not in index:
                out.append((f"{at}.{where}", "JOURNEY_INVALID.unknown_step", {"id": target}))
            elif index[target] <= i:
                out.append((f"{at}.{where}", "JOURNEY_INVALID.backwards", {"id": target}))
        if isinstance(step, Delay) and not (step.days or step.hours or step.window):
            out.append((at, "JOURNEY_INVALID.empty_delay", {}))
        if isinstance(step, Grant) and (step.coupon is None) == (step.points is None):
            out.append((at, "JOURNEY_INVALID.grant_one", {}))
        if isinstance(step, Send):
            for keyword, field in step.fields.items():
                out += [(f"{at}.fields.{keyword}", key, params) for key, params in field_problems(keyword, field)]
        if isinstance(step, Split):
            for b, branch in enumerate(step.branches):
                for c, cond in enumerate(branch.when):
                    problem = condition_problem(cond)
                    if problem:
                        out.append((f"{at}.branches[{b}].when[{c}]", problem, {}))
    e = doc.entry
    if e.starts_at is not None and e.ends_at is not None and e.ends_at <= e.starts_at:
        out.append(("$.entry.endsAt", "JOURNEY_INVALID.ends_before", {}))
    if any(t is not None and t.tzinfo is None for t in (e.starts_at, e.ends_at)):
        out.append(("$.entry", "VALIDATION_FAILED.times_zone", {}))
    if isinstance(doc.trigger, EnteredSegment):
        out.append(("$.trigger", "JOURNEY_INVALID.segments_later", {}))
    return out


def targets(step: Step) -> list[tuple[str, str]]:
    """The step ids a step names, with where it names them."""
    if isinstance(step, Wait):
        return [("then", step.then)] + ([("timeout", step.timeout)] if step.timeout else [])
    if isinstance(step, Split):
        named = [(f"branches[{i}].next", b.next) for i, b in enumerate(step.branches)]
        return named + ([("otherwise", step.otherwise)] if step.otherwise else [])
    if isinstance(step, RandomSplit):
        return [(f"variants[{i}].next", v.next) for i, v in enumerate(step.variants)]
    return []


def condition_problem(cond: Condition) -> str | None:
    kind = FACT_KINDS[cond.fact]
    if cond.fact in ("consent", "flag") and not cond.key:
        return "JOURNEY_INVALID.condition_key"
    values = cond.value if isinstance(cond.value, list) else [cond.value]
    if (cond.op == "in") != isinstance(cond.value, list):
        return "JOURNEY_INVALID.condition_in"
    if kind is bool:
        ok = all(isinstance(v, bool) for v in values) and cond.op in ("eq", "ne")
    elif kind is int:
        ok = all(isinstance(v, int) and not isinstance(v, bool) for v in values)
    else:
        ok = all(isinstance(v, str) for v in values) and cond.op in ("eq", "ne", "in")
    return None if ok else "JOURNEY_INVALID.condition_value"


# WeChat's limits on a subscribe message's keyword values (47003 when a value breaks them).
LIMITS: dict[str, int] = {
    "thing": 20, "number": 32, "letter": 32, "symbol": 5, "character_string": 32, "phone_number": 17,
    "name": 10, "phrase": 5, "amount": 12, "date": 24, "time": 24,
}
_AMOUNT = re.compile(r"^[¥￥$]?\d{1,9}(\.\d{1,2})?元?$")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_LETTER = re.compile(r"^[A-Za-z]+$")
_CHARS = re.compile(r"^[\x21-\x7e]+$")  # digits, letters and symbols, no spaces
_PHRASE = re.compile(r"^[\u4e00-\u9fff]+$")
_DATE = re.compile(r"^\d{4}年\d{1,2}月\d{1,2}日( \d{1,2}:\d{2})?$|^\d{4}-\d{2}-\d{2}( \d{2}:\d{2})?$")
_TIME = re.compile(r"^(\d{4}年\d{1,2}月\d{1,2}日 |\d{4}-\d{2}-\d{2} )?\d{1,2}:\d{2}(:\d{2})?$")


def value_problem(keyword: str, value: str) -> str | None:
    """What WeChat would refuse in ``value`` for ``keyword`` (``thing3``…), or None."""
    match = KEYWORD.match(keyword)
    if not match:
        return "JOURNEY_INVALID.keyword"
    kind = match[1]
    if not value or len(value) > LIMITS[kind]:
        return "JOURNEY_INVALID.too_long" if value else "JOURNEY_INVALID.empty_value"
    pattern = {"amount": _AMOUNT, "number": _NUMBER, "letter": _LETTER, "character_string": _CHARS,
               "phrase": _PHRASE, "date": _DATE, "time": _TIME}.get(kind)
    if pattern is not None and not pattern.match(value):
        return f"JOURNEY_INVALID.format_{kind}"
    return None


# The kind of value each source gives: which keywords it may fill.
SOURCE_FITS: dict[str, tuple[str, ...]] = {
    "user.tier": ("thing", "name", "phrase"), "user.points": ("number", "thing"),
    "order.id": ("character_string", "thing"), "order.amount": ("amount", "thing"),
    "order.paid_at": ("date", "time", "thing"), "coupon.name": ("thing",), "coupon.value": ("amount", "thing"),
    "coupon.expires_at": ("date", "time", "thing"), "product.name": ("thing",), "now.date": ("date", "thing"),
    "now.time": ("time", "thing"), "journey.name": ("thing",),
}


def field_problems(keyword: str, field: Field) -> list[tuple[str, dict]]:
    match = KEYWORD.match(keyword)
    if not match:
        return [("JOURNEY_INVALID.keyword", {"keyword": keyword})]
    limit = {"keyword": keyword, "limit": LIMITS[match[1]]}
    if (field.text is None) == (field.source is None):
        return [("JOURNEY_INVALID.field_one", {"keyword": keyword})]
    out = []
    if field.text is not None:
        problem = value_problem(keyword, field.text)
        if problem:
            out.append((problem, limit))
    if field.source is not None:
        if match[1] not in SOURCE_FITS[field.source]:
            out.append(("JOURNEY_INVALID.source_fit", {"keyword": keyword, "source": field.source}))
        if field.fallback is not None:
            problem = value_problem(keyword, field.fallback)
            if problem:
                out.append((problem, limit))
    return out


def step_index(doc: Journey) -> dict[str, int]:
    return {step.id: i for i, step in enumerate(doc.steps)}


def templates(doc: Journey) -> list[str]:
    """The subscribe templates the journey sends, in step order."""
    seen: list[str] = []
    for step in doc.steps:
        if isinstance(step, Send) and step.template not in seen:
            seen.append(step.template)
    return seen


def marketing(doc: Journey) -> bool:
    return any(isinstance(s, Send) and s.marketing for s in doc.steps)
