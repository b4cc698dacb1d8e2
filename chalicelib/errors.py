"""Every failure a client can see, with its stable code.

A view never builds an error response by hand: it raises one of these and the endpoint
decorator (``chalicelib.api.http``) turns it into ``{"error": {"code", "message"}}``.
Codes are part of the API: the mini-program switches on them, so they never change. The
message is the catalogue's (``chalicelib.messages``, Chinese first), by code.
"""
from __future__ import annotations

from chalicelib import messages


class AppError(Exception):
    """A failure with a stable code, an HTTP status and a message fit to show a person."""

    code = "INTERNAL_ERROR"
    status = 500
    # The catalogue entry of the message: the code, unless a class that shares its parent's code
    # says something more specific (``key``). No class words its own message.
    key: str | None = None
    message = messages.text(code)

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        key = cls.__dict__.get("key") or (cls.code if "code" in cls.__dict__ else None)
        if key and messages.has(key):
            cls.message = messages.text(key)

    def __init__(self, message: str | None = None, *, retry_after: int | None = None) -> None:
        """``message``: a catalogue text (``messages.text("CODE.detail", **params)``) saying more
        than the class's own; never words written at the raise site."""
        self.message = message or self.message
        self.retry_after = retry_after
        super().__init__(self.message)

    def to_json(self) -> dict:
        return {"error": {"code": self.code, "message": self.message}}


# 400 / 413 / 415 / 422: the request itself is wrong.
class InvalidJson(AppError):
    """The body is not JSON, or not a JSON object."""

    code, status = "INVALID_JSON", 400


class JsonTooDeep(InvalidJson):
    """The body nests arrays or objects deeper than any request of ours (the decoder recurses)."""

    code = "JSON_TOO_DEEP"


class PayloadTooLarge(AppError):
    """The body is larger than the function accepts."""

    code, status = "PAYLOAD_TOO_LARGE", 413


class UnsupportedMediaType(AppError):
    """The body is not sent as JSON."""

    code, status = "UNSUPPORTED_MEDIA_TYPE", 415


class ValidationFailed(AppError):
    """A field is missing, of the wrong type or out of range."""

    code, status = "VALIDATION_FAILED", 422


class NotFound(AppError):
    """No such thing (or the route does not exist)."""

    code, status = "NOT_FOUND", 404


class MethodNotAllowed(AppError):
    """The path exists, the method does not."""

    code, status = "METHOD_NOT_ALLOWED", 405


# 401 / 403: who is calling.
class AuthRequired(AppError):
    """No bearer token on a function that needs one."""

    code, status = "AUTH_REQUIRED", 401


class TokenInvalid(AppError):
    """The token is malformed, tampered with, or signed with another key."""

    code, status = "AUTH_TOKEN_INVALID", 401


class TokenExpired(AppError):
    """The token was genuine but is past its lifetime."""

    code, status = "AUTH_TOKEN_EXPIRED", 401


class UserGone(AppError):
    """The token names an account that has been deleted."""

    code, status = "AUTH_USER_NOT_FOUND", 401


class PurchaseRequired(AppError):
    """A session-level user called a purchase-level function: the app asks for the phone number."""

    code, status = "AUTH_PURCHASE_REQUIRED", 403


class OperatorRequired(AppError):
    """An operator function was called without the operator key."""

    code, status = "AUTH_OPERATOR_REQUIRED", 403


class ServerKeyRequired(AppError):
    """A function of the merchant's order system was called without the server key."""

    code, status = "AUTH_SERVER_KEY_REQUIRED", 403


# WeChat.
class WechatCodeInvalid(AppError):
    """The ``wx.login`` code is unknown, expired or already used (WeChat 40029 / 40163)."""

    code, status = "WECHAT_CODE_INVALID", 401


class WechatCodeUsed(WechatCodeInvalid):
    """WeChat says the code was used (40163): perhaps by this client's own request, still running."""


class PhoneCodeInvalid(AppError):
    """The ``getPhoneNumber`` code is unknown, expired or used.

    422, not 401: the session is fine, only this code is spent, and a 401 would make the
    mini-program log in again instead of asking for the phone button once more.
    """

    code, status = "PHONE_CODE_INVALID", 422


