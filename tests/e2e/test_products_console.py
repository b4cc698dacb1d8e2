"""商品 over HTTP: a marketer lists, edits and imports; the order system's sync and an operator's
edit never silently overwrite each other (409 one way, ``stale`` the other); a replayed edit or
import changes nothing; bad input and bad rows are refused in Chinese, row by row, with nothing
written; an analyst reads and is refused every change."""
from __future__ import annotations

import uuid

import pytest

from chalicelib import config
from chalicelib.operators import roles
from chalicelib.shop import sync
from tests.e2e.test_operators import Console, code, operator, own_address  # noqa: F401  (the fixture)


def server(api, body: dict, path: str = "/server/catalogue", method: str = "PUT"):
    answer = api.call(method, path, body, token=config.settings().server_key)
    assert answer.status_code == 200, answer.text
    return answer.json


@pytest.fixture
def goods(api) -> dict:
    """A category and a product of two SKUs, synced at version 1, under ids of this test's own."""
    tag = uuid.uuid4().hex[:8]
    ids = {"cat": f"c-{tag}", "other": f"c2-{tag}", "pid": f"p-{tag}", "s1": f"s1-{tag}", "s2": f"s2-{tag}"}
    server(api, {
        "categories": [{"categoryId": ids["cat"], "name": "茶叶", "version": 1},
                       {"categoryId": ids["other"], "name": "零食", "version": 1}],
        "products": [{"productId": ids["pid"], "name": "明前龙井", "category": ids["cat"], "version": 1}],
        "skus": [{"productId": ids["pid"], "skuId": ids["s1"], "price": 12800, "listPrice": 15800,
                  "spec": {"规格": "100g"}, "version": 1},
                 {"productId": ids["pid"], "skuId": ids["s2"], "price": 29800, "version": 1}],
    })
    return ids


def edit_body(g: dict, **changes) -> dict:
    body = {"version": 1, "name": "明前龙井", "category": g["cat"], "onSale": True,
            "skus": [{"skuId": g["s1"], "version": 1, "price": 12800, "stock": "in_stock"}]}
    return body | changes


def listed(console: Console, g: dict) -> dict:
    page = console.call("GET", f"/operator/products?category={g['cat']}")
    assert page.status_code == 200, page.text
    return next(p for p in page.json["products"] if p["productId"] == g["pid"])


def test_a_marketer_edits_a_product_and_its_price_history_and_the_audit_follow(api, goods):
    marketer = Console(api, operator(roles.MARKETER))
    before = listed(marketer, goods)
    assert before["version"] == 1 and [s["skuId"] for s in before["skus"]] == [goods["s1"], goods["s2"]]
    body = edit_body(goods, name="明前龙井 特级", category=goods["other"], onSale=False,
                     skus=[{"skuId": goods["s1"], "version": 1, "price": 11800, "stock": "low"}])
    edited = marketer.call("PUT", f"/operator/products/{goods['pid']}", body)
    assert edited.status_code == 200, edited.text
    p = edited.json
    assert (p["name"], p["category"], p["onSale"], p["version"]) == ("明前龙井 特级", goods["other"], False, 2)
    s1 = next(s for s in p["skus"] if s["skuId"] == goods["s1"])
    assert (s1["price"], s1["stock"], s1["version"], s1["listPrice"], s1["spec"]) == (11800, "low", 2, 15800, {"规格": "100g"})
    [change] = sync.history(goods["pid"], goods["s1"])
    assert (change.old_price, change.new_price, change.version) == (12800, 11800, 2)
    assert listed(marketer, {**goods, "cat": goods["other"]})["name"] == "明前龙井 特级"
    # Sent again (a retry after a lost answer): nothing to change, the product as it is.
    again = marketer.call("PUT", f"/operator/products/{goods['pid']}", body)
    assert again.status_code == 200 and again.json["version"] == 2
    assert len(sync.history(goods["pid"], goods["s1"])) == 1
    record = marketer.call("GET", "/operator/audit?limit=1")  # the owner's; a marketer is refused
    assert record.status_code == 403
    owner = Console(api, operator(roles.OWNER))
    audit = owner.call("GET", f"/operator/audit?operator={marketer.login['operator']['operatorId']}&limit=5").json
    replay, entry = [r for r in audit["records"] if r["route"] == "/operator/products/{product_id}"][:2]
    assert entry["before"]["name"] == "明前龙井" and entry["after"]["name"] == "明前龙井 特级"
    assert replay["before"] == replay["after"]


