"""The demo merchant: a small shop the local stack, the examples and the simulator use.

    python -m infra.seed       # on HUILIU_DYNAMODB_ENDPOINT; overwrites the demo items only
"""
from __future__ import annotations

from chalicelib.shop.models import Product, Shop
from chalicelib.shop.service import SHOP_ID

SHOP = {"name": "回流小铺", "notice": "新人首单立减，签到领积分", "categories": ["tea", "snacks", "fruit"]}

# Prices in fen.
PRODUCTS = [
    ("p-longjing", "明前龙井 100g", "tea", 12800),
    ("p-puer", "勐海熟普洱 357g", "tea", 19900),
    ("p-baicha", "福鼎白茶饼 200g", "tea", 15800),
    ("p-nuts", "每日坚果 30包", "snacks", 8990),
    ("p-jerky", "手撕牛肉干 250g", "snacks", 5990),
    ("p-mango", "海南贵妃芒 5斤", "fruit", 3990),
    ("p-cherry", "烟台大樱桃 2斤", "fruit", 9900),
]


def seed() -> int:
    Shop(SHOP_ID, **SHOP).save()
    with Product.batch_write() as batch:
        for product_id, name, category, price in PRODUCTS:
            batch.save(Product(SHOP_ID, product_id, name=name, category=category, price=price))
    return 1 + len(PRODUCTS)


if __name__ == "__main__":
    print(f"seeded {seed()} items")
