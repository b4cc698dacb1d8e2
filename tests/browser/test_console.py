"""The operator console as a person uses it, in a real browser (Debian's Chromium, headless),
against a local stack of its own and a small simulation: the demo owner logs in and sees the
overview drawn; creates a marketer and an analyst; the marketer creates, edits and pauses a
coupon template; the analyst finds no change button and the API answers 403; the owner reads each
change in the audit log, switches to English, makes the marketer an analyst (the marketer's open
page is refused, says why and drops its buttons) and ends the marketer's sessions (the page goes
back to the login). Every screen is photographed at 1440 and 390 px into build/screenshots/
and fails the test if anything sticks out of the viewport sideways; no console error is allowed
but the ones a scenario provokes.

Run by ``make dashboard-test`` (which installs Chromium and a CJK font), not by ``make test``.
"""
from __future__ import annotations

from infra.seed import DEMO_OWNER, DEMO_PASSWORD
from tests.browser.console import EN, OVERFLOW, SHOTS, ZH, Visit, text, unexpected

MARKETER, ANALYST, PASSWORD = "mei", "lin", "spring-tea-2026!"
CHARTS = ("chart-retention", "chart-daily", "chart-funnel", "chart-coupons", "chart-campaigns", "chart-wakeup")


def test_the_simulator_ends_without_errors_with_its_report_and_charts(simulated):
    load = simulated["report"]["load"]
    assert load["errors"] == 0, load["first_errors"]
    assert load["requests"] > 500 and load["requests_per_second"] > 0
    calls = {row["function"]: row for row in load["functions"]}
    assert calls["auth-login"]["dynamodb_round_trips_mean"] >= 1 and calls["auth-login"]["p99_ms"] > 0
    for picture in ("retention.png", "daily.png", "funnel.png", "wakeup_lift.png"):
        assert (simulated["out"] / picture).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "req/s" in simulated["stdout"] and "Wake-up lift" in simulated["stdout"]


def test_the_owner_sees_the_overview_and_adds_a_marketer_and_an_analyst(browser, simulated):
    # The simulator prints the old link with the shared key in the fragment: the console drops it
    # and asks for a login, keeping the simulated date range.
    visit = Visit(browser, simulated["url"], 1440)
    page = visit.page
    visit.login(DEMO_OWNER, DEMO_PASSWORD)
    assert "#key" not in page.url
    assert page.evaluate("document.documentElement.lang") == "zh-CN"
    assert text(page, ".who") == f"{DEMO_OWNER} · {ZH['role.owner']}"
    visit.wait("overview")

    drawn = page.evaluate("""(ids) => ids.map((id) => {
        const chart = Chart.getChart(id);
        const points = chart ? chart.data.datasets.flatMap((d) => d.data).filter((x) => x) : [];
        const canvas = document.getElementById(id);
        const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
        let painted = 0;
        for (let i = 3; i < pixels.length; i += 4) if (pixels[i]) painted++;
        return {id, chart: !!chart, points: points.length, painted};
    })""", list(CHARTS))
    for chart in drawn:
        assert chart["chart"] and chart["points"] > 0 and chart["painted"] > 1000, chart
    labels = page.evaluate("Chart.getChart('chart-retention').data.datasets.map((d) => d.label)")
    # Each arm with its size, the first-seen users behind D0 ("开启旅程 (样本 21)").
    assert [label.split(" (")[0] for label in labels] == [ZH["overview.arm.journeys"], ZH["overview.arm.holdout"], ZH["overview.arm.all"]]
    assert all(label.endswith(")") and ZH["overview.n"].split(" ")[0] in label for label in labels), labels
    series = page.evaluate("Chart.getChart('chart-retention').data.datasets.map((d) => d.data.filter((x) => x !== null).length)")
    # Eight simulated days: up to D7 for each arm (a day whose cohort in one arm is empty has no point).
    assert all(n >= 6 for n in series), series
    assert page.locator("#heatmap tbody tr").count() >= 8  # one row per simulated day's cohort
    assert page.locator("#lift tbody tr").count() >= 2  # "all" and at least one journey
    assert page.locator("#tiles .tile").count() == 11
    assert page.locator("#tiles .tile small.n").count() == 10  # every figure but the first-seen count with its n
    # The paid orders' line is drawn over the bars: Chart.js draws the lowest ``order`` last.
    drawn_last = page.evaluate("(({ type, label }) => ({ type, label }))(Chart.getChart('chart-daily').getSortedVisibleDatasetMetas()[0])")
    assert drawn_last["type"] == "line" and drawn_last["label"] == ZH["overview.paidOrders"], drawn_last

    visit.open("operators")
    page.click("#new-operator-open")
    page.fill("#new-operator-name", DEMO_OWNER)
    page.fill("#new-operator-password", "short")
    page.click("#new-operator button[type=submit]")
    # The form's own check, at the field, before any call.
    assert text(page, "#new-operator-password-error") == ZH["code.OPERATOR_PASSWORD_WEAK"]
    page.fill("#new-operator-password", PASSWORD)
    page.click("#new-operator button[type=submit]")
    # The API's answer (409 OPERATOR_EXISTS), at the field it concerns.
    page.wait_for_selector("#new-operator-name-error")
    assert text(page, "#new-operator-name-error") == ZH["code.OPERATOR_EXISTS"]
    for name, role in ((MARKETER, "marketer"), (ANALYST, "analyst")):
        if page.locator("#new-operator").count() == 0:
            page.click("#new-operator-open")
        page.fill("#new-operator-name", name)
        page.select_option("#new-operator-role", role)
        page.fill("#new-operator-password", PASSWORD)
        page.click("#new-operator button[type=submit]")
        page.wait_for_selector(f"#operators tr[data-operator={name}]")
        assert page.locator(f"#operators tr[data-operator={name}] select").input_value() == role
    visit.photograph("owner", 1440)
    # The operator the owner tried to add twice, and nothing else, was refused.
    assert f"409 {simulated['url'].split('/admin')[0]}/operator/operators" in visit.problems
    assert unexpected(visit.problems, 409) == []
    visit.close()


