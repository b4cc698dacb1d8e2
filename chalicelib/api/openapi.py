"""The OpenAPI 3.1 document of every HTTP function, generated from the routes themselves.

What each part comes from, so that no fact is written twice:
- the route (``chalicelib.api.http.route``): method, path, level, body, success status, and
  the ``answer`` and ``query`` types declared for the document; msgspec writes their schemas.
  An answer is a Struct, a tagged union of Structs, a media type (a page, an asset), or a
  reference ``"module:Name"`` to one of the first two that the route's module does not import
  (the merchants' answers, ``chalicelib.api.merchant_answers``, stay out of the cold start);
- the wrapper's own behaviour: the errors any function of a level, with a body or with path
  parameters can give (bad JSON, token, key, ``Idempotency-Key``, storage busy);
- the ``functions/`` manifest of the route: its name (the operationId), summary, and the
  errors only its view gives.

The manifests are not in the Lambda package, so the document is generated here and committed
(``chalicelib/api/openapi.json``, packaged with the code) and ``GET /openapi.json`` serves that
file: nothing is built at cold start. Regenerate with ``make openapi``; a test fails when the
committed file differs from what the code generates.

    python -m chalicelib.api.openapi > chalicelib/api/openapi.json
"""
from __future__ import annotations

import importlib
import inspect
import json
import re
import sys
import types as pytypes
import typing
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import msgspec

from chalicelib import errors
from chalicelib.api.http import MAX_PATH_PARAM, optional
from chalicelib.auth.levels import ANONYMOUS, OPERATOR, PURCHASE, SERVER, SESSION
from chalicelib.operators import roles

DOCUMENT = Path(__file__).with_name("openapi.json")
FUNCTIONS = Path(__file__).resolve().parents[2] / "functions"
CATCH_ALL = "/{proxy+}"  # answers what no function takes (404/405): not an operation of its own
REF = "#/components/schemas/{name}"

SECURITY_SCHEMES = {
    "userToken": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                  "description": "A user's token from POST /auth/login (level session) or POST /auth/phone "
                                 "(level purchase)."},
    "operatorKey": {"type": "http", "scheme": "bearer",
                    "description": "The merchant staff's key, HUILIU_OPERATOR_KEY (local stack: local-operator-key)."},
    "operatorSession": {"type": "apiKey", "in": "cookie", "name": "__Host-huiliu-op",
                        "description": "An operator's session from POST /operator/login (HttpOnly; named huiliu-op "
                                       "in the local stage); every call but a GET also sends its X-CSRF-Token."},
    "serverKey": {"type": "http", "scheme": "bearer",
                  "description": "The merchant order system's key, HUILIU_SERVER_KEY (local stack: local-server-key)."},
}

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {
        "type": "object",
        "required": ["code", "message"],
        "properties": {"code": {"type": "string", "description": "Stable UPPER_SNAKE code (chalicelib/errors.py)."},
                       "message": {"type": "string", "description": "Fit to show a person; may change."}},
    }},
}
RETRY_AFTER = {"Retry-After": {"description": "Seconds until it is worth trying again.",
                               "schema": {"type": "integer", "minimum": 1}}}
# GET /openapi.json answers this document: an OpenAPI 3.1 document, described by its own spec.
OPENAPI_SCHEMA = {
    "type": "object",
    "required": ["openapi", "info", "paths", "components"],
    "properties": {"openapi": {"type": "string", "pattern": "^3\\.1\\."}, "info": {"type": "object"},
                   "paths": {"type": "object"}, "components": {"type": "object"}},
    "description": "An OpenAPI 3.1 document (https://spec.openapis.org/oas/v3.1.0): this one.",
}
CSRF_TOKEN = {"name": "X-CSRF-Token", "in": "header", "required": False,
              "description": "The session's CSRF token (POST /operator/login, GET /operator/me): required with "
                             "the session cookie, not with the operator key.",
              "schema": {"type": "string", "maxLength": 128}}
IDEMPOTENCY_KEY = {"name": "Idempotency-Key", "in": "header", "required": False,
                   "description": "The same key, the same result, however often the request is sent.",
                   "schema": {"type": "string", "minLength": 1, "maxLength": 64}}


