"""Alert rules, the owner's webhook, and the alerts fired.

Key patterns:
- ``alert-rules``: ``kind`` = ``rule`` and ``rule_id`` → an operator's rule (its ``spec`` as
  JSON, ``revision``: 1 and up, raised by each edit). Listing is one Query (a merchant has a
  few; at most ``rules.MAX_RULES``). ``kind`` = ``settings``, ``rule_id`` = ``#webhook``: the
  WeCom robot's URL (a secret: never logged, never audited in clear).
- ``alerts``: ``stream`` = ``alert`` and ``breach`` = ``<first period>#<rule>#<revision>`` → one
  fired alert. Written on ``attribute_not_exists``: that condition is "fired once per breach".
  One Query reads them newest first (by the breach's first period). ``status``: ``pending``
  (to send), ``sending`` (claimed by a run, with ``claimed_at``), ``sent``, ``unsent`` (no
  webhook set when it fired), ``failed`` (given up after ``MAX_ATTEMPTS`` runs).
"""
from __future__ import annotations

from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.models import Model

from chalicelib.store.base import meta

RULE, SETTINGS, WEBHOOK = "rule", "settings", "#webhook"
STREAM = "alert"


class AlertRule(Model):
    Meta = meta("alert-rules")
    kind = UnicodeAttribute(hash_key=True)
    rule_id = UnicodeAttribute(range_key=True)
    spec = UnicodeAttribute(null=True)  # JSON (rules.AlertSpec)
    revision = NumberAttribute(null=True)
    enabled = BooleanAttribute(null=True)
    updated_at = UTCDateTimeAttribute(null=True)
    updated_by = UnicodeAttribute(null=True)
    webhook_url = UnicodeAttribute(null=True)  # #webhook only


class FiredAlert(Model):
    Meta = meta("alerts")
    stream = UnicodeAttribute(hash_key=True)
    breach = UnicodeAttribute(range_key=True)
    rule_id = UnicodeAttribute()
    revision = NumberAttribute()
    spec = UnicodeAttribute()  # JSON: the rule as it was when it fired
    start = UnicodeAttribute()  # the breach's first period (a China day; a week's Monday)
    values = UnicodeAttribute()  # JSON [[period, value], ...] as found when it fired
    fired_at = UTCDateTimeAttribute()
    message = UnicodeAttribute()  # the markdown sent
    status = UnicodeAttribute()
    attempts = NumberAttribute(default=0)
    claimed_at = UTCDateTimeAttribute(null=True)
    sent_at = UTCDateTimeAttribute(null=True)
    last_error = UnicodeAttribute(null=True)  # errcode and errmsg of the last failed send