def test_the_marketer_creates_edits_and_pauses_a_coupon_template(browser, stack):
    visit = Visit(browser, f"{stack['api']}/admin", 1440)
    page = visit.page
    visit.login(MARKETER, PASSWORD)
    assert page.locator("#nav-operators, #nav-audit").count() == 0  # the owner's screens are not offered
    visit.open("coupons")
    seeded = page.locator("#coupon-templates tr[data-template=tea-100-15] td").all_inner_texts()
    assert seeded[5:8] == ["1000", "0", "0"]  # stock left, issued, used: the seeded template before anyone claims

    page.click("#new-coupon-open")
    page.fill("#new-coupon-templateId", "tea-100-15")
    page.fill("#new-coupon-name", "秋茶满100减20")
    page.select_option("#new-coupon-kind", "threshold")
    page.fill("#new-coupon-amount", "20")
    page.fill("#new-coupon-threshold", "10")
    page.fill("#new-coupon-total", "500")
    page.click("#new-coupon button[type=submit]")
    assert text(page, "#new-coupon-threshold-error") == ZH["coupon.check.thresholdAbove"]  # 满X减Y: X > Y
    page.fill("#new-coupon-threshold", "100")
    page.click("#new-coupon button[type=submit]")
    page.wait_for_selector("#new-coupon-templateId-error")  # the API: that id is taken (409 TEMPLATE_EXISTS)
    assert text(page, "#new-coupon-templateId-error") == ZH["code.TEMPLATE_EXISTS"]
    assert page.locator("#new-coupon-threshold-error").count() == 0
    page.fill("#new-coupon-templateId", "autumn-tea-20")
    page.click("#new-coupon button[type=submit]")
    row = "#coupon-templates tr[data-template=autumn-tea-20]"
    page.wait_for_selector(row)
    cells = page.locator(f"{row} td").all_inner_texts()
    assert cells[1] == "秋茶满100减20" and cells[5:8] == ["500", "0", "0"] and cells[9] == ZH["coupon.state.active"], cells

    page.click(f"{row} button[data-action=edit]")
    page.fill("#edit-coupon-name", "秋茶满100减20（加量）")
    page.fill("#edit-coupon-addStock", "100")
    page.click("#edit-coupon button[type=submit]")
    page.wait_for_selector("#coupon-notice")
    cells = page.locator(f"{row} td").all_inner_texts()
    assert cells[1] == "秋茶满100减20（加量）" and cells[5] == "600", cells

    page.click(f"{row} button[data-action=pause]")
    page.wait_for_selector(f"{row} button[data-action=resume]")
    assert page.locator(f"{row} td.state").inner_text() == ZH["coupon.state.paused"]

    page.click("#new-coupon-open")  # the form, open, at both widths too
    page.screenshot(path=str(SHOTS / "marketer-new-coupon-1440.png"), full_page=True)
    assert page.evaluate(OVERFLOW) == []
    visit.photograph("marketer", 1440)
    page.set_viewport_size({"width": 390, "height": 900})
    visit.open("coupons")  # photograph() leaves the page on the last screen offered, no longer 优惠券
    page.click("#new-coupon-open")
    page.screenshot(path=str(SHOTS / "marketer-new-coupon-390.png"), full_page=True)
    assert page.evaluate(OVERFLOW) == []
    visit.photograph("marketer", 390)
    assert f"409 {stack['api']}/operator/coupon-templates" in visit.problems
    assert unexpected(visit.problems, 409) == []
    visit.close()


def test_an_analyst_sees_no_change_button_and_the_api_refuses_one(browser, stack):
    visit = Visit(browser, f"{stack['api']}/admin", 390)
    page = visit.page
    visit.login(ANALYST, PASSWORD)
    assert text(page, ".who") == f"{ANALYST} · {ZH['role.analyst']}"
    assert page.locator("#nav-operators, #nav-audit").count() == 0
    visit.open("coupons")
    assert page.locator("#coupon-templates tr[data-template=autumn-tea-20]").count() == 1
    assert page.locator("main button").count() == 0  # no new, edit, pause, resume

    csrf = page.request.get(f"{stack['api']}/operator/me").json()["csrfToken"]
    tried = page.request.patch(f"{stack['api']}/operator/coupon-templates/autumn-tea-20", data={"active": True},
                               headers={"X-CSRF-Token": csrf})
    assert tried.status == 403 and tried.json()["error"]["code"] == "OPERATOR_FORBIDDEN"
    tried = page.request.get(f"{stack['api']}/operator/audit")
    assert tried.status == 403
    visit.photograph("analyst", 390)
    assert visit.problems == [], visit.problems  # page.request's calls are not the page's
    visit.close()


