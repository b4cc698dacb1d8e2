"""What every benchmark runs on: DynamoDB Local on a free port with the local stage's settings
(tables prefixed ``huiliu-bench-``), and the WeChat sandbox in-process."""
from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def dynamodb_local(*, log_level: str = "WARNING", env: dict[str, str] | None = None) -> Iterator[None]:
    """The app's settings pointed at a DynamoDB Local of its own, stopped on the way out.
    ``env`` adds settings (another service's endpoint) before anything reads them."""
    from devstack import dynamodb_local as engine
    from devstack.__main__ import LOCAL_ENV

    port = engine.free_port()
    os.environ.update(LOCAL_ENV)
    os.environ.update({"HUILIU_TABLE_PREFIX": "huiliu-bench-", "HUILIU_LOG_LEVEL": log_level,
                       "HUILIU_DYNAMODB_ENDPOINT": f"http://127.0.0.1:{port}", **(env or {})})
    process = engine.start(port)
    try:
        yield
    finally:
        engine.stop(process)


@contextmanager
def wechat_sandbox() -> Iterator[Any]:
    """The sandbox, serving the app's WeChat calls (``HUILIU_WECHAT_API_BASE``) until the end."""
    from devstack.__main__ import LOCAL_ENV
    from devstack.wechat_sandbox import Sandbox, serve

    sandbox = Sandbox(appid=LOCAL_ENV["HUILIU_WECHAT_APPID"], secret=LOCAL_ENV["HUILIU_WECHAT_SECRET"])
    server, url = serve(sandbox)
    os.environ["HUILIU_WECHAT_API_BASE"] = url
    try:
        yield sandbox
    finally:
        server.shutdown()


@contextmanager
def fanout_stack() -> Iterator[Any]:
    """DynamoDB Local with the tables made and the demo seed, a queue on a moto SQS server, and the
    sandbox: what a fanned-out job runs on. Yields the sandbox."""
    import logging

    from moto.server import ThreadedMotoServer

    from devstack.dynamodb_local import free_port

    sqs_port = free_port()
    sqs = ThreadedMotoServer(ip_address="127.0.0.1", port=sqs_port, verbose=False)
    sqs.start()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # a line per SQS request otherwise
    try:
        with dynamodb_local(env={"HUILIU_SQS_ENDPOINT": f"http://127.0.0.1:{sqs_port}"}), wechat_sandbox() as sandbox:
            from infra import queues
            from infra.seed import seed
            from infra.tables import create_all

            create_all()
            seed()
            os.environ["HUILIU_QUEUE_URL"] = queues.create()
            yield sandbox
    finally:
        sqs.stop()
