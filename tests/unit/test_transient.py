"""Which storage failures are worth a retry (503 with Retry-After) rather than a 500."""
from __future__ import annotations

from botocore.exceptions import ClientError, ReadTimeoutError
from pynamodb.exceptions import GetError, PutError

from chalicelib.store.transactions import is_transient


def test_a_read_timeout_wrapped_by_pynamodb_is_transient():
    # Seen in the simulator: the cause's ``response`` is None, which PynamoDB's own code helper trips on.
    timeout = ReadTimeoutError(endpoint_url="http://127.0.0.1:8000/")
    timeout.response = None
    assert is_transient(GetError("Failed to get item", timeout))


def test_throttling_is_transient_and_a_failed_condition_is_not():
    def client_error(code: str) -> ClientError:
        return ClientError({"Error": {"Code": code, "Message": code}}, "PutItem")

    assert is_transient(PutError("put", client_error("ProvisionedThroughputExceededException")))
    assert not is_transient(PutError("put", client_error("ConditionalCheckFailedException")))
    assert not is_transient(ValueError("a bug"))
