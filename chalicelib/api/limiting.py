"""Who a per-address abuse limit counts: the network API Gateway saw the request come from."""
from __future__ import annotations

from chalicelib import lazy
from chalicelib.api.http import Call

# Loads with the first request that is limited (chalicelib.lazy), not at cold start.
rules = lazy.module("chalicelib.limits.rules")


def caller_network(call: Call) -> str:
    """The caller's IPv4 address or IPv6 /64, from the proxy event's ``sourceIp``: never from a
    header such as X-Forwarded-For, which the client writes. ``chalice local`` fills it too."""
    identity = (call.request.context or {}).get("identity") or {}
    return rules.network(identity.get("sourceIp") or "")
