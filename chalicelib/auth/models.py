"""The user's own items. Account deletion removes all of them (``store.delete_user``).

Key patterns:
- ``users``: ``user_id`` = ``u`` + 24 base32 characters of SHA-256(appid:openid). Derived, so a
  login is a single upsert with no openid lookup and no race between two first logins.
- ``receipts``: ``<kind>#<sha256 of a one-time WeChat code>`` → the answer that code earned, kept
  ten minutes. WeChat accepts a code once; the receipt lets a retried request get its answer
  again instead of a 401. Index ``by_user`` finds a user's receipts for deletion.
- ``users`` index ``by_phone`` (sparse, keys only): ``phone_key`` = HMAC(pseudonym key, the bound
  phone) → the users holding that phone, for the console's member lookup. The index holds no
  phone, and it is an attribute of the user item, so the erasure's delete of the item removes it.
"""
from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model

from chalicelib.auth.levels import SESSION
from chalicelib.store.base import meta


class UsersByPhone(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_phone"
        projection = KeysOnlyProjection()

    phone_key = UnicodeAttribute(hash_key=True)


class User(Model):
    Meta = meta("users")
    user_id = UnicodeAttribute(hash_key=True)
    openid = UnicodeAttribute()
    unionid = UnicodeAttribute(null=True)
    # Secret: used server side to decrypt legacy phone data; never returned, never logged.
    session_key = UnicodeAttribute()
    level = UnicodeAttribute(default=SESSION)
    phone = UnicodeAttribute(null=True)
    phone_country = UnicodeAttribute(null=True)
    phone_key = UnicodeAttribute(null=True)  # ``store.phone_key`` of ``phone``: the by_phone index
    first_seen = UTCDateTimeAttribute()
    last_active = UTCDateTimeAttribute()
    login_count = NumberAttribute(default=0)
    # Set when the erasure begins: from then on only the erasure itself may use the account.
    erasing = UTCDateTimeAttribute(null=True)
    by_phone = UsersByPhone()


class ReceiptsByUser(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_user"
        projection = KeysOnlyProjection()

    user_id = UnicodeAttribute(hash_key=True)


class Receipt(Model):
    Meta = meta("receipts")
    key = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute()
    level = UnicodeAttribute()
    is_new = BooleanAttribute(default=False)
    expires_at = TTLAttribute()
    by_user = ReceiptsByUser()
