"""Operators' storage: each function owns one conditional write or one transaction.

A change to an operator is one transaction with its audit record, conditioned on the operator
being as read (role and disabled, the facts the owners' count rests on); a change that takes
an owner away also takes 1 from ``#owners`` under ``active > 1``, so two owners demoting each
other at once cannot leave none.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist, PutError, UpdateError

from chalicelib import errors
from chalicelib.operators.models import CONSOLE, OPERATOR, OWNERS, SETTINGS, STREAM, AuditRecord, Operator, OperatorSession
from chalicelib.store.transactions import Cancelled, Transaction


def operator(operator_id: str) -> Operator | None:
    if operator_id.startswith("#"):
        return None
    try:
        return Operator.get(OPERATOR, operator_id, consistent_read=True)
    except DoesNotExist:
        return None


def operators() -> list[Operator]:
    """Every operator, by id: one Query (a merchant has a handful)."""
    return list(Operator.query(OPERATOR, consistent_read=True))


def create(op: Operator, audit: AuditRecord) -> None:
    """The operator (its name not yet taken), an owner counted, and the audit record: one
    transaction."""
    tx = Transaction()
    tx.save("operator", op, condition=Operator.operator_id.does_not_exist())
    if op.role == "owner":
        tx.update("owners", Operator(CONSOLE, OWNERS), actions=[Operator.active.add(1)])
    tx.save("audit", audit)
    try:
        tx.commit()
    except Cancelled as exc:
        if "operator" in exc.failed:
            raise errors.OperatorExists() from exc
        if exc.conflict:
            raise errors.StorageUnavailable(retry_after=1) from exc
        raise


def change(read: Operator, actions: list, audit: AuditRecord, *, owners: int = 0) -> None:
    """``actions`` on the operator as ``read``, ``owners`` added to the count of enabled owners
    (never to below one), and the audit record: one transaction. A concurrent change to the
    same operator is a 409; the caller reads again."""
    tx = Transaction()
    tx.update("operator", Operator(OPERATOR, read.operator_id), actions=actions,
              condition=(Operator.role == read.role) & (Operator.disabled == bool(read.disabled)))
    if owners < 0:
        tx.update("owners", Operator(CONSOLE, OWNERS), actions=[Operator.active.add(owners)],
                  condition=Operator.active > -owners)
    elif owners > 0:
        tx.update("owners", Operator(CONSOLE, OWNERS), actions=[Operator.active.add(owners)])
    tx.save("audit", audit)
    try:
        tx.commit()
    except Cancelled as exc:
        if "owners" in exc.failed:
            raise errors.LastOwner() from exc
        if "operator" in exc.failed or exc.conflict:
            raise errors.Conflict() from exc
        raise


def rehash(operator_id: str, old: str, new: str) -> bool:
    """A stronger hash of the same password, unless the password changed meanwhile."""
    try:
        Operator(OPERATOR, operator_id).update(actions=[Operator.password_hash.set(new)],
                                     condition=Operator.password_hash == old)
        return True
    except UpdateError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        return False


def open_session(session: OperatorSession) -> None:
    # A 256-bit random id never repeats; the condition only makes that a fact, not a hope.
    try:
        session.save(condition=OperatorSession.session_id.does_not_exist())
    except PutError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            raise errors.Conflict() from exc
        raise


def session(session_id: str) -> OperatorSession | None:
    try:
        return OperatorSession.get(session_id, consistent_read=True)
    except DoesNotExist:
        return None


def end_session(session_id: str) -> None:
    OperatorSession(session_id).delete()


def settings() -> Operator | None:
    try:
        return Operator.get(CONSOLE, SETTINGS, consistent_read=True)
    except DoesNotExist:
        return None


def put_settings(shared_key: bool, now: datetime, audit: AuditRecord) -> None:
    tx = Transaction()
    tx.save("settings", Operator(CONSOLE, SETTINGS, shared_key=shared_key, updated_at=now))
    tx.save("audit", audit)
    tx.commit()


def owners() -> int:
    try:
        return int(Operator.get(CONSOLE, OWNERS, consistent_read=True).active or 0)
    except DoesNotExist:
        return 0


def record(audit: AuditRecord) -> None:
    audit.save()


def audit_page(actor_id: str | None, limit: int, after: str | None) -> tuple[list[AuditRecord], str | None]:
    """Up to ``limit`` records, newest first, older than ``after`` (an ``at_id``); and the
    ``at_id`` to continue from, or None at the end."""
    start: dict[str, Any] | None = None
    if actor_id is None:
        if after:
            start = {"stream": {"S": STREAM}, "at_id": {"S": after}}
        query = AuditRecord.query(STREAM, scan_index_forward=False, limit=limit, last_evaluated_key=start)
    else:
        if after:
            start = {"stream": {"S": STREAM}, "at_id": {"S": after}, "actor_id": {"S": actor_id}}
        query = AuditRecord.by_actor.query(actor_id, scan_index_forward=False, limit=limit,
                                           last_evaluated_key=start)
    items = list(query)
    more = query.last_evaluated_key is not None and len(items) == limit
    return items, (items[-1].at_id if more and items else None)
