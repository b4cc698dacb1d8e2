"""会员 in a real browser against the shared local stack: a member made the way the mini-program
makes one (a WeChat sandbox login, the phone bound, a check-in, a coupon claimed); a marketer of
this file's own finds them by phone (shown masked) and by id, reads every section, erases them
after typing their id, and the lookup then says not found; an analyst of this file's own sees no
erase button and the API answers 403. Screenshots at 1440 and 390 px, nothing sticking out."""
from __future__ import annotations

import json
import urllib.request
import uuid

from devstack.__main__ import LOCAL_ENV
from devstack.wechat_sandbox import Sandbox
from tests.browser.console import add_operators, OVERFLOW, SHOTS, text, unexpected, Visit, ZH

MARKETER, ANALYST, PASSWORD = "members-mei", "members-lin", "members-tea-2026!"
SECTIONS = ("profile", "tier", "checkin", "consents", "ledger", "orders", "coupons", "checkins", "journeys")


def call(api: str, method: str, path: str, body=None, token: str | None = None, key: str | None = None) -> dict:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if key:
        headers["Idempotency-Key"] = key
    data = json.dumps(body).encode() if body is not None else None
    with urllib.request.urlopen(urllib.request.Request(api + path, data=data, headers=headers, method=method)) as answer:
        return json.loads(answer.read() or b"null")


def make_member(api: str) -> tuple[str, str]:
    """A sandbox user who logs in, binds their phone, checks in and claims a coupon: (id, phone)."""
    name = f"members-{uuid.uuid4().hex[:8]}"
    token = call(api, "POST", "/auth/login", {"code": f"demo:{name}:{uuid.uuid4().hex[:8]}"})["token"]
    token = call(api, "POST", "/auth/phone", {"code": f"phone:{name}:{uuid.uuid4().hex[:8]}"}, token)["token"]
    call(api, "POST", "/checkin", token=token)
    call(api, "POST", "/coupons/claim", {"templateId": "cash-3"}, token, key=uuid.uuid4().hex)
    user_id = call(api, "GET", "/me", token=token)["id"]
    return user_id, Sandbox(appid=LOCAL_ENV["HUILIU_WECHAT_APPID"]).user(name).phone


def find(page, query: str) -> None:
    page.fill("#member-search-query", query)
    page.click("#member-search-submit")
    page.wait_for_selector("#member-card, #member-none, #member-search-query-error")


def test_a_marketer_finds_a_member_by_phone_and_id_reads_every_section_and_erases_them(browser, stack):
    api = stack["api"]
    add_operators(browser, api, PASSWORD, marketer=MARKETER, analyst=ANALYST)
    user_id, phone = make_member(api)
    visit = Visit(browser, f"{api}/admin", 1440)
    page = visit.page
    visit.login(MARKETER, PASSWORD)
    visit.open("members")

    find(page, "138-abc")  # the page's own check, before any call
    assert text(page, "#member-search-query-error") == ZH["member.check"]

    find(page, f"+86 {phone}")
    masked = phone[:3] + "****" + phone[-4:]
    assert page.locator("#member-card").get_attribute("data-member") == user_id
    assert text(page, "#member-profile [data-fact='member.f.phone']") == masked
    assert phone not in page.content()
    for section in SECTIONS:
        assert page.locator(f"#member-card [data-section={section}]").count() == 1, section
    assert page.locator("#member-checkins tbody tr").count() == 1
    assert ZH["member.checkin.normal"] in text(page, "#member-checkins")
    assert page.locator("#member-coupons tbody tr").count() == 1 and "全场立减 ¥3" in text(page, "#member-coupons")
    assert ZH["member.coupon.unused"] in text(page, "#member-coupons")
    assert ZH["member.kind.points"] in text(page, "#member-ledger")

    find(page, user_id)
    assert page.locator("#member-card").get_attribute("data-member") == user_id
    page.screenshot(path=str(SHOTS / "marketer-member-1440.png"), full_page=True)
    assert page.evaluate(OVERFLOW) == []
    page.set_viewport_size({"width": 390, "height": 900})
    page.screenshot(path=str(SHOTS / "marketer-member-390.png"), full_page=True)
    assert page.evaluate(OVERFLOW) == []  # the tables scroll in their frames

    page.click("#member-erase-open")
    assert page.locator("#member-erase-submit").is_disabled()  # until the id is typed
    page.fill("#member-erase-confirm", user_id[:-1])
    assert page.locator("#member-erase-submit").is_disabled()
    page.fill("#member-erase-confirm", user_id)
    page.screenshot(path=str(SHOTS / "marketer-member-erase-390.png"), full_page=True)
    assert page.evaluate(OVERFLOW) == []
    page.click("#member-erase-submit")
    page.wait_for_selector("#member-notice")
    assert text(page, "#member-notice") == ZH["member.erased"]
    assert page.locator("#member-card").count() == 0

    find(page, user_id)
    assert text(page, "#member-none") == ZH["member.none"]
    find(page, phone)
    assert text(page, "#member-none") == ZH["member.none"]
    assert page.request.get(f"{api}/operator/members/{user_id}").status == 404
    visit.photograph("marketer-members", 390)
    visit.photograph("marketer-members", 1440)
    assert unexpected(visit.problems) == [], visit.problems
    visit.close()


def test_an_analyst_reads_a_member_but_sees_no_erase_button_and_the_api_refuses(browser, stack):
    api = stack["api"]
    add_operators(browser, api, PASSWORD, marketer=MARKETER, analyst=ANALYST)
    user_id, phone = make_member(api)
    visit = Visit(browser, f"{api}/admin", 390)
    page = visit.page
    visit.login(ANALYST, PASSWORD)
    visit.open("members")
    find(page, phone)
    assert page.locator("#member-card").get_attribute("data-member") == user_id
    assert text(page, "#member-profile [data-fact='member.f.phone']") == phone[:3] + "****" + phone[-4:]
    assert page.locator("#member-erase-open, #member-erase").count() == 0
    assert page.locator("main button:not([data-more])").count() == 1  # the search's own

    csrf = page.request.get(f"{api}/operator/me").json()["csrfToken"]
    tried = page.request.delete(f"{api}/operator/members/{user_id}",
                                headers={"X-CSRF-Token": csrf, "Idempotency-Key": uuid.uuid4().hex})
    assert tried.status == 403 and tried.json()["error"]["code"] == "OPERATOR_FORBIDDEN"
    assert page.request.get(f"{api}/operator/members/{user_id}").status == 200  # still there
    page.screenshot(path=str(SHOTS / "analyst-member-390.png"), full_page=True)
    assert page.evaluate(OVERFLOW) == []
    visit.photograph("analyst-members", 390)
    assert visit.problems == [], visit.problems
    visit.close()
