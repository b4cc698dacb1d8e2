"""The test stack, in-process: moto (or DynamoDB Local for the conformance run) and the sandbox.

The environment is set here, before any test module imports ``chalicelib``: the models read
their table prefix and endpoint when their classes are built.

    pytest                                   # the fast suite, on moto
    HUILIU_TEST_DB=dynamodb-local pytest tests/integration   # the same storage tests on AWS's engine
"""
from __future__ import annotations

import io
import logging
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from devstack import dynamodb_local
from devstack.__main__ import LOCAL_ENV

BACKEND = os.environ.get("HUILIU_TEST_DB", "moto")
os.environ.update(LOCAL_ENV)
os.environ["HUILIU_TABLE_PREFIX"] = "huiliu-test-"
os.environ["HUILIU_WECHAT_AUTO_RETRY"] = "1"
os.environ.pop("HUILIU_SECRETS_ID", None)
if BACKEND == "dynamodb-local":
    _port = dynamodb_local.free_port()
    os.environ["HUILIU_DYNAMODB_ENDPOINT"] = f"http://127.0.0.1:{_port}"
else:
    os.environ.pop("HUILIU_DYNAMODB_ENDPOINT", None)


@pytest.fixture(scope="session", autouse=True)
def dynamodb() -> Iterator[str]:
    """Every table and the fan-out queue, created once per session; tests use unique ids
    instead of cleaning up. On DynamoDB Local the queue is on a moto server of its own."""
    from infra import queues
    from infra.seed import seed
    from infra.tables import create_all

    if BACKEND == "dynamodb-local":
        from moto.server import ThreadedMotoServer

        process = dynamodb_local.start(_port)
        sqs_port = dynamodb_local.free_port()
        sqs = ThreadedMotoServer(ip_address="127.0.0.1", port=sqs_port, verbose=False)
        sqs.start()
        os.environ["HUILIU_SQS_ENDPOINT"] = f"http://127.0.0.1:{sqs_port}"
        try:
            create_all()
            seed()
            os.environ["HUILIU_QUEUE_URL"] = queues.create()
            yield BACKEND
        finally:
            sqs.stop()
            dynamodb_local.stop(process)
    else:
        from moto import mock_aws

        from devstack import moto_transactions

        moto_transactions.install()
        os.environ.pop("HUILIU_SQS_ENDPOINT", None)
        with mock_aws():
            create_all()
            seed()
            os.environ["HUILIU_QUEUE_URL"] = queues.create()
            yield BACKEND


@pytest.fixture
def queue(dynamodb, monkeypatch) -> Iterator[str]:
    """A fan-out queue of the test's own (a 2-second visibility timeout, so a page a killed
    worker held comes back quickly), with the app pointed at it."""
    from chalicelib.fanout import queue as sqs
    from infra import queues

    url = queues.create(f"huiliu-test-{uuid.uuid4().hex[:12]}", visibility=2)
    monkeypatch.setenv("HUILIU_QUEUE_URL", url)
    sqs.forget()
    yield url
    sqs.forget()


@pytest.fixture(scope="session")
def sandbox_server():
    from devstack.wechat_sandbox import Sandbox, serve

    sandbox = Sandbox(appid=LOCAL_ENV["HUILIU_WECHAT_APPID"], secret=LOCAL_ENV["HUILIU_WECHAT_SECRET"])
    server, url = serve(sandbox)
    os.environ["HUILIU_WECHAT_API_BASE"] = url
    yield sandbox
    server.shutdown()


@pytest.fixture
def sandbox(sandbox_server):
    """The WeChat sandbox, with the app's settings and WeChat client pointed at it."""
    from chalicelib import config, wechat

    config.settings.cache_clear()
    wechat.get_wechat.cache_clear()
    sandbox_server.busy_rate = 0.0
    sandbox_server.send_quota = None
    return sandbox_server


@pytest.fixture
def name() -> str:
    """A sandbox user nobody else in the session uses."""
    return "t" + uuid.uuid4().hex[:10]


@contextmanager
def captured_logs() -> Iterator[io.StringIO]:
    """What the app logs, as the Lambda runtime would print it (JSON lines), into a buffer."""
    from chalicelib import logs

    stream = io.StringIO()
    root = logging.getLogger()
    saved = root.handlers[:]
    root.handlers = [logging.StreamHandler(stream)]
    try:
        logs.configure()
        yield stream
    finally:
        root.handlers = saved


def fresh(kind: str, name: str) -> str:
    """A one-time WeChat code (see devstack/wechat_sandbox.py)."""
    return f"{kind}:{name}:{uuid.uuid4().hex[:8]}"
