"""The catalogue sync's guarantees in storage: idempotent batches, the version rule under late
and racing syncs, price history exactly once per change. Run on moto, and on DynamoDB Local
(conformance), where the race runs for real."""
from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest

from chalicelib import config, errors, messages
from chalicelib.shop import rules, service, store, sync
from chalicelib.shop.rules import CategoryIn, CategoryRef, Delete, ProductIn, ProductRef, SkuIn, SkuRef, Upsert
from chalicelib.store.roundtrips import counting
from tests.conftest import BACKEND
from tests.integration.helpers import race, uid

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=timezone.utc)  # 10:00 in China, on 2026-11-20


def product(pid: str, version: int = 1, **kw) -> ProductIn:
    return ProductIn(pid, kw.pop("name", "测试商品"), kw.pop("category", "snacks"), version, **kw)


def sku(pid: str, sid: str, price: int, version: int, **kw) -> SkuIn:
    return SkuIn(pid, sid, price, version, **kw)


def statuses(done: sync.Synced) -> list[str]:
    return [r.status for r in [*([done.shop] if done.shop else []), *done.categories, *done.products, *done.skus]]


def test_a_batch_sent_twice_changes_nothing_the_second_time_and_costs_no_write(dynamodb):
    pid, cid = uid("p-"), uid("c-")
    batch = Upsert(categories=[CategoryIn(cid, "测试", 1, parent="snacks", sort=5)],
                   products=[product(pid, category=cid)],
                   skus=[sku(pid, "a", 1200, 1, spec={"规格": "小"}), sku(pid, "b", 2400, 1, list_price=2600)])

    first = sync.upsert(batch, now=NOW)
    with counting() as calls:
        second = sync.upsert(batch, now=NOW)

    assert statuses(first) == ["created"] * 4
    assert statuses(second) == ["unchanged"] * 4 and second.counts(sync.UPSERT_STATUSES)["unchanged"] == 4
    assert calls == Counter({"GetItem": 1, "BatchGetItem": 1}), calls  # reads only
    g = service.product(pid)
    assert (g.price, g.price_max, g.category, [s.sku_id for s in g.skus]) == (1200, 2400, cid, ["a", "b"])


def test_an_older_version_arriving_late_never_overwrites_a_newer_one(dynamodb):
    pid = uid("p-")
    sync.upsert(Upsert(products=[product(pid, 5, name="新名")], skus=[sku(pid, "a", 900, 7)]), now=NOW)

    late = sync.upsert(Upsert(products=[product(pid, 4, name="旧名")], skus=[sku(pid, "a", 1000, 6)]), now=NOW)
    same_version_other_price = sync.upsert(Upsert(skus=[sku(pid, "a", 800, 7)]), now=NOW)

    assert [(r.status, r.version) for r in [*late.products, *late.skus]] == [("stale", 5), ("stale", 7)]
    assert same_version_other_price.skus[0].status == "stale"  # a version names one state: the first one
    g = service.product(pid)
    assert (g.name, g.price) == ("新名", 900)
    assert sync.history(pid, "a") == []


def test_price_history_is_written_once_per_change_and_only_on_a_change(dynamodb):
    pid = uid("p-")
    sync.upsert(Upsert(products=[product(pid)], skus=[sku(pid, "a", 1000, 1)]), now=NOW)

    stock_only = sync.upsert(Upsert(skus=[sku(pid, "a", 1000, 2, stock="low")]), now=NOW)
    cut = Upsert(skus=[sku(pid, "a", 800, 3, stock="low")])
    sync.upsert(cut, now=NOW)
    sync.upsert(cut, now=NOW + timedelta(hours=1))  # the order system retries
    sync.upsert(Upsert(skus=[sku(pid, "a", 950, 4)]), now=NOW + timedelta(days=1))

    assert stock_only.skus[0].status == "updated"
    assert [(c.version, c.old_price, c.new_price) for c in sync.history(pid, "a")] == [(3, 1000, 800), (4, 800, 950)]
    assert service.product(pid).skus[0].stock == "in_stock"


def test_price_drops_of_a_day_are_read_from_the_sparse_index_in_pages(dynamodb):
    day = NOW + timedelta(days=400)  # a day no other test writes on
    pids = [uid("p-") for _ in range(3)]
    sync.upsert(Upsert(products=[product(p) for p in pids], skus=[sku(p, "a", 1000, 1) for p in pids]), now=day)
    sync.upsert(Upsert(skus=[sku(pids[0], "a", 900, 2), sku(pids[1], "a", 700, 2), sku(pids[2], "a", 1100, 2)]), now=day)
    sync.upsert(Upsert(skus=[sku(pids[0], "a", 850, 3)]), now=day + timedelta(days=1))  # the next China day

    seen, cursor = [], None
    with counting() as calls:
        while True:
            page, cursor = sync.price_drops(config.china_day(day), cursor=cursor, limit=1)
            seen += page
            if cursor is None:
                break

    assert sorted((c.product_id, c.old_price, c.new_price) for c in seen) == sorted(
        [(pids[0], 1000, 900), (pids[1], 1000, 700)])  # the rise is history, not a drop
    assert set(calls) == {"Query"}  # never a scan
    assert [c.product_id for c in sync.price_drops(config.china_day(day) + timedelta(days=1))[0]] == [pids[0]]


