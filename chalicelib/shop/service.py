"""Reading the shop and its goods: the home page, a product page, a cart's prices.

A product's price is its cheapest SKU's, its ``price_max`` the dearest; both are derived from
the SKUs read with it. A product is on sale when the order system says so, it is not deleted,
and it has a SKU; only then do the home page and carts see it.
"""
from __future__ import annotations

from typing import Any

import msgspec
from pynamodb.exceptions import DoesNotExist

from chalicelib import errors, messages
from chalicelib.shop import rules
from chalicelib.shop.models import Product, Shop
from chalicelib.shop.store import SHOP_ID, entries

__all__ = ["SHOP_ID", "Category", "Goods", "Storefront", "goods", "product", "storefront"]


class Goods(msgspec.Struct, frozen=True):
    product_id: str
    name: str
    category: str
    price: int  # fen: the cheapest SKU's
    price_max: int  # fen: the dearest SKU's
    image: str
    summary: str
    stock: str  # the best of its SKUs'
    on_sale: bool
    skus: tuple[rules.Sku, ...]

    def price_of(self, sku_id: str | None) -> int | None:
        """The unit price of ``sku_id`` (None: the product's price, its cheapest SKU's), or None
        if the product has no such SKU."""
        if sku_id is None:
            return self.price
        return next((s.price for s in self.skus if s.sku_id == sku_id), None)


class Category(msgspec.Struct, frozen=True):
    category_id: str
    name: str
    parent: str | None
    sort: int


class Storefront(msgspec.Struct, frozen=True):
    name: str
    notice: str
    categories: list[Category]  # the ones to list, in the merchant's order
    products: list[Goods]


def storefront(category: str | None = None) -> Storefront:
    """The home page: the shop, its categories and the goods on sale (of ``category`` and the
    categories below it). Two round trips: the shop item, the products."""
    try:
        shop = Shop.get(SHOP_ID)
    except DoesNotExist as exc:
        raise errors.NotFound(messages.text("NOT_FOUND.shop")) from exc
    stored = entries(shop.categories)
    shown = rules.visible_categories(stored)
    # Products of hidden categories are left out too; a category's page includes its subcategories.
    within = set(shown) if category is None else rules.subtree(stored, category) & set(shown)
    condition = (Product.on_sale == True) & (Product.deleted == False)  # noqa: E712 - PynamoDB conditions
    goods = [g for g in map(_goods, Product.query(SHOP_ID, filter_condition=condition)) if g.skus and g.category in within]
    return Storefront(name=shop.name or "", notice=shop.notice or "", categories=_listed(stored, shown), products=goods)


def product(product_id: str) -> Goods:
    """A product's page, off sale or not (a shared link still opens); 404 once deleted."""
    try:
        found = Product.get(SHOP_ID, product_id)
    except DoesNotExist as exc:
        raise errors.NotFound(messages.text("NOT_FOUND.product")) from exc
    if found.deleted or not rules.live_skus(entries(found.skus)):
        raise errors.NotFound(messages.text("NOT_FOUND.product"))
    return _goods(found)


def goods(product_ids: list[str]) -> dict[str, Goods]:
    """The products on sale among ``product_ids``, by id: one BatchGet."""
    keys = [(SHOP_ID, pid) for pid in dict.fromkeys(product_ids)]
    found = (_goods(p) for p in Product.batch_get(keys))
    return {g.product_id: g for g in found if g.on_sale and g.skus}


def _goods(p: Product) -> Goods:
    skus = rules.live_skus(entries(p.skus))
    return Goods(
        product_id=p.product_id, name=p.name or "", category=p.category or "",
        price=skus[0].price if skus else 0, price_max=max((s.price for s in skus), default=0),
        image=p.image or "", summary=p.summary or "", stock=rules.stock_of(skus),
        on_sale=bool(p.on_sale) and not p.deleted and bool(skus), skus=tuple(skus),
    )


def _listed(stored: dict[str, dict[str, Any]], shown: list[str]) -> list[Category]:
    return [Category(cid, str(stored[cid].get("name") or cid), stored[cid].get("parent"),
                     int(stored[cid].get("sort") or 0)) for cid in shown]
