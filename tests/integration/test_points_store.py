"""Points never go negative, are credited once per reference, and buy coupons atomically."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from chalicelib import config, errors
from chalicelib.coupons import service as coupons
from chalicelib.coupons import store as coupon_store
from chalicelib.coupons.models import Coupon
from chalicelib.members import service as members
from chalicelib.members import store
from tests.integration.helpers import race, template, uid


def test_earning_is_once_per_reference(dynamodb):
    user, now = uid(), config.utcnow()

    assert members.earn(user, 50, "checkin", "2026-11-24", now=now) is True
    assert members.earn(user, 50, "checkin", "2026-11-24", now=now) is False

    assert members.points_of(user, now=now).balance == 50


def test_racing_spends_never_take_the_balance_below_zero(dynamodb):
    user, now = uid(), config.utcnow()
    members.earn(user, 100, "gift", "g1", now=now)

    results = race(10, lambda i: members.spend(user, 30, "shop", f"s{i}", now=now))

    assert results.count(True) == 3
    assert all(isinstance(r, errors.PointsInsufficient) for r in results if r is not True)
    assert members.points_of(user, now=now).balance == 10


def test_points_expire_at_the_end_of_next_year_and_cannot_be_spent_after(dynamodb):
    user = uid()
    members.earn(user, 40, "gift", "old", now=datetime(2025, 3, 1, tzinfo=timezone.utc))  # expires end of 2026
    members.earn(user, 60, "gift", "new", now=datetime(2026, 3, 1, tzinfo=timezone.utc))  # expires end of 2027

    in_2026 = members.points_of(user, now=datetime(2026, 12, 31, 15, 59, tzinfo=timezone.utc))  # 23:59 in China
    in_2027 = members.points_of(user, now=datetime(2026, 12, 31, 16, 0, tzinfo=timezone.utc))  # midnight in China

    assert (in_2026.balance, in_2026.expiring) == (100, 40)
    assert (in_2027.balance, in_2027.expiring) == (60, 60)
    with pytest.raises(errors.PointsInsufficient):
        members.spend(user, 70, "shop", "late", now=datetime(2027, 1, 2, tzinfo=timezone.utc))


def test_the_points_shop_spends_and_issues_together_or_neither(dynamodb):
    user, now = uid(), config.utcnow()
    tid = template(channel=coupons.POINTS, points_price=100, total=1, per_user_limit=None)
    members.earn(user, 250, "gift", "g", now=now)

    coupon = coupons.exchange(user, tid, idempotency_key="k1", now=now)
    again = coupons.exchange(user, tid, idempotency_key="k1", now=now)  # a retry: same coupon, no second charge
    with pytest.raises(errors.CouponSoldOut):
        coupons.exchange(user, tid, idempotency_key="k2", now=now)

    assert coupon.coupon_id == again.coupon_id
    assert members.points_of(user, now=now).balance == 150  # the sold-out attempt cost nothing


def test_racing_exchanges_with_points_for_one_issue_one(dynamodb):
    user, now = uid(), config.utcnow()
    tid = template(channel=coupons.POINTS, points_price=100, per_user_limit=None)
    members.earn(user, 150, "gift", "g", now=now)

    results = race(6, lambda i: coupons.exchange(user, tid, idempotency_key=f"k{i}", now=now))

    assert sum(isinstance(r, Coupon) for r in results) == 1
    assert len(coupon_store.of_user(user)) == 1 and members.points_of(user, now=now).balance == 50


def test_orders_grow_the_member_through_the_tiers_once_per_order(dynamodb):
    user, now = uid(), config.utcnow()

    first = members.record_order(user, "o1", 30_000, now=now)
    retry = members.record_order(user, "o1", 30_000, now=now)
    second = members.record_order(user, "o2", 30_000, now=now)

    assert (first.growth, first.points, first.tier, first.tier_changed) == (300, 300, "normal", False)
    assert retry.applied is False
    assert (second.tier, second.tier_changed, second.points) == ("silver", True, 300)  # normal's rate, paid as normal
    summary = members.summary(user, now=now)
    assert (summary.growth, summary.tier.code, summary.points.balance) == (600, "silver", 600)
    assert [e.note for e in store.history(user, 10) if e.kind == "tier"] == ["normal->silver"]


def test_racing_orders_all_count(dynamodb):
    user, now = uid(), config.utcnow()

    results = race(8, lambda i: members.record_order(user, f"o{i}", 10_000, now=now))
    # Under heavy contention a call may answer 503 (nothing written); the order system retries.
    for i, result in enumerate(results):
        if isinstance(result, errors.StorageUnavailable):
            members.record_order(user, f"o{i}", 10_000, now=now)

    assert members.summary(user, now=now).growth == 800
