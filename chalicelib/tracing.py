"""X-Ray tracing of botocore and outgoing HTTP, only when running in Lambda.

Locally and in tests the SDK is not even imported: it costs a quarter of a second at cold
start and would complain about missing segments.
"""
from __future__ import annotations

import os

from chalicelib import config

# botocore's own connections: its patch already traces each call, once, named for the operation.
_BOTOCORE_CONNECTIONS = ("botocore.awsrequest.AWSHTTPConnection", "botocore.awsrequest.AWSHTTPSConnection")


def enable() -> bool:
    if not config.in_lambda() or os.environ.get("HUILIU_TRACING", "1") != "1":
        return False
    from aws_xray_sdk.core import patch, xray_recorder
    from aws_xray_sdk.ext.httplib import add_ignored

    # Outside a request (Lambda's init phase) there is no segment: log, don't raise.
    xray_recorder.configure(context_missing="LOG_ERROR")
    # http.client, not requests: it sees every outgoing call (WeChat's, over urllib3 or requests)
    # without importing requests at cold start (~40 ms) just to patch it.
    for connection in _BOTOCORE_CONNECTIONS:
        add_ignored(subclass=connection)
    patch(["botocore", "httplib"])
    return True
