"""Who would enter a journey today, counted before it is published: a timed trigger's candidates
are today's slice of its index (exact, one COUNT query a slice); a fact's, yesterday's facts of
that name (``by_name_day``); an event is counted only once some published journey watches it."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from chalicelib.config import china_day
from chalicelib.events.models import Activity
from chalicelib.journeys import document as d
from chalicelib.journeys.models import Fact


def would_enter(doc: d.Journey, *, now: datetime) -> dict[str, Any]:
    today = china_day(now)
    t = doc.trigger
    if isinstance(t, d.TIMED):
        from chalicelib.journeys.runs import candidates

        _, slices = candidates(t, now, 0)
        index = {d.Inactive: Activity.by_last_active, d.CartLeft: Activity.by_cart_hour,
                 d.SinceLastOrder: Activity.by_last_order, d.SinceFirstOrder: Activity.by_first_order}[type(t)]
        return {"count": sum(index.count(part.anchor) for part in slices), "basis": "index",
                "day": today.isoformat()}
    yesterday = (today - timedelta(days=1)).isoformat()
    name = f"fact:{t.fact}" if isinstance(t, d.OnFact) else f"event:{t.name}" if isinstance(t, d.OnEvent) else None
    if name is None:
        return {"count": None, "basis": "unknown", "day": yesterday}
    count = Fact.by_name_day.count(f"{name}#{yesterday}")
    if isinstance(t, d.OnEvent) and not count:
        return {"count": None, "basis": "unknown", "day": yesterday}
    return {"count": count, "basis": "facts", "day": yesterday}
