"""The one way a function meets HTTP: ``@route(bp, "POST", "/path", auth=..., body=...)``.

It registers the Chalice route and wraps the view so that, in this order, the body is parsed
and validated (msgspec), the caller's token is checked against the level the function
declares, the view runs, and whatever it raises becomes ``{"error": {"code", "message"}}``.
An operator function also declares its ``capability`` (``chalicelib.operators.roles``: read,
change or owner; by default read for GET, change otherwise): the caller's role decides, and a
change is audited (``chalicelib.operators.access``).
Chalice catches route exceptions before middleware can see them, so this is where they end.
"""
from __future__ import annotations

import functools
import hmac
import logging
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

import msgspec
from chalice.app import Blueprint, Request, Response

from chalicelib import config, errors, lazy, messages
from chalicelib.api import json_depth
from chalicelib.auth.levels import (
    ANONYMOUS,
    MERCHANT_LEVELS,
    OPERATOR,
    USER_LEVELS,
    satisfies,
)
from chalicelib.operators import roles

if TYPE_CHECKING:  # annotations only
    from chalicelib.auth.accounts import Account

# What a request runs loads with the first request (chalicelib.lazy), not at cold start.
accounts = lazy.module("chalicelib.auth.accounts")
tokens = lazy.module("chalicelib.auth.tokens")
transactions = lazy.module("chalicelib.store.transactions")

log = logging.getLogger(__name__)

MAX_BODY = 16 * 1024
MAX_PATH_PARAM = 128
JSON_HEADERS = {"Content-Type": "application/json; charset=utf-8"}


class Call:
    """What a view gets: the parsed body, the caller, path parameters and the time."""

    __slots__ = ("request", "body", "path", "now", "_token", "_account", "_erasing_ok", "actor")

    def __init__(self, request: Request, token: tokens.Principal | None, body: Any, path: dict[str, str],
                 now: datetime, *, account: Account | None = None, erasing_ok: bool = False) -> None:
        self.request, self.body, self.path, self.now = request, body, path, now
        self._token, self._account, self._erasing_ok = token, account, erasing_ok
        self.actor: Any = None  # an operator function's caller (chalicelib.operators.service.Actor)

    @property
    def principal(self) -> Account | None:
        """The caller's account as stored now, or None for a visitor. On an anonymous function it
        is read only if the view asks, so browsing with a token costs nothing; a token whose
        account is gone is then a 401, never a write under a vanished id."""
        if self._account is None and self._token is not None:
            self._account = accounts.load(self._token.user_id, erasing_ok=self._erasing_ok)
        return self._account

    @property
    def account(self) -> Account:
        """The caller's account, on a function above anonymous level (read before the view ran)."""
        assert self._account is not None, "only functions above anonymous level have an account"
        return self._account

    @property
    def user_id(self) -> str:
        assert self._token is not None, "only functions above anonymous level read user_id"
        return self._token.user_id

    @property
    def idempotency_key(self) -> str | None:
        """The client's ``Idempotency-Key``: the same key, the same result, however often it is sent."""
        key = self.request.headers.get("idempotency-key")
        if key is None:
            return None
        if not 0 < len(key) <= 64 or not key.isprintable():
            raise errors.IdempotencyKeyInvalid()
        return key

    @property
    def query(self) -> dict[str, str]:
        return dict(self.request.query_params or {})


View = Callable[[Call], Any]


def route(
    bp: Blueprint,
    method: str,
    path: str,
    *,
    auth: str,
    body: type | None = None,
    max_body: int = MAX_BODY,
    status: int = 200,
    erasing_ok: bool = False,
    answer: type | str | None = None,
    query: type | None = None,
    capability: str | None = None,
) -> Callable[[View], Callable[..., Response]]:
    """Register ``fn(call) -> dict | None | Response`` as ``method path`` needing level ``auth``.

    ``erasing_ok``: the account may be in the middle of its erasure (only the erasure's own retry).
    ``answer`` (a msgspec Struct, or a media type for a page) and ``query`` (a Struct whose fields
    are the query parameters) are read only by the OpenAPI document (``chalicelib.api.openapi``).
    ``capability``: what an operator function needs of the caller's role (``roles.CAPABILITIES``).
    """
    if auth not in USER_LEVELS + MERCHANT_LEVELS:
        raise ValueError(f"unknown authorisation level {auth!r}")
    capability = capability or roles.default_capability(method)
    if capability not in roles.CAPABILITIES or (auth != OPERATOR and capability != roles.default_capability(method)):
        raise ValueError(f"capability {capability!r} is for operator functions, one of {roles.CAPABILITIES}")

    def register(fn: View) -> Callable[..., Response]:
        @functools.wraps(fn)
        def view(**path_params: str) -> Response:
            request = bp.current_request
            try:
                if any(len(v) > MAX_PATH_PARAM for v in path_params.values()):
                    raise errors.NotFound()  # no id of ours is that long; keep it away from DynamoDB
                now = config.utcnow()
                if auth == OPERATOR:
                    call = _operator_call(request, method, path, capability, path_params, now)
                    call.body = _body(request, body, max_body)
                elif auth in MERCHANT_LEVELS:
                    call = Call(request, _merchant(request, auth), _body(request, body, max_body), path_params, now)
                else:
                    call = _user_call(request, auth, now, path_params, erasing_ok)
                    call.body = _body(request, body, max_body)
                guarded = None
                if call._account is not None and not erasing_ok:
                    guarded = transactions.request_guard.set(accounts.still_active(call._account.user_id))
                try:
                    result = fn(call) if call.actor is None else _operator_access().perform(call, fn, capability=capability)
                finally:
                    if guarded is not None:
                        transactions.request_guard.reset(guarded)
            except errors.AppError as exc:
                return error_response(exc)
            except Exception as exc:
                if transactions.is_transient(exc):
                    log.warning("storage unavailable: %s", type(exc).__name__)
                    return error_response(errors.StorageUnavailable(retry_after=1))
                log.exception("unhandled error in %s %s", method, path)
                return error_response(errors.AppError())
            if isinstance(result, Response):  # a page or an asset rather than JSON
                return result
            if result is None:
                return Response(body="", status_code=204 if status == 200 else status)
            return json_response(result, status)

        view.auth = auth  # type: ignore[attr-defined]  # read by the manifest and bad-input tests
        view.body = body  # type: ignore[attr-defined]
        view.status, view.answer, view.query = status, answer, query  # type: ignore[attr-defined]
        view.method, view.capability = method, (capability if auth == OPERATOR else None)  # type: ignore[attr-defined]
        bp.route(path, methods=[method], content_types=["application/json"])(view)
        return view

    return register


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        body=msgspec.json.encode(body).decode(), status_code=status, headers={**JSON_HEADERS, **(headers or {})}
    )


