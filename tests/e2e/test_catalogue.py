"""The catalogue through HTTP: the order system syncs it, the mini-program sees it, carts are
priced by it; bad input is a 422 naming the entry and field, never a 500."""
from __future__ import annotations

import uuid

import pytest

from chalicelib import config


def uid(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def server(api, method: str, path: str, body=None, raw: bytes | None = None):
    return api.call(method, path, body, raw=raw, token=config.settings().server_key)


def test_a_synced_product_is_on_the_home_page_its_page_and_in_carts_until_it_is_deleted(api, name):
    cid, pid = uid("c"), uid("p")
    body = {
        "categories": [{"categoryId": cid, "name": "新品", "parent": "snacks", "version": 1}],
        "products": [{"productId": pid, "name": "芒果干 200g", "category": cid, "version": 1}],
        "skus": [{"productId": pid, "skuId": "one", "price": 1590, "version": 1, "spec": {"规格": "1袋"}},
                 {"productId": pid, "skuId": "three", "price": 3990, "listPrice": 4770, "version": 1}],
    }

    synced = server(api, "PUT", "/server/catalogue", body)
    again = server(api, "PUT", "/server/catalogue", body)

    assert synced.status_code == 200 and synced.json["counts"] == {"created": 4, "updated": 0, "unchanged": 0, "stale": 0}
    assert again.json["counts"] == {"created": 0, "updated": 0, "unchanged": 4, "stale": 0}
    home = api.call("GET", f"/shop?category={cid}").json
    assert home["products"] == [{"productId": pid, "name": "芒果干 200g", "category": cid, "price": 1590, "priceMax": 3990,
                                 "image": "", "stock": "in_stock"}]
    assert {"categoryId": cid, "name": "新品", "parent": "snacks", "sort": 0} in home["categoryList"]
    assert cid not in home["categories"]  # a subcategory: the top level's ids only
    assert pid in {p["productId"] for p in api.call("GET", "/shop?category=snacks").json["products"]}
    page = api.call("GET", f"/products/{pid}").json
    assert [(s["skuId"], s["price"], s["listPrice"]) for s in page["skus"]] == [("one", 1590, None), ("three", 3990, 4770)]

    token = api.login(name)["token"]
    cart = api.call("POST", "/coupons/best", {"lines": [{"productId": pid, "qty": 2}, {"productId": pid, "skuId": "three",
                                                                                       "qty": 1}]}, token=token)
    assert cart.status_code == 200 and cart.json["total"] == 2 * 1590 + 3990

    deleted = server(api, "POST", "/server/catalogue/delete", {"products": [{"productId": pid, "version": 2}]})
    assert deleted.json["products"] == [{"productId": pid, "status": "deleted", "version": 2}]
    assert api.call("GET", f"/products/{pid}").status_code == 404
    assert pid not in {p["productId"] for p in api.call("GET", "/shop").json["products"]}
    refused = api.call("POST", "/coupons/best", {"lines": [{"productId": pid, "qty": 1}]}, token=token)
    assert refused.status_code == 422 and pid in refused.json["error"]["message"]


def test_an_off_sale_product_still_opens_but_is_not_listed_or_sold(api, name):
    pid = uid("p")
    server(api, "PUT", "/server/catalogue", {
        "products": [{"productId": pid, "name": "下架商品", "category": "tea", "onSale": False, "version": 1}],
        "skus": [{"productId": pid, "skuId": "a", "price": 100, "version": 1}]})

    page = api.call("GET", f"/products/{pid}")

    assert page.status_code == 200 and page.json["onSale"] is False
    assert pid not in {p["productId"] for p in api.call("GET", "/shop").json["products"]}
    cart = api.call("POST", "/coupons/best", {"lines": [{"productId": pid, "qty": 1}]}, token=api.login(name)["token"])
    assert cart.status_code == 422


def entries(n: int) -> list[dict]:
    return [{"productId": "p-nuts", "skuId": f"x{i}", "price": 100, "version": 1} for i in range(n)]


SKU = {"productId": "p-nuts", "skuId": "nuts-30", "price": 8990, "version": 1}
BAD = [
    ({"skus": [{**SKU, "price": 0}]}, "$.skus[0].price"),
    ({"skus": [{**SKU, "price": 1_000_000_001}]}, "$.skus[0].price"),
    ({"skus": [{**SKU, "price": "8990"}]}, "$.skus[0].price"),
    ({"skus": [{**SKU, "listPrice": 100}]}, "skus[0].listPrice"),
    ({"skus": [{**SKU, "skuId": "has space"}]}, "$.skus[0].skuId"),
    ({"skus": [{**SKU, "version": 0}]}, "$.skus[0].version"),
    ({"skus": [{**SKU, "stock": 3}]}, "$.skus[0].stock"),
    ({"skus": [{**SKU, "spec": {f"k{i}": "v" for i in range(6)}}]}, "$.skus[0].spec"),
    ({"skus": [SKU, {**SKU, "price": 1}]}, "skus[1].skuId"),
    ({"skus": [{**SKU, "productId": "p-none"}]}, "skus[0].productId"),
    ({"products": [{"productId": "p-x", "name": "x" * 61, "category": "tea", "version": 1}]}, "$.products[0].name"),
    ({"products": [{"productId": "p-x", "name": "x", "category": "nowhere", "version": 1}]}, "products[0].category"),
    ({"categories": [{"categoryId": "c-x", "name": "x", "parent": "c-x", "version": 1}]}, "categories[0].parent"),
    ({"shop": {"name": "", "version": 1}}, "$.shop.name"),
    ({"skus": entries(201)}, "1 to 200 entries"),
    ({}, "empty"),
    ({"products": [], "extra": 1}, "extra"),
]


@pytest.mark.parametrize("body,named", BAD, ids=[named for _, named in BAD])
def test_a_bad_batch_is_a_422_naming_the_entry_and_field(api, body, named):
    response = server(api, "PUT", "/server/catalogue", body)

    assert response.status_code == 422, response.text
    assert response.json["error"]["code"] == "VALIDATION_FAILED" and named in response.json["error"]["message"]


@pytest.mark.parametrize("body,named", [
    ({"skus": [{"productId": "p-nuts", "skuId": "a", "version": 1}] * 2}, "skus[1].skuId"),
    ({"products": [{"productId": "p-nuts"}]}, "$.products[0]"),
    ({}, "empty"),
])
def test_a_bad_delete_is_a_422_naming_the_entry(api, body, named):
    response = server(api, "POST", "/server/catalogue/delete", body)

    assert response.status_code == 422 and named in response.json["error"]["message"], response.text


def test_a_full_batch_of_the_longest_entries_fits_the_body_limit_and_the_items(api):
    pids = [uid("p"), uid("p")]
    spec = {f"规格{i}": "很" * 32 for i in range(5)}
    skus = [{"productId": pid, "skuId": f"{'s' * 61}{i:03d}", "price": 1_000_000_000, "listPrice": 1_000_000_000,
             "spec": spec, "stock": "out_of_stock", "version": 2**53 - 1} for pid in pids for i in range(99)]
    products = [{"productId": pid, "name": "长" * 60, "category": "tea", "image": "https://" + "i" * 504,
                 "summary": "长" * 200, "version": 1} for pid in pids]

    response = server(api, "PUT", "/server/catalogue", {"products": products, "skus": skus})

    assert response.status_code == 200, response.text[:300]
    assert response.json["counts"]["created"] == 200
    assert len(api.call("GET", f"/products/{pids[0]}").json["skus"]) == 99


def test_the_catalogue_is_the_order_systems_alone(api, name):
    body = {"skus": [{**SKU, "version": 99, "price": 1}]}

    assert api.call("PUT", "/server/catalogue", body).status_code == 401
    assert api.call("PUT", "/server/catalogue", body, token=api.login(name)["token"]).status_code == 403
    assert api.call("PUT", "/server/catalogue", body, token=config.settings().operator_key).status_code == 403
