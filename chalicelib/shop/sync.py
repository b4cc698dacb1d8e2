"""The catalogue the merchant's order system keeps in sync: bulk upserts and deletes.

A batch is checked whole (422 naming the entry and field) before anything is written; then
each entry is applied on its own under the version rule (``rules``), so a batch is not a
transaction: a call that failed half-way is simply sent again, and what was applied answers
``unchanged``. Round trips: one read of the shop item and BatchGets of the products the batch
names, then one write per entry that changes (none for a batch sent twice).
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import msgspec

from chalicelib import errors, messages
from chalicelib.shop import rules, store
from chalicelib.shop.models import PriceChange, Product, Shop
from chalicelib.store.transactions import backoff

log = logging.getLogger(__name__)

# An entry moves under a writer only when another writer wrote it (its version rose), so a
# writer loses at most once per concurrent writer of that entry before it lands or is stale.
ATTEMPTS = 16


class Result(msgspec.Struct, frozen=True):
    """What became of one entry: ``status`` and the version stored now (None: nothing stored)."""

    status: str
    version: int | None


class Synced(msgspec.Struct, frozen=True):
    """Results in the order the entries were sent; ``shop`` only if the profile was sent."""

    shop: Result | None
    categories: list[Result]
    products: list[Result]
    skus: list[Result]

    def counts(self, statuses: tuple[str, ...]) -> dict[str, int]:
        every = [*([self.shop] if self.shop else []), *self.categories, *self.products, *self.skus]
        return {s: sum(r.status == s for r in every) for s in statuses}


UPSERT_STATUSES = (rules.CREATED, rules.UPDATED, rules.UNCHANGED, rules.STALE)
DELETE_STATUSES = (rules.DELETED, rules.UNCHANGED, rules.STALE, rules.NOT_FOUND)


# --- upserts ------------------------------------------------------------------------------------
def check(batch: rules.Upsert, *, limit: int | None = rules.MAX_BATCH) -> list[str]:
    """The batch's problems against what is stored (a loader checks a whole file with ``limit=None``)."""
    return _problems(batch, *_read(batch), limit=limit)


def upsert(batch: rules.Upsert, *, now: datetime) -> Synced:
    """Create or update each entry whose version is newer than the stored one; see ``rules``."""
    shop, products = _read(batch)
    found = _problems(batch, shop, products, limit=rules.MAX_BATCH)
    if found:
        raise errors.ValidationFailed(_joined(found))
    if (batch.shop or batch.categories) and (shop is None or shop.categories is None):
        store.ensure_shop()
        shop = store.shop()
    categories = store.entries(shop.categories) if shop else {}

    profile = None
    if batch.shop is not None:
        s = batch.shop
        held = {"version": int(shop.version), "name": shop.name, "notice": shop.notice} if shop and shop.version else None
        profile = _settle(held, s.version, lambda h: rules.decide(h, s.version, rules.shop_fields(s)),
                          lambda h: store.put_profile(s, h, now=now), _read_profile)
    done_categories = [
        _settle(categories.get(c.category_id), c.version,
                lambda h, c=c: rules.decide(h, c.version, rules.category_fields(c)),
                lambda h, c=c: store.put_category(c, h, now=now),
                lambda i=i, c=c: _category(c.category_id, where=f"categories[{i}].categoryId"))
        for i, c in enumerate(batch.categories)
    ]
    done_products = [
        _settle(_product_entry(products.get(p.product_id)), p.version,
                lambda h, p=p: rules.decide(h, p.version, rules.product_fields(p)),
                lambda h, p=p: store.put_product(p, h, now=now),
                lambda p=p: _product_entry(store.product(p.product_id)))
        for p in batch.products
    ]
    done_skus = [
        _settle(_sku_entry(products.get(s.product_id), s.sku_id), s.version,
                lambda h, s=s: rules.decide(h, s.version, rules.sku_fields(s)),
                lambda h, s=s: store.put_sku(s, h, now=now),
                lambda i=i, s=s: _sku(s.product_id, s.sku_id, where=f"skus[{i}].skuId"))
        for i, s in enumerate(batch.skus)
    ]
    return Synced(profile, done_categories, done_products, done_skus)


# --- deletes ------------------------------------------------------------------------------------
def delete(batch: rules.Delete, *, now: datetime) -> Synced:
    """Versioned deletes: categories and SKUs become tombstones; products go off sale and stay.
    A SKU of a product never sent is ``not_found`` (there is nothing to hold its tombstone)."""
    found = rules.delete_problems(batch)
    if found:
        raise errors.ValidationFailed(_joined(found))
    categories: dict[str, dict[str, Any]] = {}
    if batch.categories:
        shop = store.shop()
        if shop is None or shop.categories is None:
            store.ensure_shop()
        else:
            categories = store.entries(shop.categories)
    products = store.products([p.product_id for p in batch.products] + [s.product_id for s in batch.skus])

    done_categories = [
        _settle(categories.get(c.category_id), c.version,
                lambda h, c=c: rules.decide_delete(h, c.version),
                lambda h, c=c: store.delete_category(c, h, now=now),
                lambda i=i, c=c: _category(c.category_id, where=f"categories[{i}].categoryId"))
        for i, c in enumerate(batch.categories)
    ]
    done_products = [
        _settle(_product_entry(products.get(p.product_id)), p.version,
                lambda h, p=p: rules.decide_delete(h, p.version),
                lambda h, p=p: store.delete_product(p, h, now=now),
                lambda p=p: _product_entry(store.product(p.product_id)))
        for p in batch.products
    ]
    done_skus = []
    for i, s in enumerate(batch.skus):
        product = products.get(s.product_id)
        if product is None:
            done_skus.append(Result(rules.NOT_FOUND, None))
            continue
        done_skus.append(_settle(_sku_entry(product, s.sku_id), s.version,
                                 lambda h, s=s: rules.decide_delete(h, s.version),
                                 lambda h, s=s: store.delete_sku(s, h, now=now),
                                 lambda i=i, s=s: _sku(s.product_id, s.sku_id, where=f"skus[{i}].skuId")))
    return Synced(None, done_categories, done_products, done_skus)


