"""活动 in a real browser against the shared local stack: the demo owner makes this file's marketer
and analyst through the API; the marketer creates a group-buy (the form's own check at the field
first, then the API's 409 for a taken id at the id), edits it, pauses it (and the mini-program's
open is refused), creates a bargain and ends it after the confirm step; the analyst sees both
tables without a change button and the API answers 403. Screenshots at 1440 and 390 px, nothing
sticking out, no console error but the refusals the scenario provokes."""
from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid

from tests.browser.console import add_operators, as_owner, OVERFLOW, SHOTS, text, unexpected, Visit, ZH
from tests.browser.test_accessibility import AXE, serious

MARKETER, ANALYST, PASSWORD = "campaigns-mei", "campaigns-lin", "campaigns-tea-2026!"
# Far either side of any simulated clock the shared stack may be set to: live whatever its date.
STARTS, ENDS = "2026-01-01T09:00", "2030-01-01T09:00"


def open_group(api: str, activity_id: str) -> tuple[int, str]:
    """A shopper opens a group, as the mini-program does: the status and the error code."""
    name = f"campaigns-{uuid.uuid4().hex[:8]}"

    def post(path: str, body: dict, token: str | None = None) -> dict:
        headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
        request = urllib.request.Request(api + path, data=json.dumps(body).encode(), headers=headers, method="POST")
        with urllib.request.urlopen(request) as answer:
            return json.loads(answer.read())

    token = post("/auth/login", {"code": f"demo:{name}:{uuid.uuid4().hex[:8]}"})["token"]
    token = post("/auth/phone", {"code": f"phone:{name}:{uuid.uuid4().hex[:8]}"}, token)["token"]
    try:
        post(f"/groupbuy/{activity_id}/groups", {}, token)
        return 201, ""
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read())["error"]["code"]


def fill(page, form: str, values: dict[str, str]) -> None:
    for name, value in values.items():
        page.fill(f"#{form}-{name}", value)


def row(kind: str, campaign_id: str) -> str:
    return f"#groupbuy-activities tr[data-activity='{campaign_id}']" if kind == "groupbuy" else \
        f"#bargain-campaigns tr[data-campaign='{campaign_id}']"


def test_a_marketer_creates_edits_and_pauses_a_group_buy_and_ends_a_bargain(browser, stack):
    api = stack["api"]
    add_operators(browser, api, PASSWORD, marketer=MARKETER, analyst=ANALYST)
    visit = Visit(browser, f"{api}/admin", 1440)
    page = visit.page
    visit.login(MARKETER, PASSWORD)
    visit.open("campaigns")
    gb, bg = f"gb-{uuid.uuid4().hex[:8]}", f"bg-{uuid.uuid4().hex[:8]}"

    page.click("#new-groupbuy-open")
    fill(page, "new-groupbuy", {"activityId": gb, "name": "普洱三人团", "productId": "p-puer", "originalPrice": "199",
                                "groupPrice": "299", "startsAt": STARTS, "endsAt": ENDS, "stock": "20"})
    page.click("#new-groupbuy button[type=submit]")
    assert text(page, "#new-groupbuy-groupPrice-error") == ZH["campaign.check.below"]  # the form's own check
    page.fill("#new-groupbuy-groupPrice", "129.90")
    page.click("#new-groupbuy button[type=submit]")
    page.wait_for_selector(row("groupbuy", gb))
    assert text(page, "#campaign-notice") == ZH["campaign.done.created"].replace("{name}", "普洱三人团")
    cells = page.locator(f"{row('groupbuy', gb)} td").all_inner_texts()
    assert cells[2] == "129.90 / 199.00" and cells[5] == "20" and cells[8] == ZH["campaign.state.live"], cells

    page.click("#new-groupbuy-open")  # the same id with other settings: the API's 409, at the id
    fill(page, "new-groupbuy", {"activityId": gb, "name": "另一个团", "productId": "p-puer", "originalPrice": "199",
                                "groupPrice": "99", "startsAt": STARTS, "endsAt": ENDS})
    page.click("#new-groupbuy button[type=submit]")
    page.wait_for_selector("#new-groupbuy-activityId-error")
    assert text(page, "#new-groupbuy-activityId-error") == ZH["code.CAMPAIGN_EXISTS"]
    page.click("#new-groupbuy button.secondary")

    page.click(f"{row('groupbuy', gb)} button[data-action=edit]")
    assert text(page, "#edit-groupbuy .hint") == ZH["campaign.liveNote"]  # started: only the safe fields
    assert page.locator("#edit-groupbuy-groupPrice").count() == 0
    page.fill("#edit-groupbuy-name", "普洱四人团")
    page.fill("#edit-groupbuy-addStock", "5")
    page.click("#edit-groupbuy button[type=submit]")
    page.wait_for_selector(f"{row('groupbuy', gb)} td:text('普洱四人团')")
    assert page.locator(f"{row('groupbuy', gb)} td").nth(5).inner_text() == "25"

    page.click(f"{row('groupbuy', gb)} button[data-action=pause]")
    page.wait_for_selector(f"{row('groupbuy', gb)}[data-state=paused]")
    assert text(page, f"{row('groupbuy', gb)} td.state") == ZH["campaign.state.paused"]
    assert page.locator(f"{row('groupbuy', gb)} button[data-action=resume]").count() == 1
    assert open_group(api, gb) == (409, "GROUPBUY_UNAVAILABLE")

    page.click("#new-bargain-open")
    fill(page, "new-bargain", {"campaignId": bg, "name": "龙井砍价", "productId": "p-longjing", "originalPrice": "128",
                               "floorPrice": "1", "helpers": "5", "startsAt": STARTS, "endsAt": ENDS})
    page.click("#new-bargain button[type=submit]")
    page.wait_for_selector(row("bargain", bg))
    page.click(f"{row('bargain', bg)} button[data-action=end]")
    assert ZH["campaign.endAsk"].replace("{name}", "龙井砍价") in text(page, row("bargain", bg))
    assert page.locator(f"{row('bargain', bg)}[data-state=live]").count() == 1  # nothing ended yet
    page.click(f"{row('bargain', bg)} button[data-action=confirm-end]")
    page.wait_for_selector(f"{row('bargain', bg)}[data-state=ended]")
    assert page.locator(f"{row('bargain', bg)} button").count() == 0

    page.screenshot(path=str(SHOTS / "marketer-campaigns-1440.png"), full_page=True)
    assert page.evaluate(OVERFLOW) == []
    if AXE.exists():  # both tables, and a create form with its checkboxes open
        page.click("#new-groupbuy-open")
        assert serious(page) == []
        page.click("#new-groupbuy button.secondary")
    page.set_viewport_size({"width": 390, "height": 900})
    page.click(f"{row('groupbuy', gb)} button[data-action=edit]")
    page.screenshot(path=str(SHOTS / "marketer-campaigns-edit-390.png"), full_page=True)
    assert page.evaluate(OVERFLOW) == []  # the tables scroll in their frames, the form wraps
    visit.photograph("marketer-campaigns", 390)
    visit.photograph("marketer-campaigns", 1440)
    assert unexpected(visit.problems, 409) == [], visit.problems
    visit.close()


