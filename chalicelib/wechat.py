"""The only code that talks to WeChat.

WeChat's HTTP API is called over one urllib3 pool per process (wechatpy's client and requests
added ~0.7 ms of CPU a call and no behaviour we need; its crypto still decrypts the legacy
phone form). Every WeChat answer becomes either a small result object or one of our errors
(``chalicelib.errors``), so no caller ever sees an errcode or a transport exception. The access
token is shared by every Lambda through DynamoDB (``AccessTokenStore``): WeChat invalidates the
previous token soon after a new one is fetched, so each container fetching its own would log
the others out.
"""
from __future__ import annotations

import json
import logging
import time
from functools import cache
from typing import Any
from urllib.parse import urlencode, urlsplit

import msgspec
import urllib3
from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist
from pynamodb.models import Model

from chalicelib import config, errors, messages, tracing
from chalicelib.store.base import meta

log = logging.getLogger(__name__)

# WeChat errcodes we act on (the full list the sandbox speaks is in ../shared/WECHAT.md).
BUSY = -1
CODE_INVALID = 40029
CODE_USED = 40163
RATE_LIMIT = 45011
HIGH_RISK = 40226
NO_CONSENT_CODE = 43101
API_LIMIT = 45009
TOKEN_ERRORS = (40001, 40014, 42001)

# Seconds: WeChat answers in well under a second; a Lambda behind API Gateway has 29 in all.
CONNECT_TIMEOUT, READ_TIMEOUT = 2, 5

# One pool for the process, kept warm between requests. No retries inside urllib3 (a code
# sent twice would be spent by the first), no redirects (WeChat sends none), and no proxy or
# .netrc lookups: none is ever configured for WeChat.
_HTTP = urllib3.PoolManager(timeout=urllib3.Timeout(connect=CONNECT_TIMEOUT, read=READ_TIMEOUT), retries=False)


class WxSession(msgspec.Struct, frozen=True):
    openid: str
    session_key: str
    unionid: str | None


class Phone(msgspec.Struct, frozen=True):
    number: str  # with country code when not +86, as WeChat gives it
    pure_number: str
    country_code: str


class AccessToken(Model):
    """The shared token storage: one item per key, ``expires_at`` in epoch seconds.

    DynamoDB's TTL deletes expired items lazily, so reads check ``expires_at`` themselves.
    """

    Meta = meta("wechat-tokens")
    key = UnicodeAttribute(hash_key=True)
    value = UnicodeAttribute()
    expires_at = NumberAttribute()


class AccessTokenStore:
    """Key/value token storage (wechatpy's ``SessionStorage`` interface) on DynamoDB, with a
    per-container memory in front.

    A warm container reads the token from memory (no round trip); a cold one reads DynamoDB.
    """

    # Refresh a minute early, as wechatpy did, so a token never expires mid-request.
    MARGIN = 60

    def __init__(self) -> None:
        self._memory: dict[str, tuple[Any, float]] = {}

    def get(self, key: str, default: Any = None) -> Any:
        now = time.time()
        hit = self._memory.get(key)
        if hit and hit[1] - self.MARGIN > now:
            return hit[0]
        shared = self.get_shared(key)
        return default if shared is None else shared

    def get_shared(self, key: str) -> str | None:
        """Skip the memory: what every container currently sees."""
        try:
            item = AccessToken.get(key, consistent_read=True)
        except DoesNotExist:
            return None
        if item.expires_at - self.MARGIN <= time.time():
            return None
        self._memory[key] = (item.value, float(item.expires_at))
        return item.value

    def set(self, key: str, value: Any, ttl: int | None = None) -> None:
        expires_at = int(time.time()) + (ttl or 7200)
        AccessToken(key, value=str(value), expires_at=expires_at).save()
        self._memory[key] = (value, float(expires_at))

    def delete(self, key: str) -> None:
        self._memory.pop(key, None)
        AccessToken(key).delete()

    def forget(self, key: str) -> Any:
        """Drop the memory's copy; return it."""
        hit = self._memory.pop(key, None)
        return hit[0] if hit else None


SENT, NO_CONSENT, RETRY, STOP, REFUSED = "sent", "no_consent", "retry", "stop", "refused"


class Delivery(msgspec.Struct, frozen=True):
    """What became of one subscribe message."""

    outcome: str  # sent | no_consent | retry (busy, timeout) | stop (rate limited) | refused (for good)
    errcode: int | None

    @classmethod
    def of(cls, errcode: int | None) -> Delivery:
        if errcode == NO_CONSENT_CODE:
            return cls(NO_CONSENT, errcode)
        if errcode in (BUSY, None) or errcode in TOKEN_ERRORS:
            return cls(RETRY, errcode)
        if errcode in (RATE_LIMIT, API_LIMIT):
            return cls(STOP, errcode)
        return cls(REFUSED, errcode)  # 40003 bad openid, 40037 template, 47003 data, 41030 page


