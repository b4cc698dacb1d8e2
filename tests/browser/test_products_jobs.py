"""商品 and 任务 in a real browser against the shared local stack: a marketer of this file's own
edits a product the order system synced (its name, a price in yuan, the stock), imports a small
CSV whose one bad row is refused by number and in Chinese (nothing written), then the file fixed;
runs a job now and sees the run listed. An analyst of this file's own sees no change button and
the API answers 403. Screenshots at 1440 and 390 px, nothing sticking out, no console error
but the refusals the scenario provokes."""
from __future__ import annotations

import json
import urllib.request
import uuid

from chalicelib.api import job_views
from devstack.__main__ import LOCAL_ENV
from tests.browser.console import add_operators, OVERFLOW, SHOTS, text, unexpected, Visit, ZH

MARKETER, ANALYST, PASSWORD = "goods-guo", "goods-gao", "goods-and-jobs-2026!"


def sync(api: str, body: dict) -> dict:
    """What the order system sends, with its server key."""
    request = urllib.request.Request(f"{api}/server/catalogue", data=json.dumps(body).encode(), method="PUT",
                                     headers={"Content-Type": "application/json",
                                              "Authorization": f"Bearer {LOCAL_ENV['HUILIU_SERVER_KEY']}"})
    with urllib.request.urlopen(request) as answer:
        return json.loads(answer.read())


def goods(api: str) -> dict:
    """A category and a product of one SKU, of this test's own."""
    tag = uuid.uuid4().hex[:6]
    ids = {"cat": f"pj-{tag}", "pid": f"pj-{tag}-tea", "sku": f"pj-{tag}-100g"}
    sync(api, {"categories": [{"categoryId": ids["cat"], "name": f"测试茶叶 {tag}", "version": 1}],
               "products": [{"productId": ids["pid"], "name": "明前龙井", "category": ids["cat"], "version": 1}],
               "skus": [{"productId": ids["pid"], "skuId": ids["sku"], "price": 12800, "version": 1}]})
    return ids


def only(page, category: str) -> None:
    page.select_option("#product-category", category)
    page.wait_for_selector(f"#products tr[data-product^='{category}']")


def upload(page, name: str, content: str) -> None:
    page.set_input_files("#product-import-file", files=[{"name": name, "mimeType": "text/csv", "buffer": content.encode()}])


