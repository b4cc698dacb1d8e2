"""What each journey and step came to: counters added after each decision that is recorded once.

A counter is added by ``UpdateItem ADD`` on one of ``STATS_SHARDS`` items of the journey's
version (the user's shard), right after the conditional write that made the decision; a worker
that dies between the two leaves the count one short, never one too many (the redelivered unit
finds its decision made and adds nothing). The decisions themselves (``sends``, progress) are
the record; these counters are what the console reads without a scan.

Names: ``entered``, ``holdout``, ``done``, ``exited``, ``converted``, ``holdout_converted``,
``reached:<step>``, ``sent:<step>``, ``holdout:<step>`` (what a held-out user would have been sent), ``skipped:<step>:<reason>``, ``failed:<step>:<reason>``,
``variant:<step>:<name>``, ``waiting`` and ``waiting:<step>`` (up on entering a delay or wait,
down on leaving it).
"""
from __future__ import annotations

import logging
import zlib
from collections import Counter
from typing import Any

from chalicelib.journeys.models import STATS_SHARDS, JourneyStats
from chalicelib.metrics import stats as figures
from chalicelib.store import raw

log = logging.getLogger(__name__)


def shard(user_id: str) -> int:
    return zlib.crc32(user_id.encode()) % STATS_SHARDS


def add(journey_id: str, version: int, user_id: str, counts: dict[str, int]) -> None:
    """Add ``counts``; a failure is logged, never raised: the decision it counts is already made."""
    counts = {k: v for k, v in counts.items() if v}
    if not counts:
        return
    names = {f"#c{i}": name for i, name in enumerate(counts)}
    values = {f":c{i}": {"N": str(v)} for i, v in enumerate(counts.values())}
    try:
        raw.send(JourneyStats, "UpdateItem", {
            "Key": {"journey_id": {"S": journey_id}, "shard": {"S": f"{version}#{shard(user_id)}"}},
            "UpdateExpression": "ADD " + ", ".join(f"{n} {v}" for n, v in zip(names, values)),
            "ExpressionAttributeNames": names, "ExpressionAttributeValues": values,
        })
    except Exception:  # noqa: BLE001
        log.warning("journey counters not added", extra={"journey": journey_id, "counts": counts}, exc_info=True)


def read(journey_id: str) -> dict[int, Counter]:
    """Every version's counters, summed over its shards."""
    out: dict[int, Counter] = {}
    for item in raw_items(journey_id):
        version = int(item["shard"]["S"].split("#")[0])
        counter = out.setdefault(version, Counter())
        for name, stored in item.items():
            if "N" in stored:
                counter[name] += int(stored["N"])
    return out


def raw_items(journey_id: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    start = None
    while True:
        params: dict[str, Any] = {"KeyConditionExpression": "journey_id = :j",
                                  "ExpressionAttributeValues": {":j": {"S": journey_id}}, "ConsistentRead": True}
        if start:
            params["ExclusiveStartKey"] = start
        answer = raw.send(JourneyStats, "Query", params)
        items += answer.get("Items", [])
        start = answer.get("LastEvaluatedKey")
        if not start:
            return items


def report(journey_id: str, steps: list[dict[str, Any]]) -> dict[str, Any]:
    """The console's figures: totals over all versions, per step, and the lift against the holdout."""
    total: Counter = Counter()
    by_version = read(journey_id)
    for counter in by_version.values():
        total.update(counter)
    entered, held = total["entered"], total["holdout"]
    treated = entered - held
    out_steps = []
    for step in steps:
        sid = step["id"]
        out_steps.append({
            "id": sid, "type": step["type"], "name": step.get("name", ""),
            "reached": total[f"reached:{sid}"], "waiting": max(0, total[f"waiting:{sid}"]), "sent": total[f"sent:{sid}"],
            "heldOut": total[f"holdout:{sid}"],
            "converted": total[f"converted:{sid}"],
            "skipped": _by_prefix(total, f"skipped:{sid}:"), "failed": _by_prefix(total, f"failed:{sid}:"),
            "variants": _by_prefix(total, f"variant:{sid}:"),
        })
    return {
        "entered": entered, "holdout": held, "waiting": max(0, total["waiting"]), "done": total["done"],
        "exited": total["exited"], "converted": total["converted"], "holdoutConverted": total["holdout_converted"],
        "lift": figures.lift(treated, total["converted"], held, total["holdout_converted"]),
        "versions": {str(v): {"entered": c["entered"], "converted": c["converted"]} for v, c in sorted(by_version.items())},
        "steps": out_steps,
    }


def _by_prefix(counter: Counter, prefix: str) -> dict[str, int]:
    return {name[len(prefix):]: n for name, n in counter.items() if name.startswith(prefix) and n}