def test_a_sync_after_the_read_makes_the_edit_409_and_a_late_old_sync_is_stale(api, goods):
    marketer = Console(api, operator(roles.MARKETER))
    server(api, {"products": [{"productId": goods["pid"], "name": "龙井（订单系统）", "category": goods["cat"], "version": 2}]})
    moved = marketer.call("PUT", f"/operator/products/{goods['pid']}", edit_body(goods, name="龙井（运营）"))
    assert moved.status_code == 409 and code(moved) == "PRODUCT_CHANGED"
    assert listed(marketer, goods)["name"] == "龙井（订单系统）"
    # A SKU the sync moved is a conflict too, though the product's own fields were not.
    server(api, {"skus": [{"productId": goods["pid"], "skuId": goods["s1"], "price": 13800, "version": 2}]})
    sku_moved = marketer.call("PUT", f"/operator/products/{goods['pid']}", edit_body(
        goods, version=2, skus=[{"skuId": goods["s1"], "version": 1, "price": 9900, "stock": "in_stock"}]))
    assert sku_moved.status_code == 409 and code(sku_moved) == "PRODUCT_CHANGED"
    # Edited on the versions read now; then the order system's late resend of version 2 is stale.
    ok = marketer.call("PUT", f"/operator/products/{goods['pid']}", edit_body(
        goods, version=2, name="龙井（运营）", skus=[{"skuId": goods["s1"], "version": 2, "price": 9900, "stock": "in_stock"}]))
    assert ok.status_code == 200 and ok.json["version"] == 3, ok.text
    late = server(api, {"products": [{"productId": goods["pid"], "name": "龙井（订单系统）", "category": goods["cat"], "version": 2}],
                        "skus": [{"productId": goods["pid"], "skuId": goods["s1"], "price": 13800, "version": 2}]})
    assert [r["status"] for r in late["products"] + late["skus"]] == ["stale", "stale"]
    assert listed(marketer, goods)["name"] == "龙井（运营）"
    # A newer change of the order system's wins, as any newer change does.
    newer = server(api, {"products": [{"productId": goods["pid"], "name": "龙井 2025", "category": goods["cat"], "version": 4}]})
    assert newer["products"][0]["status"] == "updated"


@pytest.mark.parametrize("change,error,field", [
    ({"name": ""}, "PRODUCT_INVALID", "name"),
    ({"category": "nope-category"}, "PRODUCT_INVALID", "category"),
    ({"version": 0}, "PRODUCT_INVALID", "version"),
    ({"extra": 1}, "PRODUCT_INVALID", "extra"),
    ({"skus": [{"skuId": "nope", "version": 1, "price": 100, "stock": "low"}]}, "PRODUCT_INVALID", "skus[0].skuId"),
    ({"skus": [{"skuId": "S1", "version": 1, "price": 0, "stock": "low"}]}, "PRODUCT_INVALID", "skus[0].price"),
    ({"skus": [{"skuId": "S1", "version": 1, "price": 20000, "stock": "in_stock"}]}, "PRODUCT_INVALID", "skus[0].listPrice"),
    ({"skus": [{"skuId": "S1", "version": 1, "price": 100, "stock": "plenty"}]}, "PRODUCT_INVALID", "skus[0].stock"),
])
def test_a_bad_edit_is_refused_in_chinese_at_its_field_and_writes_nothing(api, goods, change, error, field):
    marketer = Console(api, operator(roles.MARKETER))
    if "skus" in change:
        change = {"skus": [{**s, "skuId": goods["s1"] if s["skuId"] == "S1" else s["skuId"]} for s in change["skus"]]}
    refused = marketer.call("PUT", f"/operator/products/{goods['pid']}", edit_body(goods, **change))
    assert refused.status_code == 422 and code(refused) == error, refused.text
    message = refused.json["error"]["message"]
    assert message.startswith("商品信息有误：") and field in message
    assert listed(marketer, goods)["version"] == 1


