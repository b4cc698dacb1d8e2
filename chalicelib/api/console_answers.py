"""What the console's account functions answer (``/operator/login``, operators, the audit log,
settings), as msgspec Structs for the OpenAPI document. Named by reference from
``console_views``, so only the generator and the tests import them."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from chalicelib.api.answers import Answer

Role = Literal["owner", "marketer", "analyst"]


class Caller(Answer):
    operator_id: str | None  # None: the shared key
    name: str
    role: Role
    shared_key: bool


class OperatorSession(Answer):
    """Send ``csrfToken`` as ``X-CSRF-Token`` with every call but a GET; the session itself is
    the HttpOnly cookie this answer sets."""

    operator: Caller
    csrf_token: str | None  # None: the shared key has no session
    expires_at: datetime | None


class OperatorAccount(Answer):
    operator_id: str
    name: str
    role: Role
    disabled: bool
    created_at: datetime | None
    updated_at: datetime | None


class OperatorAccounts(Answer):
    operators: list[OperatorAccount]


class AuditEntry(Answer):
    id: str
    at: datetime
    operator_id: str  # an operator id, "shared-key" or "command-line"
    operator_name: str
    method: str
    route: str
    target: dict[str, Any]
    before: Any
    after: Any


class AuditPage(Answer):
    records: list[AuditEntry]
    next: str | None  # the cursor of the next (older) page; None: no more


class ConsoleSettings(Answer):
    shared_key_enabled: bool
