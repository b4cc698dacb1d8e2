"""Which moment a journey's templates are asked at, and which three a user is asked for."""
from __future__ import annotations

import pytest

from chalicelib.journeys import moments, store


def doc(trigger: dict, templates: list[str], ask_at: str | None = None) -> store.Journey:
    steps = [{"type": "send", "id": f"s{i}", "template": t, "fields": {"thing1": {"text": "提醒"}}}
             for i, t in enumerate(templates)]
    body = {"name": "旅程", "trigger": trigger, "steps": steps, **({"askAt": ask_at} if ask_at else {})}
    return store.parse(body)


@pytest.mark.parametrize(("trigger", "moment"), [
    ({"kind": "fact", "fact": "order_paid"}, "after_pay"),
    ({"kind": "fact", "fact": "first_order"}, "after_pay"),
    ({"kind": "fact", "fact": "order_shipped"}, "after_pay"),
    ({"kind": "fact", "fact": "refund"}, "after_pay"),
    ({"kind": "fact", "fact": "order_cancelled"}, "after_pay"),
    ({"kind": "fact", "fact": "group_succeeded"}, "join_group"),
    ({"kind": "fact", "fact": "group_failed"}, "join_group"),
    ({"kind": "fact", "fact": "bargain_completed"}, "bargain"),
    ({"kind": "fact", "fact": "bargain_expired"}, "bargain"),
    ({"kind": "fact", "fact": "signup"}, "signup"),
    ({"kind": "fact", "fact": "tier_changed"}, "after_pay"),
    ({"kind": "event", "name": "view_item"}, "after_pay"),
    ({"kind": "inactive", "days": 7}, "after_pay"),
])
def test_a_journey_without_ask_at_is_asked_at_its_triggers_moment(trigger, moment):
    assert moments.moment_of(doc(trigger, ["t1"])) == moment


def test_ask_at_wins_over_the_trigger():
    assert moments.moment_of(doc({"kind": "fact", "fact": "order_paid"}, ["t1"], ask_at="checkin")) == "checkin"


def test_every_moment_of_the_document_is_one_the_route_takes():
    assert set(moments.MOMENTS) == set(moments._BY_FACT.values()) | {"checkin", "coupon"}


def test_the_fewest_credits_first_at_most_three_live_only(monkeypatch):
    live = [
        store.Live("a", 1, doc({"kind": "fact", "fact": "order_paid"}, ["t1", "t2"]), store.LIVE),
        store.Live("b", 1, doc({"kind": "fact", "fact": "first_order"}, ["t2", "t3", "t4"]), store.LIVE),
        store.Live("c", 1, doc({"kind": "fact", "fact": "order_paid"}, ["paused"]), store.PAUSED),
        store.Live("d", 1, doc({"kind": "fact", "fact": "group_failed"}, ["group"]), store.LIVE),
    ]
    monkeypatch.setattr(store, "live", lambda: live)

    assert moments.templates_at("after_pay") == ["t1", "t2", "t3", "t4"]
    assert moments.to_ask("after_pay", {}) == ["t1", "t2", "t3"]
    assert moments.to_ask("after_pay", {"t1": 3, "t2": 1}) == ["t3", "t4", "t2"]
    assert moments.to_ask("join_group", {"group": 9}) == ["group"]
    assert moments.to_ask("coupon", {}) == []
