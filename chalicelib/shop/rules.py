"""The catalogue's rules, with no I/O: what a sync from the order system may contain, which of
two versions of an entry wins, and what a product shows (its price range and stock, derived
from its SKUs on every read, so nothing derived is ever stored and nothing can drift).

The version rule: every category, product, SKU and the shop's profile carries the ``version``
the order system gave it, an integer that grows with every change there (its row version, or
its update time in milliseconds). An entry is written only when the incoming version is greater
than the stored one; an equal version is the same state sent again (unchanged), a smaller one
an older sync arriving late (stale). Deletes are versioned the same way and leave a tombstone
that keeps its version, so a late upsert cannot bring back what was deleted after it.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Annotated, Any, Literal

import msgspec

IN_STOCK, LOW, OUT_OF_STOCK = "in_stock", "low", "out_of_stock"
STOCK = (IN_STOCK, LOW, OUT_OF_STOCK)  # best first; the order system owns the counts
CREATED, UPDATED, UNCHANGED, STALE, DELETED, NOT_FOUND = (
    "created", "updated", "unchanged", "stale", "deleted", "not_found")

MAX_BATCH = 200  # entries per call (the shop's profile counts as one)
MAX_CATEGORIES = 500  # entries of the shop item's map, tombstones included (item size)
MAX_SKUS = 100  # entries of one product's map, tombstones included
MAX_PRICE = 1_000_000_000  # fen: ¥10,000,000
MAX_VERSION = 2**53 - 1  # what a JavaScript order system can count to exactly

_TEXT = r"^[^\x00-\x1f\x7f]*$"  # no control characters in anything a page shows
CatalogueId = Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=60, pattern=_TEXT)]
Text = Annotated[str, msgspec.Meta(max_length=200, pattern=_TEXT)]
Image = Annotated[str, msgspec.Meta(max_length=512, pattern=r"^((https|cloud)://[^\s]+)?$")]
Price = Annotated[int, msgspec.Meta(gt=0, le=MAX_PRICE)]
Version = Annotated[int, msgspec.Meta(ge=1, le=MAX_VERSION)]
Sort = Annotated[int, msgspec.Meta(ge=0, le=1_000_000)]
SpecName = Annotated[str, msgspec.Meta(min_length=1, max_length=16, pattern=_TEXT)]
SpecValue = Annotated[str, msgspec.Meta(min_length=1, max_length=32, pattern=_TEXT)]
Spec = Annotated[dict[SpecName, SpecValue], msgspec.Meta(max_length=5)]
Stock = Literal["in_stock", "low", "out_of_stock"]


class Entry(msgspec.Struct, rename="camel", forbid_unknown_fields=True):
    """Unknown fields are refused, not ignored: a misspelt ``listprice`` must not vanish."""


class ShopIn(Entry, frozen=True):
    name: Name
    version: Version
    notice: Text = ""


class CategoryIn(Entry, frozen=True):
    category_id: CatalogueId
    name: Name
    version: Version
    parent: CatalogueId | None = None
    sort: Sort = 0
    active: bool = True


class ProductIn(Entry, frozen=True):
    product_id: CatalogueId
    name: Name
    category: CatalogueId
    version: Version
    image: Image = ""
    summary: Text = ""
    on_sale: bool = True


class SkuIn(Entry, frozen=True):
    product_id: CatalogueId
    sku_id: CatalogueId  # unique within its product
    price: Price  # what the customer pays, fen
    version: Version
    list_price: Price | None = None  # the crossed-out "original" price, fen
    spec: Spec = msgspec.field(default_factory=dict)  # {"规格": "100g", "颜色": "红"}
    stock: Stock = IN_STOCK


class Upsert(Entry, frozen=True):
    """A sync: create or update each entry whose version is newer than the stored one."""

    shop: ShopIn | None = None
    categories: list[CategoryIn] = []
    products: list[ProductIn] = []
    skus: list[SkuIn] = []

    def size(self) -> int:
        return (self.shop is not None) + len(self.categories) + len(self.products) + len(self.skus)


class CategoryRef(Entry, frozen=True):
    category_id: CatalogueId
    version: Version


class ProductRef(Entry, frozen=True):
    product_id: CatalogueId
    version: Version


class SkuRef(Entry, frozen=True):
    product_id: CatalogueId
    sku_id: CatalogueId
    version: Version


class Delete(Entry, frozen=True):
    """Deletes, versioned like upserts. A product is taken off sale and kept (coupons, group-buys
    and bargains name it); categories and SKUs become tombstones."""

    categories: list[CategoryRef] = []
    products: list[ProductRef] = []
    skus: list[SkuRef] = []

    def size(self) -> int:
        return len(self.categories) + len(self.products) + len(self.skus)


def problems(batch: Upsert, *, categories: Iterable[str], products: Iterable[str],
             limit: int | None = MAX_BATCH) -> list[str]:
    """What is wrong with ``batch``, each naming the entry and field as the client spells them.

    ``categories`` are the ids stored and not deleted, ``products`` the product ids stored:
    a parent, a product's category and a SKU's product must be one of those or in the batch.
    ``limit``: the most entries a batch may hold (None: a whole file, loaded in batches).
    """
    found = _size_problem(batch.size(), limit)
    known_categories = set(categories) | {c.category_id for c in batch.categories}
    known_products = set(products) | {p.product_id for p in batch.products}
    found += _duplicates("categories", "categoryId", [c.category_id for c in batch.categories])
    found += _duplicates("products", "productId", [p.product_id for p in batch.products])
    found += _duplicates("skus", "skuId", [(s.product_id, s.sku_id) for s in batch.skus])
    for i, c in enumerate(batch.categories):
        if c.parent == c.category_id:
            found.append(f"categories[{i}].parent: a category cannot be its own parent")
        elif c.parent is not None and c.parent not in known_categories:
            found.append(f"categories[{i}].parent: no category {c.parent!r} (send it first, or in this batch)")
    for i, p in enumerate(batch.products):
        if p.category not in known_categories:
            found.append(f"products[{i}].category: no category {p.category!r} (send it first, or in this batch)")
    for i, s in enumerate(batch.skus):
        if s.product_id not in known_products:
            found.append(f"skus[{i}].productId: no product {s.product_id!r} (send it first, or in this batch)")
        if s.list_price is not None and s.list_price < s.price:
            found.append(f"skus[{i}].listPrice: {s.list_price} is below the price {s.price}")
    return found


def room(batch: Upsert, *, categories: Mapping[str, Any], skus: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """Entries that would not fit: the shop's category map and each product's SKU map hold at
    most ``MAX_CATEGORIES`` and ``MAX_SKUS`` entries, tombstones included (``skus``: the stored
    maps by product id). The writes' own ``size()`` conditions hold the limits under races."""
    found = []
    count = len(categories)
    for i, c in enumerate(batch.categories):
        if c.category_id not in categories:
            count += 1
            if count > MAX_CATEGORIES:
                found.append(f"categories[{i}].categoryId: the shop holds {MAX_CATEGORIES} categories at most")
                break
    counts = {pid: len(held) for pid, held in skus.items()}
    for i, s in enumerate(batch.skus):
        if s.sku_id not in skus.get(s.product_id, {}):
            counts[s.product_id] = counts.get(s.product_id, 0) + 1
            if counts[s.product_id] == MAX_SKUS + 1:
                found.append(f"skus[{i}].skuId: a product holds {MAX_SKUS} SKUs at most")
    return found


