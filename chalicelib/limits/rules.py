"""The abuse limits' figures and their fixed-window arithmetic. Pure: the clock is an argument.

A limit allows ``count`` units (requests, or events for event ingest) per ``seconds`` to one
subject. Windows are fixed, not sliding: a sliding window needs the previous window's count,
a second read on every call. The price is that a subject can spend up to twice its budget
across a window boundary, which the figures allow for.
"""
from __future__ import annotations

import ipaddress
import math
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Limit:
    """At most ``count`` units per ``seconds`` for one subject of ``scope``."""

    scope: str
    count: int
    seconds: int


@dataclass(frozen=True)
class Window:
    start: int  # epoch seconds, inclusive
    end: int  # epoch seconds, exclusive


@dataclass(frozen=True)
class Limits:
    """Every figure in one place (README "HTTP contract", design notes "Abuse limits").

    Sized against real use and the repo's own load: the simulator runs hundreds of users from
    127.0.0.1 and up to several hundred logins a minute; Chinese carriers put many users behind
    one address (CGNAT), so per-address budgets sit well above per-user ones.
    """

    # A visit sends a few batches of a few events; 300 a minute is a user scrolling non-stop.
    events_per_user: Limit = Limit("events-user", 300, 60)
    # Before login: per anonymous id (signed by us, so one per agreement to the notice) ...
    events_per_device: Limit = Limit("events-device", 300, 60)
    # ... and per address, which made-up device ids cannot escape.
    anonymous_events_per_address: Limit = Limit("events-address", 3_000, 60)
    # Every login costs a WeChat call against the app's quota, valid code or not.
    logins_per_address: Limit = Limit("login-address", 1_200, 60)
    # A login carrying an invite code is what a code guesser sends; real invitees arrive a few
    # at a time. Counted instead of (not as well as) the plain login budget.
    invite_logins_per_address: Limit = Limit("login-invite-address", 120, 60)
    # The subscribe dialog opens on a tap; nobody taps it twenty times an hour.
    subscriptions_per_user: Limit = Limit("subscriptions-user", 20, 3_600)
    # An anonymous id is one agreement to the privacy notice, once per install; the budget
    # stops a script minting ids (one write each) to spread events across them.
    anonymous_ids_per_address: Limit = Limit("anonymous-id-address", 120, 60)
    # The daily help cap bounds what helps achieve; this bounds what hammering costs us.
    bargain_helps_per_user: Limit = Limit("bargain-help-user", 20, 60)
    # Operators' console logins: guessing a password, per name (counted whether the name exists
    # or not, so the budget says nothing about which do) and per address (many names from one
    # place). A person who mistypes has ten tries a quarter hour.
    operator_logins_per_name: Limit = Limit("operator-login-name", 10, 900)
    operator_logins_per_address: Limit = Limit("operator-login-address", 100, 900)


LIMITS = Limits()


def window(limit: Limit, now: datetime, phase: int = 0) -> Window:
    """The window of ``limit`` that ``now`` falls in. ``phase`` shifts one subject's windows
    (0 ≤ phase < seconds) so that budgets do not all refill, and refused clients all retry,
    on the same second."""
    t = math.floor(now.timestamp())
    offset = phase % limit.seconds
    start = (t - offset) // limit.seconds * limit.seconds + offset
    return Window(start, start + limit.seconds)


def retry_after(w: Window, now: datetime) -> int:
    """Whole seconds until the window ends, rounded up: a client waiting that long is let in."""
    return max(1, math.ceil(w.end - now.timestamp()))


def network(address: str) -> str:
    """The subject a per-address limit counts: the IPv4 address, or the IPv6 /64 (one
    subscriber gets a whole /64 and can use any address in it)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return "unknown"  # API Gateway always sends one; whoever has none shares one budget
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network((ip, 64), strict=False))
    return str(ip)