def codes() -> dict[str, int]:
    """Every error code the app can answer, with its status."""
    found: dict[str, int] = {}
    pending: list[type[errors.AppError]] = [errors.AppError]
    while pending:
        cls = pending.pop()
        found[cls.code] = cls.status
        pending.extend(cls.__subclasses__())
    return found


def manifests(root: Path = FUNCTIONS) -> dict[tuple[str, str], dict]:
    """The HTTP functions' manifests by (method, path)."""
    found = {}
    for path in sorted(root.glob("*/function.json")):
        m = json.loads(path.read_text(encoding="utf-8"))
        http = m["trigger"].get("http")
        for method in (http or {}).get("methods") or ([http["method"]] if http else []):
            found[(method, http["path"])] = m
    return found


def build(routes: dict[str, dict[str, Any]], functions: dict[tuple[str, str], dict]) -> dict:
    """The document of ``routes`` (a Chalice app's ``routes``), described by ``functions``."""
    known = codes()
    types: list[type] = []
    operations: list[tuple[str, str, dict]] = []
    for path in sorted(routes):
        if path == CATCH_ALL:
            continue
        for method in sorted(routes[path]):
            view = routes[path][method].view_function
            manifest = functions.get((method, path))
            if manifest is None:
                raise LookupError(f"{method} {path} has no functions/ manifest")
            types.extend(t for t in (view.body, view.query, answer_type(view.answer)) if _is_typed(t))
            operations.append((path, method, _operation(path, method, view, manifest, known)))

    ordered = sorted(set(types), key=_qualname)
    schemas, components = _short_names(*msgspec.json.schema_components(ordered, ref_template=REF))
    refs = dict(zip(ordered, schemas))
    paths: dict[str, dict] = {}
    for path, method, op in operations:
        paths.setdefault(path, {})[method.lower()] = _resolve(op, refs, components)
    components = dict(sorted(components.items()))
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "huiliu",
            "version": "1",
            "description": (
                "The HTTP functions of huiliu, generated from the routes (python -m chalicelib.api.openapi). "
                "JSON in and out; every error is {\"error\": {\"code\", \"message\"}} with a stable code; "
                "429 and 503 carry Retry-After. Money is integer fen, instants UTC with Z, days China days. "
                "Any other path or method answers 404 NOT_FOUND or 405 METHOD_NOT_ALLOWED in the same shape. "
                "Operations marked x-stages exist only in those stages."
            ),
        },
        "paths": paths,
        "components": {
            "schemas": {**components, "Error": ERROR_SCHEMA},
            "securitySchemes": SECURITY_SCHEMES,
        },
    }


def _short_names(schemas: tuple[dict, ...], components: dict[str, Any]) -> tuple[list[dict], dict[str, Any]]:
    """msgspec names a type by its module path when two share a name (``Reward``: the check-in
    answer's, and the rule books' of check-in and referral). The answers keep their own names,
    which the SDK's types are called by; the others get their capability's: ``CheckinReward``."""
    renames = {}
    for key in components:
        module, _, name = key.rpartition(".")
        if module:
            renames[key] = name if module == "chalicelib.api.answers" else module.split(".")[1].capitalize() + name
    if len(set(renames.values()) | (set(components) - set(renames))) != len(components):
        raise ValueError(f"two schemas would share a name: {sorted(renames.items())}")
    text = json.dumps([schemas, components])
    for old, new in renames.items():
        text = text.replace(json.dumps(REF.format(name=old)), json.dumps(REF.format(name=new)))
    schemas, components = json.loads(text)
    return schemas, {renames.get(k, k): v for k, v in components.items()}