def test_a_marketer_edits_and_imports_products_and_runs_a_job_now(browser, stack):
    api = stack["api"]
    add_operators(browser, api, PASSWORD, marketer=MARKETER, analyst=ANALYST)
    g = goods(api)
    visit = Visit(browser, f"{api}/admin", 1440)
    page = visit.page
    visit.login(MARKETER, PASSWORD)
    visit.open("products")
    only(page, g["cat"])

    row = f"#products tr[data-product='{g['pid']}']"
    page.click(f"{row} [data-action=edit]")
    page.fill("#edit-product-sku0-price", "0")  # the page's own check, before any call
    page.click("#edit-product button[type=submit]")
    assert text(page, "#edit-product-sku0-price-error") == ZH["products.check.price"]
    page.fill("#edit-product-name", "明前龙井 特级")
    page.fill("#edit-product-sku0-price", "118.5")
    page.select_option("#edit-product-sku0-stock", "low")
    page.click("#edit-product button[type=submit]")
    page.wait_for_selector("#product-notice")
    assert text(page, f"{row} td:nth-child(2)") == "明前龙井 特级"
    assert text(page, f"{row} td:nth-child(4)") == "118.50"
    assert text(page, f"{row} td:nth-child(5)") == ZH["products.stock.low"]

    # The order system moves the product while the form is open: the save is refused, not lost.
    page.click(f"{row} [data-action=edit]")
    sync(api, {"products": [{"productId": g["pid"], "name": "订单系统改名", "category": g["cat"], "version": 5}]})
    page.fill("#edit-product-name", "运营改名")
    page.click("#edit-product button[type=submit]")
    page.wait_for_selector("#edit-product-form-error")
    assert text(page, "#edit-product-form-error") == ZH["code.PRODUCT_CHANGED"]
    page.click("#edit-product button.secondary")

    header = "productId,skuId,name,category,price,listPrice,stock\n"
    good = f"{g['pid']}-new,{g['pid']}-new-1,\"白茶饼, 200g\",{g['cat']},99.90,120,有货\n"
    bad = f"{g['pid']}-new,{g['pid']}-new-2,\"白茶饼, 200g\",{g['cat']},12.345,,\n"
    upload(page, "goods.csv", header + good + bad)
    page.wait_for_selector("#import-errors")
    assert page.locator("#import-errors tbody tr").count() == 1
    assert text(page, "#import-errors tr[data-row='3'] td:nth-child(2)") == "price"
    assert "price 无效" in text(page, "#import-errors tr[data-row='3'] td:nth-child(3)")
    assert page.locator(f"#products tr[data-product='{g['pid']}-new']").count() == 0  # nothing written
    page.screenshot(path=str(SHOTS / "marketer-products-import-390.png"), full_page=True)
    upload(page, "goods.csv", header + good + bad.replace("12.345", "19.9"))
    page.wait_for_selector("#product-notice")
    assert "新增 3" in text(page, "#product-notice")
    only(page, g["cat"])
    assert text(page, f"#products tr[data-product='{g['pid']}-new'] td:nth-child(4)") == "19.90–99.90"

    # The order system's own JSON (the sync's document, prices in fen): a row a SKU.
    doc = {"products": [{"productId": f"{g['pid']}-json", "name": "JSON 导入", "category": g["cat"], "version": 1}],
           "skus": [{"productId": f"{g['pid']}-json", "skuId": "j-1", "price": 4550, "stock": "low", "version": 1}]}
    page.set_input_files("#product-import-file", files=[{"name": "goods.json", "mimeType": "application/json",
                                                          "buffer": json.dumps(doc).encode()}])
    page.wait_for_selector("#product-notice")
    only(page, g["cat"])
    assert text(page, f"#products tr[data-product='{g['pid']}-json'] td:nth-child(4)") == "45.50"

    visit.open("jobs")
    job = "#jobs li[data-job='groupbuy-close']"
    before = page.locator(f"{job} tr[data-run]").count()
    page.click(f"{job} [data-action=run]")
    page.wait_for_selector("#job-notice")
    runs = page.locator(f"{job} tr[data-run]")
    assert runs.count() == min(before + 1, 5)
    assert runs.first.get_attribute("data-outcome") == "done" and MARKETER in runs.first.inner_text()
    assert page.evaluate(OVERFLOW) == []

    visit.photograph("marketer-goods", 390)
    visit.photograph("marketer-goods", 1440)
    assert unexpected(visit.problems, 409, 422) == [], visit.problems
    visit.close()


def test_an_analyst_sees_no_change_button_and_the_api_refuses(browser, stack):
    api = stack["api"]
    add_operators(browser, api, PASSWORD, marketer=MARKETER, analyst=ANALYST)
    g = goods(api)
    visit = Visit(browser, f"{api}/admin", 390)
    page = visit.page
    visit.login(ANALYST, PASSWORD)
    visit.open("products")
    only(page, g["cat"])
    assert page.locator("#product-import, [data-action=edit]").count() == 0
    visit.open("jobs")
    assert page.locator("#jobs li[data-job]").count() == len(job_views.SCHEDULES)
    assert page.locator("[data-action=run]").count() == 0

    csrf = page.request.get(f"{api}/operator/me").json()["csrfToken"]
    headers = {"X-CSRF-Token": csrf}
    edit = page.request.put(f"{api}/operator/products/{g['pid']}", headers=headers, data={
        "version": 1, "name": "分析员改名", "category": g["cat"], "onSale": True})
    imported = page.request.post(f"{api}/operator/products/import", headers=headers, data={"rows": []})
    ran = page.request.post(f"{api}/operator/jobs/groupbuy-close", headers=headers)
    for refused in (edit, imported, ran):
        assert refused.status == 403 and refused.json()["error"]["code"] == "OPERATOR_FORBIDDEN"
    listed = page.request.get(f"{api}/operator/products?category={g['cat']}").json()["products"]
    assert listed[0]["name"] == "明前龙井"
    visit.photograph("analyst-goods", 390)
    assert visit.problems == [], visit.problems
    visit.close()