class WeChatError(Exception):
    """WeChat answered with a non-zero errcode, or (``errcode`` None) with an HTTP error status."""

    def __init__(self, errcode: int | None, errmsg: str | None = None) -> None:
        super().__init__(errcode, errmsg)
        self.errcode, self.errmsg = errcode, errmsg


# What reaching WeChat can raise besides ``WeChatError`` and ``ValueError`` (an answer that is
# not a JSON object): the connection or the read failed or timed out. With ``retries=False``
# urllib3 raises its own error for each, never a bare socket one.
Unreachable = urllib3.exceptions.HTTPError


class Client:
    """WeChat's HTTP API as wechatpy 1.8.18's ``WeChatClient`` called it, over ``_HTTP``.

    Every call but the token's carries the access token (``jscode2session`` too, as wechatpy
    sent it). An answer whose errcode says the token is invalid or expired makes the client take
    a fresh token and send the call once more (``auto_retry``).
    """

    def __init__(self, appid: str, secret: str, api_base: str, tokens: AccessTokenStore, *,
                 auto_retry: bool = True) -> None:
        self.appid, self.secret, self.api_base = appid, secret, api_base
        self.auto_retry = auto_retry
        self.access_token_key = f"{appid}_access_token"  # shared by every container: keep it
        self._tokens = tokens
        self._host = urlsplit(api_base).hostname or "wechat"  # the X-Ray subsegment's name, no URL

    @property
    def access_token(self) -> str:
        token = self._tokens.get(self.access_token_key)
        if token:
            return token
        self.fetch_access_token()
        return self._tokens.get(self.access_token_key)

    def fetch_access_token(self) -> dict:
        """Called when there is no token, and when WeChat rejects the one sent. Another container
        may already have fetched a fresh one: take that rather than fetching again, which would
        invalidate it for everybody."""
        stale = self._tokens.forget(self.access_token_key)
        shared = self._tokens.get_shared(self.access_token_key)
        if shared and shared != stale:
            return {"access_token": shared}
        result = self._answer("GET", "cgi-bin/token",
                              {"grant_type": "client_credential", "appid": self.appid, "secret": self.secret})
        token = result.get("access_token")
        if not isinstance(token, str) or not token:
            raise ValueError("WeChat's token answer has no access_token")
        self._tokens.set(self.access_token_key, token, int(result.get("expires_in") or 7200))
        return result

    def get(self, path: str, params: dict[str, str]) -> dict:
        return self._call("GET", path, params, None)

    def post(self, path: str, data: dict) -> dict:
        return self._call("POST", path, {}, json.dumps(data, ensure_ascii=False).encode())

    def _call(self, method: str, path: str, params: dict[str, str], body: bytes | None) -> dict:
        try:
            return self._answer(method, path, {**params, "access_token": self.access_token}, body)
        except WeChatError as exc:
            if not (self.auto_retry and exc.errcode in TOKEN_ERRORS):
                raise
        self.fetch_access_token()
        return self._answer(method, path, {**params, "access_token": self.access_token}, body)

    def _answer(self, method: str, path: str, params: dict[str, str], body: bytes | None = None) -> dict:
        """One request; its JSON object, or ``WeChatError`` for an errcode or an HTTP error."""
        with tracing.span(self._host):
            response = _HTTP.request(method, f"{self.api_base}{path}?{urlencode(params)}", body=body, redirect=False)
        if response.status >= 400:
            raise WeChatError(None)
        result = json.loads(response.data.decode("utf-8", "ignore"), strict=False)
        if not isinstance(result, dict):
            raise ValueError("WeChat's answer is not a JSON object")
        errcode = int(result.get("errcode") or 0)
        if errcode:
            raise WeChatError(errcode, result.get("errmsg", str(errcode)))
        return result