class PhoneDataInvalid(AppError):
    """The legacy encrypted phone data does not decrypt with this user's session, or is for another app."""

    code, status = "PHONE_DATA_INVALID", 422


class WechatUserBlocked(AppError):
    """WeChat flags the user as high risk (40226)."""

    code, status = "WECHAT_USER_BLOCKED", 403


class RateLimited(AppError):
    """Too many calls, ours or WeChat's (45011)."""

    code, status = "RATE_LIMITED", 429


class UpstreamUnavailable(AppError):
    """WeChat is busy (-1), down, slow, or answered in a way we cannot use."""

    code, status = "UPSTREAM_UNAVAILABLE", 503


class StorageUnavailable(AppError):
    """DynamoDB throttled us or could not be reached; nothing was written."""

    code, status = "STORAGE_UNAVAILABLE", 503


class NotConfigured(AppError):
    """A deployed stage whose secrets are missing, placeholders or too weak: it serves nothing
    until they are fixed (``chalicelib.readiness``), so no placeholder key ever guards data."""

    code, status = "NOT_CONFIGURED", 503


class GatewayTimeout(AppError):
    """The function did not answer within API Gateway's 29 seconds (only API Gateway says this)."""

    code, status = "GATEWAY_TIMEOUT", 504


class RequestRefused(AppError):
    """A request API Gateway refused before any function saw it, for a reason without a code of
    its own (its DEFAULT_4XX: the status is API Gateway's, 400 or 403)."""

    code, status = "REQUEST_REFUSED", 400


class Conflict(AppError):
    """The request cannot be applied to the current state (409)."""

    code, status = "CONFLICT", 409


class IdempotencyKeyInvalid(AppError):
    """The Idempotency-Key header is too long or not printable."""

    code, status = "IDEMPOTENCY_KEY_INVALID", 422


class AnonymousIdInvalid(AppError):
    """An ``anonymousId`` we did not issue: made up, altered, or signed with a retired key."""

    code, status = "ANONYMOUS_ID_INVALID", 422


# Coupons.
class CouponSoldOut(Conflict):
    """Every unit of the template's stock has been issued."""

    code = "COUPON_SOLD_OUT"


class CouponLimitReached(Conflict):
    """The user already holds as many of this template as it allows."""

    code = "COUPON_LIMIT_REACHED"


class CouponNotClaimable(Conflict):
    """The template is paused, or is not handed out this way (a grant-only template, say)."""

    code = "COUPON_NOT_CLAIMABLE"


class CouponNotYetValid(Conflict):
    """The coupon's window has not opened."""

    code = "COUPON_NOT_YET_VALID"


class CouponExpired(Conflict):
    """The coupon's (or the campaign's) window has closed."""

    code = "COUPON_EXPIRED"


class CouponLocked(Conflict):
    """The coupon is held by another order."""

    code = "COUPON_LOCKED"


class CouponUsed(Conflict):
    """The coupon has been used."""

    code = "COUPON_USED"


class CouponNotApplicable(AppError):
    """The coupon does not apply to this cart; the message says why."""

    code, status = "COUPON_NOT_APPLICABLE", 422


class TemplateExists(Conflict):
    """A coupon template with that id exists already."""

    code = "TEMPLATE_EXISTS"


# Points.
class PointsInsufficient(Conflict):
    """The balance (of points not yet expired) does not cover the spend."""

    code = "POINTS_INSUFFICIENT"


# Check-in.
class CheckinDayInvalid(AppError):
    """A make-up day that is today, in the future, outside the window, or not a date."""

    code, status = "CHECKIN_DAY_INVALID", 422


class CheckinAlreadyDone(Conflict):
    """The day being made up is already checked in."""

    code = "CHECKIN_ALREADY_DONE"


class MakeupCardMissing(Conflict):
    """A make-up paid with a card, by a user holding none."""

    code = "MAKEUP_NO_CARD"


# Group-buy.
class GroupFull(Conflict):
    """Every slot of the group is taken (paid or awaiting payment)."""

    code = "GROUP_FULL"


class GroupClosed(Conflict):
    """The group has succeeded, failed, or run out of time."""

    code = "GROUP_CLOSED"


