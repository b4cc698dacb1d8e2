"""Operators' campaigns on storage: edits under a version, what a live campaign refuses, and a
pause or an end honoured by the user side through the condition in its own transaction."""
from __future__ import annotations

import threading
from datetime import timedelta

import msgspec
import pytest

from chalicelib import config, errors
from chalicelib.bargain import service as bargain
from chalicelib.campaigns import service as campaigns
from chalicelib.groupbuy import service as gb
from chalicelib.store.roundtrips import counting
from tests.conftest import BACKEND
from tests.integration.helpers import race, uid
from tests.integration.test_bargain import campaign
from tests.integration.test_groupbuy import activity, join, opened

GB, BG = campaigns.GROUPBUY, campaigns.BARGAIN


def now():
    return config.utcnow()


def test_a_live_activity_takes_only_safe_edits_each_under_the_version_it_was_made_on(dynamodb):
    aid = activity(stock=5, per_user_limit=2)
    a = campaigns.edit(GB, aid, {"name": "新名字", "add_stock": 3, "per_user_limit": 3,
                                 "ends_at": now() + timedelta(days=20)}, expected=0, key=None, now=now())
    assert (a.name, int(a.stock), int(a.per_user_limit), int(a.version)) == ("新名字", 8, 3, 1)

    with pytest.raises(errors.CampaignVersionStale):  # a second operator's form, read at version 0
        campaigns.edit(GB, aid, {"name": "别的名字"}, expected=0, key=None, now=now())
    with pytest.raises(errors.CampaignEditUnsafe) as refused:
        campaigns.edit(GB, aid, {"group_price": 9900, "per_user_limit": 1, "ends_at": now() + timedelta(days=1)},
                       expected=1, key=None, now=now())
    assert all(f in refused.value.message for f in ("groupPrice", "perUserLimit", "endsAt"))
    assert refused.value.message.startswith("活动已开始")
    assert campaigns.get(GB, aid).name == "新名字" and int(campaigns.get(GB, aid).version) == 1


def test_before_its_start_everything_may_change_and_is_checked_as_a_whole(dynamodb):
    aid = activity(starts_at=now() + timedelta(days=1), stock=None)
    a = campaigns.edit(GB, aid, {"group_price": 9900, "size": 4, "stock": 10}, expected=0, key=None, now=now())
    assert (int(a.group_price), int(a.size), int(a.stock)) == (9900, 4, 10)
    with pytest.raises(errors.ValidationFailed) as wrong:
        campaigns.edit(GB, aid, {"group_price": 30000}, expected=1, key=None, now=now())
    assert "groupPrice" in wrong.value.message
    with pytest.raises(errors.CampaignEditUnsafe):  # an end in the past is no edit
        campaigns.edit(GB, aid, {"ends_at": now() - timedelta(minutes=1)}, expected=1, key=None, now=now())


def test_an_edit_replayed_with_its_idempotency_key_answers_it_once(dynamodb):
    aid = activity(stock=5)
    first = campaigns.edit(GB, aid, {"add_stock": 2}, expected=0, key="k-1", now=now())
    again = campaigns.edit(GB, aid, {"add_stock": 2}, expected=0, key="k-1", now=now())
    assert int(first.stock) == int(again.stock) == 7 == int(campaigns.get(GB, aid).stock)
    with pytest.raises(errors.CampaignVersionStale):  # another key on the old version is another edit
        campaigns.edit(GB, aid, {"add_stock": 2}, expected=0, key="k-2", now=now())


def test_a_paused_activity_refuses_opening_and_joining_and_resumes(dynamodb):
    aid = activity()
    g = opened(aid).group
    campaigns.pause(GB, aid, now=now())
    assert campaigns.to_json(GB, campaigns.get(GB, aid), now())["state"] == "paused"
    with pytest.raises(errors.GroupbuyUnavailable):
        opened(aid)
    with pytest.raises(errors.GroupbuyUnavailable):
        join(g.group_id)
    assert aid not in [a.activity_id for a in gb.activities(now=now())]
    campaigns.resume(GB, aid, now=now())
    join(g.group_id)
    assert int(gb.group(g.group_id).reserved) == 2


def test_the_join_transaction_itself_refuses_after_a_pause_written_since_its_read(dynamodb):
    """The pause lands between what join reads (the group) and its transaction: the condition on
    the activity item, not a read in Python, refuses it."""
    aid = activity()
    g = opened(aid).group
    real_run = gb.run

    def pause_first(build):
        campaigns.pause(GB, aid, now=now())
        return real_run(build)

    gb.run = pause_first
    try:
        with pytest.raises(errors.GroupbuyUnavailable):
            join(g.group_id)
    finally:
        gb.run = real_run
    assert int(gb.group(g.group_id).reserved) == 1


