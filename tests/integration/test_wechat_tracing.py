"""WeChat's calls, over urllib3, are X-Ray subsegments of their own (botocore's patch sees none)."""
from __future__ import annotations

import contextlib

from chalicelib import tracing
from chalicelib.wechat import get_wechat
from tests.conftest import fresh


class Recorder:
    def __init__(self) -> None:
        self.names: list[tuple[str, str]] = []

    @contextlib.contextmanager
    def in_subsegment(self, name: str, namespace: str):
        self.names.append((name, namespace))
        yield


def test_each_wechat_request_is_a_remote_subsegment_named_for_the_host_only(sandbox, dynamodb, monkeypatch, name):
    recorder = Recorder()
    monkeypatch.setattr(tracing, "_recorder", recorder)

    get_wechat().code_to_session(fresh("demo", name))

    assert recorder.names and set(recorder.names) == {("127.0.0.1", "remote")}  # no path, no secret
