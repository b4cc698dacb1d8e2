"""The console's browser tests run against one local stack, one small simulation and one headless
Chromium, started once for the session."""
from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.stack import ROOT, start

try:
    from tests.browser.console import CHROMIUM, FLAGS, SHOTS, playwright
except ImportError:  # make dashboard-test installs playwright; without it there is nothing to run
    collect_ignore_glob = ["test_*.py"]
else:
    if not Path(CHROMIUM).exists():  # ... and Debian's chromium
        collect_ignore_glob = ["test_*.py"]


@pytest.fixture(scope="session")
def stack():
    started = start()
    try:
        yield {"api": started.api, "wechat": started.wechat}
    finally:
        started.process.send_signal(signal.SIGINT)
        started.process.wait(timeout=30)


@pytest.fixture(scope="session")
def simulated(stack, tmp_path_factory):
    out = tmp_path_factory.mktemp("simulation")
    run = subprocess.run(
        [sys.executable, "-m", "devstack.simulation", "--users", "40", "--days", "8", "--workers", "4",
         "--api", stack["api"], "--wechat", stack["wechat"], "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
    report = json.loads((out / "report.json").read_text())
    return {"out": out, "report": report, "stdout": run.stdout, "url": run.stdout.split("the simulated days): ")[1].split()[0]}


@pytest.fixture(scope="session")
def browser():
    SHOTS.mkdir(parents=True, exist_ok=True)
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield chromium
        chromium.close()
