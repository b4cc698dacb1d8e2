"""Storage of the catalogue. Each write owns one condition: the entry is still what the writer
read (absent, or at the version read). When it is not, ``Moved`` says so and the caller reads
the entry again and decides again (``sync``); so the version rule and the price history hold
however syncs interleave, with no lock.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from pynamodb.constants import NONE
from pynamodb.exceptions import DoesNotExist, PutError, UpdateError
from pynamodb.expressions.condition import Condition, size
from pynamodb.expressions.operand import Path

from chalicelib.config import china_day
from chalicelib.shop import rules
from chalicelib.shop.models import PriceChange, Product, Shop
from chalicelib.store.transactions import Cancelled, Transaction, run

SHOP_ID = "main"
Held = Mapping[str, Any] | None  # an entry as read: its fields, ``version`` and ``deleted``


class Moved(Exception):
    """The entry changed since it was read (or the map it goes in is full): read and decide again."""


# --- reads (consistent: a decision made on a stale read would only be refused and retried) ----
def shop() -> Shop | None:
    try:
        return Shop.get(SHOP_ID, consistent_read=True)
    except DoesNotExist:
        return None


def products(product_ids: Iterable[str]) -> dict[str, Product]:
    """The stored products among ``product_ids``, by id: BatchGets of 100."""
    keys = [(SHOP_ID, pid) for pid in dict.fromkeys(product_ids)]
    return {p.product_id: p for p in Product.batch_get(keys, consistent_read=True)} if keys else {}


def product(product_id: str) -> Product | None:
    return products([product_id]).get(product_id)


def entries(attribute: Any) -> dict[str, dict[str, Any]]:
    """A map attribute (categories, SKUs) as plain dicts."""
    if attribute is None:
        return {}
    return dict(attribute.as_dict() if hasattr(attribute, "as_dict") else attribute)


# --- the shop item ------------------------------------------------------------------------------
def ensure_shop() -> None:
    """The shop item with its (empty) category map, on a stage's first sync. Harmless to repeat:
    nothing that exists is touched."""
    Shop(SHOP_ID).update(actions=[Shop.categories.set(Shop.categories | {})])


def put_profile(s: rules.ShopIn, held: Held, *, now: datetime) -> None:
    still = (Shop.version.does_not_exist() | (Shop.version == 0)) if held is None else (Shop.version == held["version"])
    _update(Shop(SHOP_ID), [Shop.name.set(s.name), Shop.notice.set(s.notice), Shop.version.set(s.version),
                            Shop.updated_at.set(now)], still)


def put_category(c: rules.CategoryIn, held: Held, *, now: datetime) -> None:
    entry = {**rules.category_fields(c), "version": c.version, "deleted": False}
    path = Shop.categories[c.category_id]
    _update(Shop(SHOP_ID), [path.set(entry), Shop.updated_at.set(now)], _in_map(Shop.categories, path, held,
                                                                              rules.MAX_CATEGORIES))


def delete_category(ref: rules.CategoryRef, held: Held, *, now: datetime) -> None:
    path = Shop.categories[ref.category_id]
    _update(Shop(SHOP_ID), [*_tombstone(path, ref.version, held), Shop.updated_at.set(now)],
            _in_map(Shop.categories, path, held, rules.MAX_CATEGORIES))


# --- products -----------------------------------------------------------------------------------
def put_product(p: rules.ProductIn, held: Held, *, now: datetime) -> None:
    fields = rules.product_fields(p)
    if held is None:
        item = Product(SHOP_ID, p.product_id, **fields, version=p.version, deleted=False, skus={}, updated_at=now)
        _put(item, Product.product_id.does_not_exist())
        return
    actions = [getattr(Product, name).set(value) for name, value in fields.items()]
    _update(Product(SHOP_ID, p.product_id),
            [*actions, Product.deleted.set(False), Product.version.set(p.version), Product.updated_at.set(now)],
            Product.version == held["version"])


def delete_product(ref: rules.ProductRef, held: Held, *, now: datetime) -> None:
    """Off sale and kept: its id may be named by coupons and campaigns, and its version and SKUs
    keep a late, older sync from listing it again. Never seen: a tombstone of its version."""
    if held is None:
        _put(Product(SHOP_ID, ref.product_id, version=ref.version, on_sale=False, deleted=True, skus={},
                     updated_at=now), Product.product_id.does_not_exist())
        return
    _update(Product(SHOP_ID, ref.product_id),
            [Product.on_sale.set(False), Product.deleted.set(True), Product.version.set(ref.version),
             Product.updated_at.set(now)],
            Product.version == held["version"])


# --- SKUs ---------------------------------------------------------------------------------------
def put_sku(s: rules.SkuIn, held: Held, *, now: datetime) -> PriceChange | None:
    """The SKU, and when its price changes, the change in the same transaction (so the history
    has every change and no change twice). Returns the change written, if any."""
    path = Product.skus[s.sku_id]
    entry = {**rules.sku_fields(s), "version": s.version, "deleted": False}
    still = _in_map(Product.skus, path, held, rules.MAX_SKUS)
    item = Product(SHOP_ID, s.product_id)
    actions = [path.set(entry), Product.updated_at.set(now)]
    # Every write raises the entry's version, so "at the version read" is "at the price read":
    # a change made between the read and this write is never skipped by the history.
    old = None if held is None or held.get("price") is None else int(held["price"])
    if old is None or old == s.price:
        _update(item, actions, still)
        return None
    change = PriceChange(rules.sku_key(s.product_id, s.sku_id), s.version, product_id=s.product_id, sku_id=s.sku_id,
                         at=now, old_price=old, new_price=s.price,
                         drop_day=china_day(now).isoformat() if s.price < old else None)

    def build(tx: Transaction) -> None:
        tx.update("sku", item, actions=actions, condition=still)
        tx.save("history", change, condition=PriceChange.sku.does_not_exist())

    try:
        run(build)
    except Cancelled as exc:
        raise Moved() from exc
    return change


def delete_sku(ref: rules.SkuRef, held: Held, *, now: datetime) -> None:
    """A tombstone: the last price stays, so a SKU listed again records its change from it."""
    path = Product.skus[ref.sku_id]
    _update(Product(SHOP_ID, ref.product_id), [*_tombstone(path, ref.version, held), Product.updated_at.set(now)],
            _in_map(Product.skus, path, held, rules.MAX_SKUS))


def price_history(product_id: str, sku_id: str) -> list[PriceChange]:
    return list(PriceChange.query(rules.sku_key(product_id, sku_id)))


def drops(day: date, *, cursor: dict | None, limit: int) -> tuple[list[PriceChange], dict | None]:
    """A page of the sparse ``by_drop_day`` index: only decreases have its key."""
    page = PriceChange.by_drop_day.query(day.isoformat(), limit=limit, last_evaluated_key=cursor)
    return list(page), page.last_evaluated_key


# --- conditions ---------------------------------------------------------------------------------
def _in_map(whole: Any, path: Path, held: Held, limit: int) -> Condition:
    """The entry at ``path`` is as read: absent (and the map has room for it), or at the version read."""
    if held is None:
        return path.does_not_exist() & (size(whole) < limit)
    return path["version"] == held["version"]


def _tombstone(path: Path, version: int, held: Held) -> list:
    if held is None:
        return [path.set({"version": version, "deleted": True})]
    return [path["version"].set(version), path["deleted"].set(True)]


def _update(item: Shop | Product, actions: list, condition: Condition) -> None:
    # Not item.update(): PynamoDB asks for ALL_NEW, and a product item holds up to MAX_SKUS
    # entries, so every SKU written would bring the whole product back, to be thrown away.
    hash_key, range_key = item._get_hash_range_key_serialized_values()
    try:
        item._get_connection().update_item(hash_key, range_key=range_key, actions=actions, condition=condition,
                                           return_values=NONE)
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            raise Moved() from exc
        raise


def _put(item: Product, condition: Condition) -> None:
    try:
        item.save(condition=condition)
    except PutError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            raise Moved() from exc
        raise
