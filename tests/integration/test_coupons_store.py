"""Coupon guarantees under concurrency and retries: stock, limits, idempotency, locks."""
from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest

from chalicelib import config, errors
from chalicelib.coupons import rules, store
from chalicelib.coupons import service as coupons
from chalicelib.coupons.models import Coupon, CouponQuota
from chalicelib.store.roundtrips import counting
from tests.integration.helpers import race, template, uid

NUTS = [rules.Line("p-nuts", "snacks", 8990, 1)]


def test_racing_claims_never_over_issue_the_stock(dynamodb):
    tid = template(total=10, shards=3)

    results = race(40, lambda i: coupons.claim(f"racer-{tid}-{i}", tid, idempotency_key=None, now=config.utcnow()))

    issued = [r for r in results if isinstance(r, Coupon)]
    assert len(issued) == 10
    assert Counter(type(r).__name__ for r in results if not isinstance(r, Coupon)) == {"CouponSoldOut": 30}
    assert sum(int(s.issued) for s in store.stock(store.template(tid))) == 10
    assert store.template(tid).sold_out is True


def test_racing_claims_by_one_user_never_pass_the_limit(dynamodb):
    tid, user = template(per_user_limit=2), uid()

    results = race(20, lambda i: coupons.claim(user, tid, idempotency_key=None, now=config.utcnow()))

    assert sum(isinstance(r, Coupon) for r in results) == 2
    assert all(isinstance(r, (Coupon, errors.CouponLimitReached)) for r in results)
    assert int(CouponQuota.get(user, tid).claimed) == 2


def test_a_retried_claim_with_the_same_key_returns_the_same_coupon_and_takes_one_unit(dynamodb):
    tid, user = template(total=5, per_user_limit=3), uid()

    results = race(10, lambda i: coupons.claim(user, tid, idempotency_key="tap-1", now=config.utcnow()))

    assert {r.coupon_id for r in results} == {results[0].coupon_id}
    assert sum(int(s.issued) for s in store.stock(store.template(tid))) == 1 and len(store.of_user(user)) == 1


def test_a_claim_costs_two_round_trips(dynamodb):
    tid = template(total=100, shards=4)

    with counting() as calls:
        coupons.claim(uid(), tid, idempotency_key=None, now=config.utcnow())

    assert sum(calls.values()) == 2, calls


def test_a_coupon_is_locked_by_exactly_one_of_racing_orders(dynamodb):
    user = uid()
    coupon = coupons.claim(user, template(), idempotency_key=None, now=config.utcnow())

    results = race(10, lambda i: coupons.lock(user, coupon.coupon_id, f"order-{i}", NUTS, now=config.utcnow()))

    assert sum(r == 500 for r in results) == 1
    assert all(isinstance(r, errors.CouponLocked) for r in results if r != 500)


def test_lock_consume_release_are_idempotent_and_cost_at_most_two_round_trips(dynamodb):
    user, now = uid(), config.utcnow()
    cid = coupons.claim(user, template(), idempotency_key=None, now=now).coupon_id

    with counting() as lock_calls:
        assert coupons.lock(user, cid, "o-1", NUTS, now=now) == 500
    assert coupons.lock(user, cid, "o-1", NUTS, now=now) == 500  # the order system retried
    with counting() as consume_calls:
        coupons.consume(user, cid, "o-1", now=now)
    coupons.consume(user, cid, "o-1", now=now)

    assert sum(lock_calls.values()) <= 2 and sum(consume_calls.values()) <= 2
    assert store.get(user, cid).state == rules.USED
    with pytest.raises(errors.CouponUsed):
        coupons.release(user, cid, "o-1", now=now)
    with pytest.raises(errors.CouponUsed):
        coupons.lock(user, cid, "o-2", NUTS, now=now)


def test_a_released_coupon_can_serve_another_order(dynamodb):
    user, now = uid(), config.utcnow()
    cid = coupons.claim(user, template(), idempotency_key=None, now=now).coupon_id
    coupons.lock(user, cid, "o-1", NUTS, now=now)

    coupons.release(user, cid, "o-1", now=now)
    coupons.release(user, cid, "o-1", now=now)

    assert coupons.lock(user, cid, "o-2", NUTS, now=now) == 500
    with pytest.raises(errors.Conflict):
        coupons.consume(user, cid, "o-1", now=now)


