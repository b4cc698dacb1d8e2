"""A flash claim on DynamoDB Local: 200 threads racing for a template of stock 50.

Prints how many coupons were issued (must be exactly the stock), duplicates (must be 0), and
the claim throughput against a floor measured in the same run with the same threads: plain
conditional ``UpdateItem`` increments of one counter, the cheapest write that guards a limit.
A claim is a three-item transaction, so the ratio says what the guarantees cost.
"""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

from bench import local

THREADS, STOCK, SHARDS = 200, 50, 4


def run() -> str:
    with local.dynamodb_local():
        return _measure()


def _measure() -> str:
    from pynamodb.exceptions import UpdateError

    from chalicelib import config, errors
    from chalicelib.coupons import rules, service as coupons, store
    from chalicelib.coupons.models import Coupon, CouponStock
    from infra.tables import create_all

    create_all()
    now = config.utcnow()
    spec = coupons.TemplateSpec("flash", "flash sale", rules.Terms(rules.NO_THRESHOLD, amount=100), coupons.CLAIM,
                                valid_days=1, total=STOCK, shards=SHARDS)
    coupons.create_template(spec, now=now)

    def claim(i: int) -> str:
        try:
            return coupons.claim(f"flash-user-{i}", "flash", idempotency_key=None, now=now).coupon_id
        except errors.AppError as exc:
            return exc.code

    with ThreadPoolExecutor(THREADS) as pool:
        started = time.perf_counter()
        outcomes = list(pool.map(claim, range(THREADS)))
        claim_seconds = time.perf_counter() - started

    # The floor: the same threads, each making one guarded increment of a single counter.
    CouponStock.of("floor", 0, total=THREADS, issued=0).save()

    def increment(_: int) -> None:
        try:
            CouponStock.of("floor", 0).update(actions=[CouponStock.issued.add(1)],
                                           condition=CouponStock.issued < CouponStock.total)
        except UpdateError:
            pass

    with ThreadPoolExecutor(THREADS) as pool:
        started = time.perf_counter()
        list(pool.map(increment, range(THREADS)))
        floor_seconds = time.perf_counter() - started

    issued = [o for o in outcomes if o.startswith("c")]
    held = [c.coupon_id for i in range(THREADS) for c in Coupon.query(f"flash-user-{i}")]
    counted = sum(int(s.issued) for s in store.stock(store.template("flash")))
    claims_per_s, floor_per_s = THREADS / claim_seconds, THREADS / floor_seconds
    return (
        f"flash claim on DynamoDB Local: {THREADS} threads, stock {STOCK} over {SHARDS} shards\n"
        f"  issued {len(issued)} (stock counters say {counted}, users hold {len(held)}), "
        f"duplicates {len(held) - len(set(held))}, refused {outcomes.count('COUPON_SOLD_OUT')} sold out\n"
        f"  {claims_per_s:.0f} claims/s vs floor {floor_per_s:.0f} guarded increments/s "
        f"= {claims_per_s / floor_per_s:.2f}x floor"
    )


if __name__ == "__main__":
    print(run())