def test_a_write_that_loses_to_a_newer_one_between_its_read_and_its_write_reads_again(dynamodb, monkeypatch):
    """The condition, not the read, decides: a newer sync lands between this one's read and its
    write; the write is refused, the entry read again, and the late sync ends stale."""
    pid = uid("p-")
    sync.upsert(Upsert(products=[product(pid)], skus=[sku(pid, "a", 1000, 1)]), now=NOW)
    real = store.put_sku
    landed: list[sync.Synced] = []

    def newer_lands_first(s: SkuIn, held, *, now):
        if s.version == 5 and not landed:
            landed.append(sync.upsert(Upsert(skus=[sku(pid, "a", 600, 9)]), now=now))
        return real(s, held, now=now)

    monkeypatch.setattr(store, "put_sku", newer_lands_first)
    late = sync.upsert(Upsert(skus=[sku(pid, "a", 1200, 5)]), now=NOW)

    assert statuses(landed[0]) == ["updated"] and (late.skus[0].status, late.skus[0].version) == ("stale", 9)
    assert service.product(pid).price == 600
    assert [(c.old_price, c.new_price) for c in sync.history(pid, "a")] == [(1000, 600)]


@pytest.mark.skipif(BACKEND != "dynamodb-local", reason="moto's backend is not thread-safe: races only on DynamoDB Local")
def test_racing_upserts_of_one_sku_end_at_the_highest_version_with_an_unbroken_history(dynamodb):
    pid = uid("p-")
    sync.upsert(Upsert(products=[product(pid)], skus=[sku(pid, "a", 5000, 1)]), now=NOW)
    versions = list(range(2, 26))

    results = race(len(versions), lambda i: sync.upsert(Upsert(skus=[sku(pid, "a", 100 * versions[i] + 7, versions[i])]),
                                                        now=NOW).skus[0])

    assert all(isinstance(r, sync.Result) for r in results), results
    assert Counter(r.status for r in results)["updated"] >= 1
    assert results[-1].status == "updated"  # the highest version always lands
    g = service.product(pid)
    assert g.price == 100 * 25 + 7
    history = sync.history(pid, "a")
    # Every change recorded, each from the price the one before it set: the chain is unbroken.
    assert history[0].old_price == 5000 and history[-1].new_price == g.price
    assert all(a.new_price == b.old_price for a, b in zip(history, history[1:]))
    assert [c.version for c in history] == sorted({c.version for c in history})


def test_a_deleted_product_goes_off_sale_and_stays_and_a_late_create_cannot_list_it_again(dynamodb):
    pid = uid("p-")
    sync.upsert(Upsert(products=[product(pid, 2)], skus=[sku(pid, "a", 1000, 1)]), now=NOW)

    done = sync.delete(Delete(products=[ProductRef(pid, 3)]), now=NOW)
    again = sync.delete(Delete(products=[ProductRef(pid, 3)]), now=NOW)
    late = sync.upsert(Upsert(products=[product(pid, 2)]), now=NOW)

    assert (done.products[0].status, again.products[0].status, late.products[0].status) == ("deleted", "unchanged", "stale")
    assert service.goods([pid]) == {}
    assert pid not in {g.product_id for g in service.storefront().products}
    with pytest.raises(errors.NotFound):
        service.product(pid)
    stored = store.product(pid)
    assert stored is not None and stored.on_sale is False and "a" in store.entries(stored.skus)  # kept, SKUs too

    relisted = sync.upsert(Upsert(products=[product(pid, 4)]), now=NOW)
    assert relisted.products[0].status == "updated" and service.goods([pid])[pid].price == 1000


def test_tombstones_keep_late_creates_out_and_a_sku_listed_again_records_its_change(dynamodb):
    pid, cid = uid("p-"), uid("c-")
    sync.upsert(Upsert(products=[product(pid)], skus=[sku(pid, "a", 1000, 1), sku(pid, "b", 2000, 1)]), now=NOW)

    done = sync.delete(Delete(categories=[CategoryRef(cid, 5)], skus=[SkuRef(pid, "a", 2), SkuRef(pid, "never", 3),
                                                                        SkuRef(uid("p-"), "x", 1)]), now=NOW)
    late_category = sync.upsert(Upsert(categories=[CategoryIn(cid, "迟到", 4)]), now=NOW)
    late_sku = sync.upsert(Upsert(skus=[sku(pid, "never", 500, 2)]), now=NOW)

    assert statuses(done) == ["deleted", "deleted", "deleted", "not_found"]
    assert (late_category.categories[0].status, late_sku.skus[0].status) == ("stale", "stale")
    assert [s.sku_id for s in service.product(pid).skus] == ["b"]
    assert cid not in [c.category_id for c in service.storefront().categories]

    back = sync.upsert(Upsert(skus=[sku(pid, "a", 900, 3)]), now=NOW)
    assert back.skus[0].status == "updated"
    assert [(c.old_price, c.new_price) for c in sync.history(pid, "a")] == [(1000, 900)]  # from its last price