def _operation(path: str, method: str, view: Any, manifest: dict, known: dict[str, int]) -> dict:
    source = inspect.getsource(inspect.unwrap(view))
    idempotent = "call.idempotency_key" in source
    reads_caller = "call.principal" in source  # an anonymous function that acts for a token's user
    level = view.auth
    op: dict[str, Any] = {
        "operationId": manifest["name"],
        "summary": manifest.get("summary", ""),
        "tags": [path.strip("/").split("/")[0] or "root"],
        "x-level": level,
        "security": _security(level, reads_caller),
    }
    if "stages" in manifest:
        op["x-stages"] = manifest["stages"]
    params = [{"name": name, "in": "path", "required": True,
               "schema": {"type": "string", "minLength": 1, "maxLength": MAX_PATH_PARAM}}
              for name in re.findall(r"{(\w+)}", path)]
    if _is_struct(view.query):
        params.append({"query": view.query})  # expanded once its schema is known
    if idempotent:
        params.append(IDEMPOTENCY_KEY)
    if level == OPERATOR and roles.needs_csrf(method):
        params.append(CSRF_TOKEN)
    if params:
        op["parameters"] = params
    if view.body is not None:
        op["requestBody"] = {"required": not optional(view.body), "content": {"application/json": {
            "schema": {"body": view.body} if _is_struct(view.body) else {"type": "object"}}}}
    op["responses"] = {**_success(view), **_errors(view, manifest, known, idempotent=idempotent,
                                                    reads_caller=reads_caller, has_params="{" in path)}
    return op


def _security(level: str, reads_caller: bool) -> list[dict]:
    if level == ANONYMOUS:
        return [{}, {"userToken": []}] if reads_caller else [{}]
    if level in (SESSION, PURCHASE):
        return [{"userToken": []}]
    return [{"operatorSession": []}, {"operatorKey": []}] if level == OPERATOR else [{"serverKey": []}]


def _success(view: Any) -> dict:
    answer = answer_type(view.answer)
    if view.status == 200 and answer is None and _returns_none(view):
        return {"204": {"description": "Done; no body."}}
    if view.status == 204:
        return {"204": {"description": "Done; no body."}}
    if isinstance(answer, str):  # a page, an asset, or this document
        content = {answer: {"schema": OPENAPI_SCHEMA if answer == "application/json" else {"type": "string"}}}
    elif _is_typed(answer):
        content = {"application/json": {"schema": {"body": answer}}}
    else:
        raise TypeError(f"{view.__name__} answers JSON without a declared type: route(..., answer=...)")
    return {str(view.status): {"description": "Done.", "content": content}}


def answer_type(answer: Any) -> Any:
    """What a route's ``answer`` declares: its type (``"module:Name"`` imported), a media type, or None."""
    if isinstance(answer, str) and ":" in answer and "/" not in answer:
        module, _, name = answer.partition(":")
        return getattr(importlib.import_module(module), name)
    return answer


def _returns_none(view: Any) -> bool:
    return inspect.signature(inspect.unwrap(view)).return_annotation in (None, "None")


def _errors(view: Any, manifest: dict, known: dict[str, int], *, idempotent: bool, reads_caller: bool,
            has_params: bool) -> dict:
    """Each error status the function can answer, with the codes it answers it with."""
    by_status: dict[int, set[str]] = {}

    def add(*names: str) -> None:
        for name in names:
            by_status.setdefault(known[name], set()).add(name)

    # Any function: the wrapper reads a body (or refuses one) and storage may be busy.
    add("INVALID_JSON", "JSON_TOO_DEEP", "PAYLOAD_TOO_LARGE", "UNSUPPORTED_MEDIA_TYPE", "VALIDATION_FAILED",
        "STORAGE_UNAVAILABLE", "NOT_CONFIGURED")
    if view.auth in (SESSION, PURCHASE):
        add("AUTH_REQUIRED", "AUTH_TOKEN_INVALID", "AUTH_TOKEN_EXPIRED", "AUTH_USER_NOT_FOUND")
    if view.auth == PURCHASE:
        add("AUTH_PURCHASE_REQUIRED")
    if view.auth == ANONYMOUS and reads_caller:
        add("AUTH_USER_NOT_FOUND")
    if view.auth == OPERATOR:
        add(*roles.wrapper_errors(view.capability, view.method))
    if view.auth == SERVER:
        add("AUTH_REQUIRED", "AUTH_SERVER_KEY_REQUIRED")
    if has_params:
        add("NOT_FOUND")  # no id of ours is longer than MAX_PATH_PARAM
    if idempotent:
        add("IDEMPOTENCY_KEY_INVALID")
    notes: dict[int, str] = {}
    for status, text in (manifest.get("errors") or {}).items():
        named = [c for c in re.findall(r"\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b", text)]
        unknown = [c for c in named if known.get(c) != int(status)]
        if unknown:
            raise ValueError(f"{manifest['name']}: {status} names {unknown}, not codes of that status")
        add(*named)
        notes[int(status)] = text
    return {str(status): _error_response(status, sorted(names), notes.get(status))
            for status, names in sorted(by_status.items())}


