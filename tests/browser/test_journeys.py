"""旅程 in a real browser against the session's local stack: the demo owner designs a journey in
the editor (a send step whose thing1 is over WeChat's 20 characters shows its counter red and the
API's problem at the field, then, fixed, saves), sees who would enter today, publishes and pauses
it; a save behind the editor's back makes the editor's next save a 409 said as such. An analyst
opens the journey read only: no edit control. axe finds nothing serious in the editor at 390 px,
and nothing sticks out."""
from __future__ import annotations

import uuid

from tests.browser.console import add_operators, as_owner, OVERFLOW, SHOTS, text, unexpected, Visit, ZH
from tests.browser.test_accessibility import serious

ANALYST, PASSWORD = "journeys-lan", "journeys-river-2026!"
LONG = "新客专享回购券已经到账请在七天内尽快使用哦"  # 21 characters: one over thing's 20


def at(path: str) -> str:
    """The editor's control for a document path (its id is the path, which CSS cannot take bare)."""
    return f'[id="j-{path}"]'


def test_an_owner_designs_publishes_and_pauses_a_journey_and_an_analyst_only_reads_it(browser, stack):
    api = stack["api"]
    add_operators(browser, api, PASSWORD, analyst=ANALYST)
    journey = f"jn-{uuid.uuid4().hex[:8]}"
    owner = as_owner(browser, api)
    page = owner.page
    owner.open("journeys")

    page.click("#jn-new")
    page.fill(at("id"), "Bad Id")
    page.fill(at("$.name"), "首单后复购")
    page.click("#jn-save")
    assert text(page, "#jn-error") == ZH["jn.idRule"]  # refused here, nothing sent
    page.fill(at("id"), journey)

    # A send step after the delay: a thing over 20 characters is red, and the API says why at the field.
    first = page.locator("li[data-step=delay1]")
    first.locator(".add-step select").select_option("send")
    first.locator('[data-action="add.step"]').click()
    page.fill(at("$.steps[1].template"), "tpl_benefit_arrived")
    page.fill(at("$.steps[1].fields[0][1].text"), LONG)
    row = page.locator("li[data-step=send1] [data-keyword=thing1]")
    assert row.locator(".count").inner_text() == "21/20" and "bad" in row.locator(".count").get_attribute("class")
    row.locator(".field-error").wait_for()
    assert "thing1" in row.locator(".field-error").inner_text() and "20" in row.locator(".field-error").inner_text()
    assert "thing1" in text(page, "#jn-problems")

    page.fill(at("$.steps[1].fields[0][1].text"), LONG[:12])
    assert row.locator(".count").inner_text() == "12/20" and "bad" not in row.locator(".count").get_attribute("class")
    page.wait_for_selector("#jn-problems", state="detached")
    page.wait_for_selector("#jn-would")
    before, after = ZH["jn.would"].split("{n}")
    assert text(page, "#jn-would").startswith(before) and text(page, "#jn-would").endswith(after)

    # Accessible and inside the screen at phone width, with the editor open.
    page.set_viewport_size({"width": 390, "height": 900})
    assert page.evaluate(OVERFLOW) == []
    assert serious(page) == []
    page.screenshot(path=str(SHOTS / "owner-journey-editor-390.png"), full_page=True)
    page.set_viewport_size({"width": 1440, "height": 900})

    page.click("#jn-save")
    page.wait_for_selector(f"#journeys tr[data-journey='{journey}']")
    assert text(page, "#jn-notice") == ZH["jn.saved"].format(version=1)
    assert page.locator("#jn-versions [data-version='1']").count() == 1

    page.click('[data-action="publish"]')
    page.wait_for_selector(f"#journeys tr[data-journey='{journey}'][data-status=live]")
    assert text(page, "#jn-notice") == ZH["jn.status.live"]
    page.wait_for_selector("#jn-stats #jn-lift")
    page.click('[data-action="pause"]')
    page.wait_for_selector(f"#journeys tr[data-journey='{journey}'][data-status=paused]")
    assert page.locator('[data-action="resume"]').count() == 1

    # Another save behind the editor's back: the editor's next save is refused as stale, and said so.
    csrf = page.request.get(f"{api}/operator/me").json()["csrfToken"]
    saved = page.request.get(f"{api}/operator/journeys/{journey}").json()
    behind = page.request.put(f"{api}/operator/journeys/{journey}?expectedVersion=1", data=saved["document"],
                              headers={"X-CSRF-Token": csrf})
    assert behind.status == 200, behind.text()
    page.fill(at("$.description"), "回购")
    page.click("#jn-save")
    page.wait_for_selector("#jn-error")
    assert text(page, "#jn-error") == ZH["jn.stale"]

    # Branches lead only forward: a split's targets are the steps after it, wherever it is moved.
    page.locator("li[data-step=send1] .add-step select").select_option("exit")
    page.locator('li[data-step=send1] [data-action="add.step"]').click()
    first.locator(".add-step select").select_option("split")
    first.locator('[data-action="add.step"]').click()
    assert page.locator("ol.records > li").evaluate_all("(steps) => steps.map((s) => s.dataset.step)") == ["delay1", "split1", "send1", "exit1"]
    targets = "(select) => Array.from(select.options, (o) => o.value)"
    assert page.eval_on_selector(at("$.steps[1].branches[0].next"), targets) == ["", "send1", "exit1"]
    page.locator('li[data-step=split1] [data-action="up"]').click()
    assert page.eval_on_selector(at("$.steps[0].branches[0].next"), targets) == ["", "delay1", "send1", "exit1"]
    page.select_option(at("$.steps[0].branches[0].next"), "exit1")
    page.locator('li[data-step=split1] [data-action="add.when"]').click()
    assert page.locator('[id^="j-$.steps[0].branches[0].when["][id$=".op"]').count() == 2  # two conditions, both to hold
    assert unexpected(owner.problems, 409, 422) == [], owner.problems  # a draft without a name yet is 422 to check
    owner.close()

    # The analyst reads the journey: every control disabled, no button but the editor's close.
    visit = Visit(browser, f"{api}/admin", 390)
    visit.login(ANALYST, PASSWORD)
    visit.open("journeys")
    page = visit.page
    assert page.locator("#jn-new").count() == 0
    page.click(f"#journeys tr[data-journey='{journey}'] [data-action=open]")
    page.wait_for_selector(at("$.steps[1].template"))
    assert page.input_value(at("$.steps[1].fields[0][1].text")) == LONG[:12]
    assert page.locator("#jn-form :is(input, select, textarea):enabled").count() == 0
    assert page.locator("#jn-form button").all_inner_texts() == [ZH["app.cancel"]]
    assert page.locator("#jn-save, [data-action]").count() == page.locator("#journeys [data-action=open]").count()
    page.wait_for_selector("#jn-stats")
    assert page.evaluate(OVERFLOW) == []
    page.screenshot(path=str(SHOTS / "analyst-journey-390.png"), full_page=True)
    assert visit.problems == [], visit.problems
    visit.close()
