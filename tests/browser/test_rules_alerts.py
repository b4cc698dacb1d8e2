"""规则 and 预警 in a real browser, against the session's local stack: a marketer changes a rule
book through its form (a bad value refused at its field first, by the range the API answers in
its schema), saves, sees the new version, rolls it back, and the owner reads both in the audit
log; the marketer creates an alert rule; an analyst sees no change button and the API answers 403.
Screenshots of every screen at 1440 and 390 px, nothing sticking out, no unexpected console error.
"""
from __future__ import annotations

import re

from tests.browser.console import add_operators, as_owner, OVERFLOW, SHOTS, text, unexpected, Visit, ZH

MARKETER, ANALYST, PASSWORD = "rules-mara", "rules-ana", "autumn-rules-2026!"


def test_a_marketer_changes_a_rule_book_rolls_it_back_and_adds_an_alert(browser, stack):
    api = stack["api"]
    add_operators(browser, api, PASSWORD, marketer=MARKETER, analyst=ANALYST)
    visit = Visit(browser, f"{api}/admin", 1440)
    page = visit.page
    visit.login(MARKETER, PASSWORD)
    visit.open("rules")
    page.click("#book-checkin")
    page.wait_for_selector("#rules-checkin[data-loaded=true]")
    before = int(re.search(r"\d+", text(page, "#rules-version"))[0])
    window = page.locator('[data-field="makeupWindowDays"]')
    assert "7" in window.locator(".hint").inner_text()  # the default beside the value

    # Out of the schema's range (0–31): refused at the field, nothing sent.
    window.locator("input").fill("45")
    page.click("#rules-save")
    assert text(page, '[data-field="makeupWindowDays"] .field-error') == ZH["rules.check.integer"].format(min=0, max=31)
    assert int(re.search(r"\d+", text(page, "#rules-version"))[0]) == before

    # A list gets rows (added, removed); then the value fixed and saved twice: two new versions.
    milestones = page.locator('fieldset[data-field="milestones"]')
    rows = milestones.locator(":scope > fieldset.rule-row").count()
    milestones.locator(':scope > button[data-action="addRow"]').click()
    assert milestones.locator(":scope > fieldset.rule-row").count() == rows + 1
    milestones.locator(":scope > fieldset.rule-row").last.locator('button[data-action="removeRow"]').click()
    for n, value in enumerate(("5", "6"), start=1):
        window.locator("input").fill(value)
        page.click("#rules-save")
        page.wait_for_selector(f"#rule-versions tr[data-version='{before + n}']")
        assert text(page, "#rules-notice") == ZH["rules.saved"].replace("{version}", str(before + n))
        assert page.input_value('[data-field="makeupWindowDays"] input') == value
    first, second = before + 1, before + 2

    # A value the server refuses across fields (milestone days rise): its message, at the list.
    days = milestones.locator('[data-field$="].days"] input')
    days.nth(1).fill(days.nth(0).input_value())
    page.click("#rules-save")
    page.wait_for_selector('fieldset[data-field="milestones"] > .field-error')
    assert "milestones" in text(page, 'fieldset[data-field="milestones"] > .field-error')
    page.click("#book-referral")
    page.wait_for_selector("#rules-referral[data-loaded=true]")
    page.click("#book-checkin")
    page.wait_for_selector("#rules-checkin[data-loaded=true]")

    # Rolled back to the first save: a new version holding its value.
    page.locator(f"#rule-versions tr[data-version='{first}'] button[data-action=rollback]").click()
    page.wait_for_selector(f"#rule-versions tr[data-version='{second + 1}']")
    assert text(page, "#rules-notice") == ZH["rules.rolledBack"].replace("{from}", str(first)).replace(
        "{version}", str(second + 1))
    assert page.input_value('[data-field="makeupWindowDays"] input') == "5"

    # A save made on a version that is no longer current is refused and said so.
    csrf = page.request.get(f"{api}/operator/me").json()["csrfToken"]
    stale = page.request.put(f"{api}/operator/rules/checkin?expectedVersion={before}", data={},
                             headers={"X-CSRF-Token": csrf})
    assert stale.status == 409 and stale.json()["error"]["code"] == "RULES_VERSION_STALE"

    # An alert rule: the threshold of a rate over 100 is refused at its field, then saved.
    visit.open("alerts")
    page.click("#alert-rule-new")
    page.fill("#alert-rule-name", "留存预警-mara")
    page.select_option("#alert-rule-metric", "d7Retention")
    page.fill("#alert-rule-threshold", "120")
    page.click("#alert-rule-save")
    assert text(page, "#alert-rule-threshold-error") == ZH["alerts.check.percent"]
    page.fill("#alert-rule-threshold", "25")
    page.click("#alert-rule-save")
    page.wait_for_selector("#alerts-notice")
    row = page.locator("#alert-rules tr[data-rule='留存预警-mara']")
    assert ZH["alerts.metric.d7Retention"] in row.inner_text() and "25%" in row.inner_text()
    assert page.locator("#alert-webhook").count() == 0  # the owner's alone
    visit.photograph("marketer-rules", 1440)
    visit.photograph("marketer-rules", 390)
    assert unexpected(visit.problems, 422) == [], visit.problems  # the refused save across fields
    visit.close()

    owner = as_owner(browser, api)
    owner.open("audit")
    mine = [r for r in owner.page.locator("#audit > li").all() if MARKETER in r.inner_text()]
    routes = [r.get_attribute("data-route") for r in mine]
    assert "PUT /operator/rules/{name}" in routes and "POST /operator/alerts/rules" in routes, routes
    assert "POST /operator/rules/{name}/rollback" in routes, routes
    owner.open("alerts")
    owner.page.wait_for_selector("#alert-webhook")
    assert owner.problems == [], owner.problems
    owner.close()


