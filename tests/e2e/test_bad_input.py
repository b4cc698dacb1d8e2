"""Malformed input on every function: a 4xx with a stable code, never a 500, never a trace."""
from __future__ import annotations

import re

import pytest

import app as application
from chalicelib import config
from chalicelib.api.http import optional
from chalicelib.api.json_depth import MAX_DEPTH

ROUTES = sorted((method, path) for path, methods in application.app.routes.items() for method in methods)
WITH_BODY = [(m, p) for m, p in ROUTES if m in ("POST", "PUT", "PATCH")]
BAD_BODIES = {
    "not json": b"{not json",
    "truncated": b'{"code": "abc',
    "empty": b"",
    "array": b"[1, 2]",
    "string": b'"code"',
    "null": b"null",
    "wrong types": b'{"code": 42, "encryptedData": [], "iv": {}}',
    "huge string": b'{"code": "' + b"x" * 5000 + b'"}',
    "oversized": b'{"code": "' + b"x" * 70_000 + b'"}',
    "bad utf-8": b'{"code": "\xff\xfe"}',
}


# Where every field is optional, these are valid bodies: unknown fields are ignored, unread.
FINE_WITHOUT_A_BODY = ("empty", "wrong types", "huge string", "bad utf-8")


def concrete(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: {"product_id": "p-longjing", "name": "membership"}.get(m[1], "x-1"), path)


def level(method: str, path: str) -> str:
    return application.app.routes[path][method].view_function.auth


def credential(api, name: str, method: str, path: str) -> str:
    """What the function asks for, so the body, not the caller, is what gets refused."""
    s = config.settings()
    return {"operator": s.operator_key, "server": s.server_key}.get(level(method, path)) or api.purchase_token(name)


@pytest.mark.parametrize("method,path", WITH_BODY)
@pytest.mark.parametrize("case", BAD_BODIES)
def test_a_malformed_body_is_a_4xx_with_a_code(api, name, method, path, case):
    if optional(application.app.routes[path][method].view_function.body) and case in FINE_WITHOUT_A_BODY:
        pytest.skip("a function whose body is optional accepts none, or any JSON object")
    response = api.call(method, concrete(path), raw=BAD_BODIES[case], token=credential(api, name, method, path))

    assert response.status_code in (400, 413, 422), (case, response.status_code, response.text)
    assert set(response.json) == {"error"} and response.json["error"]["code"].isupper()
    assert "Traceback" not in response.text


# 2,000 levels in 4 KB: past msgspec's recursion limit, so a decoder left to meet it raised
# RecursionError (a 500) on every function that reads a body, or refuses one.
DEEP = b'{"a": ' + b"[" * 2000 + b"]" * 2000 + b"}"


@pytest.mark.parametrize("method,path", ROUTES)
def test_deep_nesting_from_anyone_is_refused_before_decoding(api, method, path):
    response = api.call(method, concrete(path), raw=DEEP)

    if level(method, path) == "anonymous":
        assert response.status_code == 400 and response.json["error"]["code"] == "JSON_TOO_DEEP", response.text
    else:  # who is calling is checked first: the body of a stranger is never read
        assert response.status_code in (401, 403), response.text


@pytest.mark.parametrize("method,path", ROUTES)
def test_deep_nesting_from_an_authorised_caller_is_refused_before_decoding(api, name, method, path):
    response = api.call(method, concrete(path), raw=DEEP, token=credential(api, name, method, path))

    assert response.status_code == 400 and response.json["error"]["code"] == "JSON_TOO_DEEP", response.text


def events_nested(depth: int) -> bytes:
    """An events batch whose props reach ``depth`` levels (body, events, event, props, arrays)."""
    arrays = depth - 4
    return b'{"events": [{"id": "e1", "name": "page_view", "props": {"x": ' + b"[" * arrays + b"]" * arrays + b"}}]}"


def test_nesting_up_to_the_limit_is_read(api, name):
    token = api.login(name)["token"]

    fine = api.call("POST", "/events", raw=events_nested(MAX_DEPTH), token=token)
    too_deep = api.call("POST", "/events", raw=events_nested(MAX_DEPTH + 1), token=token)

    assert fine.status_code == 200 and fine.json["accepted"] == 1, fine.text
    assert too_deep.status_code == 400 and too_deep.json["error"]["code"] == "JSON_TOO_DEEP"


@pytest.mark.parametrize("method,path", [(m, p) for m, p in ROUTES if m != "GET"])
def test_a_wrong_content_type_is_415(api, method, path):
    response = api.call(method, concrete(path), raw=b"code=1", headers={"Content-Type": "application/x-www-form-urlencoded"})

    assert response.status_code == 415 and response.json["error"]["code"] == "UNSUPPORTED_MEDIA_TYPE"


@pytest.mark.parametrize("path", ["/products/" + "x" * 300, "/products/%00", "/shop?category=" + "c" * 100])
def test_bad_paths_and_queries_are_4xx(api, path):
    response = api.call("GET", path)

    assert 400 <= response.status_code < 500 and response.json["error"]["code"]


def test_a_method_the_path_does_not_have_is_405(api):
    response = api.call("PUT", "/me", {})

    assert response.status_code == 405 and response.json["error"]["code"] == "METHOD_NOT_ALLOWED"
