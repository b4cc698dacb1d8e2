"""X-Ray tracing of boto3/botocore and outgoing HTTP, only when running in Lambda.

Locally and in tests the SDK is not even imported: it costs a quarter of a second at cold
start and would complain about missing segments.
"""
from __future__ import annotations

import os

from chalicelib import config


def enable() -> bool:
    if not config.in_lambda() or os.environ.get("HUILIU_TRACING", "1") != "1":
        return False
    from aws_xray_sdk.core import patch, xray_recorder

    # Outside a request (Lambda's init phase) there is no segment: log, don't raise.
    xray_recorder.configure(context_missing="LOG_ERROR")
    patch(["botocore", "requests"])
    return True
