"""Rebuild the metric rows of any range of China days, against the configured tables.

    python -m chalicelib.metrics.backfill 2026-10-01 2026-11-23

In AWS, run it with the stage's environment (``HUILIU_TABLE_PREFIX``, credentials); locally the
dev stack's. Re-running a range is harmless: every row is rewritten whole.
"""
from __future__ import annotations

import argparse
from datetime import date

from chalicelib.config import utcnow
from chalicelib.metrics import rollup


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("first", type=date.fromisoformat)
    parser.add_argument("last", type=date.fromisoformat)
    args = parser.parse_args()
    if args.first > args.last:
        parser.error("first is after last")
    for report in rollup.backfill(args.first, args.last, now=utcnow()):
        print(f"{report.day}: {report.events} events, {report.users} users, {report.rows} rows", flush=True)


if __name__ == "__main__":
    main()
