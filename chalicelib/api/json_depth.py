"""How deep a JSON body nests, found before it is decoded.

msgspec decodes nested arrays and objects by recursion: a 4 KB body of 2,000 ``[`` raises
RecursionError, which is no ``DecodeError`` and would end as a 500. No body of ours nests
more than a handful of levels, so anything past ``MAX_DEPTH`` is refused before decoding.

The scan runs on every request, so it is arranged to cost almost nothing: counting the
opening brackets is one pass in C, and a body with no more of them than the limit cannot
nest past it. Only a body with many brackets has its strings cut out (a bracket inside a
string is text, not nesting) and its brackets walked.
"""
from __future__ import annotations

import re

MAX_DEPTH = 32

# A backslash and the byte it escapes. Outside a string it is invalid JSON: the decoder stops
# there, before anything that cutting it could make the scan misread.
_ESCAPE = re.compile(rb"\\.", re.DOTALL)
_OPEN, _CLOSE = b"[{", b"]}"
_NOT_A_BRACKET = bytes(b for b in range(256) if b not in _OPEN + _CLOSE)
_NOT_A_BRACKET_OR_QUOTE = _NOT_A_BRACKET.replace(b'"', b"")
_AS_PARENTHESES = bytes.maketrans(_OPEN + _CLOSE, b"(())")  # one comparison a byte in the walk


def too_deep(raw: bytes, limit: int = MAX_DEPTH) -> bool:
    """True when arrays and objects in ``raw`` open more than ``limit`` levels deep.

    Unclosed brackets count: a truncated body recurses in the decoder as far as a closed one.
    """
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return False
    depth = 0
    for byte in _brackets_outside_strings(raw).translate(_AS_PARENTHESES):
        if byte == 40:  # (
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def _brackets_outside_strings(raw: bytes) -> bytes:
    if b"\\" in raw:
        raw = _ESCAPE.sub(b"", raw)  # an escaped quote or backslash must not pass for a delimiter
    # Without escapes the quotes open and close strings in turn: a bracket between an even
    # and the next odd quote is text. All of it in C, without matching each string.
    return b"".join(raw.translate(None, _NOT_A_BRACKET_OR_QUOTE).split(b'"')[::2])