def test_an_expired_or_not_yet_valid_coupon_cannot_be_locked(dynamodb):
    user, now = uid(), config.utcnow()
    later = template(valid_from=now + timedelta(days=2), valid_until=now + timedelta(days=9))
    cid = coupons.claim(user, later, idempotency_key=None, now=now).coupon_id

    with pytest.raises(errors.CouponNotYetValid):
        coupons.lock(user, cid, "o-1", NUTS, now=now)
    with pytest.raises(errors.CouponExpired):
        coupons.lock(user, cid, "o-1", NUTS, now=now + timedelta(days=9))
    assert [h.state for h in coupons.wallet(user, now=now + timedelta(days=9))] == [rules.EXPIRED]


def test_a_grant_is_issued_once_per_reference(dynamodb):
    user, now = uid(), config.utcnow()
    tid = template(channel=coupons.GRANT, per_user_limit=None)

    first = coupons.grant(user, tid, reason="checkin", ref="2026-11-24", now=now)
    again = coupons.grant(user, tid, reason="checkin", ref="2026-11-24", now=now)
    other = coupons.grant(user, tid, reason="checkin", ref="2026-12-01", now=now)

    assert first.coupon_id == again.coupon_id != other.coupon_id
    assert len(store.of_user(user)) == 2


def test_a_claim_after_the_campaign_or_of_a_paused_template_is_refused(dynamodb):
    now = config.utcnow()
    ended = template(valid_from=now - timedelta(days=9), valid_until=now - timedelta(days=1))
    paused = template()
    coupons.update_template(paused, active=False)

    with pytest.raises(errors.CouponExpired):
        coupons.claim(uid(), ended, idempotency_key=None, now=now)
    with pytest.raises(errors.CouponNotClaimable):
        coupons.claim(uid(), paused, idempotency_key=None, now=now)


def test_more_stock_reopens_a_sold_out_template(dynamodb):
    tid = template(total=1, shards=1, per_user_limit=None)
    coupons.claim(uid(), tid, idempotency_key=None, now=config.utcnow())
    with pytest.raises(errors.CouponSoldOut):
        coupons.claim(uid(), tid, idempotency_key=None, now=config.utcnow())

    coupons.update_template(tid, add_stock=1)

    assert coupons.claim(uid(), tid, idempotency_key=None, now=config.utcnow())
    assert coupons.stock_report(store.template(tid)) == (2, 2)


def test_forgetting_a_user_removes_their_coupons_and_quotas(dynamodb):
    user = uid()
    coupons.claim(user, template(), idempotency_key=None, now=config.utcnow())

    coupons.forget(user)

    assert store.of_user(user) == [] and list(CouponQuota.query(user)) == []


def test_used_counts_each_consumed_coupon_once_under_retries_and_racing_orders(dynamodb):
    tid, now = template(), config.utcnow()
    held = []
    for _ in range(6):
        user = uid()
        cid = coupons.claim(user, tid, idempotency_key=None, now=now).coupon_id
        coupons.lock(user, cid, f"o-{cid}", NUTS, now=now)
        held.append((user, cid))
    # The order system retries every consume, concurrently, three times over.
    results = race(18, lambda i: coupons.consume(held[i % 6][0], held[i % 6][1], f"o-{held[i % 6][1]}", now=now))

    assert all(r is None for r in results), results
    assert coupons.used([tid]) == {tid: 6}
    coupons.consume(*held[0], f"o-{held[0][1]}", now=now)  # a late retry: nothing more
    with pytest.raises(errors.CouponUsed):
        coupons.release(*held[0], f"o-{held[0][1]}", now=now)  # a paid order's coupon stays used
    assert coupons.used([tid, "no-such-template"]) == {tid: 6, "no-such-template": 0}


def test_a_released_or_refused_coupon_is_not_counted_used(dynamodb):
    tid, user, now = template(), uid(), config.utcnow()
    cid = coupons.claim(user, tid, idempotency_key=None, now=now).coupon_id
    coupons.lock(user, cid, "o-1", NUTS, now=now)
    with pytest.raises(errors.Conflict):
        coupons.consume(user, cid, "o-other", now=now)  # not the order holding it
    coupons.release(user, cid, "o-1", now=now)
    with pytest.raises(errors.Conflict):
        coupons.consume(user, cid, "o-1", now=now)

    assert coupons.used([tid]) == {tid: 0}
