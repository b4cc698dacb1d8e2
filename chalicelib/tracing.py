"""X-Ray tracing of botocore, and of the outgoing calls it does not see, only in Lambda.

Locally and in tests the SDK is not even imported: it costs a quarter of a second at cold
start and would complain about missing segments.
"""
from __future__ import annotations

import contextlib
import os
from typing import Any, ContextManager

from chalicelib import config

_recorder: Any = None  # X-Ray's recorder once enable() has run in Lambda


def enable() -> bool:
    global _recorder
    if not config.in_lambda() or os.environ.get("HUILIU_TRACING", "1") != "1":
        return False
    from aws_xray_sdk.core import patch, xray_recorder

    # Outside a request (Lambda's init phase) there is no segment: log, don't raise.
    xray_recorder.configure(context_missing="LOG_ERROR")
    # botocore only. X-Ray's requests and httplib patches would not see WeChat's calls, which go
    # over urllib3 2 (its connections bypass http.client's _send_request), and patching requests
    # imported it at every cold start (~40 ms) for nothing: those calls are spans of their own.
    patch(["botocore"])
    _recorder = xray_recorder
    return True


def span(name: str) -> ContextManager[Any]:
    """A subsegment around an outgoing call botocore's patch does not trace (WeChat's):
    ``with tracing.span("api.weixin.qq.com"): ...``. Nothing when tracing is off."""
    if _recorder is None:
        return contextlib.nullcontext()
    return _recorder.in_subsegment(name, namespace="remote")
