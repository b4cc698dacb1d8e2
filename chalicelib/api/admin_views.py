"""The operator dashboard's page and assets. Anonymous on purpose: they hold no data (the
page's script reads the metrics with the operator key), and a browser cannot send a bearer
key when it navigates to a page."""
from __future__ import annotations

from functools import cache
from pathlib import Path

from chalice import Blueprint, Response

from chalicelib import errors
from chalicelib.api.http import Call, route
from chalicelib.auth.levels import ANONYMOUS

bp = Blueprint(__name__)

ASSETS = Path(__file__).resolve().parent.parent / "admin" / "assets"
TYPES = {
    "dashboard.js": "text/javascript; charset=utf-8",
    "dashboard.css": "text/css; charset=utf-8",
    "chart.umd.min.js": "text/javascript; charset=utf-8",
}
# Everything the page loads is its own: no inline script, no other origin.
POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
          "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")


@route(bp, "GET", "/admin", auth=ANONYMOUS, answer="text/html")
def page(call: Call) -> Response:
    return _file("dashboard.html", "text/html; charset=utf-8", cache_seconds=0)


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
    # Read on first request, not at import: the cold start of every other function stays put.
    return (ASSETS / name).read_text(encoding="utf-8")
