"""Which subscribe templates the mini-program asks for at a moment: the live journeys' send steps
there (their ``askAt``, or their trigger's moment), the ones the user holds the fewest credits for
first, at most 3."""
from __future__ import annotations

import uuid

import pytest

from chalicelib import config
from chalicelib.journeys import moments, store
from chalicelib.wakeup.models import Consent


def _publish(doc: dict) -> str:
    journey_id = "jm" + uuid.uuid4().hex[:10]
    now = config.utcnow()
    head = store.save(journey_id, doc, now=now, by="test", expected=None)
    store.publish(journey_id, int(head.version), now=now, by="test")
    store.forget_cache()
    return journey_id


def _send(step_id: str, template: str) -> dict:
    return {"type": "send", "id": step_id, "template": template, "fields": {"thing1": {"text": "提醒"}}}


@pytest.fixture
def published():
    """The journeys a test publishes, paused after it: other tests' facts must not enter them."""
    ids: list[str] = []
    yield ids
    for journey_id in ids:
        store.set_status(journey_id, store.PAUSED, now=config.utcnow(), by="test")
    store.forget_cache()


def test_a_moment_answers_the_live_journeys_templates_fewest_credits_first_at_most_three(api, name, published):
    login = api.login(name)
    user, token = login["user"]["id"], login["token"]
    tag = uuid.uuid4().hex[:6]
    held, fresh_one, other, fourth = (f"tpl_{tag}_{n}" for n in ("held", "new", "other", "fourth"))
    published.append(_publish({
        "name": "签到提醒测试", "trigger": {"kind": "event", "name": f"e_{tag}"}, "askAt": "checkin",
        "steps": [_send("a", held), _send("b", fresh_one), _send("c", other), _send("d", fourth)]}))
    # Not asked at check-in: its trigger's moment is join_group, and a draft is not asked for at all.
    published.append(_publish({"name": "拼团结果测试", "trigger": {"kind": "fact", "fact": "group_succeeded"},
                               "steps": [_send("a", f"tpl_{tag}_group")]}))
    store.save("jd" + tag, {"name": "草稿", "trigger": {"kind": "event", "name": "x"}, "askAt": "checkin",
                            "steps": [_send("a", f"tpl_{tag}_draft")]}, now=config.utcnow(), by="test", expected=None)
    store.forget_cache()
    Consent(user, held).update(actions=[Consent.credits.add(2), Consent.last_answer.set("accept")])

    answer = api.call("GET", "/subscribe/moments?moment=checkin", token=token)

    assert answer.status_code == 200, answer.body
    assert answer.json["moment"] == "checkin"
    got = answer.json["templates"]
    assert len(got) <= 3 and held not in got  # four asked for; the one already held goes last, past the three
    mine = [t for t in got if t.startswith(f"tpl_{tag}")]
    assert mine == [fresh_one, other, fourth][:len(mine)] and mine  # the step order among equals
    assert f"tpl_{tag}_draft" not in got and f"tpl_{tag}_group" not in got
    group = api.call("GET", "/subscribe/moments?moment=join_group", token=token).json["templates"]
    assert f"tpl_{tag}_group" in moments.templates_at("join_group") and len(group) <= 3


@pytest.mark.parametrize("query", ["", "?moment=", "?moment=after-pay", "?moment=AFTER_PAY"])
def test_a_moment_that_is_not_one_is_422(api, name, query):
    token = api.login(name)["token"]
    answer = api.call("GET", "/subscribe/moments" + query, token=token)
    assert answer.status_code == 422 and answer.json["error"]["code"] == "VALIDATION_FAILED"


def test_moments_need_a_session(api):
    assert api.call("GET", "/subscribe/moments?moment=after_pay").status_code == 401
