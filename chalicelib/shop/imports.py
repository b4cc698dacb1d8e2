"""A file of the merchant's goods, one row a SKU, as the order system exports it (CSV or JSON; the
console reads the file and sends its rows), into the catalogue through the order system's own
sync (``chalicelib.shop.sync``): the same checks, the same version rule, the same price history.

Columns (the sync's names): ``productId``, ``skuId``, ``name``, ``category``, ``price`` (yuan, as
a person writes it: ``12.80``), and optionally ``listPrice`` (yuan), ``stock`` (in_stock, low,
out_of_stock, or 有货/紧张/缺货), ``onSale`` (true/false, 是/否, 1/0), ``image``, ``summary``,
``version``. An empty optional cell keeps what is stored (a new SKU: the sync's default); a SKU's
spec is kept as stored. Rows of one product after its first may leave its fields empty, or repeat them.

``version`` is the order system's; a file without it (a merchant's own sheet) gets the stored
version where the row changes nothing, and the stored version + 1 where it does, as a console
edit (``edits``) does: so importing a file again changes nothing.

The whole file is checked first and refused row by row (the file's row numbers, in Chinese), with
nothing written; then it goes in the loader's batches (``batches``), products before SKUs.
"""
from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

import msgspec

from chalicelib import errors, messages
from chalicelib.shop import rules, store, sync, wording
from chalicelib.shop.batches import batches

MAX_ROWS = 500  # a call's rows: 1,000 entries, five sync batches, well inside API Gateway's 29 s
REQUIRED = ("productId", "skuId", "name", "category", "price")
OPTIONAL = ("listPrice", "stock", "onSale", "image", "summary", "version")
PRODUCT_FIELDS = ("name", "category", "onSale", "image", "summary")
STOCK_WORDS = {"有货": rules.IN_STOCK, "紧张": rules.LOW, "缺货": rules.OUT_OF_STOCK}
YES = {"true", "1", "yes", "y", "是", "在售", "上架"}
NO = {"false", "0", "no", "n", "否", "下架"}
_YUAN = re.compile(r"^\d{1,8}(\.\d{1,2})?$")
_WHOLE = re.compile(r"^\d{1,16}$")

Cell = str | int | float | bool | None
Row = Annotated[dict[Annotated[str, msgspec.Meta(max_length=32)], Cell], msgspec.Meta(max_length=16)]


class ImportBody(msgspec.Struct, rename="camel", forbid_unknown_fields=True):
    """``rows``: the file's data rows, each column → its cell; ``firstRow``: the file's number of
    ``rows[0]`` (a CSV's first data row is its row 2, under the header)."""

    rows: Annotated[list[Row], msgspec.Meta(max_length=MAX_ROWS)]
    first_row: Annotated[int, msgspec.Meta(ge=1, le=1_000_000)] = 1


