"""商品 in the console: the catalogue as an operator lists it, and an operator's edit of a product
(name, category, on sale) and its SKUs (price, stock).

An edit lives under the sync's version rule (``rules``): the form sends the versions it read;
the write raises each entry it changes to the version read + 1 and holds only while the product
and each SKU changed are still at the versions read, so a sync between the read and the write
makes the edit 409 ``PRODUCT_CHANGED`` (reload, edit again) instead of being overwritten or
overwriting. After the edit, a late sync of the old state (its version now below the stored one,
or equal with other content) is ``stale`` in the sync's answer: the order system hears of it. A
newer change from the order system (a higher version) wins, as any newer change does.

The product item and the price changes go in one transaction (the history has every change
once, as a sync writes it). An edit that changes nothing writes nothing, so a replayed edit
answers 200 with the product as it is.
"""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec
from pynamodb.expressions.condition import Condition

from chalicelib import config, errors, messages
from chalicelib.shop import rules, store, wording
from chalicelib.shop.models import PriceChange, Product
from chalicelib.store.transactions import Cancelled, Transaction, run

MAX_SKU_EDITS = 50  # a transaction holds 100 items: the product and a price change each


class SkuEdit(msgspec.Struct, rename="camel", forbid_unknown_fields=True, frozen=True):
    sku_id: rules.CatalogueId
    version: rules.Version  # as read
    price: rules.Price  # fen
    stock: rules.Stock


class ProductEdit(msgspec.Struct, rename="camel", forbid_unknown_fields=True, frozen=True):
    """The product as the form leaves it, with the versions it read."""

    version: rules.Version
    name: rules.Name
    category: rules.CatalogueId
    on_sale: bool
    skus: Annotated[list[SkuEdit], msgspec.Meta(max_length=MAX_SKU_EDITS)] = []


# --- reading ------------------------------------------------------------------------------------
def listing(*, category: str | None, cursor: str | None, limit: int) -> dict[str, Any]:
    """A page of the catalogue in product id order (of ``category`` only, if given), deleted
    products included and marked; the categories (not deleted) for the filter and the form.
    Two round trips: the shop item, a Query of the products."""
    shop = store.shop()
    categories = store.entries(shop.categories) if shop else {}
    start = {"shop_id": {"S": store.SHOP_ID}, "product_id": {"S": cursor}} if cursor else None
    page = Product.query(store.SHOP_ID, filter_condition=(Product.category == category) if category else None,
                         limit=limit, last_evaluated_key=start, consistent_read=True)
    products = [product_json(p) for p in page]
    last = page.last_evaluated_key
    return {
        "categories": [{"categoryId": cid, "name": str(c.get("name") or cid), "parent": c.get("parent"),
                        "active": bool(c.get("active", True))}
                       for cid, c in sorted(categories.items(), key=lambda kv: (int(kv[1].get("sort") or 0), kv[0]))
                       if not c.get("deleted")],
        "products": products,
        "next": last["product_id"]["S"] if last and products else None,
    }


def product_json(p: Product) -> dict[str, Any]:
    skus = store.entries(p.skus)
    live = sorted(((sid, s) for sid, s in skus.items() if not s.get("deleted") and s.get("price") is not None),
                  key=lambda kv: (int(kv[1]["price"]), kv[0]))
    return {
        "productId": p.product_id, "name": p.name or "", "category": p.category or "", "image": p.image or "",
        "summary": p.summary or "", "onSale": bool(p.on_sale), "deleted": bool(p.deleted), "version": int(p.version or 0),
        "updatedAt": None if p.updated_at is None else config.iso(p.updated_at),
        "skus": [{"skuId": sid, "spec": dict(s.get("spec") or {}), "price": int(s["price"]),
                  "listPrice": None if s.get("list_price") is None else int(s["list_price"]),
                  "stock": str(s.get("stock") or rules.IN_STOCK), "version": int(s.get("version") or 0)}
                 for sid, s in live],
    }


def audited(product_id: str) -> dict[str, Any] | None:
    """What the audit log keeps before and after an edit."""
    p = store.product(product_id)
    return None if p is None else product_json(p)


# --- the edit -----------------------------------------------------------------------------------
def parse(body: Any) -> ProductEdit:
    try:
        return msgspec.convert(body, ProductEdit)
    except msgspec.ValidationError as exc:
        field, why = wording.refusal(exc)
        raise errors.ProductInvalid(messages.text("PRODUCT_INVALID") + (f"{field}: {why}" if field else why)) from exc


