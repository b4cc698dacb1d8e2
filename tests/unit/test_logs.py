from __future__ import annotations

import json
import logging

from chalicelib import logs
from tests.conftest import captured_logs


def capture(*args, **extra) -> dict:
    with captured_logs() as stream:
        token = logs.request_id.set("req-1")
        logging.getLogger("tests.logs").warning(*args, extra=extra)
        logs.request_id.reset(token)
    return json.loads(stream.getvalue())


def test_one_json_object_a_line_with_the_request_id():
    line = capture("hello %s", "world", ms=3)

    assert line["message"] == "hello world" and line["request_id"] == "req-1" and line["ms"] == 3
    assert line["level"] == "WARNING" and line["logger"] == "tests.logs"


def test_phone_numbers_and_secrets_never_reach_a_line():
    line = capture("user 13812345678 called ?secret=abc&access_token=xyz", url="https://x/?appid=1&secret=topsecret")

    text = json.dumps(line)
    assert "13812345678" not in text and "abc" not in text and "xyz" not in text and "topsecret" not in text
    assert "appid=1" in text


def test_library_loggers_that_dump_items_are_held_at_warning():
    logs.configure()

    assert logging.getLogger("pynamodb").getEffectiveLevel() >= logging.WARNING
    assert logging.getLogger("wechatpy").getEffectiveLevel() >= logging.WARNING


def test_every_request_gets_an_access_line():
    from chalice.test import Client

    import app

    with captured_logs() as stream, Client(app.app, stage_name="local") as client:
        client.http.get("/products/" + "x" * 100)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    access = [line for line in lines if line["message"] == "request"]
    assert len(access) == 1
    assert access[0]["status"] == 404 and access[0]["path"] == "/products/{product_id}" and access[0]["request_id"]