class _Bad(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


def parse(body: Any) -> ImportBody:
    rows = body.get("rows") if isinstance(body, dict) else None
    if isinstance(rows, list) and len(rows) > MAX_ROWS:
        said = messages.text("IMPORT_TOO_MANY").format(most=MAX_ROWS)
        raise errors.ImportRowsInvalid([{"row": 0, "field": "", "message": said}],
                                       messages.text("IMPORT_ROWS_INVALID") + said)
    try:
        return msgspec.convert(body, ImportBody)
    except msgspec.ValidationError as exc:
        field, why = wording.refusal(exc)
        raise errors.ValidationFailed(messages.text("IMPORT_ROWS_INVALID") + (f"{field}: {why}" if field else why)) from exc


def load(body: ImportBody, *, now: datetime) -> dict[str, Any]:
    """Check the rows, then upsert them; the counts by status and each row's SKU status."""
    batch, row_of_sku = _batch(body)
    product_status: dict[str, str] = {}
    sku_status: dict[tuple[str, str], str] = {}
    totals = dict.fromkeys(sync.UPSERT_STATUSES, 0)
    for part in batches(batch):
        done = sync.upsert(part, now=now)
        product_status |= {p.product_id: r.status for p, r in zip(part.products, done.products)}
        sku_status |= {(s.product_id, s.sku_id): r.status for s, r in zip(part.skus, done.skus)}
        totals = {k: totals[k] + v for k, v in done.counts(sync.UPSERT_STATUSES).items()}
    rows = [{"row": row, "productId": s.product_id, "skuId": s.sku_id, "product": product_status[s.product_id],
             "sku": sku_status[(s.product_id, s.sku_id)]} for s, row in zip(batch.skus, row_of_sku)]
    return {"counts": totals, "products": len(batch.products), "rows": rows}


def _batch(body: ImportBody) -> tuple[rules.Upsert, list[int]]:
    """The rows as one sync document (products in order of first appearance, a SKU a row), with
    each SKU's row number and each product's first row; refused whole with every row's problems."""
    if not body.rows:
        raise errors.ImportRowsInvalid([{"row": 0, "field": "", "message": messages.text("IMPORT_EMPTY")}],
                                       messages.text("IMPORT_ROWS_INVALID") + messages.text("IMPORT_EMPTY"))
    numbered = [(body.first_row + i, {k.strip(): _cell(v) for k, v in row.items()}) for i, row in enumerate(body.rows)]
    ids = {r.get("productId") for _, r in numbered if r.get("productId")}
    stored = store.products([i for i in ids if rules.is_id(i)])
    bad: list[dict[str, Any]] = []

    first: dict[str, tuple[int, dict[str, str]]] = {}
    products: dict[str, rules.ProductIn] = {}
    skus: list[rules.SkuIn] = []
    row_of_sku: list[int] = []
    for row, cells in numbered:
        try:
            pid = _product(row, cells, first, products, stored)
            skus.append(_sku(pid, cells, stored.get(pid)))
            row_of_sku.append(row)
        except _Bad as exc:
            bad.append({"row": row, "field": exc.field, "message": exc.message})
    rows_of_product = {pid: first[pid][0] for pid in products}
    batch = rules.Upsert(products=list(products.values()), skus=skus)
    if batch.size():  # the rows that parsed, checked by the sync too: every problem at once
        row_of = {("skus", i): row for i, row in enumerate(row_of_sku)}
        row_of |= {("products", i): rows_of_product[p.product_id] for i, p in enumerate(batch.products)}
        for text in sync.check(batch, limit=None):
            w = wording.problem(text, row_of=row_of)
            bad.append({"row": row_of.get((w.kind, w.index), 0) if w.kind else 0, "field": w.field, "message": w.message})
    if bad:
        bad.sort(key=lambda b: b["row"])
        said = "；".join(messages.text("IMPORT_ROW").format(**b) for b in bad[:10])
        raise errors.ImportRowsInvalid(bad, messages.text("IMPORT_ROWS_INVALID") + said)
    return batch, row_of_sku


def _product(row: int, cells: dict[str, str], first: dict[str, tuple[int, dict[str, str]]],
             products: dict[str, rules.ProductIn], stored: dict[str, Any]) -> str:
    unknown = [k for k in cells if k not in REQUIRED + OPTIONAL]
    if unknown:
        raise _Bad(unknown[0], messages.text("IMPORT_FIELD_UNKNOWN").format(field=unknown[0]))
    missing = [k for k in REQUIRED if not cells.get(k)]
    if missing:
        raise _Bad(missing[0], messages.text("IMPORT_FIELD_MISSING").format(field=missing[0]))
    pid = cells["productId"]
    if pid in first:
        seen_row, seen = first[pid]
        for field in PRODUCT_FIELDS:
            # A later row may leave the product's cells empty; one it fills must say what the first said.
            if cells.get(field) and cells[field] != seen.get(field, ""):
                raise _Bad(field, messages.text("IMPORT_DISAGREES").format(field=field, other=seen_row))
        if cells.get("version") and pid in products:
            version = _version(cells["version"])  # the product's version: the newest of its rows'
            if version > products[pid].version:
                products[pid] = msgspec.structs.replace(products[pid], version=version)
        return pid
    held = stored.get(pid)
    fields = {
        "productId": pid, "name": cells["name"], "category": cells["category"],
        "image": cells.get("image") or (held.image if held else "") or "",
        "summary": cells.get("summary") or (held.summary if held else "") or "",
        "onSale": _yes(cells["onSale"]) if cells.get("onSale") else (bool(held.on_sale) if held else True),
    }
    p = _convert(fields | {"version": 1}, rules.ProductIn)
    if cells.get("version"):
        version = _version(cells["version"])
    else:
        same = held is not None and not held.deleted and {
            "name": held.name or "", "category": held.category or "", "image": held.image or "",
            "summary": held.summary or "", "on_sale": bool(held.on_sale)} == rules.product_fields(p)
        version = int(held.version or 0) + (0 if same else 1) if held is not None else 1
    first[pid] = (row, cells)
    products[pid] = msgspec.structs.replace(p, version=version)
    return pid


def _sku(pid: str, cells: dict[str, str], held_product: Any) -> rules.SkuIn:
    held = store.entries(held_product.skus).get(cells["skuId"]) if held_product is not None else None
    fields = {
        "productId": pid, "skuId": cells["skuId"], "price": _fen("price", cells["price"]),
        "listPrice": _fen("listPrice", cells["listPrice"]) if cells.get("listPrice") else (held or {}).get("list_price"),
        "stock": _stock(cells["stock"]) if cells.get("stock") else (held or {}).get("stock") or rules.IN_STOCK,
        "spec": dict((held or {}).get("spec") or {}),
    }
    s = _convert(fields | {"version": 1}, rules.SkuIn)
    if cells.get("version"):
        version = _version(cells["version"])
    elif held is None:
        version = 1
    else:
        same = not held.get("deleted") and all(held.get(k) == v for k, v in rules.sku_fields(s).items())
        version = int(held.get("version") or 0) + (0 if same else 1)
    return msgspec.structs.replace(s, version=version)


def _convert(fields: dict[str, Any], kind: type) -> Any:
    try:
        return msgspec.convert(fields, kind)
    except msgspec.ValidationError as exc:
        field, why = wording.refusal(exc)
        raise _Bad(field, why) from exc


def _cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip()


def _fen(field: str, text: str) -> int:
    if not _YUAN.match(text):
        raise _Bad(field, wording.invalid(field))
    whole, _, part = text.partition(".")
    fen = int(whole) * 100 + int(part.ljust(2, "0") or 0)
    if not 0 < fen <= rules.MAX_PRICE:
        raise _Bad(field, wording.invalid(field))
    return fen


def _stock(text: str) -> str:
    value = STOCK_WORDS.get(text, text.lower())
    if value not in rules.STOCK:
        raise _Bad("stock", wording.invalid("stock"))
    return value


def _yes(text: str) -> bool:
    if text.lower() in YES:
        return True
    if text.lower() in NO:
        return False
    raise _Bad("onSale", wording.invalid("onSale"))


def _version(text: str) -> int:
    if not _WHOLE.match(text) or not 1 <= int(text) <= rules.MAX_VERSION:
        raise _Bad("version", wording.invalid("version"))
    return int(text)
