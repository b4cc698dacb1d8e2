"""Bargain guarantees under racing helpers, and the caps."""
from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest

from chalicelib import config, errors
from chalicelib.bargain import service as bargain
from chalicelib.bargain.models import Help
from chalicelib.store.roundtrips import counting
from tests.integration.helpers import race, uid


def campaign(**overrides) -> str:
    now = config.utcnow()
    spec = {"campaign_id": uid("c-"), "name": "test bargain", "product_id": "p-longjing", "original_price": 12800,
            "floor_price": 100, "helpers": 10, "starts_at": now - timedelta(days=1), "ends_at": now + timedelta(days=9),
            "helper_daily_cap": 50, **overrides}
    return bargain.create_campaign(bargain.CampaignSpec(**spec)).campaign_id


def started(**overrides) -> bargain.Bargain:
    return bargain.start(uid(), campaign(**overrides), idempotency_key=None, now=config.utcnow())


def test_fifty_racing_helpers_take_exactly_the_ten_cuts_down_to_the_floor(dynamodb):
    b = started()

    results = race(50, lambda i: bargain.give_help(f"h{i}-{b.bargain_id}", b.bargain_id, nickname=None,
                                                   avatar_url=None, now=config.utcnow()), workers=25)

    helped = [r for r in results if isinstance(r, bargain.Helped)]
    assert len(helped) == 10 and sum(h.amount for h in helped) == 12800 - 100
    assert Counter(type(r).__name__ for r in results if not isinstance(r, bargain.Helped)) == {"BargainClosed": 40}
    card = bargain.card(b.bargain_id, now=config.utcnow())
    assert card.price == 100 and card.state == bargain.COMPLETE
    helpers = [h.helper_id for h in Help.query(b.bargain_id)]
    assert len(helpers) == len(set(helpers)) == 10
    assert sorted(int(h.first_cut) for h in Help.query(b.bargain_id)) == list(range(10))


def test_one_help_per_friend_never_ones_own_and_a_daily_cap(dynamodb):
    b = started(helper_daily_cap=2)
    friend, now = uid(), config.utcnow()
    bargain.give_help(friend, b.bargain_id, nickname=None, avatar_url=None, now=now)

    with pytest.raises(errors.BargainAlreadyHelped):
        bargain.give_help(friend, b.bargain_id, nickname=None, avatar_url=None, now=now)
    with pytest.raises(errors.BargainSelfHelp):
        bargain.give_help(b.owner_id, b.bargain_id, nickname=None, avatar_url=None, now=now)
    other = started(helper_daily_cap=2)
    bargain.give_help(friend, other.bargain_id, nickname=None, avatar_url=None, now=now)
    with pytest.raises(errors.BargainHelpCapReached):
        bargain.give_help(friend, started(helper_daily_cap=2).bargain_id, nickname=None, avatar_url=None, now=now)


def test_no_help_after_the_deadline(dynamodb):
    b = started(duration_minutes=60)

    with pytest.raises(errors.BargainClosed):
        bargain.give_help(uid(), b.bargain_id, nickname=None, avatar_url=None, now=config.utcnow() + timedelta(hours=2))


def test_a_new_customer_cuts_twice_where_the_campaign_says_so(dynamodb):
    b = started(new_user_bonus=True)

    h = bargain.give_help(uid(), b.bargain_id, nickname=None, avatar_url=None, now=config.utcnow())

    assert h.cuts == 2 and h.amount == sum(int(c) for c in b.cuts[:2])


def test_help_costs_at_most_three_round_trips(dynamodb):
    b = started(new_user_bonus=True)

    with counting() as calls:
        bargain.give_help(uid(), b.bargain_id, nickname="朋友", avatar_url=None, now=config.utcnow())

    assert sum(calls.values()) <= 3, calls


def test_buying_locks_the_price_and_the_order_consumes_it_once(dynamodb):
    b = started(helpers=1, buy_at_current=False)
    with pytest.raises(errors.BargainNotBuyable):
        bargain.buy(b.owner_id, b.bargain_id, now=config.utcnow())
    bargain.give_help(uid(), b.bargain_id, nickname=None, avatar_url=None, now=config.utcnow())

    locked = bargain.buy(b.owner_id, b.bargain_id, now=config.utcnow())
    bought = bargain.purchased(b.bargain_id, "mo-1")
    again = bargain.purchased(b.bargain_id, "mo-1")

    assert int(locked.lock_price) == 100 and bought.state == again.state == bargain.PURCHASED
    with pytest.raises(errors.BargainNotBuyable):
        bargain.release(b.bargain_id, "mo-1")