def test_an_ended_activity_is_final_and_its_figures_count_groups(dynamodb):
    aid = activity(size=2, stock=3)
    leader = opened(aid)
    member = join(leader.group.group_id)
    gb.pay(leader.order_ref, "mo-a", now=now())
    gb.pay(member.order_ref, "mo-b", now=now())
    other = opened(aid).group
    shown = campaigns.to_json(GB, campaigns.get(GB, aid), now())
    assert (shown["opened"], shown["succeeded"], shown["stockLeft"], shown["state"]) == (2, 1, 1, "live")

    ended = campaigns.end(GB, aid, now=now())
    assert campaigns.end(GB, aid, now=now()).ended_at == ended.ended_at  # ending again changes nothing
    with pytest.raises(errors.GroupbuyUnavailable):
        join(other.group_id)
    for change in (lambda: campaigns.pause(GB, aid, now=now()),
                   lambda: campaigns.edit(GB, aid, {"name": "x"}, expected=int(ended.version), key=None, now=now())):
        with pytest.raises(errors.CampaignEnded):
            change()
    assert campaigns.to_json(GB, campaigns.get(GB, aid), now())["state"] == "ended"


def test_a_paused_bargain_campaign_refuses_start_help_and_buy(dynamodb):
    cid = campaign(helpers=2, buy_at_current=True)
    b = bargain.start(uid(), cid, idempotency_key=None, now=now())
    campaigns.pause(BG, cid, now=now())
    for refused in (lambda: bargain.start(uid(), cid, idempotency_key=None, now=now()),
                    lambda: bargain.give_help(uid(), b.bargain_id, nickname=None, avatar_url=None, now=now()),
                    lambda: bargain.buy(b.owner_id, b.bargain_id, now=now())):
        with pytest.raises(errors.BargainUnavailable):
            refused()
    campaigns.resume(BG, cid, now=now())
    bargain.give_help(uid(), b.bargain_id, nickname=None, avatar_url=None, now=now())
    bargain.buy(b.owner_id, b.bargain_id, now=now())
    bargain.purchased(b.bargain_id, "mo-1")
    bargain.purchased(b.bargain_id, "mo-1")  # a resent report counts once
    shown = campaigns.to_json(BG, campaigns.get(BG, cid), now())
    assert (shown["started"], shown["bought"]) == (1, 1)


def test_a_bargain_campaign_refuses_what_would_change_live_bargains(dynamodb):
    cid = campaign()
    with pytest.raises(errors.CampaignEditUnsafe) as refused:
        campaigns.edit(BG, cid, {"floor_price": 1, "helpers": 3}, expected=0, key=None, now=now())
    assert "floorPrice" in refused.value.message and "helpers" in refused.value.message
    c = campaigns.edit(BG, cid, {"name": "春茶砍价", "per_user_limit": 2}, expected=0, key=None, now=now())
    assert (c.name, int(c.per_user_limit), int(c.version)) == ("春茶砍价", 2, 1)


def test_the_same_create_again_is_a_replay_and_another_is_a_conflict(dynamodb):
    spec = gb.ActivitySpec(activity_id=uid("a-"), name="n", product_id="p", original_price=200, group_price=100,
                           size=2, starts_at=now(), ends_at=now() + timedelta(days=1))
    assert gb.create_activity(spec).activity_id == gb.create_activity(spec).activity_id
    with pytest.raises(errors.CampaignExists):
        gb.create_activity(msgspec.structs.replace(spec, name="other"))


def test_join_and_open_keep_their_round_trips_with_the_condition(dynamodb):
    aid = activity()
    with counting() as open_calls:
        g = opened(aid).group
    with counting() as join_calls:
        join(g.group_id)
    assert sum(open_calls.values()) <= 2, open_calls
    assert sum(join_calls.values()) <= 3, join_calls


@pytest.mark.skipif(BACKEND != "dynamodb-local", reason="a real race needs DynamoDB Local")
def test_no_join_is_accepted_after_the_pause_is_acknowledged(dynamodb):
    """Joiners race a pause: every join that succeeds committed before the pause's write
    returned; none that started after it succeeds."""
    aid = activity(size=10, per_user_limit=50)
    groups = [opened(aid).group.group_id for _ in range(6)]
    acknowledged = threading.Event()
    late_accepted = []

    def attempt(i: int):
        after = acknowledged.is_set()
        try:
            seat = join(groups[i % len(groups)])
        except errors.AppError as exc:
            return exc
        if after:
            late_accepted.append(seat)
        return seat

    def pause_midway(i: int):
        if i == 20:
            campaigns.pause(GB, aid, now=now())
            acknowledged.set()
            return "paused"
        return attempt(i)

    results = race(48, pause_midway, workers=12)
    assert "paused" in results and not late_accepted
    assert any(isinstance(r, gb.Seat) for r in results)  # the joins before it went through
    refused = [r for r in results if isinstance(r, errors.AppError)]
    assert refused and all(isinstance(r, (errors.GroupbuyUnavailable, errors.GroupFull, errors.StorageUnavailable))
                       for r in refused)
    with pytest.raises(errors.GroupbuyUnavailable):
        join(groups[0])