def test_an_unknown_or_deleted_product_is_404(api, goods):
    marketer = Console(api, operator(roles.MARKETER))
    assert code(marketer.call("PUT", "/operator/products/p-never-synced", edit_body(goods))) == "PRODUCT_NOT_FOUND"
    assert code(marketer.call("PUT", "/operator/products/bad%20id", edit_body(goods))) == "PRODUCT_NOT_FOUND"
    server(api, {"products": [{"productId": goods["pid"], "version": 2}]}, "/server/catalogue/delete", "POST")
    gone = marketer.call("PUT", f"/operator/products/{goods['pid']}", edit_body(goods, version=2))
    assert gone.status_code == 404 and code(gone) == "PRODUCT_NOT_FOUND"
    assert listed(marketer, goods)["deleted"] is True


def test_the_list_pages_by_cursor(api, goods):
    marketer = Console(api, operator(roles.MARKETER))
    server(api, {"products": [{"productId": f"{goods['pid']}-{n}", "name": f"商品{n}", "category": goods["cat"], "version": 1}
                              for n in range(3)]})
    seen, cursor = [], None
    for _ in range(5):
        page = marketer.call("GET", f"/operator/products?category={goods['cat']}&limit=2" + (f"&cursor={cursor}" if cursor else ""))
        assert page.status_code == 200 and len(page.json["products"]) <= 2
        seen += [p["productId"] for p in page.json["products"]]
        cursor = page.json["next"]
        if cursor is None:
            break
    assert seen == sorted([goods["pid"]] + [f"{goods['pid']}-{n}" for n in range(3)])
    categories = {c["categoryId"] for c in page.json["categories"]}
    assert {goods["cat"], goods["other"]} <= categories
    for bad in ("limit=0", "limit=101", "cursor=a%20b", "category=%23x"):
        assert marketer.call("GET", f"/operator/products?{bad}").status_code == 422


def rows(g: dict) -> list[dict]:
    return [
        {"productId": g["pid"], "skuId": g["s1"], "name": "明前龙井", "category": g["cat"], "price": "118.00"},
        {"productId": f"{g['pid']}-new", "skuId": "n-1", "name": "白茶饼", "category": g["cat"], "price": "99.9",
         "listPrice": "120", "stock": "缺货", "onSale": "否"},
        {"productId": f"{g['pid']}-new", "skuId": "n-2", "name": "白茶饼", "category": g["cat"], "price": 199},
    ]


def test_an_import_goes_through_the_sync_and_again_changes_nothing(api, goods):
    marketer = Console(api, operator(roles.MARKETER))
    done = marketer.call("POST", "/operator/products/import", {"firstRow": 2, "rows": rows(goods)})
    assert done.status_code == 200, done.text
    assert done.json["counts"] == {"created": 3, "updated": 1, "unchanged": 1, "stale": 0}
    assert [(r["row"], r["sku"]) for r in done.json["rows"]] == [(2, "updated"), (3, "created"), (4, "created")]
    page = marketer.call("GET", f"/operator/products?category={goods['cat']}").json["products"]
    new = next(p for p in page if p["productId"] == f"{goods['pid']}-new")
    assert new["onSale"] is False and [(s["price"], s["listPrice"], s["stock"]) for s in new["skus"]] == [
        (9990, 12000, "out_of_stock"), (19900, None, "in_stock")]
    s1 = next(s for s in listed(marketer, goods)["skus"] if s["skuId"] == goods["s1"])
    assert (s1["price"], s1["version"], s1["listPrice"], s1["spec"]) == (11800, 2, 15800, {"规格": "100g"})
    again = marketer.call("POST", "/operator/products/import", {"firstRow": 2, "rows": rows(goods)})
    assert again.json["counts"] == {"created": 0, "updated": 0, "unchanged": 5, "stale": 0}
    # The order system's versions, when the file has them: an older one is stale.
    old = marketer.call("POST", "/operator/products/import", {"rows": [{**rows(goods)[0], "price": "1", "version": "1"}]})
    assert old.json["rows"][0]["sku"] == "stale"


