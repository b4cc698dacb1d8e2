"""The console's accounts: operators log in (a session cookie), the owner manages operators and
settings and reads the audit log. The rules live in ``chalicelib.operators``."""
from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from chalice import Blueprint, Response

from chalicelib import config
from chalicelib.api.http import JSON_HEADERS, Call, route
from chalicelib.api.limiting import caller_network
from chalicelib.auth.levels import ANONYMOUS, OPERATOR
from chalicelib.operators.roles import OWNER_ONLY, READ

bp = Blueprint(__name__)

ANSWERS = "chalicelib.api.console_answers:"

Role = Literal["owner", "marketer", "analyst"]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
Password = Annotated[str, msgspec.Meta(min_length=1, max_length=256)]


class OperatorLogin(msgspec.Struct, forbid_unknown_fields=True):
    name: Name
    password: Password


class NewOperator(msgspec.Struct, forbid_unknown_fields=True):
    name: Name
    role: Role
    password: Password


class OperatorPatch(msgspec.Struct, forbid_unknown_fields=True):
    role: Role | None = None
    disabled: bool | None = None


class OperatorPassword(msgspec.Struct, forbid_unknown_fields=True):
    password: Password


class AuditLogQuery(msgspec.Struct):
    """Newest first; ``operator``: only that operator's changes ("shared-key" for the key's)."""

    operator: Annotated[str, msgspec.Meta(min_length=1, max_length=64)] | None = None
    limit: Annotated[int, msgspec.Meta(ge=1, le=100)] = 50
    cursor: Annotated[str, msgspec.Meta(max_length=512)] | None = None


class ConsoleSettingsBody(msgspec.Struct, rename="camel", forbid_unknown_fields=True):
    shared_key_enabled: bool


def _service():
    from chalicelib.operators import service  # argon2 and the models load with the first console call

    return service


def _local() -> bool:
    from chalicelib.operators import access

    return access.local_cookies()


@route(bp, "POST", "/operator/login", auth=ANONYMOUS, body=OperatorLogin, answer=ANSWERS + "OperatorSession")
def login(call: Call) -> Response:
    from chalicelib.operators import rules

    b: OperatorLogin = call.body
    done = _service().login(b.name, b.password, network=caller_network(call), now=call.now)
    cookie = rules.set_cookie(done.token, local=_local(), max_age=rules.SESSION_HOURS * 3600)
    return Response(body=msgspec.json.encode(_session(done.actor)).decode(), status_code=200,
                    headers={**JSON_HEADERS, "Set-Cookie": cookie, "Cache-Control": "no-store"})


@route(bp, "POST", "/operator/logout", auth=OPERATOR, capability=READ, status=204)
def logout(call: Call) -> Response:
    from chalicelib.operators import rules

    _service().logout(call.actor)
    return Response(body="", status_code=204, headers={"Set-Cookie": rules.clear_cookie(local=_local())})


@route(bp, "GET", "/operator/me", auth=OPERATOR, answer=ANSWERS + "OperatorSession")
def me(call: Call) -> dict:
    return _session(call.actor)


def _session(actor) -> dict:
    return {"operator": actor.as_json(), "csrfToken": actor.csrf,
            "expiresAt": config.iso(actor.expires_at) if actor.expires_at else None}


@route(bp, "GET", "/operator/operators", auth=OPERATOR, capability=OWNER_ONLY, answer=ANSWERS + "OperatorAccounts")
def list_operators(call: Call) -> dict:
    return {"operators": _service().list_operators()}


@route(bp, "POST", "/operator/operators", auth=OPERATOR, capability=OWNER_ONLY, body=NewOperator, status=201,
       answer=ANSWERS + "OperatorAccount")
def create_operator(call: Call) -> dict:
    b: NewOperator = call.body
    return _service().create_operator(call.actor, b.name, b.role, b.password, idempotency_key=call.idempotency_key,
                                      now=call.now)


@route(bp, "PATCH", "/operator/operators/{operator_id}", auth=OPERATOR, capability=OWNER_ONLY, body=OperatorPatch,
       answer=ANSWERS + "OperatorAccount")
def update_operator(call: Call) -> dict:
    b: OperatorPatch = call.body
    return _service().update_operator(call.actor, call.path["operator_id"], role=b.role, disabled=b.disabled,
                                      now=call.now)


@route(bp, "POST", "/operator/operators/{operator_id}/password", auth=OPERATOR, capability=OWNER_ONLY,
       body=OperatorPassword, answer=ANSWERS + "OperatorAccount")
def reset_password(call: Call) -> dict:
    return _service().reset_password(call.actor, call.path["operator_id"], call.body.password, now=call.now)


@route(bp, "POST", "/operator/operators/{operator_id}/revoke-sessions", auth=OPERATOR, capability=OWNER_ONLY,
       answer=ANSWERS + "OperatorAccount")
def revoke_sessions(call: Call) -> dict:
    return _service().revoke_sessions(call.actor, call.path["operator_id"], now=call.now)


@route(bp, "GET", "/operator/audit", auth=OPERATOR, capability=OWNER_ONLY, query=AuditLogQuery,
       answer=ANSWERS + "AuditPage")
def audit_log(call: Call) -> dict:
    try:
        q = msgspec.convert(call.query, AuditLogQuery, strict=False)
    except msgspec.ValidationError as exc:
        from chalicelib import errors, messages

        raise errors.ValidationFailed(messages.text("VALIDATION_FAILED.body", detail=exc)) from exc
    return _service().audit_log(operator_id=q.operator, limit=q.limit, cursor=q.cursor)


@route(bp, "GET", "/operator/settings", auth=OPERATOR, capability=OWNER_ONLY, answer=ANSWERS + "ConsoleSettings")
def get_settings(call: Call) -> dict:
    return _service().settings()


@route(bp, "PUT", "/operator/settings", auth=OPERATOR, capability=OWNER_ONLY, body=ConsoleSettingsBody,
       answer=ANSWERS + "ConsoleSettings")
def put_settings(call: Call) -> dict:
    return _service().put_settings(call.actor, shared_key_enabled=call.body.shared_key_enabled, now=call.now)
