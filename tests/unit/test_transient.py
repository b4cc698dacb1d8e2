"""Which storage failures are worth a retry (503 with Retry-After) rather than a 500."""
from __future__ import annotations

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError
from pynamodb.exceptions import GetError, PutError, QueryError, TransactWriteError

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


def test_the_storage_engine_failing_is_transient_whatever_it_calls_it():
    def failed(status: int, code: str) -> ClientError:
        return ClientError({"Error": {"Code": code, "Message": "boom"},
                            "ResponseMetadata": {"HTTPStatusCode": status}}, "GetItem")

    # moto's server answers an exception in its own code with an HTML page: botocore names it "500".
    assert is_transient(GetError("get", failed(500, "500")))
    assert is_transient(QueryError("query", failed(500, "InternalFailure")))  # DynamoDB Local
    assert is_transient(TransactWriteError("tx", failed(503, "ServiceUnavailable")))
    assert is_transient(failed(500, "500"))  # as botocore raises it, unwrapped by PynamoDB
    assert not is_transient(PutError("put", failed(400, "ValidationException")))


def test_a_connection_refused_and_a_wrapped_storage_error_are_transient():
    refused = EndpointConnectionError(endpoint_url="http://127.0.0.1:8000/")
    assert is_transient(GetError("get", refused))
    try:
        try:
            raise GetError("get", refused)
        except GetError as exc:
            raise RuntimeError("while loading the user") from exc
    except RuntimeError as wrapped:
        assert is_transient(wrapped)


def test_an_error_raised_while_handling_a_timeout_is_the_timeouts_doing():
    timeout = ReadTimeoutError(endpoint_url="http://127.0.0.1:8000/")
    timeout.response = None
    with pytest.raises(AttributeError) as tripped:
        try:
            raise GetError("Failed to get item", timeout)
        except GetError as exc:
            exc.cause_response_code  # noqa: B018 - what handlers read; PynamoDB trips on the timeout
    assert is_transient(tripped.value)
    with pytest.raises(ValueError) as unrelated:
        try:
            raise GetError("Failed to get item", timeout)
        except GetError:
            raise ValueError("unrelated, and said so") from None
    assert not is_transient(unrelated.value)