def test_a_bad_batch_is_refused_whole_naming_the_entry_and_nothing_is_written(dynamodb):
    good, cid = uid("p-"), uid("c-")
    batch = Upsert(categories=[CategoryIn(cid, "好", 1)], products=[product(good, category=cid)],
                   skus=[sku(good, "a", 100, 1), sku(uid("p-"), "b", 100, 1)])

    with pytest.raises(errors.ValidationFailed) as exc:
        sync.upsert(batch, now=NOW)

    assert exc.value.message.startswith("skus[1].productId: no product 'p-")
    assert store.product(good) is None and cid not in store.entries(store.shop().categories)


def test_a_product_holds_at_most_max_skus_under_the_writes_own_condition(dynamodb, monkeypatch):
    pid = uid("p-")
    monkeypatch.setattr(rules, "MAX_SKUS", 2)
    sync.upsert(Upsert(products=[product(pid)], skus=[sku(pid, "a", 100, 1), sku(pid, "b", 100, 1)]), now=NOW)

    with pytest.raises(errors.ValidationFailed, match=r"skus\[0\]\.skuId: a product holds 2 SKUs at most"):
        sync.upsert(Upsert(skus=[sku(pid, "c", 100, 1)]), now=NOW)
    monkeypatch.setattr(rules, "room", lambda *a, **k: [])  # a race past the batch's check:
    with pytest.raises(errors.ValidationFailed) as raced:
        sync.upsert(Upsert(skus=[sku(pid, "a", 100, 2), sku(pid, "c", 100, 1)]), now=NOW)  # the condition holds it
    assert raced.value.message == messages.text("VALIDATION_FAILED.skus_full", where="skus[1].skuId", most=2)
    assert sorted(store.entries(store.product(pid).skus)) == ["a", "b"]


def test_the_shop_profile_is_versioned_too(dynamodb):
    held = store.shop()
    assert held is not None
    version = int(held.version)
    try:
        newer = sync.upsert(Upsert(shop=rules.ShopIn("回流小铺", version + 1, notice="今日上新")), now=NOW)
        older = sync.upsert(Upsert(shop=rules.ShopIn("旧店名", version)), now=NOW)

        assert (newer.shop.status, older.shop.status, older.shop.version) == ("updated", "stale", version + 1)
        assert (service.storefront().name, service.storefront().notice) == ("回流小铺", "今日上新")
    finally:  # the demo shop's notice is what other tests see
        sync.upsert(Upsert(shop=rules.ShopIn(held.name, version + 2, notice=held.notice)), now=NOW)


def test_a_cart_is_priced_by_its_skus(dynamodb):
    pid = uid("p-")
    sync.upsert(Upsert(products=[product(pid)], skus=[sku(pid, "big", 3000, 1), sku(pid, "small", 1000, 1)]), now=NOW)

    from chalicelib.coupons import service as coupons

    lines = coupons.cart_lines([(pid, None, 2), (pid, "big", 1)])
    assert [(line.price, line.qty) for line in lines] == [(1000, 2), (3000, 1)]
    with pytest.raises(errors.ValidationFailed) as refused:
        coupons.cart_lines([(pid, "nope", 1)])
    assert refused.value.message == messages.text("VALIDATION_FAILED.not_on_sale", items=f"{pid} nope")


def test_the_storefront_reads_two_items_and_lists_subcategories_goods_under_their_parent(dynamodb):
    parent, child, pid = uid("c-"), uid("c-"), uid("p-")
    sync.upsert(Upsert(categories=[CategoryIn(child, "子类", 1, parent=parent), CategoryIn(parent, "父类", 1, sort=99)],
                       products=[product(pid, category=child)], skus=[sku(pid, "a", 100, 1)]), now=NOW)

    with counting() as calls:
        front = service.storefront(parent)

    assert sum(calls.values()) == 2
    assert [g.product_id for g in front.products] == [pid]
    assert {c.category_id: c.parent for c in front.categories}[child] == parent
    sync.upsert(Upsert(categories=[CategoryIn(parent, "父类", 2, sort=99, active=False)]), now=NOW)
    assert pid not in {g.product_id for g in service.storefront().products}  # hidden with its category
    assert service.goods([pid])[pid].price == 100  # but still sold: on sale is the order system's word
