"""Pure rules of operator accounts: names, passwords, session tokens, cookies, audit snapshots.

No I/O; the clock and randomness are arguments or the standard library's ``secrets``.
"""
from __future__ import annotations

import base64
import hashlib
import json
import secrets
import unicodedata
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from chalicelib import errors, messages

NAME_MAX = 32
PASSWORD_MIN, PASSWORD_MAX = 10, 128
SESSION_HOURS = 12
COOKIE_LOCAL, COOKIE_SECURE = "huiliu-op", "__Host-huiliu-op"
# Keys never copied into an audit record, whatever item they come from.
SECRET_MARKERS = ("password", "secret", "csrf", "token", "session")
SNAPSHOT_MAX = 64 * 1024  # an audit item stays far inside DynamoDB's 400 KB


def name_key(name: str) -> str:
    """The operator id: the login name folded (NFKC, case) so that ``Alice`` and ``ａｌｉｃｅ``
    are one account. Letters (any script), digits and ``. _ - @``, 1 to 32 of them."""
    folded = unicodedata.normalize("NFKC", name).strip().casefold()
    if not 0 < len(folded) <= NAME_MAX or not all(c.isalnum() or c in "._-@" for c in folded):
        raise errors.OperatorNameInvalid()
    return folded


def login_key(name: str) -> str:
    """Like ``name_key``, but never refuses: a login with a malformed name is a failed login."""
    try:
        return name_key(name)
    except errors.OperatorNameInvalid:
        return "#invalid"


def check_password(password: str) -> str:
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX or not password.isprintable():
        raise errors.OperatorPasswordWeak()
    if len(set(password)) < 4:  # "aaaaaaaaaa", "1212121212"
        raise errors.OperatorPasswordWeak()
    return password


def new_token() -> str:
    """A session token (256 random bits) for the cookie; only its digest is stored."""
    return secrets.token_urlsafe(32)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def expiry(now: datetime) -> datetime:
    return now + timedelta(hours=SESSION_HOURS)


def cookie_name(local: bool) -> str:
    """``__Host-`` outside the local stage: the browser then insists on Secure, Path=/ and no
    Domain, so no subdomain can plant the cookie. Local http cannot be Secure."""
    return COOKIE_LOCAL if local else COOKIE_SECURE


def set_cookie(token: str, *, local: bool, max_age: int) -> str:
    parts = [f"{cookie_name(local)}={token}", "Path=/", "HttpOnly", "SameSite=Strict", f"Max-Age={max_age}"]
    if not local:
        parts.append("Secure")
    return "; ".join(parts)


def clear_cookie(*, local: bool) -> str:
    return set_cookie("", local=local, max_age=0)


def cookie_token(header: str | None, *, local: bool) -> str | None:
    """The session token from a ``Cookie`` header, or None."""
    wanted = cookie_name(local)
    for part in (header or "").split(";"):
        name, _, value = part.strip().partition("=")
        if name == wanted and 0 < len(value) <= 128:
            return value
    return None


def snapshot(item: Any) -> Any:
    """A JSON-safe copy of a stored item for the audit log, without secrets."""
    if isinstance(item, dict):
        return {str(k): snapshot(v) for k, v in sorted(item.items())
                if not any(m in str(k).lower() for m in SECRET_MARKERS)}
    if isinstance(item, (list, tuple)):
        return [snapshot(v) for v in item]
    if isinstance(item, (set, frozenset)):
        return sorted((snapshot(v) for v in item), key=str)
    if isinstance(item, datetime):
        return item.isoformat().replace("+00:00", "Z")
    if isinstance(item, date):
        return item.isoformat()
    if isinstance(item, Decimal):
        return int(item) if item == item.to_integral_value() else float(item)
    if item is None or isinstance(item, (str, int, float, bool)):
        return item
    if isinstance(item, bytes):
        return f"<{len(item)} bytes>"
    return str(item)


def encoded(value: Any) -> str | None:
    """The snapshot as stored: JSON, or a note when it is too large to keep whole."""
    if value is None:
        return None
    text = json.dumps(snapshot(value), ensure_ascii=False, sort_keys=True)
    if len(text.encode()) > SNAPSHOT_MAX:
        return json.dumps({"truncated": True, "sha256": hashlib.sha256(text.encode()).hexdigest(),
                           "bytes": len(text.encode())})
    return text


def cursor(key: dict[str, Any] | None) -> str | None:
    """An opaque paging cursor from DynamoDB's last evaluated key."""
    if not key:
        return None
    return base64.urlsafe_b64encode(json.dumps(key, sort_keys=True).encode()).decode().rstrip("=")


def from_cursor(text: str | None, allowed: set[str]) -> dict[str, Any] | None:
    if not text:
        return None
    try:
        key = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    except (ValueError, UnicodeDecodeError) as exc:
        raise errors.ValidationFailed(messages.text("AUDIT_CURSOR_INVALID")) from exc
    if not isinstance(key, dict) or set(key) - allowed or not all(isinstance(v, str) for v in key.values()):
        raise errors.ValidationFailed(messages.text("AUDIT_CURSOR_INVALID"))
    return key
