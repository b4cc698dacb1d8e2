"""What the 商品 functions answer (``chalicelib.api.product_views``), for the OpenAPI document;
named by reference, so only the generator and the tests import this module. Money in fen."""
from __future__ import annotations

from datetime import datetime
from typing import Literal

from chalicelib.api.answers import Answer

Stock = Literal["in_stock", "low", "out_of_stock"]
Status = Literal["created", "updated", "unchanged", "stale"]


class CategoryChoice(Answer):
    category_id: str
    name: str
    parent: str | None
    active: bool


class SkuRow(Answer):
    sku_id: str
    spec: dict[str, str]
    price: int
    list_price: int | None
    stock: Stock
    version: int  # send it back with an edit of this SKU


class Product(Answer):
    """``version``: send it back with an edit (409 ``PRODUCT_CHANGED`` if the product moved since)."""

    product_id: str
    name: str
    category: str
    image: str
    summary: str
    on_sale: bool
    deleted: bool
    version: int
    updated_at: datetime | None
    skus: list[SkuRow]  # the live ones, cheapest first


class Products(Answer):
    categories: list[CategoryChoice]
    products: list[Product]
    next: str | None


class StatusCounts(Answer):
    created: int
    updated: int
    unchanged: int
    stale: int


class ImportedRow(Answer):
    row: int
    product_id: str
    sku_id: str
    product: Status
    sku: Status


class ProductsImported(Answer):
    counts: StatusCounts
    products: int
    rows: list[ImportedRow]
