"""The shop and its goods.

Key patterns:
- ``shops``: ``shop_id`` (one deployment serves one mini-program, so one shop: ``main``).
- ``products``: ``shop_id`` + ``product_id``; a shop's catalogue is one Query.
"""
from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    NumberAttribute,
    UnicodeAttribute,
)
from pynamodb.models import Model

from chalicelib.store.base import meta


class Shop(Model):
    Meta = meta("shops")
    shop_id = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute()
    notice = UnicodeAttribute(default="")
    categories = ListAttribute(of=UnicodeAttribute, default=list)


class Product(Model):
    Meta = meta("products")
    shop_id = UnicodeAttribute(hash_key=True)
    product_id = UnicodeAttribute(range_key=True)
    name = UnicodeAttribute()
    category = UnicodeAttribute()
    price = NumberAttribute()  # fen
    image = UnicodeAttribute(default="")
    on_sale = BooleanAttribute(default=True)