def delete_problems(batch: Delete) -> list[str]:
    found = _size_problem(batch.size(), MAX_BATCH)
    found += _duplicates("categories", "categoryId", [c.category_id for c in batch.categories])
    found += _duplicates("products", "productId", [p.product_id for p in batch.products])
    found += _duplicates("skus", "skuId", [(s.product_id, s.sku_id) for s in batch.skus])
    return found


def _size_problem(size: int, limit: int | None) -> list[str]:
    if size == 0:
        return ["the batch is empty"]
    return [] if limit is None or size <= limit else [f"a batch holds 1 to {limit} entries, not {size}"]


def _duplicates(kind: str, field: str, keys: list[Any]) -> list[str]:
    # Two states of one entry in one batch: which one the sender meant is anyone's guess.
    seen: dict[Any, int] = {}
    found = []
    for i, key in enumerate(keys):
        if key in seen:
            found.append(f"{kind}[{i}].{field}: the same entry as {kind}[{seen[key]}]")
        seen.setdefault(key, i)
    return found


# --- which version wins ------------------------------------------------------------------------
def decide(stored: Mapping[str, Any] | None, version: int, fields: Mapping[str, Any]) -> str:
    """CREATED, UPDATED, UNCHANGED or STALE for an upsert of ``fields`` at ``version`` over the
    ``stored`` entry (its fields, ``version`` and ``deleted``), or None if there is none.

    An equal version with other content is STALE, not UNCHANGED: a version names one state,
    and the stored state came first; the sender must give a changed entry a new version.
    """
    if stored is None:
        return CREATED
    held = int(stored.get("version") or 0)
    if version > held:
        return UPDATED
    if version == held and not stored.get("deleted") and all(stored.get(k) == v for k, v in fields.items()):
        return UNCHANGED
    return STALE