def edit(product_id: str, e: ProductEdit, *, now: datetime) -> dict[str, Any]:
    """Apply ``e`` to the product; answers the product as stored after it."""
    p = store.product(product_id)
    if p is None or p.deleted:
        raise errors.ProductNotFound()
    held = store.entries(p.skus)
    refused = [f"skus[{i}].skuId: {messages.text('IMPORT_NO_SKU').format(value=s.sku_id)}"
               for i, s in enumerate(e.skus) if s.sku_id not in held or held[s.sku_id].get("deleted")]
    if refused:
        raise errors.ProductInvalid(messages.text("PRODUCT_INVALID") + "; ".join(refused))

    product = rules.ProductIn(product_id=product_id, name=e.name, category=e.category, version=int(p.version) + 1,
                              image=p.image or "", summary=p.summary or "", on_sale=e.on_sale)
    stored = {"name": p.name or "", "category": p.category or "", "image": p.image or "", "summary": p.summary or "",
              "on_sale": bool(p.on_sale)}
    product_moves = rules.product_fields(product) != stored
    skus = [(i, s, held[s.sku_id]) for i, s in enumerate(e.skus)
            if (s.price, s.stock) != (int(held[s.sku_id]["price"]), held[s.sku_id].get("stock") or rules.IN_STOCK)]
    if not product_moves and not skus:
        return product_json(p)  # nothing to change (a replay of an edit that landed, too)
    if int(p.version) != e.version or any(int(h.get("version") or 0) != s.version for _, s, h in skus):
        raise errors.ProductChanged()

    new_skus = [rules.SkuIn(product_id=product_id, sku_id=s.sku_id, price=s.price, version=s.version + 1,
                            list_price=h.get("list_price"), spec=dict(h.get("spec") or {}), stock=s.stock)
                for _, s, h in skus]
    shop = store.shop()
    live = [cid for cid, c in (store.entries(shop.categories) if shop else {}).items() if not c.get("deleted")]
    batch = rules.Upsert(products=[product] if product_moves else [], skus=new_skus)
    found = rules.problems(batch, categories=live, products=[product_id], limit=None)
    if found:
        # The batch's skus[j] is the form's skus[i]: name the field the form knows.
        form_index = {("skus", j): i for j, (i, _, _) in enumerate(skus)}
        words = [wording.problem(text) for text in found]
        raise errors.ProductInvalid(messages.text("PRODUCT_INVALID") + "; ".join(
            f"{w.field if w.kind == 'products' else f'skus[{form_index.get((w.kind, w.index), w.index)}].{w.field}'}: "
            f"{w.message}" for w in words))

    _write(p, e, product if product_moves else None, new_skus, held, now=now)
    return product_json(store.product(product_id) or p)


def _write(p: Product, e: ProductEdit, product: rules.ProductIn | None, skus: list[rules.SkuIn],
           held: dict[str, dict[str, Any]], *, now: datetime) -> None:
    actions: list = [Product.updated_at.set(now)]
    # The condition owns the guarantee: the product and each SKU changed are still as the form read them.
    condition: Condition = (Product.version == e.version) & (Product.deleted == False)  # noqa: E712
    if product is not None:
        actions += [Product.name.set(product.name), Product.category.set(product.category),
                    Product.on_sale.set(product.on_sale), Product.version.set(product.version)]
    changes = []
    for s in skus:
        path = Product.skus[s.sku_id]
        actions += [path["price"].set(s.price), path["stock"].set(s.stock), path["version"].set(s.version)]
        condition &= path["version"] == s.version - 1
        old = int(held[s.sku_id]["price"])
        if old != s.price:
            changes.append(PriceChange(rules.sku_key(p.product_id, s.sku_id), s.version, product_id=p.product_id,
                                       sku_id=s.sku_id, at=now, old_price=old, new_price=s.price,
                                       drop_day=config.china_day(now).isoformat() if s.price < old else None))

    def build(tx: Transaction) -> None:
        tx.update("product", Product(store.SHOP_ID, p.product_id), actions=actions, condition=condition)
        for n, change in enumerate(changes):
            tx.save(f"history{n}", change, condition=PriceChange.sku.does_not_exist())

    try:
        run(build)
    except Cancelled as exc:
        raise errors.ProductChanged() from exc
