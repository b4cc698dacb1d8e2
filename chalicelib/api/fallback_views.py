"""What answers a request no function takes: 404 ``NOT_FOUND``, or 405 ``METHOD_NOT_ALLOWED``
where the path is one of ours (or leads to one, like ``/auth``) with another method; in the one
error shape, so a mini-program's request wrapper handles a mistyped path like any other error.

API Gateway answers a path without a resource itself, outside our envelope (403 "Missing
Authentication Token", or, when the request carries an ``Authorization`` header, a complaint
that it lacks a SigV4 ``Credential``). The greedy ``/{proxy+}`` route below takes every such
path, in ``chalice deploy`` and in the packaged template alike; a more specific resource always
wins. What still never reaches a function (a resource's missing method, ``/`` itself, throttling,
an oversized body) gets our envelope from the gateway responses of ``infra/gateway.py``.

``chalice local`` (the local stack, ``chalice.test.Client``) matches ``{proxy+}`` for paths of
one segment only; deeper unknown paths there still get its own 403.
"""
from __future__ import annotations

from chalice import Blueprint
from chalice.app import Response

from chalicelib import errors
from chalicelib.api.http import error_response
from chalicelib.auth.levels import ANONYMOUS

PATH = "/{proxy+}"
METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")

bp = Blueprint(__name__)


@bp.route(PATH, methods=list(METHODS), content_types=["*/*"])
def unknown() -> Response:
    """Never reads the body or a token: nothing here acts for anyone."""
    request = bp.current_request
    # API Gateway names the matched part "proxy"; chalice local names it "proxy+".
    path = "/" + next(iter((request.uri_params or {}).values()), "")
    allowed = _allowed(bp.current_app.routes, path)
    if allowed is None:
        return error_response(errors.NotFound())
    response = error_response(errors.MethodNotAllowed())
    if allowed:
        response.headers["Allow"] = ", ".join(sorted(allowed))
    return response


unknown.auth = ANONYMOUS  # type: ignore[attr-defined]  # read by the manifest and bad-input tests
unknown.body = None  # type: ignore[attr-defined]


def _allowed(routes: dict[str, dict[str, object]], path: str) -> set[str] | None:
    """The methods of the route ``path`` names (empty for a path that only leads to routes, as
    ``/auth`` leads to ``/auth/login``), or None when it is no route's path nor a prefix of one."""
    asked = path.rstrip("/").split("/")[1:]
    found: set[str] | None = None
    for template, methods in routes.items():
        if template == PATH:
            continue
        parts = template.split("/")[1:]
        if len(asked) > len(parts) or not all(_same(a, p) for a, p in zip(asked, parts)):
            continue
        found = found or set()
        if len(asked) == len(parts):
            found |= set(methods)
    return found


def _same(asked: str, part: str) -> bool:
    return (part.startswith("{") and part.endswith("}") and bool(asked)) or asked == part
