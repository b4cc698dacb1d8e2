"""Transactions and the storage failures worth telling apart."""
from __future__ import annotations

from functools import cache

from botocore.exceptions import BotoCoreError
from pynamodb.connection import Connection
from pynamodb.exceptions import PynamoDBException, TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib import config

# Codes after which nothing was written and the same request may simply be sent again.
TRANSIENT_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
        "TransactionInProgressException",
    }
)


@cache
def _connection() -> Connection:
    return Connection(region=config.region(), host=config.dynamodb_endpoint())


def transaction(request_token: str | None = None) -> TransactWrite:
    """``with transaction() as tx: tx.update(...); tx.save(...)``: all or nothing.

    ``request_token`` (≤ 36 chars) makes DynamoDB treat a resend within ten minutes as the same
    transaction instead of applying it twice.
    """
    return TransactWrite(connection=_connection(), client_request_token=request_token)


def is_transient(exc: BaseException) -> bool:
    """Throttling, a timeout, DynamoDB's own hiccup: a retry may succeed; nothing was written."""
    if isinstance(exc, BotoCoreError):
        return True
    if isinstance(exc, PynamoDBException):
        if exc.cause_response_code in TRANSIENT_CODES:
            return True
        return isinstance(exc.cause, BotoCoreError)
    return False


def failed_conditions(exc: TransactWriteError) -> list[str | None]:
    """The cancellation code of each item of a cancelled transaction (None: that item passed).

    The order is PynamoDB's, not the order the items were added in: it sends condition
    checks, then deletes, then puts, then updates.
    """
    return [reason.code if reason else None for reason in exc.cancellation_reasons]
