"""Roles and what each may do. Pure, imported by the route wrapper (``chalicelib.api.http``).

A route of level ``operator`` declares one capability it needs (``route(..., capability=...)``,
by default ``read`` for GET and ``change`` for any other method); the caller's role decides.

- ``owner``: everything, and alone manages operators and the console's settings (``owner``).
- ``marketer``: reads and changes campaigns, coupons, journeys, broadcasts and rule books.
- ``analyst``: reads only.
The old shared operator key, where the owner enables it, acts as a marketer.
"""
from __future__ import annotations

READ, CHANGE, OWNER_ONLY = "read", "change", "owner"
CAPABILITIES = (READ, CHANGE, OWNER_ONLY)

OWNER, MARKETER, ANALYST = "owner", "marketer", "analyst"
ROLES = (OWNER, MARKETER, ANALYST)
SHARED_KEY_ROLE = MARKETER

GRANTS: dict[str, frozenset[str]] = {
    OWNER: frozenset(CAPABILITIES),
    MARKETER: frozenset({READ, CHANGE}),
    ANALYST: frozenset({READ}),
}
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def default_capability(method: str) -> str:
    """What a route needs unless it says otherwise: reading for GET, changing for the rest."""
    return READ if method.upper() in SAFE_METHODS else CHANGE


def allows(role: str, capability: str) -> bool:
    return capability in GRANTS.get(role, frozenset())


def changes(method: str, capability: str) -> bool:
    """A call that changes something, and is audited: not a GET, and not declared a read (a
    logout is a POST that changes nothing of the merchant's)."""
    return capability != READ and method.upper() not in SAFE_METHODS


def needs_csrf(method: str) -> bool:
    """Every call that is not a GET, made with the session cookie, carries ``X-CSRF-Token``."""
    return method.upper() not in SAFE_METHODS


def wrapper_errors(capability: str, method: str) -> tuple[str, ...]:
    """The codes the route wrapper itself can answer on an operator route (the OpenAPI document)."""
    codes = ["OPERATOR_LOGIN_REQUIRED", "OPERATOR_SESSION_INVALID", "OPERATOR_DISABLED",
             "AUTH_OPERATOR_REQUIRED", "OPERATOR_SHARED_KEY_DISABLED"]
    if any(not allows(role, capability) for role in ROLES):
        codes.append("OPERATOR_FORBIDDEN")
    if needs_csrf(method):
        codes.append("CSRF_TOKEN_INVALID")
    return tuple(codes)