def test_too_many_logins_are_told_when_to_try_again(browser, stack):
    visit = Visit(browser, f"{stack['api']}/admin", 390)
    page = visit.page
    page.wait_for_selector("body[data-state=login]")
    for _ in range(11):  # 10 a name per 15 minutes (names that do not exist count too)
        page.fill("#login input[name=name]", "nobody-here")
        page.fill("#login input[name=password]", "not-a-password")
        page.click("#login button[type=submit]")
        page.wait_for_selector("#login-error")
        page.wait_for_selector("#login button[type=submit]:not([disabled])")
    said = text(page, "#login-error")
    assert said.startswith("操作过于频繁，请在 ") and said.endswith(" 秒后重试。"), said
    assert {p.split()[0] for p in visit.problems if p[0].isdigit()} == {"401", "429"}
    assert unexpected(visit.problems, 401, 429) == []
    visit.close()


def test_the_owner_reads_each_change_in_the_audit_log_and_ends_a_session(browser, stack):
    marketer = Visit(browser, f"{stack['api']}/admin", 1440)
    marketer.login(MARKETER, PASSWORD)
    marketer.open("coupons")

    visit = Visit(browser, f"{stack['api']}/admin", 1440)
    page = visit.page
    visit.login(DEMO_OWNER, DEMO_PASSWORD)
    visit.open("audit")
    routes = page.eval_on_selector_all("#audit > li", "(rows) => rows.map((r) => r.dataset.route)")
    made = [r for r in routes if not r.startswith("SEED")]
    # Newest first: the pause, the edit, the creation, the two operators. Refused calls leave no record.
    assert made[:5] == (["PATCH /operator/coupon-templates/{template_id}"] * 2 + ["POST /operator/coupon-templates"]
                        + ["POST /operator/operators"] * 2), routes
    pause = page.locator("#audit > li").nth(0)
    assert MARKETER in pause.inner_text() and ZH["audit.action.PATCH /operator/coupon-templates/{template_id}"] in pause.inner_text()
    change = pause.locator("table.diff tbody tr").all_inner_texts()
    assert ["template.active", "true", "false"] in [row.split("\t") for row in change], change  # the field that moved

    # English on every string once its catalogue is fetched (the page loads only its own language's);
    # then back, at once (both are loaded now).
    page.select_option("header select", "en")
    page.wait_for_selector("html[lang=en]", state="attached")
    assert text(page, "#nav-audit") == EN["nav.audit"] and text(page, "main h2") == EN["nav.audit"]
    page.wait_for_selector("main[data-screen=audit] [data-loaded=true]")
    page.select_option("header select", "zh-CN")
    page.wait_for_selector("html[lang=zh-CN]", state="attached")
    assert text(page, "#nav-audit") == ZH["nav.audit"]

    # The owner makes the marketer an analyst while the marketer's page is open: the marketer's next
    # change is refused (403), said why, and the page drops its change buttons.
    visit.open("operators")
    page.select_option(f"#operators tr[data-operator={MARKETER}] select", "analyst")
    page.click(f"#operators tr[data-operator={MARKETER}] button[data-action=role]")
    page.wait_for_selector("#operators-notice")
    marketer.page.click("#coupon-templates tr[data-template=autumn-tea-20] button[data-action=resume]")
    marketer.page.wait_for_selector("#coupon-error")
    assert text(marketer.page, "#coupon-error") == f"{ZH['error.forbidden']} {ZH['error.forbiddenWhy']}"
    marketer.page.wait_for_selector(".who[data-role=analyst]")
    assert marketer.page.locator("main button").count() == 0

    page.click(f"#operators tr[data-operator={MARKETER}] button[data-action=revoke]")
    page.wait_for_selector("#operators-notice")
    # The marketer's next call is refused: the page goes back to its login, saying why.
    marketer.page.click("#nav-overview")
    marketer.page.wait_for_selector("body[data-state=login] #login .notice")
    assert text(marketer.page, "#login .notice") == ZH["code.OPERATOR_SESSION_INVALID"]
    assert [p.split()[0] for p in marketer.problems if p[0].isdigit()] == ["403", "401"], marketer.problems
    assert unexpected(marketer.problems, 401, 403) == []

    visit.photograph("owner", 390)
    page.click("#logout")
    page.wait_for_selector("body[data-state=login]")
    page.screenshot(path=str(SHOTS / "login-390.png"), full_page=True)
    assert page.evaluate(OVERFLOW) == []
    assert visit.problems == [], visit.problems
    marketer.close()
    visit.close()
