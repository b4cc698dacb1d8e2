"""An owner's console session for tests that call every operator function (the owner's own
included): one operator and one login per test session, reused, so no login budget is spent."""
from __future__ import annotations

import uuid
from functools import cache

from chalicelib import config
from chalicelib.operators import roles, service

PASSWORD = "owner of the test session"


@cache
def _owner() -> str:
    name = f"test-owner-{uuid.uuid4().hex[:8]}"
    actor = service.Actor("test-setup", "test setup", roles.OWNER, route=("TEST", "tests/e2e/operator_sessions.py"))
    service.create_operator(actor, name, roles.OWNER, PASSWORD, idempotency_key=None, now=config.utcnow())
    return name


_session: dict[str, str] = {}


def owner_headers(api) -> dict[str, str]:
    """``Cookie`` and ``X-CSRF-Token`` of a logged-in owner."""
    if not _session:
        response = api.call("POST", "/operator/login", {"name": _owner(), "password": PASSWORD})
        assert response.status_code == 200, response.text
        _session.update({"Cookie": response.headers["Set-Cookie"].split(";")[0],
                         "X-CSRF-Token": response.json["csrfToken"]})
    return dict(_session)
