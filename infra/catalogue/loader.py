"""A catalogue file into the tables, in batches, through the order system's own sync
(``chalicelib.shop.sync``): the same checks, the same version rule, the same price history.

The file is a ``PUT /server/catalogue`` body of any size (``infra/catalogue.sample.json``).
It is checked whole first, so a problem names the entry's position in the file and nothing is
written; then it goes in batches, parents before children. Loading it again changes nothing.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import msgspec

from chalicelib import errors
from chalicelib.shop import rules, sync

SAMPLE = Path(__file__).resolve().parent.parent / "catalogue.sample.json"


class Refused(Exception):
    """The file cannot be loaded as it is; the message names each problem. Nothing was written."""


class Stopped(Exception):
    """A batch was refused after earlier ones were written (the stored catalogue changed under
    the load); loading the file again finishes it."""


def read(path: Path) -> rules.Upsert:
    try:
        return msgspec.json.decode(Path(path).read_bytes(), type=rules.Upsert)
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        raise Refused(f"{path}: {exc}") from exc
    except OSError as exc:
        raise Refused(f"{path}: {exc.strerror}") from exc


def check(doc: rules.Upsert) -> list[str]:
    """The whole file's problems against the stored catalogue (entries named by file position)."""
    return sync.check(doc, limit=None)


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


def load(doc: rules.Upsert, *, now: datetime, size: int = rules.MAX_BATCH,
         say: Callable[[str], None] = lambda _: None) -> dict[str, int]:
    """Check, then upsert in batches; the count of entries by status."""
    found = check(doc)
    if found:
        raise Refused("; ".join(found))
    totals = dict.fromkeys(sync.UPSERT_STATUSES, 0)
    for n, batch in enumerate(batches(doc, size), start=1):
        try:
            counts = sync.upsert(batch, now=now).counts(sync.UPSERT_STATUSES)
        except errors.AppError as exc:
            raise Stopped(f"batch {n}: {exc.message} (the batches before it are loaded)") from exc
        totals = {status: totals[status] + counts[status] for status in totals}
        say(f"batch {n}: {batch.size()} entries, " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    return totals


def _parents_first(categories: list[rules.CategoryIn]) -> list[rules.CategoryIn]:
    parent = {c.category_id: c.parent for c in categories}

    def depth(cid: str) -> int:
        seen = set()
        while parent.get(cid) is not None and cid not in seen:  # a cycle ends the walk
            seen.add(cid)
            cid = parent[cid]  # type: ignore[assignment]
        return len(seen)

    return sorted(categories, key=lambda c: depth(c.category_id))  # stable: file order within a depth
