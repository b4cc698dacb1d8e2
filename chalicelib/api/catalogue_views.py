"""The catalogue, kept in sync by the merchant's order system with the server key."""
from __future__ import annotations

from chalice import Blueprint

from chalicelib import lazy
from chalicelib.api.http import Call, route
from chalicelib.auth.levels import SERVER
from chalicelib.shop import rules

# What the routes run loads with the first request that uses it (chalicelib.lazy), not at cold start.
sync = lazy.module("chalicelib.shop.sync")

bp = Blueprint(__name__)

# Answer types by name: only the OpenAPI generator imports them (chalicelib.api.merchant_answers).
ANSWERS = "chalicelib.api.merchant_answers:"

# A full batch of long entries is about 100 KB; the Lambda takes 6 MB, API Gateway 10 MB.
MAX_BODY = 256 * 1024


@route(bp, "PUT", "/server/catalogue", auth=SERVER, body=rules.Upsert, max_body=MAX_BODY,
       answer=ANSWERS + "CatalogueUpserted")
def upsert(call: Call) -> dict:
    batch: rules.Upsert = call.body
    done = sync.upsert(batch, now=call.now)
    return {
        "shop": None if done.shop is None else _result({}, done.shop),
        **_entries(batch, done),
        "counts": done.counts(sync.UPSERT_STATUSES),
    }


@route(bp, "POST", "/server/catalogue/delete", auth=SERVER, body=rules.Delete, max_body=MAX_BODY,
       answer=ANSWERS + "CatalogueDeleted")
def delete(call: Call) -> dict:
    batch: rules.Delete = call.body
    done = sync.delete(batch, now=call.now)
    return {**_entries(batch, done), "counts": done.counts(sync.DELETE_STATUSES)}


def _entries(batch: rules.Upsert | rules.Delete, done: sync.Synced) -> dict:
    """Each entry's status and the version stored now, in the order sent."""
    return {
        "categories": [_result({"categoryId": c.category_id}, r) for c, r in zip(batch.categories, done.categories)],
        "products": [_result({"productId": p.product_id}, r) for p, r in zip(batch.products, done.products)],
        "skus": [_result({"productId": s.product_id, "skuId": s.sku_id}, r) for s, r in zip(batch.skus, done.skus)],
    }


def _result(ids: dict, r: sync.Result) -> dict:
    return {**ids, "status": r.status, "version": r.version}
