"""The default journeys installed: idempotent, a half-done install finished, and an order paid
fact leading to the order-paid notice through the tick and the workers."""
from __future__ import annotations

import dataclasses
import os
import uuid
from datetime import datetime, timezone

import pytest

from chalicelib.journeys import defaults, facts, store
from chalicelib.wakeup.models import Consent
from infra import journeys as journeys_cli
from tests.integration.journey_helpers import person, tick

NOW = datetime(2028, 3, 1, 2, tzinfo=timezone.utc)  # 10:00 in China


@pytest.fixture(autouse=True)
def _own_queue(queue):
    """No page of another test's can reach these workers."""


def consent(sandbox, user_id: str, template: str, credits: int = 1) -> None:
    wx = sandbox.user(user_id.removeprefix("u-"))
    Consent(user_id, template).update(actions=[Consent.credits.add(credits), Consent.last_answer.set("accept"),
                                               Consent.openid.set(wx.openid), Consent.updated_at.set(NOW)])
    sandbox.consent[(wx.openid, template)] += credits


def test_install_leaves_what_exists_and_marks_each_built_in(dynamodb):
    first = defaults.install(now=NOW, marketing_live=True)  # the seed installed them already
    again = defaults.install(now=NOW, marketing_live=True)

    assert set(first) == {d.name for d in defaults.DEFAULTS} and set(again.values()) == {"left"}
    for d in defaults.DEFAULTS:
        head = store.head(d.journey_id)
        assert head.built_in == d.name and head.status == store.LIVE


def test_the_command_installs_on_the_stage_it_names(dynamodb, monkeypatch, capsys):
    for name in ("HUILIU_STAGE", "HUILIU_TABLE_PREFIX", "HUILIU_DYNAMODB_ENDPOINT"):
        monkeypatch.setenv(name, os.environ.get(name, ""))  # restored after: the command sets them
    assert journeys_cli.main(["install", "--stage", "local", "--only", "order-paid", "group-failed"]) == 0
    assert capsys.readouterr().out.splitlines() == ["order-paid: left", "group-failed: left"]
    with pytest.raises(SystemExit):
        journeys_cli.main(["install", "--stage", "staging"])


def test_a_deployed_install_publishes_the_notices_and_leaves_the_marketing_chains_drafts(dynamodb, monkeypatch):
    tag = uuid.uuid4().hex[:8]
    copies = tuple(dataclasses.replace(d, journey_id=f"{d.journey_id}-{tag}") for d in defaults.DEFAULTS)
    monkeypatch.setattr(defaults, "DEFAULTS", copies)

    done = defaults.install(now=NOW, marketing_live=False)

    assert set(done.values()) == {"installed"}
    for d in copies:
        head = store.head(d.journey_id)
        assert head.status == (store.DRAFT if d.marketing else store.LIVE), d.name
        assert int(head.version) == 1 and head.built_in == d.name
    # Later, with --marketing-live: the chains nobody touched go live; one an operator edited stays.
    edited = next(d for d in copies if d.name == "review-cashback")
    store.save(edited.journey_id, {**edited.body, "name": "晒单返现（改）"}, now=NOW, by="op", expected=1)
    later = defaults.install(now=NOW, marketing_live=True)
    assert later["new-user"] == later["order-recovery"] == "published" and later["review-cashback"] == "left"
    assert later["order-paid"] == "left"
    assert store.head(edited.journey_id).status == store.DRAFT
    for d in copies:  # leave nothing live for other tests' facts to enter
        if store.head(d.journey_id).live_version is not None:
            store.set_status(d.journey_id, store.PAUSED, now=NOW, by="test")
    store.forget_cache()


def test_an_order_paid_fact_sends_the_order_paid_notice_once(dynamodb, sandbox):
    defaults.install(now=NOW, marketing_live=True)
    store.forget_cache()
    user = person(sandbox, NOW, credits=0)
    consent(sandbox, user, "tpl_order_paid")
    order = "o-" + uuid.uuid4().hex[:10]
    facts.server(user, "order_paid", order, now=NOW, props={"orderId": order, "amount": 12850,
                                                            "paidAt": NOW.isoformat()})

    tick(NOW)
    tick(NOW)  # the same minutes again: nothing more

    sent = [m for m in sandbox.messages if m["user"] == user.removeprefix("u-")]
    assert [m["template_id"] for m in sent] == ["tpl_order_paid"]
    data = {k: v["value"] for k, v in sent[0]["data"].items()}
    assert data == {"character_string1": order, "amount2": "¥128.50", "time3": "2028年3月1日 10:00",
                    "thing4": "商家正在备货，请耐心等待"}
