"""Invite codes, referrals, and the counters behind caps and statistics.

Key patterns:
- ``invite-codes``: ``code`` → the inviter; the code is derived from the user id, so it is the
  same every time it is asked for and the user's item is found again for deletion.
- ``referrals``: ``invitee_id`` → inviter, stage (signed_up | purchase | ordered), flags,
  rewards given. ``attribute_not_exists``: a user is attributed once, on their first login.
  Index ``by_inviter`` (``inviter_id`` + ``attributed_at``) lists an inviter's invitees.
- ``referral-days``: ``inviter_id`` + China day → attributions that day (the daily cap).
- ``device-accounts``: ``device`` (a hash) + ``user_id``: how many accounts one device made.
- ``referral-stats``: ``campaign`` + China day → sign-ups, purchase level, first orders.
"""
from __future__ import annotations

from pynamodb.attributes import (
    ListAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.store.base import meta


class InviteCode(Model):
    Meta = meta("invite-codes")
    code = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute()


class ReferralsByInviter(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_inviter"
        projection = AllProjection()

    inviter_id = UnicodeAttribute(hash_key=True)
    attributed_at = UTCDateTimeAttribute(range_key=True)


class Referral(Model):
    Meta = meta("referrals")
    invitee_id = UnicodeAttribute(hash_key=True)
    inviter_id = UnicodeAttribute()
    campaign = UnicodeAttribute(default="default")
    stage = UnicodeAttribute(default="signed_up")  # signed_up | purchase | ordered
    attributed_at = UTCDateTimeAttribute()
    device = UnicodeAttribute(null=True)
    flags = ListAttribute(of=UnicodeAttribute, default=list)  # why rewards were withheld
    rewarded = ListAttribute(of=UnicodeAttribute, default=list)  # stages the inviter was rewarded for
    by_inviter = ReferralsByInviter()


class ReferralDay(Model):
    Meta = meta("referral-days")
    inviter_id = UnicodeAttribute(hash_key=True)
    day = UnicodeAttribute(range_key=True)
    attributions = NumberAttribute(default=0)


class DeviceAccount(Model):
    Meta = meta("device-accounts")
    device = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute(range_key=True)


class ReferralStats(Model):
    Meta = meta("referral-stats")
    campaign = UnicodeAttribute(hash_key=True)
    day = UnicodeAttribute(range_key=True)
    signups = NumberAttribute(default=0)
    purchases = NumberAttribute(default=0)
    first_orders = NumberAttribute(default=0)
