"""An operator's edit of a product under the sync's version rule, raced: of edits made on one read,
one lands and the others are 409 PRODUCT_CHANGED, and the price history has that one change;
an edit racing syncs of the same SKU never leaves a change unrecorded or recorded twice.
On DynamoDB Local (the conformance run) the threads really race."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone

from chalicelib import errors
from chalicelib.shop import edits, rules, sync
from tests.integration.helpers import race

NOW = datetime(2027, 6, 1, 4, tzinfo=timezone.utc)


def synced() -> dict:
    tag = uuid.uuid4().hex[:8]
    ids = {"cat": f"c-{tag}", "pid": f"p-{tag}", "sku": f"s-{tag}"}
    sync.upsert(rules.Upsert(
        categories=[rules.CategoryIn(category_id=ids["cat"], name="茶叶", version=1)],
        products=[rules.ProductIn(product_id=ids["pid"], name="龙井", category=ids["cat"], version=1)],
        skus=[rules.SkuIn(product_id=ids["pid"], sku_id=ids["sku"], price=10000, version=1)]), now=NOW)
    return ids


def edit(g: dict, price: int, version: int = 1) -> edits.ProductEdit:
    return edits.parse({"version": 1, "name": "龙井", "category": g["cat"], "onSale": True,
                        "skus": [{"skuId": g["sku"], "version": version, "price": price, "stock": "in_stock"}]})


def test_of_edits_made_on_one_read_one_lands(dynamodb):
    g = synced()
    results = race(8, lambda i: edits.edit(g["pid"], edit(g, 9000 - i), now=NOW))
    landed = [r for r in results if isinstance(r, dict)]
    refused = [r for r in results if isinstance(r, errors.ProductChanged)]
    assert len(landed) == 1 and len(refused) == 7, results
    [change] = sync.history(g["pid"], g["sku"])
    assert (change.old_price, change.new_price, change.version) == (10000, landed[0]["skus"][0]["price"], 2)


def test_an_edit_racing_syncs_leaves_every_price_change_recorded_once(dynamodb):
    g = synced()

    def either(i: int):
        if i % 2:
            return sync.upsert(rules.Upsert(skus=[rules.SkuIn(product_id=g["pid"], sku_id=g["sku"], price=20000 + i,
                                                             version=10 + i)]), now=NOW)
        return edits.edit(g["pid"], edit(g, 5000 + i), now=NOW)

    race(8, either)
    history = sync.history(g["pid"], g["sku"])
    stored = edits.audited(g["pid"])["skus"][0]
    assert [c.new_price for c in history][-1] == stored["price"]
    assert all(a.new_price == b.old_price for a, b in zip(history, history[1:]))  # a chain, nothing skipped
    assert len({c.version for c in history}) == len(history)
