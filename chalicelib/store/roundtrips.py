"""Counts DynamoDB round trips per request: the budget the design holds every function to.

Every PynamoDB call goes through ``Connection.dispatch``, once per API call whatever its
retries; a context variable scopes the count to the request or the block being measured. The
request log line carries the count, and so do benchmarks and tests.

``dispatch`` is replaced here by one that counts and calls botocore, nothing else. PynamoDB's
own adds to every call a uuid, two blinker signals (nobody here listens to them any more), two
debug log calls, and ``ReturnConsumedCapacity`` (which DynamoDB then computes and sends back
for a debug line we never print): together about a tenth of a request's own Python time.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import pynamodb
from pynamodb.connection.base import Connection

_current: ContextVar[Counter[str] | None] = ContextVar("dynamodb_calls", default=None)

# Written against PynamoDB 6.1 (requirements.txt pins it): dispatch(operation, kwargs) -> data.
if not pynamodb.__version__.startswith("6."):
    raise RuntimeError(f"check Connection.dispatch in PynamoDB {pynamodb.__version__} before using it")


def _dispatch(self: Connection, operation_name: str, operation_kwargs: dict[str, Any]) -> dict:
    calls = _current.get()
    if calls is not None:
        calls[operation_name] += 1
    return self._make_api_call(operation_name, operation_kwargs)


Connection.dispatch = _dispatch  # type: ignore[method-assign]

# One botocore client per distinct client configuration, not one per model: PynamoDB builds a
# client (and so a connection pool) for every model class, so a request touching four tables
# kept four connections to DynamoDB, each with its own handshake in a cold container and its
# own ~10 ms of client construction. Clients are thread-safe; building one is not, and a race
# here only builds one more. PynamoDB's check for credentials a flaky metadata service left
# empty still applies: such a client is built again.
_clients: dict[tuple, Any] = {}
_build_client = Connection.client.fget


def _usable(client: Any) -> bool:
    return client is not None and not (client._request_signer and not client._request_signer._credentials)


def _shared_client(self: Connection) -> Any:
    if _usable(self._client):
        return self._client
    key = (self.region, self.host, self._connect_timeout_seconds, self._read_timeout_seconds,
           self._max_retry_attempts_exception, self._max_pool_connections, repr(self._retry_configuration),
           repr(self._extra_headers))
    client = _clients.get(key)
    if not _usable(client):
        self._client = None
        client = _clients[key] = _build_client(self)
    self._client = client
    return client


Connection.client = property(_shared_client)  # type: ignore[method-assign, assignment]


@contextmanager
def counting() -> Iterator[Counter[str]]:
    """``with counting() as calls: ...`` then ``sum(calls.values())`` is the round trips."""
    calls: Counter[str] = Counter()
    token = _current.set(calls)
    try:
        yield calls
    finally:
        _current.reset(token)
