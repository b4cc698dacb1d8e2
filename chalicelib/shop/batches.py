"""A catalogue of any size as sync batches (``chalicelib.shop.sync`` takes ``rules.MAX_BATCH``
entries a call): the command-line loader's files and the console's imports go in the same way."""
from __future__ import annotations

from collections.abc import Iterator

from chalicelib.shop import rules


def batches(doc: rules.Upsert, size: int = rules.MAX_BATCH) -> Iterator[rules.Upsert]:
    """The file in batches of at most ``size`` entries: the profile and categories (parents
    first) before products, products before SKUs, so each batch names only what is stored."""
    entries: list[tuple[str, object]] = [("shop", doc.shop)] if doc.shop is not None else []
    entries += [("categories", c) for c in _parents_first(doc.categories)]
    entries += [("products", p) for p in doc.products] + [("skus", s) for s in doc.skus]
    for start in range(0, len(entries), size):
        chunk = entries[start:start + size]
        yield rules.Upsert(
            shop=next((e for kind, e in chunk if kind == "shop"), None),  # type: ignore[arg-type]
            categories=[e for kind, e in chunk if kind == "categories"],  # type: ignore[misc]
            products=[e for kind, e in chunk if kind == "products"],  # type: ignore[misc]
            skus=[e for kind, e in chunk if kind == "skus"],  # type: ignore[misc]
        )


def _parents_first(categories: list[rules.CategoryIn]) -> list[rules.CategoryIn]:
    parent = {c.category_id: c.parent for c in categories}

    def depth(cid: str) -> int:
        seen = set()
        while parent.get(cid) is not None and cid not in seen:  # a cycle ends the walk
            seen.add(cid)
            cid = parent[cid]  # type: ignore[assignment]
        return len(seen)

    return sorted(categories, key=lambda c: depth(c.category_id))  # stable: file order within a depth
