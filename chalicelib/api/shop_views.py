"""Anonymous browsing: nothing here asks who the visitor is."""
from __future__ import annotations

from chalice import Blueprint

from chalicelib import errors
from chalicelib.api.http import Call, route
from chalicelib.auth.levels import ANONYMOUS
from chalicelib.shop import service

bp = Blueprint(__name__)


@route(bp, "GET", "/shop", auth=ANONYMOUS)
def shop(call: Call) -> dict:
    category = call.query.get("category")
    if category is not None and not 0 < len(category) <= 32:
        raise errors.ValidationFailed("category must be 1 to 32 characters.")
    front = service.storefront(category)
    return {
        "name": front.name,
        "notice": front.notice,
        "categories": front.categories,
        "products": [_goods(g) for g in front.products],
    }


@route(bp, "GET", "/products/{product_id}", auth=ANONYMOUS)
def product(call: Call) -> dict:
    return _goods(service.product(call.path["product_id"]))


def _goods(g: service.Goods) -> dict:
    return {"productId": g.product_id, "name": g.name, "category": g.category, "price": g.price, "image": g.image}
