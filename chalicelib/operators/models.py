"""Operators, their sessions and the audit log.

Key patterns:
- ``operators``: ``kind`` = ``operator`` and ``operator_id`` = the login name folded
  (``rules.name_key``) → the account: display name, role, Argon2id hash, ``disabled``,
  ``generation`` (a session is good only while it carries its operator's current generation:
  revoking them all is one update). Listing them is one Query of ``operator`` (a merchant has
  a handful). Under ``kind`` = ``console``: ``#owners`` holds ``active``, the number of
  enabled owners (a change that takes an owner away is conditioned on ``active > 1``), and
  ``#settings`` the owner's settings (``shared_key``).
- ``operator-sessions``: ``session_id`` = SHA-256 of the cookie's token (the token itself is
  never stored) → operator, generation, CSRF token, expiry (``expires_at``, TTL; checked on
  read too, since TTL deletion lags).
- ``audit-log``: ``stream`` = ``audit`` and ``at_id`` = ``<UTC time>#<random>``, so one Query
  reads newest first; GSI ``by_actor`` (``actor_id``, ``at_id``) filters by operator. One
  partition: operators' changes come a few a minute, far below a partition's 1,000 writes a
  second, and without a local index an item collection has no size limit.
"""
from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.store.base import meta

OPERATOR, CONSOLE = "operator", "console"
OWNERS, SETTINGS = "#owners", "#settings"
STREAM = "audit"


class Operator(Model):
    Meta = meta("operators")
    kind = UnicodeAttribute(hash_key=True)
    operator_id = UnicodeAttribute(range_key=True)
    name = UnicodeAttribute(null=True)
    role = UnicodeAttribute(null=True)
    password_hash = UnicodeAttribute(null=True)
    disabled = BooleanAttribute(null=True)
    generation = NumberAttribute(null=True)
    created_at = UTCDateTimeAttribute(null=True)
    created_by = UnicodeAttribute(null=True)
    created_key = UnicodeAttribute(null=True)  # digest of the creating call's Idempotency-Key
    updated_at = UTCDateTimeAttribute(null=True)
    active = NumberAttribute(null=True)  # #owners only
    shared_key = BooleanAttribute(null=True)  # #settings only


class OperatorSession(Model):
    Meta = meta("operator-sessions")
    session_id = UnicodeAttribute(hash_key=True)
    operator_id = UnicodeAttribute()
    generation = NumberAttribute()
    csrf = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    expires_at = TTLAttribute()


class ByActor(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_actor"
        projection = AllProjection()

    actor_id = UnicodeAttribute(hash_key=True)
    at_id = UnicodeAttribute(range_key=True)


class AuditRecord(Model):
    Meta = meta("audit-log")
    stream = UnicodeAttribute(hash_key=True)
    at_id = UnicodeAttribute(range_key=True)
    at = UTCDateTimeAttribute()
    actor_id = UnicodeAttribute()  # an operator id, or "shared-key"
    actor_name = UnicodeAttribute()
    method = UnicodeAttribute()
    route = UnicodeAttribute()  # the route's template: PATCH /operator/coupon-templates/{template_id}
    target = UnicodeAttribute()  # JSON: the path parameters and ids the change names
    before = UnicodeAttribute(null=True)  # JSON snapshot, secrets left out (rules.snapshot)
    after = UnicodeAttribute(null=True)
    by_actor = ByActor()
