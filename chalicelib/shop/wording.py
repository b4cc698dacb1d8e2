"""The catalogue's refusals as a person reads them (zh-CN, from ``chalicelib.messages``), for the
console: msgspec's refusal of a field, and the sync's problems (``rules.problems``, ``rules.room``),
which name an entry as ``kind[i].field``. The checks are the sync's own; only the words are here.
"""
from __future__ import annotations

import re
from typing import NamedTuple

import msgspec

from chalicelib import messages

# Which rule a field follows, for the message that says it.
RULES = {
    "productId": "IMPORT_RULE_ID", "skuId": "IMPORT_RULE_ID", "category": "IMPORT_RULE_ID",
    "name": "IMPORT_RULE_NAME", "summary": "IMPORT_RULE_TEXT", "image": "IMPORT_RULE_IMAGE",
    "price": "IMPORT_RULE_PRICE", "listPrice": "IMPORT_RULE_PRICE", "stock": "IMPORT_RULE_STOCK",
    "onSale": "IMPORT_RULE_BOOL", "version": "IMPORT_RULE_VERSION",
}

_PATH = re.compile(r"at `\$((?:\.\w+|\[\d+\])+)`")
_FIELD = re.compile(r"field `(\w+)`")
_PROBLEM = re.compile(r"^(categories|products|skus)\[(\d+)\]\.(\w+): (.*)$")
_QUOTED = re.compile(r"'([^']*)'")
_SAME = re.compile(r"the same entry as \w+\[(\d+)\]")


class Problem(NamedTuple):
    """``kind`` and ``index`` name the entry of the batch (None: the batch as a whole)."""

    kind: str | None
    index: int | None
    field: str
    message: str


def invalid(field: str) -> str:
    """The field's value breaks its rule."""
    rule = messages.text(RULES[field]) if field in RULES else ""
    return messages.text("IMPORT_FIELD_INVALID").format(field=field, rule=rule).rstrip("：: ")


def refusal(exc: msgspec.ValidationError) -> tuple[str, str]:
    """(the field's path as sent, e.g. ``skus[0].price``; what is wrong) of msgspec's refusal."""
    text = str(exc)
    named = _FIELD.search(text)
    where = _PATH.search(text)
    prefix = where[1].lstrip(".") if where else ""
    if named and ("unknown field" in text or "missing required field" in text):
        field = f"{prefix}.{named[1]}" if prefix else named[1]
        code = "IMPORT_FIELD_UNKNOWN" if "unknown field" in text else "IMPORT_FIELD_MISSING"
        return field, messages.text(code).format(field=named[1])
    if where:
        return prefix, invalid(re.split(r"[.\]]", prefix)[-1] or prefix)
    return "", text


def problem(text: str, *, row_of: dict[tuple[str, int], int] | None = None) -> Problem:
    """One of the sync's problems in words; ``row_of`` maps (kind, index) to a file's row number,
    for "the same entry as …"."""
    found = _PROBLEM.match(text)
    if found is None:
        message = messages.text("IMPORT_EMPTY") if text.startswith("the batch is empty") else text
        return Problem(None, None, "", message)
    kind, index, field, rest = found[1], int(found[2]), found[3], found[4]
    value = _QUOTED.search(rest)
    same = _SAME.search(rest)
    if same:
        other = int(same[1])
        message = messages.text("IMPORT_DUPLICATE").format(other=(row_of or {}).get((kind, other), other))
    elif rest.startswith("no category"):
        message = messages.text("IMPORT_NO_CATEGORY").format(value=value[1] if value else "")
    elif rest.startswith("no product"):
        message = messages.text("IMPORT_NO_PRODUCT").format(value=value[1] if value else "")
    elif field == "listPrice":
        message = messages.text("IMPORT_LIST_PRICE_LOW")
    elif "at most" in rest:
        message = messages.text("IMPORT_FULL")
    else:
        message = f"{invalid(field)} ({rest})"
    return Problem(kind, index, field, message)
