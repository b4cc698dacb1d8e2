"""The catalogue's pure rules: batch checks, the version rule, what a product shows."""
from __future__ import annotations

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.shop import rules
from chalicelib.shop.rules import CategoryIn, ProductIn, SkuIn, Upsert


def sku(price: int = 100, version: int = 1, **kw) -> SkuIn:
    return SkuIn(kw.pop("product_id", "p1"), kw.pop("sku_id", "s1"), price, version, **kw)


def test_references_must_be_stored_or_in_the_batch():
    batch = Upsert(
        categories=[CategoryIn("child", "子", 1, parent="nowhere"), CategoryIn("self", "自", 1, parent="self")],
        products=[ProductIn("p1", "一", "tea", 1), ProductIn("p2", "二", "child", 1)],
        skus=[sku(product_id="p1"), sku(product_id="p9")],
    )

    found = rules.problems(batch, categories=[], products=[])

    assert found == [
        "categories[0].parent: no category 'nowhere' (send it first, or in this batch)",
        "categories[1].parent: a category cannot be its own parent",
        "products[0].category: no category 'tea' (send it first, or in this batch)",
        "skus[1].productId: no product 'p9' (send it first, or in this batch)",
    ]
    assert rules.problems(batch, categories=["tea", "nowhere"], products=["p9"]) == [
        "categories[1].parent: a category cannot be its own parent"]


def test_an_entry_twice_in_a_batch_a_list_price_below_the_price_and_sizes_are_refused():
    batch = Upsert(products=[ProductIn("p1", "一", "tea", 1), ProductIn("p1", "一", "tea", 2)],
                   skus=[sku(price=500, list_price=400), sku(price=500, version=2)])

    assert rules.problems(batch, categories=["tea"], products=[]) == [
        "products[1].productId: the same entry as products[0]",
        "skus[1].skuId: the same entry as skus[0]",
        "skus[0].listPrice: 400 is below the price 500",
    ]
    assert rules.problems(Upsert(), categories=[], products=[]) == ["the batch is empty"]
    big = Upsert(skus=[sku(sku_id=f"s{i}") for i in range(rules.MAX_BATCH + 1)])
    assert rules.problems(big, categories=[], products=["p1"]) == ["a batch holds 1 to 200 entries, not 201"]
    assert rules.problems(big, categories=[], products=["p1"], limit=None) == []  # a whole file


def test_room_counts_tombstones_and_new_entries_only():
    stored = {f"s{i}": {"version": 1, "deleted": i % 2 == 0} for i in range(rules.MAX_SKUS - 1)}
    batch = Upsert(skus=[sku(sku_id="s0", version=2), sku(sku_id="new-1"), sku(sku_id="new-2")])

    assert rules.room(batch, categories={}, skus={"p1": stored}) == ["skus[2].skuId: a product holds 100 SKUs at most"]
    assert rules.room(batch, categories={}, skus={}) == []  # a product created in the batch starts empty


def test_fields_are_checked_as_they_are_decoded_naming_the_path():
    def refused(body: dict) -> str:
        with pytest.raises(msgspec.ValidationError) as exc:
            msgspec.convert(body, Upsert)
        return str(exc.value)

    one = {"productId": "p", "skuId": "s", "price": 100, "version": 1}
    assert refused({"skus": [one, {**one, "price": 0}]}) == "Expected `int` >= 1 - at `$.skus[1].price`"
    assert refused({"skus": [{**one, "price": 1_000_000_001}]}) == "Expected `int` <= 1000000000 - at `$.skus[0].price`"
    assert "at `$.skus[0].skuId`" in refused({"skus": [{**one, "skuId": "a#b"}]})
    assert "at `$.skus[0].skuId`" in refused({"skus": [{**one, "skuId": "x" * 65}]})
    assert "at `$.skus[0].stock`" in refused({"skus": [{**one, "stock": "plenty"}]})
    assert "`$.skus[0]`" in refused({"skus": [{**one, "listprice": 200}]})  # misspelt: refused, not dropped
    assert "at `$.skus[0].version`" in refused({"skus": [{**one, "version": 2**53}]})
    assert "at `$.products[0].name`" in refused({"products": [{"productId": "p", "name": "名" * 61, "category": "c",
                                                               "version": 1}]})
    assert "at `$.products[0].name`" in refused({"products": [{"productId": "p", "name": "a\nb", "category": "c",
                                                               "version": 1}]})
    assert "at `$.products[0].image`" in refused({"products": [{"productId": "p", "name": "n", "category": "c",
                                                                "image": "http://plain", "version": 1}]})


