"""The operator console's page and assets. Anonymous on purpose: they hold no data (the page's
scripts log in and call the operator functions with the session cookie), and the login form
itself must load before anyone is logged in."""
from __future__ import annotations

from functools import cache
from pathlib import Path

from chalice import Blueprint, Response

from chalicelib import errors
from chalicelib.api.http import Call, route
from chalicelib.auth.levels import ANONYMOUS

bp = Blueprint(__name__)

ASSETS = Path(__file__).resolve().parent.parent / "admin" / "assets"
JS, CSS = "text/javascript; charset=utf-8", "text/css; charset=utf-8"
TYPES = {
    # The console's own code and its message catalogues (one per language).
    "console.js": JS, "core.js": JS, "overview.js": JS, "coupons.js": JS, "campaigns.js": JS, "owner.js": JS, "products.js": JS, "jobs.js": JS, "members.js": JS,
    "rules.js": JS, "alerts.js": JS, "journeys.js": JS,
    "console.css": CSS,
    "messages.zh-CN.js": JS, "messages.en.js": JS,
    # Vendored from npm by `make vendor` (a test checks them against node_modules).
    "chart.umd.min.js": JS, "preact.min.umd.js": JS, "preact-hooks.umd.js": JS, "htm.umd.js": JS,
}
VENDORED = frozenset({"chart.umd.min.js", "preact.min.umd.js", "preact-hooks.umd.js", "htm.umd.js"})
# Everything the page loads is its own: no inline script, no other origin.
POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
          "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")


@route(bp, "GET", "/admin", auth=ANONYMOUS, answer="text/html")
def page(call: Call) -> Response:
    return _file("console.html", "text/html; charset=utf-8", cache_seconds=0)


@route(bp, "GET", "/admin/assets/{name}", auth=ANONYMOUS, answer="text/*")
def asset(call: Call) -> Response:
    name = call.path["name"]
    if name not in TYPES:
        raise errors.NotFound()
    return _file(name, TYPES[name], cache_seconds=300)


def _file(name: str, content_type: str, *, cache_seconds: int) -> Response:
    return Response(body=_read(name), status_code=200, headers={
        "Content-Type": content_type,
        "Cache-Control": f"private, max-age={cache_seconds}" if cache_seconds else "no-store",
        "Content-Security-Policy": POLICY,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    })


@cache
def _read(name: str) -> str:
    """The file as served: the console's own scripts and styles compacted, the vendored libraries
    as npm ships them. Read on first request, not at import: the cold start of every other
    function stays put."""
    text = (ASSETS / name).read_text(encoding="utf-8")
    return text if name in VENDORED or name.endswith(".html") else _compact(text)


def _compact(source: str) -> str:
    """The source without its indentation, blank lines and whole-line comments: a fifth of the
    console's own code, and what a page loads of its own must stay under 150 KB. Lines are kept
    as they are otherwise (no minifier: the ones for Python, rjsmin among them, take htm's
    ``<//>`` inside nested template literals for a comment and break the script)."""
    kept = []
    for line in source.splitlines():
        line = line.strip()
        if line and not line.startswith("//") and not (line.startswith("/*") and line.endswith("*/")):
            kept.append(line)
    return "\n".join(kept) + "\n"
