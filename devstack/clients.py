"""The app's DynamoDB clients, built at once from one botocore session.

The app makes them lazily, one per table, which suits a Lambda (one request at a time, a few
tables each). PynamoDB builds each client from a new botocore session that parses botocore's
data files again: 0.2-1 s of CPU per table. The local stack pays that for every table when it
creates them, and a cold API server paid it in every request thread that touched a table first:
40 requests arriving together were not answered for a minute. From one session, all the
clients take about a second; clients are thread-safe, so every thread shares them.
"""
from __future__ import annotations


def warm_dynamodb_clients() -> None:
    """Build every table's client (and the transactions' one) now, in this thread."""
    from botocore.session import get_session

    from chalicelib.store import transactions
    from chalicelib.tables import MODELS

    session = get_session()
    connections = [model._get_connection().connection for model in MODELS] + [transactions._connection()]
    for connection in connections:
        # PynamoDB keeps a session per thread only to build the client from; give it ours
        # (should a later PynamoDB keep it elsewhere, each client is merely built the slow way).
        if hasattr(connection, "_local"):
            connection._local.session = session
        connection.client  # noqa: B018 - the property builds and keeps the client
