"""What a split looks at and a template field shows of a user, read once per step and only
what is asked: the activity summary, the member (tier, flags), the points, consent credits."""
from __future__ import annotations

from datetime import datetime
from functools import cached_property
from typing import Any

from pynamodb.exceptions import DoesNotExist

from chalicelib.journeys import document as d

_COMPARE = {
    "eq": lambda a, b: a == b, "ne": lambda a, b: a != b, "gt": lambda a, b: a > b, "gte": lambda a, b: a >= b,
    "lt": lambda a, b: a < b, "lte": lambda a, b: a <= b, "in": lambda a, b: a in b,
}


class UserFacts:
    def __init__(self, user_id: str, now: datetime) -> None:
        self.user_id, self.now = user_id, now

    @cached_property
    def _activity(self) -> Any:
        from chalicelib.events.models import Activity

        try:
            return Activity.get(self.user_id)
        except DoesNotExist:
            return None

    @cached_property
    def _member(self) -> Any:
        from chalicelib.members import store

        return store.member(self.user_id)

    @cached_property
    def _summary(self) -> Any:
        from chalicelib.members import service as members

        return members.summary(self.user_id, now=self.now)

    def value(self, name: str, key: str | None = None) -> Any:
        a = self._activity
        if name == "tier":
            return self._summary.tier.code
        if name == "tier_name":
            return self._summary.tier.name
        if name == "points":
            return self._summary.points.balance
        if name == "orders":
            return int(a.orders) if a else 0
        if name == "spend":
            return int(a.spend) - int(a.refunded) if a else 0
        if name == "last_category":
            return a.last_category if a else None
        if name == "segment":
            from chalicelib.events import service as events

            summary = events.summarise(a, now=self.now) if a else None
            return summary.segment if summary else None
        if name == "flag":
            member = self._member
            return bool(member is not None and key in (member.flags or set()))
        if name == "consent":
            from chalicelib.wakeup.models import Consent

            try:
                return int(Consent.get(self.user_id, key).credits)
            except DoesNotExist:
                return 0
        raise KeyError(name)

    def holds(self, condition: d.Condition) -> bool:
        actual = self.value(condition.fact, condition.key)
        if actual is None:
            return condition.op == "ne"
        try:
            return bool(_COMPARE[condition.op](actual, condition.value))
        except TypeError:
            return False
