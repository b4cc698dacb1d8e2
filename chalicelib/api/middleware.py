"""Per-request plumbing: request id, the access log line, and one error shape for everything.

Chalice answers some requests itself (405 for a method, 415 for a content type) with its own
``{"Code", "Message"}`` body; those are rewritten here into ``{"error": {...}}``. A deployed stage
that is not configured (``chalicelib.readiness``) answers 503 ``NOT_CONFIGURED`` here, before any
route runs.
"""
from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable

from chalice.app import Request, Response

from chalicelib import config, errors, logs, readiness
from chalicelib.api.http import error_response
from chalicelib.store import roundtrips

# Not under "huiliu": Chalice makes that logger (its app.log) non-propagating at ERROR.
log = logging.getLogger("chalicelib.access")

_CHALICE_ERRORS: dict[int, type[errors.AppError]] = {
    400: errors.InvalidJson,
    403: errors.NotFound,  # API Gateway's "Missing Authentication Token" is its 404
    404: errors.NotFound,
    405: errors.MethodNotAllowed,
    415: errors.UnsupportedMediaType,
}


def http(request: Request, get_response: Callable[[Request], Response]) -> Response:
    rid = (request.context or {}).get("requestId") or uuid.uuid4().hex
    token = logs.request_id.set(rid)
    started = time.perf_counter()
    try:
        with roundtrips.counting() as calls:
            # A deployed stage with unusable secrets answers every route the same way.
            refused = readiness.refusal()
            response = error_response(refused) if refused else _uniform(get_response(request))
        ddb_calls = sum(calls.values())
        response.headers["X-Request-Id"] = rid
        if config.stage() == "local":
            # The simulator's per-function round-trip figures come from here.
            response.headers["X-DynamoDB-Calls"] = str(ddb_calls)
        log.info(
            "request",
            extra={
                "method": request.method,
                "path": (request.context or {}).get("resourcePath", request.path),
                "status": response.status_code,
                "ms": round((time.perf_counter() - started) * 1000, 1),
                "ddb_calls": ddb_calls,
            },
        )
        return response
    finally:
        logs.request_id.reset(token)


def _uniform(response: Response) -> Response:
    body = response.body
    if isinstance(body, dict) and set(body) == {"Code", "Message"}:
        error = _CHALICE_ERRORS.get(response.status_code, errors.AppError)
        rewritten = error_response(error())
        rewritten.headers = {**response.headers, **rewritten.headers}
        return rewritten
    return response
