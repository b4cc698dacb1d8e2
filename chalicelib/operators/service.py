"""What the console's routes and the operator CLI do: log in, check a session, manage operators,
the owner's settings and the audit log. No Chalice here; the clock is an argument."""
from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from chalicelib import config, errors
from chalicelib.limits import rules as limit_rules
from chalicelib.operators import audit, passwords, roles, rules, store
from chalicelib.operators.models import OPERATOR, AuditRecord, Operator, OperatorSession

log = logging.getLogger(__name__)

AUDIT_PAGE_MAX = 100


@dataclass
class Actor:
    """Who is calling an operator function: a logged-in operator, or the shared key."""

    operator_id: str
    name: str
    role: str
    session_id: str | None = None  # the session's digest, for a cookie caller
    csrf: str | None = None
    expires_at: datetime | None = None
    route: tuple[str, str] = field(default=("", ""))  # (method, path template), set by the wrapper

    @property
    def who(self) -> audit.Who:
        return audit.Who(self.operator_id, self.name)

    def as_json(self) -> dict[str, Any]:
        return {"operatorId": None if self.operator_id == audit.SHARED_KEY_ID else self.operator_id,
                "name": self.name, "role": self.role, "sharedKey": self.operator_id == audit.SHARED_KEY_ID}


SHARED_KEY = Actor(audit.SHARED_KEY_ID, audit.SHARED_KEY_NAME, roles.SHARED_KEY_ROLE)
# The command line (python -m infra.operators) in the audit log.
COMMAND_LINE = Actor("command-line", "command line (infra.operators)", roles.OWNER,
                     route=("CLI", "python -m infra.operators create-owner"))


@dataclass(frozen=True)
class Login:
    token: str  # for the cookie only
    actor: Actor


def view(op: Operator) -> dict[str, Any]:
    """An operator as the API shows it: never the hash."""
    return {"operatorId": op.operator_id, "name": op.name, "role": op.role, "disabled": bool(op.disabled),
            "createdAt": config.iso(op.created_at) if op.created_at else None,
            "updatedAt": config.iso(op.updated_at) if op.updated_at else None}


def _snapshot(op: Operator | None) -> dict[str, Any] | None:
    return None if op is None else view(op) | {"generation": int(op.generation or 0)}


# Logging in and out.
def login(name: str, password: str, *, network: str, now: datetime) -> Login:
    """A session for ``name`` if ``password`` is its operator's. Unknown names and wrong
    passwords answer alike and take alike long (``passwords.verify``). Each attempt first takes
    one unit from the address's budget, then one from the name's, whether the name exists or not."""
    from chalicelib.limits import service as limits

    key = rules.login_key(name)
    try:
        limits.take(limit_rules.LIMITS.operator_logins_per_address, network, now=now)
        limits.take(limit_rules.LIMITS.operator_logins_per_name, key, now=now)
    except errors.RateLimited as exc:
        raise errors.OperatorLoginRateLimited(retry_after=exc.retry_after) from exc
    op = store.operator(key) if len(password) <= rules.PASSWORD_MAX else None
    if not passwords.verify(op.password_hash if op else None, password[: rules.PASSWORD_MAX]) or op is None:
        log.info("operator login failed")
        raise errors.OperatorLoginFailed()
    if op.disabled:
        raise errors.OperatorDisabled()
    if passwords.needs_rehash(op.password_hash):
        store.rehash(op.operator_id, op.password_hash, passwords.hash_password(password))
    token = rules.new_token()
    session = OperatorSession(rules.digest(token), operator_id=op.operator_id, generation=int(op.generation or 0),
                              csrf=secrets.token_urlsafe(32), created_at=now, expires_at=rules.expiry(now))
    store.open_session(session)
    log.info("operator logged in", extra={"operator": op.operator_id})
    return Login(token, _actor(op, session))


def logout(actor: Actor) -> None:
    if actor.session_id is not None:
        store.end_session(actor.session_id)


def _actor(op: Operator, session: OperatorSession) -> Actor:
    return Actor(op.operator_id, op.name or op.operator_id, op.role or roles.ANALYST, session.session_id,
                 session.csrf, session.expires_at)


def authenticate(token: str, *, now: datetime) -> Actor:
    """The operator a session cookie stands for, as stored now: two consistent reads."""
    session = store.session(rules.digest(token))
    if session is None or session.expires_at <= now:
        raise errors.OperatorSessionInvalid()
    op = store.operator(session.operator_id)
    if op is None:
        raise errors.OperatorSessionInvalid()
    if op.disabled:
        raise errors.OperatorDisabled()
    if int(session.generation) != int(op.generation or 0):  # revoked, or the password reset
        raise errors.OperatorSessionInvalid()
    return _actor(op, session)


def shared_key_enabled() -> bool:
    """The owner's setting; never set, it is on only in the local stage (the local scripts and
    the demo use the key), off in every deployed one."""
    found = store.settings()
    if found is None or found.shared_key is None:
        return config.stage() == "local"
    return bool(found.shared_key)


