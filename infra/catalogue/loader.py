"""A catalogue file into the tables, in batches, through the order system's own sync
(``chalicelib.shop.sync``): the same checks, the same version rule, the same price history.

The file is a ``PUT /server/catalogue`` body of any size (``infra/catalogue.sample.json``).
It is checked whole first, so a problem names the entry's position in the file and nothing is
written; then it goes in batches, parents before children. Loading it again changes nothing.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import msgspec

from chalicelib import errors
from chalicelib.shop import rules, sync
from chalicelib.shop.batches import batches

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