def test_an_analyst_sees_the_campaigns_without_a_change_button_and_the_api_refuses(browser, stack):
    api = stack["api"]
    add_operators(browser, api, PASSWORD, marketer=MARKETER, analyst=ANALYST)
    owner = as_owner(browser, api)
    csrf = owner.page.request.get(f"{api}/operator/me").json()["csrfToken"]
    gb = f"gb-{uuid.uuid4().hex[:8]}"
    made = owner.page.request.post(f"{api}/operator/groupbuy/activities", headers={"X-CSRF-Token": csrf}, data={
        "activityId": gb, "name": "白茶两人团", "productId": "p-baicha", "originalPrice": 9900, "groupPrice": 6900,
        "size": 2, "startsAt": "2026-01-01T00:00:00Z", "endsAt": "2030-01-01T00:00:00Z"})
    assert made.status == 201, made.text()
    owner.close()

    visit = Visit(browser, f"{api}/admin", 390)
    page = visit.page
    visit.login(ANALYST, PASSWORD)
    visit.open("campaigns")
    assert page.locator(row("groupbuy", gb)).count() == 1
    assert page.locator("main[data-screen=campaigns] button").count() == 0
    assert page.locator("#bargain-campaigns").count() == 1

    csrf = page.request.get(f"{api}/operator/me").json()["csrfToken"]
    for path in (f"/operator/groupbuy/activities/{gb}/pause", f"/operator/groupbuy/activities/{gb}/end"):
        tried = page.request.post(f"{api}{path}", headers={"X-CSRF-Token": csrf})
        assert tried.status == 403 and tried.json()["error"]["code"] == "OPERATOR_FORBIDDEN"
    tried = page.request.patch(f"{api}/operator/groupbuy/activities/{gb}", headers={"X-CSRF-Token": csrf},
                               data={"version": 0, "name": "改名"})
    assert tried.status == 403
    assert page.locator(f"{row('groupbuy', gb)}[data-state=live]").count() == 1
    page.screenshot(path=str(SHOTS / "analyst-campaigns-390.png"), full_page=True)
    assert page.evaluate(OVERFLOW) == []
    visit.photograph("analyst-campaigns", 390)
    visit.photograph("analyst-campaigns", 1440)
    assert visit.problems == [], visit.problems
    visit.close()
