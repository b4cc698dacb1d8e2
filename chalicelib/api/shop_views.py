"""Anonymous browsing: nothing here asks who the visitor is."""
from __future__ import annotations

from typing import Annotated

import msgspec
from chalice import Blueprint

from chalicelib import errors, lazy, messages
from chalicelib.api import answers
from chalicelib.api.http import Call, route
from chalicelib.auth.levels import ANONYMOUS
from chalicelib.shop import rules

# What the routes run loads with the first request that uses it (chalicelib.lazy), not at cold start.
service = lazy.module("chalicelib.shop.service")

bp = Blueprint(__name__)


class ShopQuery(msgspec.Struct):
    category: Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9_-]{1,64}$")] | None = None


@route(bp, "GET", "/shop", auth=ANONYMOUS, query=ShopQuery, answer=answers.Shop)
def shop(call: Call) -> dict:
    category = call.query.get("category")
    if category is not None and not rules.is_id(category):
        raise errors.ValidationFailed(messages.text("VALIDATION_FAILED.category_id"))
    front = service.storefront(category)
    return {
        "name": front.name,
        "notice": front.notice,
        # The top level's ids, as the first clients read them; categoryList has every one shown.
        "categories": [c.category_id for c in front.categories if c.parent is None],
        "categoryList": [{"categoryId": c.category_id, "name": c.name, "parent": c.parent, "sort": c.sort}
                         for c in front.categories],
        "products": [_listed(g) for g in front.products],
    }


@route(bp, "GET", "/products/{product_id}", auth=ANONYMOUS, answer=answers.Product)
def product(call: Call) -> dict:
    if not rules.is_id(call.path["product_id"]):
        raise errors.NotFound(messages.text("NOT_FOUND.product"))  # no product of ours has that id: spare the read
    g = service.product(call.path["product_id"])
    return {
        **_listed(g),
        "summary": g.summary,
        "onSale": g.on_sale,
        "skus": [{"skuId": s.sku_id, "spec": s.spec, "price": s.price, "listPrice": s.list_price, "stock": s.stock}
                 for s in g.skus],
    }


def _listed(g: service.Goods) -> dict:
    return {"productId": g.product_id, "name": g.name, "category": g.category, "price": g.price,
            "priceMax": g.price_max, "image": g.image, "stock": g.stock}
