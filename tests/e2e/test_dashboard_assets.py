"""The dashboard's Chart.js is the npm package's file, unchanged (``make vendor`` copies it)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VENDORED = ROOT / "chalicelib" / "admin" / "assets" / "chart.umd.min.js"
NPM = ROOT / "node_modules" / "chart.js"


def test_the_vendored_chart_js_is_the_pinned_npm_release():
    pinned = json.loads((ROOT / "package.json").read_text())["devDependencies"]["chart.js"]
    assert f"Chart.js v{pinned}" in VENDORED.read_text()[:200]
    if not NPM.exists():
        pytest.skip("node_modules is installed by the conformance run")
    assert VENDORED.read_bytes() == (NPM / "dist" / "chart.umd.min.js").read_bytes()


def test_the_page_loads_nothing_from_another_origin():
    page = (ROOT / "chalicelib" / "admin" / "assets" / "dashboard.html").read_text()
    assert "http://" not in page and "https://" not in page and "<script>" not in page
