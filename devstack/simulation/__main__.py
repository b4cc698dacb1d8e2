"""``make simulate``: a synthetic population uses the running local stack (``make dev``) day by
day on the simulated clock, then the metrics report, PNG charts and the load figures.

    python -m devstack.simulation [--users 300] [--days 28] [--holdout 50] [--workers 4] [--seed 7]

The simulated weeks end yesterday, so the dashboard's default range shows them. The clock is
given back to real time at the end, even after Ctrl-C.
"""
from __future__ import annotations

import argparse
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

from tqdm import tqdm

from devstack.simulation import report
from devstack.simulation.client import OPERATOR, Client, Load, Unexpected
from devstack.simulation.population import Population
from devstack.simulation.world import CHINA, World

FLOOR_SAMPLES = 60


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Simulate a population against the local stack.")
    parser.add_argument("--users", type=int, default=300, help="organic new users over the whole run (invitees come on top)")
    parser.add_argument("--days", type=int, default=28)
    parser.add_argument("--holdout", type=int, default=50, help="percent of users in the journeys-off population (0-50)")
    parser.add_argument("--workers", type=int, default=4, help="concurrent sessions")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--api", default="http://127.0.0.1:8080")
    parser.add_argument("--wechat", default="http://127.0.0.1:8090")
    parser.add_argument("--out", type=Path, default=Path("simulation-report"))
    args = parser.parse_args(argv)
    if not 0 <= args.holdout <= 50 or args.days < 1 or args.users < 1:
        parser.error("--holdout is 0 to 50; --days and --users at least 1")

    load = Load()
    api, wechat = Client(args.api, load), Client(args.wechat, Load())
    try:
        api.call("operator-clock-get", "GET", "/operator/clock", headers=OPERATOR)
    except Unexpected:
        print(f"No local stack answers at {args.api} (with the simulated clock). Start it first, in another "
              "terminal: make dev", file=sys.stderr)
        return 2

    run = "s" + uuid.uuid4().hex[:6]
    today = datetime.now(timezone.utc).astimezone(CHINA).date()
    first_day = today - timedelta(days=args.days)
    world = World(api, wechat, Population(run, args.seed), first_day=first_day, workers=args.workers, seed=args.seed)
    per_day = [args.users // args.days + (1 if i < args.users % args.days else 0) for i in range(args.days)]
    print(f"Simulating run {run}: {args.users} users arriving over {args.days} days ({first_day} to "
          f"{today - timedelta(days=1)}), {args.holdout}% held out of every wake-up journey, {args.workers} workers.")

    started = time.perf_counter()
    try:
        floor = [_floor(api) for _ in range(FLOOR_SAMPLES)]
        world.prepare(args.holdout)
        with tqdm(total=args.days, unit="day", desc="simulated days") as bar:
            for index in range(args.days):
                world.day(index, per_day[index])
                bar.update(1)
                bar.set_postfix(users=len(world.population.people), messages=world.sent_messages,
                                errors=len(load.errors))
    except Unexpected as exc:
        print(f"\nThe run stopped: {exc} failed outside a visit; first errors: {load.errors[:3]}", file=sys.stderr)
        return 1
    finally:
        _real_time(api)
    wall = time.perf_counter() - started

    last = (first_day + timedelta(days=args.days - 1)).isoformat()
    query = f"from={first_day.isoformat()}&to={last}"
    metrics = api.call("operator-metrics", "GET", f"/operator/metrics/all?{query}", headers=OPERATOR).body
    table = report.load_table(load, floor, wall)
    report.print_metrics(metrics)
    report.print_load(table)
    report.write_json(args.out / "report.json", {"run": run, "metrics": metrics, "load": table})
    pictures = report.charts(metrics, args.out)
    print(f"\nCharts: {', '.join(str(p) for p in pictures)}; figures in {args.out / 'report.json'}")
    print(f"Console (数据概览, the simulated days): {args.api}/admin?{query}")
    return 1 if load.errors else 0


def _real_time(api: Client) -> None:
    try:
        api.call("operator-clock-set", "PUT", "/operator/clock", {"now": None}, headers=OPERATOR)
    except Unexpected:
        print("Could not give the stack its real clock back: restart make dev.", file=sys.stderr)


def _floor(api: Client) -> float:
    """One request through the whole stack that reads no table: what any call costs at least."""
    before = time.perf_counter()
    api.call("floor", "GET", "/operator/clock", headers=OPERATOR)
    return time.perf_counter() - before


if __name__ == "__main__":
    sys.exit(main())
