"""商品: the catalogue in the console. Operators list it, edit a product (name, category, on
sale, its SKUs' prices and stock) and import a file of the order system's goods; the order
system keeps syncing with its server key (``catalogue_views``). How the two never silently
overwrite each other: ``chalicelib.shop.edits``; the import goes through the sync itself
(``chalicelib.shop.imports``)."""
from __future__ import annotations

from typing import Annotated

import msgspec
from chalice import Blueprint

from chalicelib import errors, lazy, messages
from chalicelib.api.http import Call, route
from chalicelib.auth.levels import OPERATOR
from chalicelib.shop import rules

edits = lazy.module("chalicelib.shop.edits")
imports = lazy.module("chalicelib.shop.imports")

bp = Blueprint(__name__)

ANSWERS = "chalicelib.api.product_answers:"
MAX_IMPORT_BODY = 512 * 1024  # 500 rows of long cells


class ProductsQuery(msgspec.Struct):
    """In product id order; ``category``: that category's products only; ``cursor``: the
    ``next`` of the page before."""

    category: rules.CatalogueId | None = None
    cursor: rules.CatalogueId | None = None
    limit: Annotated[int, msgspec.Meta(ge=1, le=100)] = 20


@route(bp, "GET", "/operator/products", auth=OPERATOR, query=ProductsQuery, answer=ANSWERS + "Products")
def list_products(call: Call) -> dict:
    try:
        q = msgspec.convert(call.query, ProductsQuery, strict=False)
    except msgspec.ValidationError as exc:
        raise errors.ValidationFailed(messages.text("VALIDATION_FAILED.body", detail=exc)) from exc
    return edits.listing(category=q.category, cursor=q.cursor, limit=q.limit)


@route(bp, "PUT", "/operator/products/{product_id}", auth=OPERATOR, body=dict, answer=ANSWERS + "Product")
def edit_product(call: Call) -> dict:
    """The product as the form leaves it, with the ``version`` of the product and of each SKU
    it read: 409 ``PRODUCT_CHANGED`` when a sync or another operator moved one since."""
    product_id = call.path["product_id"]
    if not rules.is_id(product_id):
        raise errors.ProductNotFound()
    return edits.edit(product_id, edits.parse(call.body), now=call.now)


@route(bp, "POST", "/operator/products/import", auth=OPERATOR, body=dict, max_body=MAX_IMPORT_BODY,
       answer=ANSWERS + "ProductsImported")
def import_products(call: Call) -> dict:
    """A file's rows (``chalicelib.shop.imports``): 422 ``IMPORT_ROWS_INVALID`` with ``rows``
    (row, field, message) and nothing written, or the counts by status and each row's."""
    return imports.load(imports.parse(call.body), now=call.now)
