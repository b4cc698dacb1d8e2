"""How every table model is configured.

Table names carry the stage prefix (``huiliu-dev-users``); the endpoint is the embedded
DynamoDB locally and AWS's otherwise. Both are fixed when the model class is built, because
PynamoDB reads ``Meta`` then; no connection is opened until the first call.
"""
from __future__ import annotations

from chalicelib import config
from chalicelib.store import roundtrips  # noqa: F401  installs the lean dispatch every model uses


def meta(short: str) -> type:
    """The ``Meta`` of a model stored in table ``short``: ``Meta = meta("users")``."""

    class Meta:
        table_name = config.table_prefix() + short
        host = config.dynamodb_endpoint()
        region = config.region()
        billing_mode = "PAY_PER_REQUEST"
        # One retry inside botocore, then the caller sees StorageUnavailable: a Lambda behind
        # API Gateway has no time for PynamoDB's default of several.
        max_retry_attempts = 1
        connect_timeout_seconds = 2
        read_timeout_seconds = 3

    return Meta
