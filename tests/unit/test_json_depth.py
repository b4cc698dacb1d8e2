"""The nesting scan that keeps msgspec's recursion away from request bodies."""
from __future__ import annotations

import json
import time

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.api.json_depth import MAX_DEPTH, too_deep


def nested(depth: int, open_: str = "[", close: str = "]") -> bytes:
    return (open_ * depth + close * depth).encode()


def depth_of(value: object) -> int:
    if isinstance(value, list):
        return 1 + max(map(depth_of, value), default=0)
    if isinstance(value, dict):
        return 1 + max(map(depth_of, value.values()), default=0)
    return 0


@pytest.mark.parametrize("open_,close", [("[", "]"), ('{"a":', "}")])
def test_the_limit_is_allowed_one_more_is_not(open_, close):
    assert not too_deep(nested(MAX_DEPTH, open_, close).replace(b":}", b":1}"))
    assert too_deep(nested(MAX_DEPTH + 1, open_, close).replace(b":}", b":1}"))


def test_the_issue_body_is_refused():
    body = b'{"events": ' + nested(2000) + b"}"  # 4 KB that made msgspec raise RecursionError

    with pytest.raises(RecursionError):
        msgspec.json.decode(body)
    assert too_deep(body)


def test_many_brackets_side_by_side_are_not_depth():
    assert not too_deep(json.dumps([[i] for i in range(5000)]).encode())
    assert not too_deep(json.dumps({"events": [{"id": str(i), "props": {"cart": ["a"]}} for i in range(50)]}).encode())


def test_brackets_inside_strings_are_text():
    text = "[" * 1000 + '{"' + "\\"
    assert not too_deep(json.dumps({"note": text, "other": "]]]"}).encode())


def test_an_escaped_quote_does_not_end_a_string():
    hidden = b'{"a": "\\"' + b"[" * 100 + b'"}'  # the brackets sit inside the string
    assert json.loads(hidden)
    assert not too_deep(hidden)

    escaped_backslash = b'{"a": "\\\\", "b": ' + nested(100) + b"}"  # the string ends after \\
    assert too_deep(escaped_backslash)


def test_unclosed_brackets_count_as_the_decoder_recurses_into_them():
    truncated = b'{"a": ' + b"[" * 2000

    with pytest.raises(RecursionError):
        msgspec.json.decode(truncated)
    assert too_deep(truncated)


def test_an_unclosed_string_hides_nothing_from_the_scan():
    assert too_deep(b'{"a": "x", "b": ' + nested(100) + b', "c": "unclosed')


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet='[]{}"\\ab:,'),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(alphabet='[]{}"\\a', max_size=3), inner,
                                                                 max_size=3),
    max_leaves=60,
)


@given(json_values)
def test_the_scan_agrees_with_the_real_depth(value):
    raw = json.dumps(value).encode()
    for limit in (0, 1, 3, 8):
        assert too_deep(raw, limit) == (depth_of(value) > limit)


def test_the_scan_is_cheap_on_the_largest_body():
    # The events function takes 64 KB: a worst case of brackets everywhere, and a normal batch.
    worst = b"[" * 32 + b"[]," * 21_800 + b"]" * 32
    batch = json.dumps({"events": [{"id": f"e{i}", "name": "add_to_cart", "props": {"cart": ["p"] * 20, "q": "[x]"}}
                                   for i in range(50)]}).encode()
    for body in (worst, batch):
        started = time.perf_counter()
        for _ in range(10):
            too_deep(body)
        assert (time.perf_counter() - started) / 10 < 0.02, len(body)
