"""The access token every container shares (wechatpy's SessionStorage on DynamoDB)."""
from __future__ import annotations

import time
import uuid

from chalicelib import config
from chalicelib.store.roundtrips import counting
from chalicelib.wechat import AccessToken, AccessTokenStore, get_wechat


def test_a_token_set_by_one_container_is_read_by_another(dynamodb):
    key = uuid.uuid4().hex
    AccessTokenStore().set(key, "tok-1", 7200)

    assert AccessTokenStore().get(key) == "tok-1"


def test_a_warm_container_reads_the_token_from_memory(dynamodb):
    key, tokens = uuid.uuid4().hex, AccessTokenStore()
    tokens.set(key, "tok-2", 7200)

    with counting() as calls:
        assert tokens.get(key) == "tok-2"

    assert sum(calls.values()) == 0


def test_an_expired_token_is_not_served_though_ttl_has_not_deleted_it(dynamodb):
    key = uuid.uuid4().hex
    AccessToken(key, value="old", expires_at=int(time.time()) + 30).save()  # inside the refresh margin

    assert AccessTokenStore().get(key) is None


def test_a_rejected_token_is_replaced_by_the_one_another_container_fetched(dynamodb, sandbox):
    wechat = get_wechat()
    client = wechat._client
    client.fetch_access_token()
    mine = client.access_token
    fetched_before = sandbox.calls["/cgi-bin/token"]
    # Another container fetches a fresh one and shares it.
    AccessTokenStore().set(client.access_token_key, "sbx-from-elsewhere", 7200)

    client.fetch_access_token()  # what wechatpy does when WeChat rejects `mine`

    assert client.access_token == "sbx-from-elsewhere" != mine
    assert sandbox.calls["/cgi-bin/token"] == fetched_before  # no fetch that would log the others out


def test_login_round_trips_with_a_warm_token(dynamodb, sandbox):
    from chalicelib.auth import service
    from tests.conftest import fresh

    wechat, name = get_wechat(), "rt" + uuid.uuid4().hex[:8]
    service.login(fresh("demo", name), wechat=wechat, now=config.utcnow())

    with counting() as calls:
        service.login(fresh("demo", name), wechat=wechat, now=config.utcnow())

    assert sum(calls.values()) <= 2, calls