# --- price history ------------------------------------------------------------------------------
class Change(msgspec.Struct, frozen=True):
    """One price change of one SKU: the SKU version that made it, when it was recorded, the prices."""

    product_id: str
    sku_id: str
    version: int
    at: datetime
    old_price: int  # fen
    new_price: int  # fen


def price_drops(day: date, *, cursor: dict | None = None, limit: int = 500) -> tuple[list[Change], dict | None]:
    """One page of the price decreases of China day ``day`` (a SKU may appear once per drop),
    and the cursor of the next page, or None. A Query of the sparse ``by_drop_day`` index: the
    day's drops are all it reads."""
    found, cursor = store.drops(day, cursor=cursor, limit=limit)
    return [_change(c) for c in found], cursor


def history(product_id: str, sku_id: str) -> list[Change]:
    """Every price change of one SKU, oldest first (its creation is not a change)."""
    return [_change(c) for c in store.price_history(product_id, sku_id)]


def _change(c: PriceChange) -> Change:
    return Change(c.product_id, c.sku_id, int(c.version), c.at, int(c.old_price), int(c.new_price))


# --- how each entry settles ---------------------------------------------------------------------
def _settle(held: store.Held, version: int, decide: Callable[[store.Held], str],
            write: Callable[[store.Held], object], reread: Callable[[], store.Held]) -> Result:
    """Decide on the entry as read; write under the condition that it is still so; if it moved,
    read it again and decide again. Unchanged and stale entries cost no write."""
    for attempt in range(ATTEMPTS):
        status = decide(held)
        if status in (rules.UNCHANGED, rules.STALE):
            return Result(status, None if held is None else int(held["version"]))
        try:
            write(held)
            return Result(status, version)
        except store.Moved:
            backoff(min(attempt, 4))  # at most 320 ms between rounds
            held = reread()
    log.warning("catalogue entry still contended after %d attempts", ATTEMPTS)
    raise errors.StorageUnavailable(retry_after=1)


def _read(batch: rules.Upsert) -> tuple[Shop | None, dict[str, Product]]:
    needs_shop = batch.shop is not None or bool(batch.categories) or bool(batch.products)
    ids = [p.product_id for p in batch.products] + [s.product_id for s in batch.skus]
    return (store.shop() if needs_shop else None), store.products(ids)


def _problems(batch: rules.Upsert, shop: Shop | None, products: dict[str, Product], *, limit: int | None) -> list[str]:
    categories = store.entries(shop.categories) if shop else {}
    live = [cid for cid, c in categories.items() if not c.get("deleted")]
    found = rules.problems(batch, categories=live, products=products, limit=limit)
    found += rules.room(batch, categories=categories, skus={pid: store.entries(p.skus) for pid, p in products.items()})
    return found


def _read_profile() -> store.Held:
    shop = store.shop()
    return {"version": int(shop.version), "name": shop.name, "notice": shop.notice} if shop and shop.version else None


def _category(category_id: str, *, where: str) -> store.Held:
    """The category read again after its write was refused; a refused addition to a full map
    (a race past the batch's check) is the sender's to hear about, not a retry."""
    shop = store.shop()
    stored = store.entries(shop.categories) if shop else {}
    if category_id not in stored and len(stored) >= rules.MAX_CATEGORIES:
        raise errors.ValidationFailed(messages.text("VALIDATION_FAILED.categories_full", where=where, most=rules.MAX_CATEGORIES))
    return stored.get(category_id)


def _sku(product_id: str, sku_id: str, *, where: str) -> store.Held:
    """The SKU read again after its write was refused (a full map: as for categories)."""
    p = store.product(product_id)
    stored = store.entries(p.skus) if p else {}
    if p is not None and sku_id not in stored and len(stored) >= rules.MAX_SKUS:
        raise errors.ValidationFailed(messages.text("VALIDATION_FAILED.skus_full", where=where, most=rules.MAX_SKUS))
    return stored.get(sku_id)


def _product_entry(p: Product | None) -> store.Held:
    if p is None:
        return None
    return {"version": int(p.version or 0), "deleted": bool(p.deleted),
            **{name: getattr(p, name) for name in ("name", "category", "image", "summary", "on_sale")}}


def _sku_entry(p: Product | None, sku_id: str) -> store.Held:
    return None if p is None else store.entries(p.skus).get(sku_id)


def _joined(found: list[str], most: int = 10) -> str:
    more = f"; and {len(found) - most} more" if len(found) > most else ""
    return "; ".join(found[:most]) + more + "."
