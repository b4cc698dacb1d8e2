"""The only code that talks to WeChat.

It wraps wechatpy 1.8.18 and turns every WeChat answer into either a small result object or
one of our errors (``chalicelib.errors``), so no caller ever sees an errcode or a wechatpy
exception. The access token is shared by every Lambda through DynamoDB (``AccessTokenStore``):
WeChat invalidates the previous token soon after a new one is fetched, so each container
fetching its own would log the others out.
"""
from __future__ import annotations

import logging
import time
from functools import cache
from typing import TYPE_CHECKING, Any

import msgspec
from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist
from pynamodb.models import Model

from chalicelib import config, errors
from chalicelib.store.base import meta

if TYPE_CHECKING:  # wechatpy costs ~0.1 s to import: only the functions that call WeChat pay it.
    from wechatpy import WeChatClient

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


class WxSession(msgspec.Struct, frozen=True):
    openid: str
    session_key: str
    unionid: str | None


class Phone(msgspec.Struct, frozen=True):
    number: str  # with country code when not +86, as WeChat gives it
    pure_number: str
    country_code: str


class AccessToken(Model):
    """wechatpy's key/value session storage: one item per key, ``expires_at`` in epoch seconds.

    DynamoDB's TTL deletes expired items lazily, so reads check ``expires_at`` themselves.
    """

    Meta = meta("wechat-tokens")
    key = UnicodeAttribute(hash_key=True)
    value = UnicodeAttribute()
    expires_at = NumberAttribute()


class AccessTokenStore:
    """``wechatpy.session.SessionStorage`` on DynamoDB with a per-container memory in front.

    A warm container reads the token from memory (no round trip); a cold one reads DynamoDB.
    """

    # Refresh a minute early, like wechatpy does, so a token never expires mid-request.
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


class WeChat:
    """The calls huiliu makes to WeChat, each returning a result or raising an ``AppError``."""

    def __init__(self, client: WeChatClient, appid: str, miniprogram_state: str = "formal") -> None:
        self._client = client
        self.appid = appid
        self.miniprogram_state = miniprogram_state

    def code_to_session(self, code: str) -> WxSession:
        """``wx.login`` code → openid and session_key (``jscode2session``)."""
        result = self._call(lambda: self._client.wxa.code_to_session(code), errors.WechatCodeInvalid)
        try:
            return WxSession(
                openid=result["openid"], session_key=result["session_key"], unionid=result.get("unionid")
            )
        except (KeyError, TypeError) as exc:
            raise errors.UpstreamUnavailable("WeChat gave an unexpected login answer.") from exc

    def phone_number(self, code: str) -> Phone:
        """``getPhoneNumber`` button code → the user's phone (wechatpy 1.8.18 has no wrapper)."""
        result = self._call(
            lambda: self._client.wxa._post("wxa/business/getuserphonenumber", data={"code": code}),
            errors.PhoneCodeInvalid,
        )
        try:
            return self._phone(result["phone_info"])
        except (KeyError, TypeError) as exc:
            raise errors.UpstreamUnavailable("WeChat gave an unexpected phone answer.") from exc

    def decrypt_phone(self, session_key: str, encrypted_data: str, iv: str) -> Phone:
        """The legacy ``{encryptedData, iv}`` form, decrypted with the user's session_key."""
        from wechatpy.crypto import WeChatWxaCrypto
        from wechatpy.exceptions import InvalidAppIdException

        try:
            data = WeChatWxaCrypto(session_key, iv, self.appid).decrypt_message(encrypted_data)
        except InvalidAppIdException as exc:
            raise errors.PhoneDataInvalid("The phone data belongs to another mini-program.") from exc
        except Exception as exc:  # bad base64, padding, key or JSON: all mean "not ours to read"
            raise errors.PhoneDataInvalid() from exc
        try:
            return self._phone(data)
        except (KeyError, TypeError) as exc:
            raise errors.PhoneDataInvalid() from exc

    def send_subscribe(self, openid: str, template_id: str, data: dict[str, str], page: str) -> Delivery:
        """One subscribe message. Never raises for WeChat's answers: the wake-up job decides on
        each (sent, no consent left, try again later, stop the run, or refused for good)."""
        import requests
        from wechatpy.exceptions import WeChatClientException

        body = {
            "touser": openid,
            "template_id": template_id,
            "page": page,
            "data": {key: {"value": value} for key, value in data.items()},
            "miniprogram_state": self.miniprogram_state,
            "lang": "zh_CN",
        }
        try:
            self._client.wxa._post("cgi-bin/message/subscribe/send", data=body)
        except WeChatClientException as exc:
            return Delivery.of(exc.errcode)
        except (requests.RequestException, ValueError):
            return Delivery(RETRY, None)
        return Delivery(SENT, 0)

    def _phone(self, info: dict) -> Phone:
        if info.get("watermark", {}).get("appid") != self.appid:
            raise errors.PhoneDataInvalid("The phone data belongs to another mini-program.")
        return Phone(
            number=info["phoneNumber"], pure_number=info["purePhoneNumber"], country_code=info["countryCode"]
        )

    def _call(self, request: Any, invalid_code: type[errors.AppError]) -> dict:
        """Run one wechatpy call; map WeChat's failures onto ours."""
        import requests
        from wechatpy.exceptions import WeChatClientException

        try:
            return request()
        except WeChatClientException as exc:
            raise _mapped(exc.errcode, exc.errmsg, invalid_code) from exc
        except requests.RequestException as exc:
            log.warning("wechat unreachable: %s", type(exc).__name__)
            raise errors.UpstreamUnavailable(retry_after=2) from exc
        except ValueError as exc:  # a body that is not JSON: a proxy's error page, say
            raise errors.UpstreamUnavailable(retry_after=2) from exc


