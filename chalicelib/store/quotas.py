"""Per-user quota items (``user_id`` + a campaign or template key → a count), read and restored
as a whole: what ``chalicelib.kept_limits`` keeps of an erased account's once-only limits."""
from __future__ import annotations

from pynamodb.attributes import NumberAttribute
from pynamodb.exceptions import UpdateError
from pynamodb.models import Model


def used(model: type[Model], count: NumberAttribute, user_id: str) -> dict[str, int]:
    """``{key: count}`` of the user's quota items that were used at all."""
    key = model._range_key_attribute().attr_name
    found = {getattr(q, key): int(getattr(q, count.attr_name) or 0) for q in model.query(user_id)}
    return {name: n for name, n in found.items() if n > 0}


def restore(model: type[Model], count: NumberAttribute, user_id: str, used: dict[str, int]) -> None:
    """Raise each quota to at least what was used; a count that is already higher is left alone."""
    for name, n in used.items():
        try:
            model(user_id, name).update(actions=[count.set(n)], condition=count.does_not_exist() | (count < n))
        except UpdateError as exc:
            if exc.cause_response_code != "ConditionalCheckFailedException":
                raise