class GroupOwn(Conflict):
    """A leader tried to join their own group."""

    code = "GROUP_OWN"


class GroupNewUsersOnly(Conflict):
    """A 老带新 group, and the joiner has ordered before."""

    code = "GROUP_NEW_USERS_ONLY"


class GroupbuyUnavailable(Conflict):
    """The activity has not started, has ended, or is paused."""

    code = "GROUPBUY_UNAVAILABLE"


class GroupbuySoldOut(Conflict):
    """The activity's stock of groups is used up."""

    code = "GROUPBUY_SOLD_OUT"


class GroupbuyLimitReached(Conflict):
    """The user takes part in as many groups of this activity as it allows."""

    code = "GROUPBUY_LIMIT_REACHED"


class ReservationExpired(Conflict):
    """A payment arrived after its reservation expired (or the group closed): refused, refund recorded."""

    code = "GROUPBUY_RESERVATION_EXPIRED"


class SeatAlreadyPaid(Conflict):
    """A payment for a seat another order has paid already: refused, refund recorded."""

    code = "GROUPBUY_SEAT_ALREADY_PAID"


# Bargain.
class BargainClosed(Conflict):
    """The bargain is complete, locked for purchase, bought, or past its time."""

    code = "BARGAIN_CLOSED"


class BargainSelfHelp(Conflict):
    """The owner tried to help their own bargain."""

    code = "BARGAIN_SELF_HELP"


class BargainAlreadyHelped(Conflict):
    """This helper has helped this bargain before."""

    code = "BARGAIN_ALREADY_HELPED"


class BargainHelpCapReached(Conflict):
    """The helper has used up today's helps (anti-abuse)."""

    code = "BARGAIN_HELP_CAP"


class BargainLimitReached(Conflict):
    """The user has started as many bargains of this campaign as it allows."""

    code = "BARGAIN_LIMIT_REACHED"


class BargainNotBuyable(Conflict):
    """Buying before the floor is not allowed by this campaign, or the bargain is bought."""

    code = "BARGAIN_NOT_BUYABLE"


class BargainUnavailable(Conflict):
    """The campaign is not running: not started, past its end, paused or ended by an operator."""

    code = "BARGAIN_UNAVAILABLE"


# Operators (the console). Messages from the catalogue, Chinese first (chalicelib.messages).
class OperatorLoginRequired(AppError):
    """An operator function called with neither a session cookie nor a key."""

    code, status = "OPERATOR_LOGIN_REQUIRED", 401


class OperatorSessionInvalid(AppError):
    """The session cookie names no live session: unknown, expired, logged out, revoked, or its
    operator deleted."""

    code, status = "OPERATOR_SESSION_INVALID", 401


class OperatorDisabled(AppError):
    """The operator's account is disabled (its sessions ended with it)."""

    code, status = "OPERATOR_DISABLED", 401


class OperatorLoginFailed(AppError):
    """Wrong password or unknown name: the same answer for both, so names cannot be probed."""

    code, status = "OPERATOR_LOGIN_FAILED", 401


class OperatorLoginRateLimited(RateLimited):
    """Too many login attempts for this name or from this network."""

    key = "OPERATOR_LOGIN_RATE_LIMITED"


class OperatorForbidden(AppError):
    """The operator's role does not allow this function."""

    code, status = "OPERATOR_FORBIDDEN", 403


class CsrfTokenInvalid(AppError):
    """A call other than GET made with the session cookie lacks the session's X-CSRF-Token."""

    code, status = "CSRF_TOKEN_INVALID", 403


class SharedKeyDisabled(AppError):
    """The old shared operator key is right, but the owner has not enabled it."""

    code, status = "OPERATOR_SHARED_KEY_DISABLED", 403


class OperatorExists(Conflict):
    """An operator with that login name exists already."""

    code = "OPERATOR_EXISTS"


class OperatorNotFound(NotFound):
    """No operator with that id."""

    code = "OPERATOR_NOT_FOUND"


class LastOwner(Conflict):
    """The change would leave no active owner."""

    code = "OPERATOR_LAST_OWNER"


class OperatorNameInvalid(ValidationFailed):
    """A login name outside 1 to 32 letters, digits or ``. _ - @``."""

    code = "OPERATOR_NAME_INVALID"