# The owner's management of operators. Each change is one transaction with its audit record.
def create_operator(by: Actor, name: str, role: str, password: str, *, idempotency_key: str | None,
                    now: datetime) -> dict[str, Any]:
    operator_id = rules.name_key(name)
    rules.check_password(password)
    key = _key_digest(idempotency_key)

    def attempt() -> dict[str, Any]:
        op = Operator(OPERATOR, operator_id, name=name.strip(), role=role, password_hash=passwords.hash_password(password),
                      disabled=False, generation=0, created_at=now, updated_at=now, created_by=by.operator_id,
                      created_key=key)
        store.create(op, _audit(by, {"operatorId": operator_id}, None, _snapshot(op)))
        return view(op)

    def earlier() -> dict[str, Any] | None:  # a replay of the same Idempotency-Key gets its first answer
        found = store.operator(operator_id)
        return view(found) if found is not None and key is not None and found.created_key == key else None

    from chalicelib.idempotency import first_answer

    return first_answer(idempotency_key, attempt, earlier)


def list_operators() -> list[dict[str, Any]]:
    return [view(op) for op in store.operators()]


def update_operator(by: Actor, operator_id: str, *, role: str | None, disabled: bool | None,
                    now: datetime) -> dict[str, Any]:
    """A new role, disabled or enabled again. Disabling ends the operator's sessions. The last
    enabled owner can be neither demoted nor disabled (409 ``OPERATOR_LAST_OWNER``)."""
    for _ in range(3):
        read = _existing(operator_id)
        was_owner = read.role == roles.OWNER and not read.disabled
        new_role = role if role is not None else read.role
        new_disabled = disabled if disabled is not None else bool(read.disabled)
        is_owner = new_role == roles.OWNER and not new_disabled
        if new_role == read.role and new_disabled == bool(read.disabled):
            return view(read)  # nothing to change, nothing to audit
        actions = [Operator.role.set(new_role), Operator.disabled.set(new_disabled), Operator.updated_at.set(now)]
        generation = int(read.generation or 0)
        if new_disabled and not read.disabled:
            actions.append(Operator.generation.set(generation + 1))
            generation += 1
        after = Operator(**{**read.attribute_values, "role": new_role, "disabled": new_disabled,
                                          "updated_at": now, "generation": generation})
        try:
            store.change(read, actions, _audit(by, {"operatorId": operator_id}, _snapshot(read), _snapshot(after)),
                         owners=int(is_owner) - int(was_owner))
            return view(after)
        except errors.LastOwner:
            raise
        except errors.Conflict:
            continue  # changed meanwhile: read again
    raise errors.StorageUnavailable(retry_after=1)


def reset_password(by: Actor, operator_id: str, password: str, *, now: datetime) -> dict[str, Any]:
    """A new password, chosen by the owner; the operator's sessions end."""
    rules.check_password(password)
    hashed = passwords.hash_password(password)
    return _bump(by, operator_id, now, extra=[Operator.password_hash.set(hashed)], what="password")


def revoke_sessions(by: Actor, operator_id: str, *, now: datetime) -> dict[str, Any]:
    """Every session of the operator ends (they carry a generation that is no longer theirs)."""
    return _bump(by, operator_id, now, extra=[], what="sessions")


def _bump(by: Actor, operator_id: str, now: datetime, *, extra: list, what: str) -> dict[str, Any]:
    for _ in range(3):
        read = _existing(operator_id)
        generation = int(read.generation or 0) + 1
        after = Operator(**{**read.attribute_values, "generation": generation, "updated_at": now})
        actions = [*extra, Operator.generation.set(generation), Operator.updated_at.set(now)]
        try:
            store.change(read, actions, _audit(by, {"operatorId": operator_id, "changed": what},
                                               _snapshot(read), _snapshot(after)))
            return view(after)
        except errors.LastOwner:
            raise
        except errors.Conflict:
            continue
    raise errors.StorageUnavailable(retry_after=1)


def _existing(operator_id: str) -> Operator:
    op = store.operator(operator_id)
    if op is None:
        raise errors.OperatorNotFound()
    return op


def settings() -> dict[str, Any]:
    return {"sharedKeyEnabled": shared_key_enabled()}


def put_settings(by: Actor, *, shared_key_enabled: bool, now: datetime) -> dict[str, Any]:
    before = settings()
    after = {"sharedKeyEnabled": shared_key_enabled}
    store.put_settings(shared_key_enabled, now, _audit(by, {"settings": "console"}, before, after))
    return after


def audit_log(*, operator_id: str | None, limit: int, cursor: str | None) -> dict[str, Any]:
    after = None
    if cursor:
        found = rules.from_cursor(cursor, {"at"})
        after = found["at"] if found else None
    items, more = store.audit_page(operator_id, min(max(limit, 1), AUDIT_PAGE_MAX), after)
    return {"records": [audit.as_json(r) for r in items], "next": rules.cursor({"at": more}) if more else None}


def _audit(by: Actor, target: dict[str, Any], before: Any, after: Any) -> AuditRecord:
    method, route = by.route
    return audit.new(by.who, method, route, target, before, after)


def _key_digest(key: str | None) -> str | None:
    return None if key is None else hashlib.sha256(key.encode()).hexdigest()
