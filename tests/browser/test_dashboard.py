"""What the issue asks of the dashboard, in a real browser (Debian's Chromium, headless): a new
user starts the stack, runs the simulator, opens /admin and sees the charts drawn with data,
with no console error; and the simulator itself ends with zero errors and its PNG charts.

Run by ``make dashboard-test`` (which installs Chromium), not by ``make test``.
"""
from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.stack import ROOT, start

playwright = pytest.importorskip("playwright.sync_api", reason="make dashboard-test installs playwright")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
if not Path(CHROMIUM).exists():
    pytest.skip("make dashboard-test installs Debian's chromium", allow_module_level=True)

KEY = "local-operator-key"
# Without the networking flags, Chromium's own background connections are refused by a closed network.
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
CHARTS = ("chart-retention", "chart-daily", "chart-funnel", "chart-coupons", "chart-campaigns", "chart-wakeup")


@pytest.fixture(scope="module")
def stack():
    started = start()
    try:
        yield {"api": started.api, "wechat": started.wechat}
    finally:
        started.process.send_signal(signal.SIGINT)
        started.process.wait(timeout=30)


@pytest.fixture(scope="module")
def simulated(stack, tmp_path_factory):
    out = tmp_path_factory.mktemp("simulation")
    run = subprocess.run(
        [sys.executable, "-m", "devstack.simulation", "--users", "40", "--days", "8", "--workers", "4",
         "--api", stack["api"], "--wechat", stack["wechat"], "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
    report = json.loads((out / "report.json").read_text())
    return {"out": out, "report": report, "stdout": run.stdout, "url": run.stdout.split("Dashboard: ")[1].split()[0]}


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield chromium
        chromium.close()


def open_page(browser, url: str):
    page = browser.new_page(viewport={"width": 1400, "height": 2200})
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.goto(url)
    return page, problems


def test_the_simulator_ends_without_errors_with_its_report_and_charts(simulated):
    load = simulated["report"]["load"]
    assert load["errors"] == 0, load["first_errors"]
    assert load["requests"] > 500 and load["requests_per_second"] > 0
    calls = {row["function"]: row for row in load["functions"]}
    assert calls["auth-login"]["dynamodb_round_trips_mean"] >= 1 and calls["auth-login"]["p99_ms"] > 0
    for picture in ("retention.png", "daily.png", "funnel.png", "wakeup_lift.png"):
        assert (simulated["out"] / picture).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "req/s" in simulated["stdout"] and "Wake-up lift" in simulated["stdout"]


def test_the_dashboard_draws_every_chart_with_data_and_logs_no_error(browser, simulated):
    page, problems = open_page(browser, simulated["url"])
    page.wait_for_selector("body[data-state=ready]", timeout=20_000)

    assert "#key" not in page.url  # the key left the address bar at once
    assert page.locator("#login").is_hidden() and page.locator("#dashboard").is_visible()
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
    assert page.locator("#heatmap tbody tr").count() >= 8  # one row per simulated day's cohort
    assert page.locator("#lift tbody tr").count() >= 2  # "all" and at least one journey
    assert page.locator("#tiles .tile").count() == 11
    assert problems == []
    page.screenshot(path=str(simulated["out"] / "dashboard.png"), full_page=True)


def test_the_retention_curves_of_the_two_populations_are_both_drawn(browser, simulated):
    page, problems = open_page(browser, simulated["url"])
    page.wait_for_selector("body[data-state=ready]", timeout=20_000)
    labels = page.evaluate("Chart.getChart('chart-retention').data.datasets.map((d) => d.label)")
    series = page.evaluate("Chart.getChart('chart-retention').data.datasets.map((d) => d.data.filter((x) => x !== null).length)")
    assert labels == ["journeys on", "holdout (journeys off)", "everyone"]
    assert all(n >= 8 for n in series), series
    assert problems == []


def test_without_the_key_the_page_asks_for_it_and_refuses_a_wrong_one(browser, stack):
    page, problems = open_page(browser, f"{stack['api']}/admin")
    page.wait_for_selector("body[data-state=login]")
    assert page.locator("#dashboard").is_hidden()

    page.fill("#login input[name=key]", "not-the-key")
    page.click("#login button")
    # Refused: back to the form, with the server's message (and not merely "Loading…").
    # (A selector, not wait_for_function: the page's CSP forbids the eval that one needs.)
    page.wait_for_selector("body[data-state=login] #status:not(:empty)")
    assert page.locator("#dashboard").is_hidden() and page.locator("#login").is_visible()

    page.fill("#login input[name=key]", KEY)
    page.click("#login button")
    page.wait_for_selector("body[data-state=ready]")
    # The wrong key's answer is the only failure the browser may report.
    assert problems and all("403" in p for p in problems), problems