class OperatorPasswordWeak(ValidationFailed):
    """A password too short, too long, unprintable or too simple."""

    code = "OPERATOR_PASSWORD_WEAK"


class JourneyVersionStale(Conflict):
    """The journey was saved by someone else since the version the editor read."""

    code = "JOURNEY_VERSION_STALE"


class JourneyNotPublished(Conflict):
    """Pause or resume of a journey that has no published version."""

    code = "JOURNEY_NOT_PUBLISHED"


class RulesVersionStale(Conflict):
    """The rule book was saved (or rolled back) by someone else since the version the change read."""

    code = "RULES_VERSION_STALE"


class RulesVersionNotFound(NotFound):
    """No such saved version of the rule book."""

    code = "RULES_VERSION_NOT_FOUND"


class AlertRuleNotFound(NotFound):
    """No such alert rule."""

    code = "ALERT_RULE_NOT_FOUND"


class AlertRulesFull(Conflict):
    """The shop has as many alert rules as it may keep."""

    code = "ALERT_RULES_FULL"


class AlertWebhookInvalid(ValidationFailed):
    """Not a WeCom group robot's webhook URL."""

    code = "ALERT_WEBHOOK_INVALID"


class AlertCursorInvalid(ValidationFailed):
    """The paging cursor of the fired alerts is not one they answered."""

    code = "ALERT_CURSOR_INVALID"


class JobRunning(Conflict):
    """A run by hand of this job is under way; its lease ends with it (or lapses)."""

    code = "JOB_RUNNING"


class ProductNotFound(NotFound):
    """No such product in the catalogue (or it was deleted by the order system)."""

    code = "PRODUCT_NOT_FOUND"


class ProductChanged(Conflict):
    """The product (or a SKU edited) moved since the form read it: a sync or another operator."""

    code = "PRODUCT_CHANGED"


class ProductInvalid(ValidationFailed):
    """An operator's edit of a product the catalogue's rules refuse; the message names each field."""

    code = "PRODUCT_INVALID"


class ImportRowsInvalid(ValidationFailed):
    """An imported file's rows the catalogue's rules refuse; nothing was written. ``rows`` says,
    row by row (the file's row numbers), which field and why."""

    code = "IMPORT_ROWS_INVALID"

    def __init__(self, rows: list[dict], message: str | None = None) -> None:
        super().__init__(message)
        self.rows = rows

    def to_json(self) -> dict:
        return {"error": {"code": self.code, "message": self.message, "rows": self.rows}}


class MemberNotFound(NotFound):
    """No member with that id: never logged in, or erased (or being erased)."""

    code = "MEMBER_NOT_FOUND"


class MemberQueryInvalid(ValidationFailed):
    """A member lookup needs exactly one of userId and phone."""

    code = "MEMBER_QUERY_INVALID"


class MemberPhoneInvalid(ValidationFailed):
    """Not a phone number a member could have bound."""

    code = "MEMBER_PHONE_INVALID"


class MemberUserIdInvalid(ValidationFailed):
    """Not of the shape of our user ids (``u`` + 24 base32 characters)."""

    code = "MEMBER_USER_ID_INVALID"


class MemberCursorInvalid(ValidationFailed):
    """The paging cursor of a member's list is not one that list answered."""

    code = "MEMBER_CURSOR_INVALID"


# The operators' campaigns (拼团 and 砍价): chalicelib.campaigns.
class CampaignNotFound(NotFound):
    """No group-buy activity or bargain campaign with that id."""

    code = "CAMPAIGN_NOT_FOUND"


class CampaignExists(Conflict):
    """A campaign of that kind with that id exists, with other settings (the same is a replay)."""

    code = "CAMPAIGN_EXISTS"


class CampaignVersionStale(Conflict):
    """Another operator changed the campaign since the version the edit was made on."""

    code = "CAMPAIGN_VERSION_STALE"


class CampaignEnded(Conflict):
    """The campaign has ended: it can no longer be edited, paused or resumed."""

    code = "CAMPAIGN_ENDED"


class CampaignEditUnsafe(Conflict):
    """A change that live groups or bargains could not take (each field named in the message)."""

    code = "CAMPAIGN_EDIT_UNSAFE"
