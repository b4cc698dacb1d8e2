"""Privacy consent (PIPL): behaviour events are kept per person only after they agreed to the
privacy notice, which the mini-program reports. Before that they are only counted.

Not to be confused with the subscribe-message consent of ``chalicelib.wakeup`` (one send credit
per acceptance of a message template): that one decides what may be *sent* to a user, this one
what may be *kept* about them.

- A visitor agrees before login: ``POST /auth/anonymous`` records it under a new device and
  answers the signed anonymous id (``chalicelib.auth.anonymous``); the id exists only after
  consent, so events sent with it are kept under the device without another check.
- A user agrees or withdraws with ``POST /me/privacy`` (on their activity item, which erasure
  deletes). A login that merges a device carries its visitor's agreement to the user, unless
  the user decided before: a withdrawal is never overturned by an old anonymous id.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta

import msgspec
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from chalicelib.events import rules
from chalicelib.events.models import Activity, Event

VISITOR_RECORD = "privacy"  # the event id of a visitor's consent record, under ``d:<device>``
VISITOR_KEPT = timedelta(days=400)  # a visitor who comes back within a year still merges with it

# What ingest conditions its one activity update on: the user agreed, and has not withdrawn.
AGREED: Condition = Activity.privacy_agreed == True  # noqa: E712  (a DynamoDB condition, not a test)


class Decision(msgspec.Struct, frozen=True):
    agreed: bool
    version: str
    at: datetime


def record(user_id: str, *, agreed: bool, version: str, now: datetime) -> Decision:
    """The user's latest decision replaces the earlier one (the time says which notice and when).

    A withdrawal also deletes the behaviour kept so far (PIPL art. 47: processing ends with the
    consent). The server's business facts (paid orders, referral signups) stay: they are records
    of contracts, not tracking.
    """
    Activity(user_id).update(actions=[Activity.privacy_agreed.set(agreed), Activity.privacy_version.set(version),
                                      Activity.privacy_at.set(now)])
    if not agreed:
        with Event.batch_write() as batch:
            for e in Event.query(f"u:{user_id}"):
                if e.name not in rules.SERVER_ONLY:
                    batch.delete(e)
    return Decision(agreed=agreed, version=version, at=now)


def record_visitor(device: str, *, version: str, now: datetime) -> None:
    """A visitor's agreement, under the device a new anonymous id stands for."""
    # Not ``Event.of``: no day shard, so the rollup never reads it as behaviour.
    Event(f"d:{device}", VISITOR_RECORD, name=rules.PRIVACY_CONSENT, at=now, received_at=now,
          props=json.dumps({"version": version}), expires_at=now + VISITOR_KEPT).save()


def visitor_version(record: Event) -> str:
    return str(json.loads(record.props or "{}").get("version", ""))[:32] or "unknown"


def carried(version: str, at: datetime) -> tuple[list[Action], Condition]:
    """The update that gives a user their visitor's agreement, and its condition: the user has
    not decided yet (then this is their decision) or has agreed."""
    actions = [
        Activity.privacy_agreed.set(Activity.privacy_agreed | True),
        Activity.privacy_version.set(Activity.privacy_version | version),
        Activity.privacy_at.set(Activity.privacy_at | at),
    ]
    return actions, Activity.privacy_agreed.does_not_exist() | AGREED
