"""The shop, its catalogue, and the history of its prices.

Key patterns:
- ``shops``: ``shop_id`` (one deployment serves one mini-program, so one shop: ``main``). The
  item holds the profile and the categories, a map ``category_id`` → ``{name, parent, sort,
  active, version, deleted}``: a shop has tens of categories, and the home page then reads them
  with the profile in one GetItem.
- ``products``: ``shop_id`` + ``product_id``; a shop's catalogue is one Query. Each item holds
  its SKUs, a map ``sku_id`` → ``{spec, price, list_price, stock, version, deleted}``, so a
  product page, a cart's prices and the home page's price ranges are read with the products,
  and the range is derived from the SKUs on read (``rules.live_skus``), never stored.
- ``price-changes``: ``sku`` (``<product_id>#<sku_id>``) + ``version`` (the SKU version that
  set the new price), written in the transaction that changes the price; a SKU's history is
  one Query. Sparse index ``by_drop_day``: ``drop_day`` (China day) + ``sku``, present only
  on decreases, so "the SKUs whose price dropped on day D" is one Query of that day.

Every entry (the profile, a category, a product, a SKU) carries the order system's ``version``
and is written only under a condition that it is still what the writer read (``store``).
"""
from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.store.base import meta


class Shop(Model):
    Meta = meta("shops")
    shop_id = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute(default="")
    notice = UnicodeAttribute(default="")
    version = NumberAttribute(default=0)  # of the profile (name, notice)
    categories = MapAttribute(default=dict)  # category_id -> entry (see the module docstring)
    updated_at = UTCDateTimeAttribute(null=True)


class Product(Model):
    Meta = meta("products")
    shop_id = UnicodeAttribute(hash_key=True)
    product_id = UnicodeAttribute(range_key=True)
    name = UnicodeAttribute(default="")
    category = UnicodeAttribute(default="")
    image = UnicodeAttribute(default="")
    summary = UnicodeAttribute(default="")
    on_sale = BooleanAttribute(default=True)
    # A deleted product stays, off sale: its id is named by coupons and campaigns, and its
    # version and SKUs keep a late, older sync from listing it again.
    deleted = BooleanAttribute(default=False)
    version = NumberAttribute(default=0)
    skus = MapAttribute(default=dict)  # sku_id -> entry (see the module docstring)
    updated_at = UTCDateTimeAttribute(null=True)


class PriceDropsByDay(GlobalSecondaryIndex):
    """What a price-drop alert reads: one China day's decreases."""

    class Meta:
        index_name = "by_drop_day"
        projection = AllProjection()

    drop_day = UnicodeAttribute(hash_key=True)
    sku = UnicodeAttribute(range_key=True)


class PriceChange(Model):
    Meta = meta("price-changes")
    sku = UnicodeAttribute(hash_key=True)  # rules.sku_key(product_id, sku_id)
    version = NumberAttribute(range_key=True)
    product_id = UnicodeAttribute()
    sku_id = UnicodeAttribute()
    at = UTCDateTimeAttribute()
    old_price = NumberAttribute()  # fen
    new_price = NumberAttribute()  # fen
    drop_day = UnicodeAttribute(null=True)  # China day of ``at``, only when new < old
    by_drop_day = PriceDropsByDay()
