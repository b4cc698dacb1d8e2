"""Reading the shop and its goods."""
from __future__ import annotations

import msgspec
from pynamodb.exceptions import DoesNotExist

from chalicelib import errors
from chalicelib.shop.models import Product, Shop

SHOP_ID = "main"


class Goods(msgspec.Struct, frozen=True):
    product_id: str
    name: str
    category: str
    price: int  # fen
    image: str


class Storefront(msgspec.Struct, frozen=True):
    name: str
    notice: str
    categories: list[str]
    products: list[Goods]


def storefront(category: str | None = None) -> Storefront:
    """The home page: the shop and the goods on sale. Two round trips."""
    try:
        shop = Shop.get(SHOP_ID)
    except DoesNotExist as exc:
        raise errors.NotFound("The shop is not set up yet.") from exc
    condition = Product.on_sale == True  # noqa: E712 - a PynamoDB condition, not a comparison
    if category:
        condition &= Product.category == category
    goods = [_goods(p) for p in Product.query(SHOP_ID, filter_condition=condition)]
    return Storefront(name=shop.name, notice=shop.notice, categories=list(shop.categories), products=goods)


def product(product_id: str) -> Goods:
    try:
        return _goods(Product.get(SHOP_ID, product_id))
    except DoesNotExist as exc:
        raise errors.NotFound("No such product.") from exc


def _goods(p: Product) -> Goods:
    return Goods(product_id=p.product_id, name=p.name, category=p.category, price=int(p.price), image=p.image)


def goods(product_ids: list[str]) -> dict[str, Goods]:
    """The products on sale among ``product_ids``, by id: one BatchGet."""
    keys = [(SHOP_ID, pid) for pid in dict.fromkeys(product_ids)]
    return {p.product_id: _goods(p) for p in Product.batch_get(keys) if p.on_sale}