def _error_response(status: int, names: list[str], note: str | None) -> dict:
    response: dict[str, Any] = {
        "description": note or " | ".join(names),
        "content": {"application/json": {"schema": {"errors": tuple(names)}}},
    }
    if status in (429, 503):
        response["headers"] = RETRY_AFTER
    return response


def _error_schema(names: tuple[str, ...]) -> dict:
    """The envelope with the codes one status of one function can carry."""
    return {"allOf": [{"$ref": REF.format(name="Error")},
                      {"properties": {"error": {"properties": {"code": {"enum": list(names)}}}}}]}


def _error_name(names: tuple[str, ...]) -> str:
    return "Error." + "-".join(names)


def _resolve(op: Any, refs: dict[type, dict], components: dict[str, Any]) -> Any:
    """Swap the placeholders ``{"body": T}`` and ``{"query": T}`` for T's schema and parameters."""
    if isinstance(op, list):
        out = []
        for item in op:
            if isinstance(item, dict) and set(item) == {"query"}:
                out.extend(_query_parameters(refs[item["query"]], components))
            else:
                out.append(_resolve(item, refs, components))
        return out
    if isinstance(op, dict):
        if set(op) == {"body"} and _is_typed(op["body"]):
            return refs[op["body"]]
        if set(op) == {"errors"}:  # shared by every function with the same codes for a status
            components.setdefault(_error_name(op["errors"]), _error_schema(op["errors"]))
            return {"$ref": REF.format(name=_error_name(op["errors"]))}
        return {k: _resolve(v, refs, components) for k, v in op.items()}
    return op


def _query_parameters(ref: dict, components: dict[str, Any]) -> list[dict]:
    schema = components[ref["$ref"].rsplit("/", 1)[1]]
    required = set(schema.get("required", ()))
    return [{"name": name, "in": "query", "required": name in required, "schema": _not_null(prop)}
            for name, prop in schema["properties"].items()]


def _not_null(schema: dict) -> dict:
    """A query parameter is absent rather than null: drop the null branch of an optional one."""
    options = [s for s in schema.get("anyOf", ()) if s != {"type": "null"}]
    if len(options) == 1:
        return {**options[0], **{k: v for k, v in schema.items() if k not in ("anyOf", "default")}}
    return {k: v for k, v in schema.items() if k != "default"}


def _is_struct(t: object) -> bool:
    return isinstance(t, type) and issubclass(t, msgspec.Struct)


def _is_typed(t: object) -> bool:
    """A Struct, or a union of Structs (tagged, or msgspec refuses it)."""
    if isinstance(t, pytypes.UnionType) or typing.get_origin(t) is typing.Union:
        return all(_is_struct(member) for member in typing.get_args(t))
    return _is_struct(t)


def _qualname(t: Any) -> str:
    if _is_struct(t):
        return f"{t.__module__}.{t.__qualname__}"
    return " | ".join(_qualname(member) for member in typing.get_args(t))


def render(document: dict) -> str:
    """The committed form: stable key order, UTF-8, a newline at the end."""
    return json.dumps(document, ensure_ascii=False, indent=1) + "\n"


def generate() -> str:
    """The document of the local stage's app (it has every route, the local-only ones marked)."""
    import app as application  # the app module registers every blueprint

    return render(build(application.app.routes, manifests()))


def registered_only(text: str, routes: Iterable[tuple[str, str]]) -> str:
    """The committed document less the operations this stage does not register."""
    document = json.loads(text)
    wanted = set(routes)
    paths = {}
    for path, ops in document["paths"].items():
        kept = {m: op for m, op in ops.items() if (m.upper(), path) in wanted}
        if kept:
            paths[path] = kept
    document["paths"] = paths
    return json.dumps(document, ensure_ascii=False)


def iter_routes(routes: dict[str, dict[str, Any]]) -> Iterable[tuple[str, str]]:
    return ((method, path) for path, methods in routes.items() for method in methods)


if __name__ == "__main__":
    sys.stdout.write(generate())