def test_the_version_rule():
    fields = {"price": 100, "stock": "low"}
    stored = {**fields, "version": 5, "deleted": False}

    assert rules.decide(None, 1, fields) == rules.CREATED
    assert rules.decide(stored, 6, fields) == rules.UPDATED  # a newer version, even with nothing changed
    assert rules.decide(stored, 5, fields) == rules.UNCHANGED
    assert rules.decide(stored, 5, {**fields, "price": 90}) == rules.STALE  # one version, one state: the first
    assert rules.decide(stored, 4, fields) == rules.STALE
    assert rules.decide({**stored, "deleted": True}, 5, fields) == rules.STALE
    assert rules.decide({**stored, "deleted": True}, 6, fields) == rules.UPDATED

    assert rules.decide_delete(None, 3) == rules.DELETED  # a tombstone, so a late create is stale
    assert rules.decide_delete(stored, 6) == rules.DELETED
    assert rules.decide_delete({**stored, "deleted": True}, 5) == rules.UNCHANGED
    assert rules.decide_delete(stored, 5) == rules.STALE
    assert rules.decide_delete(stored, 4) == rules.STALE


@settings(max_examples=200, deadline=None)
@given(st.permutations(range(1, 9)), st.sets(st.integers(1, 8)))
def test_whatever_order_syncs_arrive_in_the_newest_wins(order, deletes):
    """Upserts (price 100 × version) and deletes of one SKU, applied in any order: the state is
    always the newest version's."""
    state: dict | None = None
    for version in order:
        if version in deletes:
            if rules.decide_delete(state, version) == rules.DELETED:
                state = {**(state or {}), "version": version, "deleted": True}
        else:
            fields = {"price": 100 * version}
            if rules.decide(state, version, fields) in (rules.CREATED, rules.UPDATED):
                state = {**fields, "version": version, "deleted": False}
    assert state is not None and state["version"] == 8
    assert state["deleted"] == (8 in deletes)
    if 8 not in deletes:
        assert state["price"] == 800


def test_a_product_shows_its_live_skus_cheapest_first_and_its_best_stock():
    stored = {
        "big": {"price": 300, "list_price": 350, "stock": "low", "spec": {"规格": "大"}, "version": 1, "deleted": False},
        "small": {"price": 100, "list_price": None, "stock": "out_of_stock", "spec": {}, "version": 1, "deleted": False},
        "gone": {"price": 50, "stock": "in_stock", "version": 2, "deleted": True},
        "never-priced": {"version": 1, "deleted": True},
    }

    skus = rules.live_skus(stored)

    assert [(s.sku_id, s.price, s.list_price) for s in skus] == [("small", 100, None), ("big", 300, 350)]
    assert rules.stock_of(skus) == rules.LOW
    assert rules.stock_of([]) == rules.OUT_OF_STOCK


def test_categories_shown_are_live_active_under_shown_parents_in_the_merchants_order():
    stored = {
        "fruit": {"sort": 2, "version": 1},
        "tea": {"sort": 1, "version": 1},
        "green": {"parent": "tea", "sort": 0, "version": 1},
        "hidden": {"active": False, "version": 1},
        "under-hidden": {"parent": "hidden", "version": 1},
        "gone": {"deleted": True, "version": 2},
        "loop-a": {"parent": "loop-b", "version": 1},
        "loop-b": {"parent": "loop-a", "version": 1},
    }

    assert rules.visible_categories(stored) == ["green", "tea", "fruit"]
    assert rules.subtree(stored, "tea") == {"tea", "green"}
    assert rules.subtree(stored, "loop-a") == {"loop-a", "loop-b"}  # a cycle ends