def test_an_analyst_reads_rules_and_alerts_but_changes_nothing(browser, stack):
    api = stack["api"]
    add_operators(browser, api, PASSWORD, marketer=MARKETER, analyst=ANALYST)
    visit = Visit(browser, f"{api}/admin", 390)
    page = visit.page
    visit.login(ANALYST, PASSWORD)
    visit.open("rules")
    for book in ("membership", "checkin", "referral", "segments", "wakeup"):  # every form, read only, at 390 px
        page.click(f"#book-{book}")
        page.wait_for_selector(f"#rules-{book}[data-loaded=true]")
        assert page.locator("main button:not([id^=book-])").count() == 0, book
        assert page.locator(f"#rules-{book} input:not([disabled])").count() == 0, book
        assert page.evaluate(OVERFLOW) == [], book
        page.screenshot(path=str(SHOTS / f"analyst-rules-{book}-390.png"), full_page=True)
    visit.open("alerts")
    assert page.locator("main button").count() == 0
    assert page.locator("#rules-save, #alert-rule-new, #alert-webhook").count() == 0
    csrf = page.request.get(f"{api}/operator/me").json()["csrfToken"]
    for method, path, body in (("put", "/operator/rules/checkin", {}), ("post", "/operator/alerts/rules", {}),
                               ("post", "/operator/rules/checkin/rollback", {"version": 1})):
        tried = getattr(page.request, method)(f"{api}{path}", data=body, headers={"X-CSRF-Token": csrf})
        assert tried.status == 403 and tried.json()["error"]["code"] == "OPERATOR_FORBIDDEN", (path, tried.text())
    visit.photograph("analyst-rules", 390)
    assert visit.problems == [], visit.problems
    visit.close()


def test_the_owner_pastes_the_robot_webhook_and_sees_an_alert_fired_over_the_simulated_days(browser, stack, simulated):
    """The whole chain, as a merchant meets it: the owner pastes the group robot's webhook (the
    sandbox's, which the local stage allows), a rule the simulated days breach, the nightly job
    (run now), and the alert listed as sent, the robot's message naming the rule in Chinese."""
    api, wechat = stack["api"], stack["wechat"]
    visit = as_owner(browser, api)
    page = visit.page
    visit.open("alerts")
    page.fill("#alert-webhook-url", f"{wechat}/cgi-bin/webhook/send?key=rules-alerts-robot")
    page.click("#alert-webhook button[type=submit]")
    page.wait_for_selector("#alert-webhook .notice")
    assert "rules-alerts-robot" not in text(page, "#alert-webhook")  # answered masked

    name = "活跃用户-连续2天"
    page.click("#alert-rule-new")
    page.fill("#alert-rule-name", name)
    page.select_option("#alert-rule-metric", "activeUsers")
    page.select_option("#alert-rule-op", "above")
    page.fill("#alert-rule-threshold", "0")
    page.fill("#alert-rule-periods", "2")
    page.select_option("#alert-rule-unit", "day")
    page.click("#alert-rule-save")
    page.wait_for_selector(f"#alert-rules tr[data-rule='{name}']")

    csrf = page.request.get(f"{api}/operator/me").json()["csrfToken"]
    run = page.request.post(f"{api}/operator/jobs/alerts-evaluate", headers={"X-CSRF-Token": csrf})
    report = run.json()["report"]
    assert run.status == 200 and report["fired"] >= 1 and report["sent"] >= 1, run.text()
    visit.open("rules")  # away and back: the screen reads the list again
    visit.open("alerts")
    fired = page.locator("#alerts-fired tbody tr", has_text=name)
    assert fired.count() == 1 and ZH["alerts.status.sent"] in fired.inner_text(), fired.all_inner_texts()
    posted = page.request.get(f"{wechat}/sandbox/webhooks").json()["webhooks"]
    assert any(p["key"] == "rules-alerts-robot" and name in p["content"] for p in posted), posted
    visit.photograph("owner-alerts", 390)
    assert visit.problems == [], visit.problems
    visit.close()
