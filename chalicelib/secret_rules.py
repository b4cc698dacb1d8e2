"""What makes a deployed stage's secrets fit for use: pure rules, no I/O.

A stage deployed from the README's first draft used to start with ``"..."`` keys, a short
operator key equal to the server key, and serve with them. ``chalicelib.readiness`` refuses such
a stage with these rules; ``python -m infra.secrets`` checks what it prints with the same ones.
Every finding names the key and the reason, never the value.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence

MIN_LENGTH = 32
# Estimated from the value's own character frequencies (length × Shannon entropy). A WeChat
# AppSecret is 32 random hex digits: 128 bits, estimated at 87 or more (the lowest of 200,000
# drawn); a repeated or two-letter value estimates far below.
MIN_BITS = 80
# What a value copied from documentation or the local stack contains; compared case-blind.
PLACEHOLDERS = ("...", "change-me", "changeme", "change_me", "local-", "placeholder", "example", "<", ">")
# WeChat's appids: "wx" and 16 hex digits. The README's placeholder is all zeros.
APPID = re.compile(r"wx[0-9a-f]{16}")


def estimated_bits(value: str) -> float:
    """Length × the entropy of the value's character distribution: a cheap upper bound that
    catches repetition and tiny alphabets, not a measure of how the value was chosen."""
    if not value:
        return 0.0
    n = len(value)
    return -n * sum(c / n * math.log2(c / n) for c in Counter(value).values())


def problems(secrets: Mapping[str, str], names: Sequence[str]) -> list[str]:
    """Why ``secrets`` must not be used, one finding per line (empty: fit for use). Every name
    must be present, long, varied, no placeholder, and no two keys may be equal."""
    found = []
    for name in names:
        value = secrets.get(name) or ""
        if not value:
            found.append(f"{name} is missing")
            continue
        lowered = value.lower()
        placeholder = next((p for p in PLACEHOLDERS if p in lowered), None)
        if placeholder is not None:
            found.append(f"{name} contains the placeholder text {placeholder!r}")
        elif len(value) < MIN_LENGTH:
            found.append(f"{name} is {len(value)} characters, under {MIN_LENGTH}")
        elif estimated_bits(value) < MIN_BITS:
            found.append(f"{name} is too repetitive to be random (about {estimated_bits(value):.0f} bits, "
                         f"under {MIN_BITS})")
    present = [n for n in names if secrets.get(n)]
    for i, first in enumerate(present):
        for second in present[i + 1:]:
            if secrets[first] == secrets[second]:
                found.append(f"{second} is the same as {first}")
    return found


def appid_problem(appid: str) -> str | None:
    """Why ``appid`` is not a mini-program's appid, or None."""
    if not APPID.fullmatch(appid or ""):
        return "HUILIU_WECHAT_APPID is not an appid (wx and 16 hex digits)"
    if set(appid[2:]) == {"0"}:
        return "HUILIU_WECHAT_APPID is the placeholder wx0000000000000000"
    return None
