"""The simulator's closing report: the load figures, the retention metrics as the operator API
answers them, and PNG charts of both populations."""
from __future__ import annotations

import json
import statistics
from pathlib import Path

from devstack.simulation.client import Load


def percentile(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def load_table(load: Load, floor: list[float], wall_seconds: float) -> dict:
    """Latency per function, and each p50 as a ratio to the floor measured in the same run (a
    request to the app that touches no table): what the function itself costs over the stack."""
    floor_p50 = percentile(floor, 50)
    rows = []
    for function, latencies in sorted(load.latencies.items(), key=lambda kv: -len(kv[1])):
        trips = load.round_trips.get(function, [])
        rows.append({
            "function": function, "calls": len(latencies),
            "p50_ms": round(percentile(latencies, 50) * 1000, 1), "p90_ms": round(percentile(latencies, 90) * 1000, 1),
            "p99_ms": round(percentile(latencies, 99) * 1000, 1),
            "p50_vs_floor": round(percentile(latencies, 50) / floor_p50, 2) if floor_p50 else None,
            "dynamodb_round_trips_mean": round(statistics.fmean(trips), 2) if trips else None,
            "dynamodb_round_trips_max": max(trips) if trips else None,
            "refused_as_expected": load.refusals.get(function, 0),
            "retried_after_503": load.retries.get(function, 0),
        })
    return {
        "requests": load.requests, "wall_seconds": round(wall_seconds, 1),
        "requests_per_second": round(load.requests / wall_seconds, 1) if wall_seconds else None,
        "floor_p50_ms": round(floor_p50 * 1000, 2), "errors": len(load.errors), "first_errors": load.errors[:10],
        "retried_after_503": sum(load.retries.values()),
        "functions": rows,
    }


def print_load(table: dict) -> None:
    print(f"\nLoad: {table['requests']} requests in {table['wall_seconds']} s = {table['requests_per_second']} req/s; "
          f"errors: {table['errors']} (503s retried as Retry-After asks: {table['retried_after_503']}); "
          f"floor (no-table request) p50 {table['floor_p50_ms']} ms")
    print(f"{'function':28} {'calls':>6} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'p50/floor':>9} {'DDB trips':>9} {'refused':>7}")
    for r in table["functions"]:
        trips = "-" if r["dynamodb_round_trips_mean"] is None else f"{r['dynamodb_round_trips_mean']:.1f}/{r['dynamodb_round_trips_max']}"
        print(f"{r['function']:28} {r['calls']:>6} {r['p50_ms']:>8} {r['p90_ms']:>8} {r['p99_ms']:>8} "
              f"{r['p50_vs_floor'] or '-':>9} {trips:>9} {r['refused_as_expected']:>7}")
    for e in table["first_errors"]:
        print(f"  error: {e}")


def pct(x: float | None) -> str:
    return "  –  " if x is None else f"{x * 100:5.1f}%"


def print_metrics(m: dict) -> None:
    r = m["retention"]
    print(f"\nRetention ({m['from']} to {m['to']}; {sum(c['size'] for c in r['cohorts'])} users first seen)")
    for arm, label in (("journeys", "journeys on"), ("holdout", "journeys off (holdout)"), ("all", "everyone")):
        curve = r["curve"][arm]
        marks = "  ".join(f"D{d} {pct(curve[d] if d < len(curve) else None)}" for d in (1, 7, 14, 30))
        print(f"  {label:24} {marks}")
    print(f"  active days per user in the first 30 days: {r['activeDaysPerUser']}")
    rp = m["repurchase"]
    print(f"Repurchase within 30 days: {pct(rp['rate30'])}  (cohorts whose 30 days have passed)")
    steps = " → ".join(f"{s['step']} {s['userDays']}" for s in m["funnel"]["steps"])
    print(f"Funnel (user-days): {steps}")
    print(f"Events of people who did not agree to the privacy notice (counted only): "
          f"{sum(d.get('eventsWithoutConsent', 0) for d in m['daily'])}")
    print("Coupons: " + ", ".join(f"{s['source']} {s['redeemed']}/{s['issued']}" for s in m["coupons"]["bySource"]))
    c = m["campaigns"]
    print(f"Group-buy success {pct(c['groupbuy']['successRate'])}, bargain completion {pct(c['bargain']['completionRate'])}, "
          f"referral K-factor {c['referral']['kFactor']} ({c['referral']['signups']} signups)")
    print("Wake-up lift (came back within 7 days, treated vs holdout, 95% CI):")
    for journey, w in m["wakeup"].items():
        ret = w["returned"]
        ci = "n/a" if ret["ci95"] is None else f"[{ret['ci95'][0] * 100:+.1f}, {ret['ci95'][1] * 100:+.1f}] pt"
        lift = "n/a" if ret["lift"] is None else f"{ret['lift'] * 100:+.1f} pt"
        print(f"  {journey:14} treated {w['treated']:5} {pct(ret['treatedRate'])}  holdout {w['holdout']:5} "
              f"{pct(ret['holdoutRate'])}  lift {lift} {ci}{'  significant' if ret['significant'] else ''}")


def charts(m: dict, out: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out.mkdir(parents=True, exist_ok=True)
    made = []

    fig, ax = plt.subplots(figsize=(8, 4.5))
    for arm, colour, label in (("journeys", "#c2410c", "journeys on"), ("holdout", "#2563eb", "journeys off (holdout)")):
        curve = [None if x is None else x * 100 for x in m["retention"]["curve"][arm]]
        ax.plot(range(len(curve)), curve, marker="o", markersize=3, color=colour, label=label)
    ax.set(xlabel="days since first visit", ylabel="% of cohort active", title="Retention: journeys on vs off")
    ax.legend(), ax.grid(alpha=0.3)
    made.append(_save(fig, out / "retention.png"))

    days = m["daily"]
    fig, ax = plt.subplots(figsize=(9, 4.5))
    labels = [d["day"][5:] for d in days]
    on, off = [d.get("journeys", 0) for d in days], [d.get("holdout", 0) for d in days]
    ax.bar(labels, on, color="#c2410c", label="journeys on")
    ax.bar(labels, off, bottom=on, color="#2563eb", label="holdout")
    ax.plot(labels, [d.get("paid", 0) for d in days], color="#16a34a", marker="o", label="paid orders")
    ax.set(title="Daily active users and orders"), ax.legend(), ax.tick_params(axis="x", rotation=60)
    made.append(_save(fig, out / "daily.png"))

    steps = m["funnel"]["steps"]
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.barh([s["step"] for s in steps][::-1], [s["userDays"] for s in steps][::-1], color="#c2410c")
    ax.set(title="Funnel (user-days)")
    made.append(_save(fig, out / "funnel.png"))

    lifts = {j: w["returned"] for j, w in m["wakeup"].items() if w["returned"]["lift"] is not None}
    fig, ax = plt.subplots(figsize=(7, 4))
    names = list(lifts)
    values = [lifts[j]["lift"] * 100 for j in names]
    errors = [[(lifts[j]["lift"] - lifts[j]["ci95"][0]) * 100 for j in names],
              [(lifts[j]["ci95"][1] - lifts[j]["lift"]) * 100 for j in names]]
    ax.bar(names, values, yerr=errors, capsize=6, color="#c2410c")
    ax.axhline(0, color="#475569", linewidth=1)
    ax.set(ylabel="percentage points", title="Wake-up lift in 7-day return, with 95% CI")
    made.append(_save(fig, out / "wakeup_lift.png"))
    return made


def _save(fig, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    import matplotlib.pyplot as plt

    plt.close(fig)
    return path


def write_json(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1))
