"""The console's assets: the vendored libraries are the npm packages' files, unchanged (``make
vendor`` copies them), with their licences; the page loads nothing from another origin; the
two message catalogues hold the same keys and every key the scripts use; the console's own
JS and CSS stay under 150 KB."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from chalicelib.api import admin_views

ROOT = Path(__file__).resolve().parents[2]
ASSETS = ROOT / "chalicelib" / "admin" / "assets"
NPM = ROOT / "node_modules"
PINNED = json.loads((ROOT / "package.json").read_text())["devDependencies"]
# Vendored file → (npm package, its file, the licence copied beside it).
VENDORED = {
    "chart.umd.min.js": ("chart.js", "dist/chart.umd.min.js", "chart.js-LICENSE.md"),
    "preact.min.umd.js": ("preact", "dist/preact.min.umd.js", "preact-LICENSE"),
    "preact-hooks.umd.js": ("preact", "hooks/dist/hooks.umd.js", "preact-LICENSE"),
    "htm.umd.js": ("htm", "dist/htm.umd.js", "htm-LICENSE"),
}
# The console's own files: the page and everything it loads but the vendored libraries.
OWN = ("console.html", *sorted(set(admin_views.TYPES) - set(VENDORED)))
SCRIPTS = [name for name in OWN if name.endswith(".js") and not name.startswith("messages.")]
LIMIT = 150 * 1024


def catalogue(lang: str) -> dict[str, str]:
    text = (ASSETS / f"messages.{lang}.js").read_text(encoding="utf-8")
    return json.loads(text[text.index("] = ") + 4:text.rindex(";")])


def test_the_vendored_chart_js_is_the_pinned_npm_release():
    assert f"Chart.js v{PINNED['chart.js']}" in (ASSETS / "chart.umd.min.js").read_text()[:200]


@pytest.mark.parametrize("name", sorted(VENDORED))
def test_each_vendored_library_is_its_npm_file_with_its_licence(name):
    package, path, licence = VENDORED[name]
    assert package in PINNED and (ASSETS / licence).read_text().lstrip().startswith(("The MIT License", "MIT License", "Apache License"))
    assert name in admin_views.TYPES
    if not NPM.exists():
        pytest.skip("node_modules is installed by the conformance run")
    assert json.loads((NPM / package / "package.json").read_text())["version"] == PINNED[package]
    assert (ASSETS / name).read_bytes() == (NPM / package / path).read_bytes()
    assert (ASSETS / licence).read_bytes() in {(NPM / package / f).read_bytes() for f in ("LICENSE", "LICENSE.md")
                                               if (NPM / package / f).exists()}


def test_the_page_loads_nothing_from_another_origin():
    page = (ASSETS / "console.html").read_text()
    assert "http://" not in page and "https://" not in page and "<script>" not in page
    loaded = re.findall(r'(?:src|href)="admin/assets/([^"]+)"', page)
    # ... or a script of its own, when first needed (overview.js fetches Chart.js, core.js a catalogue).
    loaded += [found for name in OWN[1:] for found in re.findall(r'"admin/assets/([^"]+)"', (ASSETS / name).read_text())]
    assert set(loaded) == set(admin_views.TYPES), "the page loads what the route serves, and only that"
    for name in OWN[1:]:
        assert "http://" not in (ASSETS / name).read_text() and "https://" not in (ASSETS / name).read_text()


def test_both_catalogues_hold_every_key_the_scripts_use():
    zh, en = catalogue("zh-CN"), catalogue("en")
    assert zh.keys() == en.keys()
    assert all(zh.values()) and all(en.values())
    used: set[str] = set()
    prefixes = "|".join(sorted({key.split(".")[0] for key in zh}))  # a string "screen.key" is a message key
    for name in SCRIPTS:
        source = (ASSETS / name).read_text()
        used |= set(re.findall(rf'"((?:{prefixes})\.[A-Za-z0-9_.]+)"', source))
        code = re.sub(r"^\s*//.*$", "", source, flags=re.M)  # comments may name a screen as it is shown
        assert not re.search(r"[\u4e00-\u9fff]", code), f"{name}: Chinese text belongs in the catalogue"
    missing = sorted(k for k in used if k not in zh and not any(z.startswith(f"{k}.") for z in zh))  # or a prefix
    assert not missing, missing
    # Keys built from a prefix (t(`coupon.kind.${kind}`)): every value the code offers has its message.
    for prefix, values in (("coupon.kind", ("cash", "threshold", "discount", "no_threshold")),
                           ("coupon.channel", ("claim", "grant", "points")),
                           ("coupon.scope", ("all", "products", "categories")),
                           ("role", ("owner", "marketer", "analyst")), ("lang", ("zh-CN", "en")),
                           ("overview.step", ("visit", "view", "cart", "checkout", "paid"))):
        for value in values:
            assert f"{prefix}.{value}" in zh, f"{prefix}.{value}"


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_the_console_s_own_js_and_css_stay_small(lang):
    """What a page in one language loads of its own, as served (minified): the page, the styles,
    every screen's script and that language's catalogue."""
    loaded = [name for name in OWN if not name.startswith("messages.")] + [f"messages.{lang}.js"]
    size = sum(len(admin_views._read(name).encode()) for name in loaded)
    assert size < LIMIT, f"{size} bytes"


def test_served_scripts_are_the_sources_compacted_and_still_parse():
    assert admin_views.VENDORED == set(VENDORED)
    node = shutil.which("node")
    for name in SCRIPTS + [f"messages.{lang}.js" for lang in ("zh-CN", "en")]:
        source, served = (ASSETS / name).read_text(), admin_views._read(name)
        assert served.splitlines() == [line.strip() for line in source.splitlines()
                                       if line.strip() and not line.strip().startswith(("//", "/*"))], name
        if node:  # the conformance run installs Node (DynamoDB Local's package)
            checked = subprocess.run([node, "--check", "--input-type=commonjs"], input=served, text=True,
                                     capture_output=True)
            assert checked.returncode == 0, (name, checked.stderr[-2000:])
