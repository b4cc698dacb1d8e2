"""What the 规则 and 预警 screens build their forms from: each rule book's JSON Schema (the ranges
the save enforces, nothing copied by hand), what applies beside what is stored, refusals in the
catalogue's words naming the field's path, and a label for every field in both catalogues."""
from __future__ import annotations

import json

import msgspec
import pytest

from chalicelib import errors
from chalicelib.api import alert_views, operator_views
from tests.stack import ROOT

BOOKS = ("membership", "checkin", "referral", "segments", "wakeup")


def messages(lang: str) -> dict[str, str]:
    text = (ROOT / "chalicelib" / "admin" / "assets" / f"messages.{lang}.js").read_text(encoding="utf-8")
    return json.loads(text[text.index("] = ") + 4:text.rindex(";")])


def properties(schema: dict) -> set[str]:
    return {name for node in schema["$defs"].values() for name in node.get("properties", {})}


def leaves(schema: dict, node: dict, at: str = ""):
    """(path, schema) of every value a form edits, with its refs resolved."""
    if "anyOf" in node:
        node = next(n for n in node["anyOf"] if n.get("type") != "null")
    if "$ref" in node:
        node = schema["$defs"][node["$ref"].split("/")[-1]]
    if "properties" in node:
        for name, child in node["properties"].items():
            yield from leaves(schema, child, f"{at}.{name}" if at else name)
    elif node.get("type") == "array":
        yield from leaves(schema, node["items"], f"{at}[0]")
    elif "additionalProperties" in node and isinstance(node["additionalProperties"], dict):
        yield from leaves(schema, node["additionalProperties"], f"{at}[...]")
    else:
        yield at, node


@pytest.mark.parametrize("book", BOOKS)
def test_every_number_a_book_holds_has_its_range_in_the_schema(book):
    schema = operator_views._schema(book)
    found = dict(leaves(schema, schema))
    numbers = {path: node for path, node in found.items() if node.get("type") in ("integer", "number")}
    assert numbers and all("minimum" in n and "maximum" in n for n in numbers.values()), numbers
    text = json.dumps(schema)
    assert '"default"' not in text and '"description"' not in text  # the defaults are answered beside it


@pytest.mark.parametrize("book,path,top", [
    ("checkin", "makeupWindowDays", 31), ("checkin", "milestones[0].days", 31), ("wakeup", "holdoutPercent", 50),
    ("wakeup", "globalHoldoutPercent", 50), ("membership", "tiers[0].discountRate", 100),
])
def test_a_range_checked_in_code_before_is_in_the_schema_and_refused_the_same(book, path, top):
    schema = operator_views._schema(book)
    assert dict(leaves(schema, schema))[path]["maximum"] == top


@pytest.mark.parametrize("book,body,path", [
    ("membership", {"tiers": [{"code": "a", "name": "b", "threshold": 0, "discountRate": 0}]}, "tiers[0].discountRate"),
    ("membership", {"tiers": [{"code": "a", "threshold": 0}]}, "tiers[0].name"),
    ("membership", {"colour": "red"}, "colour"),
    ("checkin", {"makeupWindowDays": 32}, "makeupWindowDays"),
    ("wakeup", {"holdoutPercent": 51}, "holdoutPercent"),
    ("wakeup", {"habit": {"key": "k", "wait": 0, "template": "t", "text": "字" * 21}}, "habit.text"),
])
def test_a_refusal_is_in_chinese_and_names_the_path_the_form_shows_it_at(book, body, path):
    with pytest.raises(errors.ValidationFailed) as refused:
        operator_views._rule_books()[book](body)
    assert refused.value.message.startswith("规则无效：") and f"`$.{path}`" in refused.value.message


@pytest.mark.parametrize("book,body,field", [
    ("membership", {"tiers": [{"code": "a", "name": "b", "threshold": 5}]}, "tiers"),
    ("checkin", {"milestones": [{"days": 5}, {"days": 3}]}, "milestones"),
    ("segments", {"weights": {"page_view": 1e-9}}, "weights"),
])
def test_a_check_across_fields_is_in_chinese_and_names_its_list(book, body, field):
    with pytest.raises(errors.ValidationFailed) as refused:
        operator_views._rule_books()[book](body)
    message = refused.value.message
    assert message.startswith("规则无效：") and field in message and not message.isascii()


def test_the_book_answers_what_applies_beside_what_is_stored():
    stored = {"makeupWindowDays": 3}
    book = operator_views._book("checkin", stored, 4)
    assert book["rules"] == stored and book["effective"]["makeupWindowDays"] == 3
    assert book["effective"]["cycle"] == book["defaults"]["cycle"]
    # A document no longer valid reads as the defaults (as the capability applies it), never a 422.
    assert operator_views._book("checkin", {"makeupWindowDays": 99}, 5)["effective"] == book["defaults"]
    from chalicelib.api.merchant_answers import RuleBook
    msgspec.convert(book, RuleBook)  # the documented answer


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_every_field_of_every_book_has_a_label_in_the_console(lang):
    catalogue = messages(lang)
    names = set().union(*(properties(operator_views._schema(b)) for b in BOOKS))
    assert sorted(n for n in names if f"rules.f.{n}" not in catalogue) == []
    assert all(f"rules.book.{b}" in catalogue for b in BOOKS)


def test_the_alert_form_is_checked_by_the_rule_types():
    from chalicelib.alerts import rules

    form = alert_views._form()
    spec = form["schema"]["$defs"]["AlertSpec"]["properties"]
    assert spec["periods"]["maximum"] == 30 and form["maxPeriods"] == {"day": 30, "week": 12}
    assert set(spec["metric"]["enum"]) == set(rules.METRICS)
    assert set(form["percentMetrics"]) == {m for m, facts in rules.METRICS.items() if facts.percent}
    for lang in ("zh-CN", "en"):
        assert all(f"alerts.metric.{m}" in messages(lang) for m in rules.METRICS)