def error_response(exc: errors.AppError) -> Response:
    headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else None
    return json_response(exc.to_json(), exc.status, headers)


def _merchant(request: Request, needed: str) -> None:
    """Operator and server functions take the merchant's own key, never a user's token."""
    scheme, _, key = request.headers.get("authorization", "").partition(" ")
    if not key:
        raise errors.AuthRequired(messages.text("AUTH_REQUIRED.merchant_key"))
    s = config.settings()
    expected = s.operator_key if needed == OPERATOR else s.server_key
    if scheme.lower() != "bearer" or not hmac.compare_digest(key.strip().encode(), expected.encode()):
        raise errors.OperatorRequired() if needed == OPERATOR else errors.ServerKeyRequired()
    return None


def _operator_call(request: Request, method: str, path: str, capability: str, params: dict[str, str],
                   now: datetime) -> Call:
    """The operator behind the session cookie (or the shared key, if the owner allows it), whose
    role must grant ``capability``."""
    call = Call(request, None, None, params, now)
    call.actor = _operator_access().authenticate(request, method=method, path=path, capability=capability, now=now)
    return call


def _operator_access() -> Any:
    from chalicelib.operators import access  # with the first operator call, not at cold start

    return access


def _user_call(request: Request, needed: str, now: datetime, path: dict[str, str], erasing_ok: bool) -> Call:
    """The token checked, then (above anonymous) the account it names: its level as stored now
    decides, so a phone bound on another device counts at once."""
    token = _token(request, needed, now)
    if needed == ANONYMOUS:
        return Call(request, token, None, path, now, erasing_ok=erasing_ok)
    assert token is not None
    account = accounts.load(token.user_id, erasing_ok=erasing_ok)
    if not satisfies(account.level, needed):
        raise errors.PurchaseRequired()
    return Call(request, token, None, path, now, account=account, erasing_ok=erasing_ok)


def _token(request: Request, needed: str, now: datetime) -> tokens.Principal | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if not header:
        if needed == ANONYMOUS:
            return None
        raise errors.AuthRequired()
    if scheme.lower() != "bearer" or not token.strip():
        raise errors.TokenInvalid(messages.text("AUTH_TOKEN_INVALID.scheme"))
    try:
        return tokens.verify(token.strip(), key=config.settings().token_key, now=now)
    except (errors.TokenInvalid, errors.TokenExpired):
        if needed == ANONYMOUS:  # a stale token must not break browsing
            return None
        raise


def optional(struct: type | None) -> bool:
    """A body type whose every field has a default (or no body at all)."""
    if struct is None:
        return True
    if not (isinstance(struct, type) and issubclass(struct, msgspec.Struct)):
        return False
    try:
        msgspec.convert({}, struct)
    except msgspec.ValidationError:
        return False
    return True


def _body(request: Request, struct: type | None, limit: int) -> Any:
    raw = request.raw_body or b""
    if struct is None:
        if raw.strip():  # a function that takes no body still refuses one that is not JSON
            _body(request, dict, limit)
        return None
    if len(raw) > limit:
        raise errors.PayloadTooLarge(messages.text("PAYLOAD_TOO_LARGE.kb", kb=limit // 1024))
    if not raw.strip():
        if optional(struct):  # no body at all is fine where every field is optional
            return msgspec.convert({}, struct)
        raise errors.InvalidJson()
    if json_depth.too_deep(raw):
        raise _too_deep()
    try:
        return msgspec.json.decode(raw, type=struct)
    except msgspec.ValidationError as exc:
        # msgspec says what and where ("Expected `int`, got `str` - at `$.amount`"): kept as it
        # is, behind the catalogue's lead-in, so the console still finds the field.
        raise errors.ValidationFailed(messages.text("VALIDATION_FAILED.body", detail=exc)) from exc
    except (msgspec.DecodeError, UnicodeDecodeError) as exc:
        raise errors.InvalidJson() from exc
    except RecursionError as exc:  # the scan above should make this unreachable; a 400 beats a 500
        raise _too_deep() from exc


def _too_deep() -> errors.JsonTooDeep:
    return errors.JsonTooDeep(messages.text("JSON_TOO_DEEP.levels", levels=json_depth.MAX_DEPTH))