@pytest.mark.parametrize("row,field,words", [
    ({"price": "12.345"}, "price", "price 无效"),
    ({"price": "-1"}, "price", "price 无效"),
    ({"price": ""}, "price", "缺少 price"),
    ({"stock": "很多"}, "stock", "stock 无效"),
    ({"onSale": "maybe"}, "onSale", "onSale 无效"),
    ({"version": "v2"}, "version", "version 无效"),
    ({"colour": "红"}, "colour", "不认识的列 colour"),
    ({"name": "x" * 61}, "name", "name 无效"),
    ({"productId": "有 空格"}, "productId", "productId 无效"),
    ({"category": "no-such-category"}, "category", "没有分类 no-such-category"),
    ({"listPrice": "1"}, "listPrice", "划线价低于售价"),
])
def test_a_bad_row_refuses_the_file_naming_its_row_in_chinese(api, goods, row, field, words):
    marketer = Console(api, operator(roles.MARKETER))
    good = rows(goods)
    sent = [good[1], good[2], {**good[0], "productId": f"{goods['pid']}-bad", **row}]
    refused = marketer.call("POST", "/operator/products/import", {"firstRow": 2, "rows": sent})
    assert refused.status_code == 422 and code(refused) == "IMPORT_ROWS_INVALID", refused.text
    [bad] = refused.json["error"]["rows"]
    assert (bad["row"], bad["field"]) == (4, field) and words in bad["message"], bad
    assert refused.json["error"]["message"].startswith("导入文件有误，未写入任何内容：第 4 行")
    page = marketer.call("GET", f"/operator/products?category={goods['cat']}").json["products"]
    assert not any(p["productId"].startswith(f"{goods['pid']}-") for p in page)  # nothing written


def test_rows_of_one_product_must_agree_and_a_sku_twice_is_refused(api, goods):
    marketer = Console(api, operator(roles.MARKETER))
    good = rows(goods)
    refused = marketer.call("POST", "/operator/products/import", {"firstRow": 2, "rows": [
        good[1], {**good[2], "name": "别的名字"}, {**good[1], "price": "5"}]})
    assert refused.status_code == 422
    by_row = {r["row"]: r for r in refused.json["error"]["rows"]}
    assert by_row[3]["field"] == "name" and "见第 2 行" in by_row[3]["message"]
    assert "与第 2 行是同一规格" in by_row[4]["message"]


@pytest.mark.parametrize("body,error", [
    ({"rows": []}, "IMPORT_ROWS_INVALID"),
    ({"rows": [{"productId": "x"}] * 501}, "IMPORT_ROWS_INVALID"),
    ({"rows": "a,b"}, "VALIDATION_FAILED"),
    ({"rows": [[1, 2]]}, "VALIDATION_FAILED"),
    ({"rows": [{"price": {"yuan": 1}}]}, "VALIDATION_FAILED"),
    ({"rows": [], "firstRow": 0}, "VALIDATION_FAILED"),
    ({"rows": [], "extra": True}, "VALIDATION_FAILED"),
])
def test_a_malformed_import_is_a_422(api, body, error):
    refused = Console(api, operator(roles.MARKETER)).call("POST", "/operator/products/import", body)
    assert refused.status_code == 422 and code(refused) == error, refused.text


def test_an_analyst_reads_the_catalogue_and_is_refused_every_change(api, goods):
    analyst = Console(api, operator(roles.ANALYST))
    assert listed(analyst, goods)["name"] == "明前龙井"
    for method, path, body in (("PUT", f"/operator/products/{goods['pid']}", edit_body(goods, name="改名")),
                               ("POST", "/operator/products/import", {"rows": rows(goods)})):
        refused = analyst.call(method, path, body)
        assert refused.status_code == 403 and code(refused) == "OPERATOR_FORBIDDEN"
    assert listed(analyst, goods)["name"] == "明前龙井"
