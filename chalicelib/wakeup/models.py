"""Consent credits, the contact cap, and every wake-up decision.

Key patterns:
- ``consents``: ``user_id`` + ``template_id`` → ``credits`` (each 'accept' in
  ``wx.requestSubscribeMessage`` allows one send), the last answer, and the openid the send
  goes to (so a send needs no read of the user item).
- ``contact-caps``: ``user_id`` → ``last_marketing_at``; a marketing send's condition is that
  it is older than the cap (e.g. one in three days).
- ``sends``: ``user_id`` + ``key`` (``<journey>:<step>:<anchor>``) → the decision: holdout,
  skipped (and why), sending, sent, failed (and why, retryable or not). Written with
  ``attribute_not_exists`` (or over a retryable failure), it is the once-per-step guarantee.
  Index ``by_journey_day`` (``journey_day`` + ``user_id``) is what metrics read.
"""
from __future__ import annotations

from pynamodb.attributes import (
    MapAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.store.base import meta


class Consent(Model):
    Meta = meta("consents")
    user_id = UnicodeAttribute(hash_key=True)
    template_id = UnicodeAttribute(range_key=True)
    credits = NumberAttribute(default=0)
    last_answer = UnicodeAttribute()  # accept | reject | ban | filter
    openid = UnicodeAttribute()
    updated_at = UTCDateTimeAttribute()


class ConsentReport(Model):
    """What the mini-program reported of the user's subscribe-message answers, two kinds by ``ref``:
    ``key#<Idempotency-Key>`` holds a report's answer (a replay gets it again, adds nothing);
    ``day#<China day>#<template>`` counts the credits a day's reports added to one template.
    Both live two days (TTL): long enough for any client retry and for the day's cap."""

    Meta = meta("consent-reports")
    user_id = UnicodeAttribute(hash_key=True)
    ref = UnicodeAttribute(range_key=True)
    credits = MapAttribute(null=True)  # template → credits after the report (``key#`` items)
    added = NumberAttribute(null=True)  # credits added that day (``day#`` items)
    expires_at = TTLAttribute()


class ContactCap(Model):
    Meta = meta("contact-caps")
    user_id = UnicodeAttribute(hash_key=True)
    last_marketing_at = UTCDateTimeAttribute()


class SendsByJourneyDay(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_journey_day"
        projection = AllProjection()

    journey_day = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute(range_key=True)


class Send(Model):
    Meta = meta("sends")
    user_id = UnicodeAttribute(hash_key=True)
    key = UnicodeAttribute(range_key=True)
    journey = UnicodeAttribute()
    step = UnicodeAttribute()
    state = UnicodeAttribute()  # holdout | skipped | sending | sent | retry | failed
    reason = UnicodeAttribute(null=True)
    template_id = UnicodeAttribute(null=True)
    coupon_id = UnicodeAttribute(null=True)
    attempts = NumberAttribute(default=0)
    previous_contact = UTCDateTimeAttribute(null=True)  # the cap's value before this send took it
    at = UTCDateTimeAttribute()
    journey_day = UnicodeAttribute()  # <journey>#<China day of the decision>
    by_journey_day = SendsByJourneyDay()
