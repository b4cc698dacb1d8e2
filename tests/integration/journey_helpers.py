"""For the journey tests: a published journey of the test's own, users with consent, and the
scheduled tick followed by the workers, on the test's clock."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from chalicelib import fanout, jobs
from chalicelib.auth.models import User
from chalicelib.config import china_day
from chalicelib.events.models import Activity
from chalicelib.journeys import facts, runs, store
from chalicelib.journeys.models import Progress
from chalicelib.wakeup.models import Consent

TEMPLATE = "tpl_benefit_arrived"


def unique(prefix: str = "j") -> str:
    return f"{prefix}{uuid.uuid4().hex[:10]}"


def publish(doc: dict[str, Any], now: datetime, journey_id: str | None = None) -> str:
    journey_id = journey_id or unique()
    h = store.save(journey_id, doc, now=now, by="test", expected=None)
    store.publish(journey_id, int(h.version), now=now, by="test")
    store.forget_cache()
    return journey_id


def send(step_id: str, text: str = "您的专属福利已到账", **extra: Any) -> dict[str, Any]:
    return {"type": "send", "id": step_id, "template": TEMPLATE, "fields": {"thing1": {"text": text}}, **extra}


def on_event(name: str, steps: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"name": "测试旅程", "trigger": {"kind": "event", "name": name}, "steps": steps,
            "entry": {"holdoutPercent": 0}, **extra}


def person(sandbox, now: datetime, *, credits: int = 3, idle_days: int = 0) -> str:
    name = "j" + uuid.uuid4().hex[:10]
    user_id = "u-" + name
    wx = sandbox.user(name)
    account(user_id, wx.openid, now)
    last = (china_day(now) - timedelta(days=idle_days)).isoformat()
    Activity(user_id, first_seen_day="2029-01-01", last_active_day=last, active_day_set={last},
             openid=wx.openid).save()
    if credits:
        Consent(user_id, TEMPLATE).update(actions=[
            Consent.credits.add(credits), Consent.last_answer.set("accept"), Consent.openid.set(wx.openid),
            Consent.updated_at.set(now)])
        sandbox.consent[(wx.openid, TEMPLATE)] += credits
    return user_id


def account(user_id: str, openid: str, now: datetime) -> None:
    """The user's account: a journey admits only a user whose account is there and not being erased."""
    User(user_id, openid=openid, session_key="test-session-key", first_seen=now, last_active=now).save()


def happen(user_id: str, name: str, now: datetime, **props: Any) -> None:
    facts.event(user_id, name, uuid.uuid4().hex, now=now, props=props)


def tick(now: datetime) -> fanout.Summary:
    """The tick a few minutes after ``now`` (what was recorded at ``now`` is read), reading from
    just before ``now`` whatever another test's clock left its checkpoint at; then the workers."""
    clock = now + timedelta(minutes=3)
    jobs.JobCursor("journeys-tick", cursor=facts.minute(now - timedelta(minutes=5)), updated_at=now).save()
    runs.tick(now=clock)
    return fanout.drain(now=clock)


def later(now: datetime, **delta: Any) -> datetime:
    return now + timedelta(**delta)


def progress(user_id: str, journey_id: str) -> list[Progress]:
    return [p for p in Progress.query(user_id) if p.journey_id == journey_id]


def texts(sandbox, user_id: str) -> list[str]:
    return [m["data"]["thing1"]["value"] for m in sandbox.messages if m["user"] == user_id.removeprefix("u-")]
