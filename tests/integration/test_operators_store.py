"""Operators' storage under races: one name, one operator; two owners demoting each other leave
one. (Real races on DynamoDB Local, the conformance run; on moto the calls run one by one.)"""
from __future__ import annotations

import uuid

from chalicelib import config, errors
from chalicelib.operators import roles, service, store
from chalicelib.operators.models import CONSOLE, OWNERS, Operator
from tests.integration.helpers import race

PASSWORD = "racing owners passphrase"


def actor(name: str) -> service.Actor:
    return service.Actor(name, name, roles.OWNER, route=("PATCH", "/operator/operators/{operator_id}"))


def test_one_name_makes_one_operator_however_many_ask_at_once():
    name = "same-" + uuid.uuid4().hex[:8]
    results = race(8, lambda i: service.create_operator(actor("setup"), name, roles.ANALYST, PASSWORD,
                                                        idempotency_key=None, now=config.utcnow()))
    assert sum(isinstance(r, dict) for r in results) == 1
    assert all(isinstance(r, errors.OperatorExists) for r in results if not isinstance(r, dict))
    assert [o.operator_id for o in store.operators()].count(name) == 1


def test_two_last_owners_demoting_each_other_at_once_leave_one():
    before = store.owners()
    a, b = (f"racer-{x}-{uuid.uuid4().hex[:6]}" for x in "ab")
    for name in (a, b):
        service.create_operator(actor("setup"), name, roles.OWNER, PASSWORD, idempotency_key=None, now=config.utcnow())
    Operator(CONSOLE, OWNERS, active=2).save()  # as if a and b were the only owners
    try:
        pairs = [(a, b), (b, a)]
        results = race(2, lambda i: service.update_operator(actor(pairs[i][0]), pairs[i][1], role=roles.MARKETER,
                                                            disabled=None, now=config.utcnow()), workers=2)
        assert sum(isinstance(r, dict) for r in results) == 1, results
        assert sum(isinstance(r, errors.LastOwner) for r in results) == 1, results
        assert store.owners() == 1
        assert sorted(store.operator(n).role for n in (a, b)) == ["marketer", "owner"]
    finally:
        Operator(CONSOLE, OWNERS, active=before + 1).save()  # the one of a and b still an owner


def test_a_revocation_ends_every_session_in_one_write():
    name = "sessions-" + uuid.uuid4().hex[:6]
    service.create_operator(actor("setup"), name, roles.MARKETER, PASSWORD, idempotency_key=None, now=config.utcnow())
    logins = [service.login(name, PASSWORD, network=f"192.0.2.{i}", now=config.utcnow()) for i in range(3)]
    assert {service.authenticate(s.token, now=config.utcnow()).operator_id for s in logins} == {name}
    service.revoke_sessions(actor("setup"), name, now=config.utcnow())
    for s in logins:
        try:
            service.authenticate(s.token, now=config.utcnow())
            raise AssertionError("a revoked session still works")
        except errors.OperatorSessionInvalid:
            pass