class WeChat:
    """The calls huiliu makes to WeChat, each returning a result or raising an ``AppError``."""

    def __init__(self, client: Client, appid: str, miniprogram_state: str = "formal") -> None:
        self._client = client
        self.appid = appid
        self.miniprogram_state = miniprogram_state

    def code_to_session(self, code: str) -> WxSession:
        """``wx.login`` code → openid and session_key (``jscode2session``)."""
        c = self._client
        result = self._call(
            lambda: c.get("sns/jscode2session", {"appid": c.appid, "secret": c.secret, "js_code": code,
                                                 "grant_type": "authorization_code"}),
            errors.WechatCodeInvalid,
        )
        try:
            return WxSession(
                openid=result["openid"], session_key=result["session_key"], unionid=result.get("unionid")
            )
        except (KeyError, TypeError) as exc:
            raise errors.UpstreamUnavailable(messages.text("UPSTREAM_UNAVAILABLE.login_answer")) from exc

    def phone_number(self, code: str) -> Phone:
        """``getPhoneNumber`` button code → the user's phone (the code goes in the body)."""
        result = self._call(
            lambda: self._client.post("wxa/business/getuserphonenumber", {"code": code}),
            errors.PhoneCodeInvalid,
        )
        try:
            return self._phone(result["phone_info"])
        except (KeyError, TypeError) as exc:
            raise errors.UpstreamUnavailable(messages.text("UPSTREAM_UNAVAILABLE.phone_answer")) from exc

    def decrypt_phone(self, session_key: str, encrypted_data: str, iv: str) -> Phone:
        """The legacy ``{encryptedData, iv}`` form, decrypted with the user's session_key."""
        from wechatpy.crypto import WeChatWxaCrypto
        from wechatpy.exceptions import InvalidAppIdException

        try:
            data = WeChatWxaCrypto(session_key, iv, self.appid).decrypt_message(encrypted_data)
        except InvalidAppIdException as exc:
            raise errors.PhoneDataInvalid(messages.text("PHONE_DATA_INVALID.other_app")) from exc
        except Exception as exc:  # bad base64, padding, key or JSON: all mean "not ours to read"
            raise errors.PhoneDataInvalid() from exc
        try:
            return self._phone(data)
        except (KeyError, TypeError) as exc:
            raise errors.PhoneDataInvalid() from exc

    def send_subscribe(self, openid: str, template_id: str, data: dict[str, str], page: str) -> Delivery:
        """One subscribe message. Never raises for WeChat's answers: the wake-up job decides on
        each (sent, no consent left, try again later, stop the run, or refused for good)."""
        body = {
            "touser": openid,
            "template_id": template_id,
            "page": page,
            "data": {key: {"value": value} for key, value in data.items()},
            "miniprogram_state": self.miniprogram_state,
            "lang": "zh_CN",
        }
        try:
            self._client.post("cgi-bin/message/subscribe/send", body)
        except WeChatError as exc:
            return Delivery.of(exc.errcode)
        except (Unreachable, ValueError):
            return Delivery(RETRY, None)
        return Delivery(SENT, 0)

    def _phone(self, info: dict) -> Phone:
        if info.get("watermark", {}).get("appid") != self.appid:
            raise errors.PhoneDataInvalid(messages.text("PHONE_DATA_INVALID.other_app"))
        return Phone(
            number=info["phoneNumber"], pure_number=info["purePhoneNumber"], country_code=info["countryCode"]
        )

    def _call(self, request: Any, invalid_code: type[errors.AppError]) -> dict:
        """Run one call; map WeChat's failures onto ours."""
        try:
            return request()
        except WeChatError as exc:
            raise _mapped(exc.errcode, exc.errmsg, invalid_code) from exc
        except ValueError as exc:  # a body that is not a JSON object: a proxy's error page, say
            raise errors.UpstreamUnavailable(retry_after=2) from exc
        except Unreachable as exc:
            log.warning("wechat unreachable: %s", type(exc).__name__)
            raise errors.UpstreamUnavailable(retry_after=2) from exc


def _mapped(errcode: int | None, errmsg: str | None, invalid_code: type[errors.AppError]) -> errors.AppError:
    if errcode == CODE_USED and invalid_code is errors.WechatCodeInvalid:
        return errors.WechatCodeUsed()
    if errcode in (CODE_INVALID, CODE_USED):
        return invalid_code()
    if errcode == HIGH_RISK:
        return errors.WechatUserBlocked()
    if errcode == RATE_LIMIT:
        return errors.RateLimited(messages.text("RATE_LIMITED.wechat"), retry_after=60)
    if errcode in (BUSY, None):  # None: an HTTP error status, no WeChat body
        return errors.UpstreamUnavailable(retry_after=2)
    # Anything else is a configuration or contract problem on our side: say so in the log,
    # tell the client it is temporary, never leak WeChat's message.
    log.error("wechat refused: errcode=%s errmsg=%s", errcode, errmsg)
    return errors.UpstreamUnavailable(retry_after=30)


@cache
def get_wechat() -> WeChat:
    """The process-wide WeChat facade, built on first use (never at import)."""
    s = config.settings()
    client = Client(s.wechat_appid, s.wechat_secret, s.wechat_api_base, AccessTokenStore(),
                    auto_retry=s.wechat_auto_retry)
    # Messages from a local or dev stack open the developer build of the mini-program.
    return WeChat(client, s.wechat_appid, "formal" if s.stage == "prod" else "developer")
