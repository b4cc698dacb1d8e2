"""The default journeys are documents every check passes, on the sandbox's templates, with
values WeChat would take for each field, whatever the fact carried."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from chalicelib.journeys import defaults, document, fields, moments, store
from devstack.wechat_sandbox import TEMPLATES

NOW = datetime(2028, 2, 1, 2, tzinfo=timezone.utc)


class NoFacts:
    def value(self, name: str) -> None:
        return None


@pytest.mark.parametrize("default", defaults.DEFAULTS, ids=lambda d: d.name)
def test_every_default_parses_and_sends_only_sandbox_templates(default):
    doc = store.parse(default.body)
    assert document.problems(doc) == []
    assert set(document.templates(doc)) <= set(TEMPLATES)
    assert document.marketing(doc) is default.marketing
    assert default.journey_id.startswith("builtin-") and len(doc.name) <= 40


@pytest.mark.parametrize("default", defaults.DEFAULTS, ids=lambda d: d.name)
@pytest.mark.parametrize("context", [
    {"orderId": "o-20280201-0001", "amount": 12800, "productName": "明前龙井 250g 礼盒装（特级）", "paidAt": "2028-02-01T02:00:00Z"},
    {"orderId": "o-1", "amount": 0, "paidAt": "2028-02-01T02:00:00+00:00"},  # what every order_paid carries
])
def test_every_send_renders_values_wechat_takes(default, context):
    doc = store.parse(default.body)
    for step in doc.steps:
        if isinstance(step, document.Send):
            rendered = fields.render(step.fields, user=NoFacts(), context=context, coupon=None, journey=doc.name,
                                     now=NOW)
            assert all(document.value_problem(k, v) is None for k, v in rendered.items()), rendered


def test_a_notice_without_the_optional_props_falls_back():
    doc = store.parse(defaults.by_name("order-shipped").body)
    [step] = doc.steps
    rendered = fields.render(step.fields, user=NoFacts(), context={"orderId": "o-9"}, coupon=None, journey=doc.name,
                             now=NOW)
    assert rendered["thing2"] == "您购买的商品" and rendered["character_string1"] == "o-9"


def test_service_notices_are_not_marketing_hold_no_one_out_and_every_order_gets_one():
    notices = [d for d in defaults.DEFAULTS if not d.marketing]
    assert {d.name for d in notices} == {"order-paid", "order-shipped", "group-succeeded", "group-failed",
                                          "bargain-completed"}
    for d in notices:
        doc = store.parse(d.body)
        assert (doc.entry.holdout_percent, doc.entry.every_days, doc.entry.once) == (0, 0, False)


def test_the_defaults_are_asked_for_where_their_facts_happen():
    asked = {d.name: moments.moment_of(store.parse(d.body)) for d in defaults.DEFAULTS}
    assert asked == {"order-paid": "after_pay", "order-shipped": "after_pay", "group-succeeded": "join_group",
                     "group-failed": "join_group", "bargain-completed": "bargain", "new-user": "after_pay",
                     "review-cashback": "after_pay", "order-recovery": "after_pay"}


def test_names_and_ids_are_unique():
    assert len({d.name for d in defaults.DEFAULTS}) == len({d.journey_id for d in defaults.DEFAULTS}) == \
        len(defaults.DEFAULTS)
