"""The API contract: the OpenAPI document the mini-program SDK and the console are typed from."""
from __future__ import annotations

from functools import cache

from chalice import Blueprint, Response

from chalicelib.api.http import Call, route
from chalicelib.auth.levels import ANONYMOUS

bp = Blueprint(__name__)


@route(bp, "GET", "/openapi.json", auth=ANONYMOUS, answer="application/json")
def document(call: Call) -> Response:
    return Response(body=_document(), status_code=200, headers={
        "Content-Type": "application/json; charset=utf-8", "Cache-Control": "public, max-age=300"})


@cache
def _document() -> str:
    # Read on the first request, not at import (cold start), and once per container: the
    # committed file, less what this stage does not register (the local stack's clock).
    from chalicelib.api import openapi  # the generator's module stays out of every cold start

    text = openapi.DOCUMENT.read_text(encoding="utf-8")
    return openapi.registered_only(text, openapi.iter_routes(bp.current_app.routes))
