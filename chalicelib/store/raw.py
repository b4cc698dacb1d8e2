"""The few requests every login and every signed-in call makes, in DynamoDB's own terms.

PynamoDB builds each expression from objects at every call and deserialises whole items into
models; on the hottest paths (the login upsert, the rate counter, the account read of every
signed-in request) that was most of the request's own Python time, sampled (see
docs/design-notes.md, "Per-request overhead"). Their shapes never change, so their expressions
are written out once beside the call, and values are (de)serialised by the models' own
attributes: one definition of each stored format, PynamoDB's.

Requests go through the models' connection (``Connection.dispatch``: the round-trip count,
the shared client, the same retries and timeouts) and fail as botocore ``ClientError``s, which
``transactions.is_transient`` and ``conditional_failed`` read.
"""
from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError
from pynamodb.attributes import Attribute
from pynamodb.models import Model


def send(model: type[Model], operation: str, params: dict[str, Any]) -> dict[str, Any]:
    """``operation`` on ``model``'s table: ``params`` without ``TableName``, answered raw."""
    params["TableName"] = model.Meta.table_name
    return model._get_connection().connection.dispatch(operation, params)


def value(attribute: Attribute, python_value: Any) -> dict[str, Any]:
    """``python_value`` as DynamoDB stores it for ``attribute`` (``{"S": ...}``, ``{"N": ...}``)."""
    return {attribute.attr_type: attribute.serialize(python_value)}


def field(attribute: Attribute, item: dict[str, Any]) -> Any:
    """``attribute``'s Python value in a raw ``item``, or None when the item lacks it."""
    stored = item.get(attribute.attr_name)
    if stored is None:
        return None
    return attribute.deserialize(stored[attribute.attr_type])


def conditional_failed(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"
