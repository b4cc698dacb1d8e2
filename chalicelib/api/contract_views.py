"""The API contract: the OpenAPI document the mini-program SDK and the console are typed from."""
from __future__ import annotations

from functools import cache

from chalice import Blueprint, Response

from chalicelib import lazy
from chalicelib.api.http import Call, route
from chalicelib.auth.levels import ANONYMOUS

# The generator's module loads with the first request for the document (chalicelib.lazy), not at cold start.
openapi = lazy.module("chalicelib.api.openapi")

bp = Blueprint(__name__)


@route(bp, "GET", "/openapi.json", auth=ANONYMOUS, answer="application/json")
def document(call: Call) -> Response:
    return Response(body=_document(), status_code=200, headers={
        "Content-Type": "application/json; charset=utf-8", "Cache-Control": "public, max-age=300"})


@cache
def _document() -> str:
    # Read on the first request, not at import (cold start), and once per container: the
    # committed file, less what this stage does not register (the local stack's clock).
    text = openapi.DOCUMENT.read_text(encoding="utf-8")
    return openapi.registered_only(text, openapi.iter_routes(bp.current_app.routes))
