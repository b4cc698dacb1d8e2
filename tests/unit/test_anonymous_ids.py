"""Anonymous ids: only an id the server signed names a device; nothing a client makes up does."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from chalicelib import errors
from chalicelib.auth import anonymous, tokens

KEY = "k" * 64


def test_an_id_we_issued_names_its_device_and_each_id_is_new():
    first, device = anonymous.issue(key=KEY)
    second, other = anonymous.issue(key=KEY)

    assert anonymous.device_of(first, key=KEY) == device and anonymous.device_of(second, key=KEY) == other
    assert device != other and len(first) <= anonymous.MAX_LENGTH


def forgeries(genuine: str, other: str) -> list[str]:
    prefix, device, signature = genuine.split(".")
    flipped = ("b" if signature[0] == "a" else "a") + signature[1:]
    return [
        device,  # what the events are filed under: the old deviceId attack
        f"{prefix}.{device}",
        f"{prefix}.{device}.",
        f"{prefix}.{device}.{flipped}",
        f"{prefix}.{device}.{other.split('.')[2]}",  # another id's signature on this device
        f"{prefix}.{other.split('.')[1]}.{signature}",  # this signature on another device
        f"a2.{device}.{signature}",
        f"{prefix}.{device.upper()}.{signature}",
        f"{prefix}.{device}.{signature}.x",
        f"{prefix}.{device}.{signature[:-1]}é",  # non-ASCII must be refused, not crash compare_digest
        "",
    ]


def test_anything_else_is_refused():
    genuine, _ = anonymous.issue(key=KEY)
    other, _ = anonymous.issue(key=KEY)

    for forged in forgeries(genuine, other):
        with pytest.raises(errors.AnonymousIdInvalid):
            anonymous.device_of(forged, key=KEY)


def test_another_key_refuses_it_and_it_is_no_token():
    genuine, _ = anonymous.issue(key=KEY)

    with pytest.raises(errors.AnonymousIdInvalid):
        anonymous.device_of(genuine, key="another key entirely")
    with pytest.raises(errors.TokenInvalid):
        tokens.verify(genuine, key=KEY, now=datetime.now(timezone.utc))