def _mapped(errcode: int | None, errmsg: str | None, invalid_code: type[errors.AppError]) -> errors.AppError:
    if errcode == CODE_USED and invalid_code is errors.WechatCodeInvalid:
        return errors.WechatCodeUsed()
    if errcode in (CODE_INVALID, CODE_USED):
        return invalid_code()
    if errcode == HIGH_RISK:
        return errors.WechatUserBlocked()
    if errcode == RATE_LIMIT:
        return errors.RateLimited("WeChat is limiting requests; try again in a minute.", retry_after=60)
    if errcode in (BUSY, None):  # None: an HTTP error status, no WeChat body
        return errors.UpstreamUnavailable(retry_after=2)
    # Anything else is a configuration or contract problem on our side: say so in the log,
    # tell the client it is temporary, never leak WeChat's message.
    log.error("wechat refused: errcode=%s errmsg=%s", errcode, errmsg)
    return errors.UpstreamUnavailable(retry_after=30)


def _client_class() -> type[WeChatClient]:
    import requests
    from wechatpy import WeChatClient

    class Http(requests.Session):
        """wechatpy sends the token request with no timeout at all: give every request one."""

        def request(self, *args: Any, **kwargs: Any) -> requests.Response:
            if kwargs.get("timeout") is None:
                kwargs["timeout"] = (CONNECT_TIMEOUT, READ_TIMEOUT)
            return super().request(*args, **kwargs)

    class Client(WeChatClient):
        """wechatpy's client, pointed at ``api_base`` everywhere (its token URL is hard-coded)."""

        def __init__(self, appid: str, secret: str, api_base: str, tokens: AccessTokenStore, **kw: Any):
            super().__init__(appid, secret, session=tokens, **kw)
            self._http = Http()
            # No proxy or .netrc is ever configured for WeChat; looking for them (environment,
            # a file stat, proxy-bypass rules) cost ~0.7 ms a call. The session keeps its pool.
            self._http.trust_env = False
            self.API_BASE_URL = api_base + "cgi-bin/"
            self.wxa.API_BASE_URL = api_base  # client.wxa has its own base, which wins for wxa calls
            self._token_url = api_base + "cgi-bin/token"
            self._tokens = tokens

        def fetch_access_token(self) -> dict:
            # wechatpy calls this when it has no token and when WeChat rejects the one it used.
            # Another container may already have fetched a fresh one: take that rather than
            # fetching again, which would invalidate it for everybody.
            stale = self._tokens.forget(self.access_token_key)
            shared = self._tokens.get_shared(self.access_token_key)
            if shared and shared != stale:
                return {"access_token": shared}
            return self._fetch_access_token(
                url=self._token_url,
                params={"grant_type": "client_credential", "appid": self.appid, "secret": self.secret},
            )

    return Client


@cache
def get_wechat() -> WeChat:
    """The process-wide WeChat facade, built on first use (never at import)."""
    s = config.settings()
    client = _client_class()(
        s.wechat_appid, s.wechat_secret, s.wechat_api_base, AccessTokenStore(), auto_retry=s.wechat_auto_retry
    )
    # Messages from a local or dev stack open the developer build of the mini-program.
    return WeChat(client, s.wechat_appid, "formal" if s.stage == "prod" else "developer")