def decide_delete(stored: Mapping[str, Any] | None, version: int) -> str:
    """DELETED (a tombstone is written even for an entry never seen, so that a late create of it
    is stale), UNCHANGED (deleted at this version already) or STALE."""
    if stored is None:
        return DELETED
    held = int(stored.get("version") or 0)
    if version > held:
        return DELETED
    return UNCHANGED if version == held and stored.get("deleted") else STALE


def category_fields(c: CategoryIn) -> dict[str, Any]:
    return {"name": c.name, "parent": c.parent, "sort": c.sort, "active": c.active}


def product_fields(p: ProductIn) -> dict[str, Any]:
    return {"name": p.name, "category": p.category, "image": p.image, "summary": p.summary, "on_sale": p.on_sale}


def sku_fields(s: SkuIn) -> dict[str, Any]:
    return {"spec": dict(s.spec), "price": s.price, "list_price": s.list_price, "stock": s.stock}


def shop_fields(s: ShopIn) -> dict[str, Any]:
    return {"name": s.name, "notice": s.notice}


# --- what a product shows ----------------------------------------------------------------------
class Sku(msgspec.Struct, frozen=True):
    sku_id: str
    spec: dict[str, str]
    price: int  # fen
    list_price: int | None  # fen
    stock: str


def live_skus(stored: Mapping[str, Mapping[str, Any]]) -> list[Sku]:
    """The SKUs a customer can see (tombstones left out), cheapest first."""
    skus = [
        Sku(sku_id, dict(s.get("spec") or {}), int(s["price"]),
            None if s.get("list_price") is None else int(s["list_price"]), str(s.get("stock") or IN_STOCK))
        for sku_id, s in stored.items()
        if not s.get("deleted") and s.get("price") is not None
    ]
    return sorted(skus, key=lambda s: (s.price, s.sku_id))


def stock_of(skus: list[Sku]) -> str:
    """A product's stock is its best SKU's: in stock if any is."""
    return min((s.stock for s in skus), key=STOCK.index, default=OUT_OF_STOCK)


def visible_categories(stored: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """Categories to list, in the merchant's order: not deleted, active, and every ancestor so.

    A cycle of parents (two syncs can make one) hides the categories on it rather than loop.
    """
    def visible(cid: str, path: frozenset[str] = frozenset()) -> bool:
        c = stored.get(cid)
        if c is None or c.get("deleted") or not c.get("active", True) or cid in path:
            return False
        parent = c.get("parent")
        return parent is None or visible(parent, path | {cid})

    shown = [cid for cid in stored if visible(cid)]
    return sorted(shown, key=lambda cid: (int(stored[cid].get("sort") or 0), cid))


def subtree(stored: Mapping[str, Mapping[str, Any]], root: str) -> set[str]:
    """``root`` and every category below it."""
    children: dict[str, list[str]] = {}
    for cid, c in stored.items():
        if c.get("parent"):
            children.setdefault(c["parent"], []).append(cid)
    found, todo = set(), [root]
    while todo:
        cid = todo.pop()
        if cid not in found:
            found.add(cid)
            todo.extend(children.get(cid, ()))
    return found


def sku_key(product_id: str, sku_id: str) -> str:
    """The price history's partition: ids hold no ``#``, so the pair reads back unambiguously."""
    return f"{product_id}#{sku_id}"


_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def is_id(value: str) -> bool:
    return bool(_ID.match(value))
