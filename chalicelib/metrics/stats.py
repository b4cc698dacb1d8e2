"""From metric rows to the figures operators read. Pure: rows in, JSON-ready dicts out."""
from __future__ import annotations

import math
from collections import Counter
from datetime import date, timedelta

from chalicelib.referral.rules import k_factor

Z95 = 1.959964  # two-sided 95% normal quantile
ARMS = ("journeys", "holdout")
RETENTION_MARKS = (1, 7, 30)
OUTCOME_COUNTS = tuple(f"{arm}{what}" for arm in ("treated", "holdout") for what in ("", "Returned", "Ordered"))


def rate(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole else None


def wilson(hits: int, n: int) -> tuple[float, float] | None:
    """The 95% Wilson score interval of ``hits / n``: inside [0, 1] for any sample, and sensible
    at 0 or n hits, where Wald's collapses to a point or leaves the range."""
    if not n:
        return None
    p, z2 = hits / n, Z95 * Z95
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def _share(hits: int, n: int) -> dict:
    """A rate with its whole and its 95% Wilson interval."""
    return {"rate": rate(hits, n), "hits": hits, "n": n, "ci95": _rounded(wilson(hits, n))}


def _rounded(interval: tuple[float, float] | None) -> list[float] | None:
    return None if interval is None else [round(interval[0], 4), round(interval[1], 4)]


def lift(treated: int, treated_hits: int, control: int, control_hits: int) -> dict:
    """Difference of two proportions with its 95% interval by Newcombe's hybrid score method
    (method 10 of Newcombe 1998), built from each rate's Wilson interval: it stays inside
    [-1, 1] and keeps its coverage for small arms, where Wald's does neither. Each rate comes
    with its own Wilson interval and its sample size, so a reader can judge."""
    p1, p0 = rate(treated_hits, treated), rate(control_hits, control)
    sizes = {"treatedN": treated, "holdoutN": control}
    ci1, ci0 = wilson(treated_hits, treated), wilson(control_hits, control)
    rates = {"treatedRate": p1, "holdoutRate": p0, "treatedCi95": _rounded(ci1), "holdoutCi95": _rounded(ci0)}
    if ci1 is None or ci0 is None:
        return {**rates, **sizes, "lift": None, "ci95": None, "significant": False}
    q1, q0 = treated_hits / treated, control_hits / control
    diff = q1 - q0
    low = diff - math.sqrt((q1 - ci1[0]) ** 2 + (ci0[1] - q0) ** 2)
    high = diff + math.sqrt((ci1[1] - q1) ** 2 + (q0 - ci0[0]) ** 2)
    return {**rates, **sizes, "lift": round(diff, 4), "ci95": [round(low, 4), round(high, 4)],
            "significant": low > 0 or high < 0}


def retention(cohort_rows: dict[tuple[str, int], dict], rolled: set[str]) -> dict:
    """Cohorts by first-seen day: size, D1/D7/D30, the curve per arm, active days per user in
    the first 30 days. An offset whose day is not rolled up yet is None, never a false zero."""
    cohorts: dict[str, dict[int, dict]] = {}
    for (first, offset), counts in cohort_rows.items():
        cohorts.setdefault(first, {})[offset] = counts
    out, curve = [], {arm: [[0, 0] for _ in range(31)] for arm in ("all", *ARMS)}
    for first in sorted(cohorts):
        rows, start = cohorts[first], date.fromisoformat(first)
        size = {arm: rows.get(0, {}).get(arm, 0) for arm in ARMS} | {"all": rows.get(0, {}).get("active", 0)}
        if not size["all"]:
            continue
        known = [(start + timedelta(days=o)).isoformat() in rolled for o in range(31)]
        rates = [rate(rows.get(o, {}).get("active", 0), size["all"]) if known[o] else None for o in range(31)]
        for o in (o for o in range(31) if known[o]):
            for arm in curve:
                curve[arm][o][0] += rows.get(o, {}).get("active" if arm == "all" else arm, 0)
                curve[arm][o][1] += size[arm]
        observed = sum(known[:30])
        out.append({
            "day": first, "size": size["all"], "journeys": size["journeys"], "holdout": size["holdout"],
            **{f"d{m}": rates[m] for m in RETENTION_MARKS},
            "curve": rates,
            "activeDaysPerUser": round(sum(rows.get(o, {}).get("active", 0) for o in range(30) if known[o]) / size["all"], 3),
            "observedDays": observed,
        })
    known_offsets = max((o + 1 for o, (_, n) in enumerate(curve["all"]) if n), default=0)
    total = sum(c["size"] for c in out)
    return {
        "cohorts": out,
        "curve": {arm: [rate(hit, n) for hit, n in points[:known_offsets]] for arm, points in curve.items()},
        # Each point's whole: the first-seen users of the cohorts whose day at that offset is rolled up.
        "curveN": {arm: [n for _, n in points[:known_offsets]] for arm, points in curve.items()},
        "marks": {f"d{m}": _share(*curve["all"][m]) for m in RETENTION_MARKS},
        "activeDaysPerUser": round(sum(c["activeDaysPerUser"] * c["size"] for c in out) / total, 3) if total else None,
    }


def repurchase(cohort_rows: dict[tuple[str, int], dict], rolled: set[str]) -> dict:
    """First buyers by first-order day and how many ordered again within 30 and 90 days."""
    by_day: dict[str, Counter] = {}
    for (first, offset), counts in cohort_rows.items():
        c = by_day.setdefault(first, Counter())
        c["buyers"] += counts.get("buyers", 0) if offset == 0 else 0
        for window in (30, 90):
            if offset <= window:
                c[f"within{window}"] += counts.get("second", 0)
    out, totals = [], Counter()
    for first in sorted(by_day):
        c = by_day[first]
        if not c["buyers"]:
            continue
        row = {"day": first, "buyers": c["buyers"]}
        for window in (30, 90):
            matured = (date.fromisoformat(first) + timedelta(days=window)).isoformat() in rolled
            row[f"within{window}"] = c[f"within{window}"]
            row[f"rate{window}"] = rate(c[f"within{window}"], c["buyers"])
            row[f"matured{window}"] = matured
            if matured:
                totals[f"buyers{window}"] += c["buyers"]
                totals[f"within{window}"] += c[f"within{window}"]
        out.append(row)
    return {"cohorts": out,
            "rate30": rate(totals["within30"], totals["buyers30"]), "rate90": rate(totals["within90"], totals["buyers90"]),
            "buyers30": totals["buyers30"], "buyers90": totals["buyers90"],
            "note": "rates over cohorts whose window has fully passed"}


def summed(day_rows: dict[str, dict], section: str) -> dict:
    """A day-row section summed over the days (nested one level, as coupons and behaviour are)."""
    total: dict = {}
    for values in day_rows.values():
        for key, value in values.get(section, {}).items():
            if isinstance(value, dict):
                inner = total.setdefault(key, Counter())
                inner.update(value)
            else:
                total[key] = total.get(key, 0) + value
    return {k: dict(v) if isinstance(v, Counter) else v for k, v in total.items()}


def funnel(day_rows: dict[str, dict]) -> dict:
    total = summed(day_rows, "funnel")
    steps = ["visit", "view", "cart", "checkout", "paid"]
    out = [{"step": s, "userDays": total.get(s, 0)} for s in steps]
    for before, row in zip(out, out[1:]):
        row["fromPrevious"] = rate(row["userDays"], before["userDays"])
    return {"steps": out, "visitToPaid": rate(total.get("paid", 0), total.get("visit", 0)),
            "unit": "user-days: a user counts once per day per step"}


def behaviour(day_rows: dict[str, dict]) -> dict:
    total = summed(day_rows, "behaviour")
    return {key: {**c, **{f"{k}Rate": rate(c.get(k, 0), c.get("users", 0)) for k in ("ordered", "repurchased", "referred")}}
            for key, c in total.items()}


def coupons(day_rows: dict[str, dict]) -> dict:
    total = summed(day_rows, "coupons")
    issued, redeemed = total.get("issued", {}), total.get("redeemed", {})
    return {"bySource": [{"source": s, "issued": issued.get(s, 0), "redeemed": redeemed.get(s, 0),
                          "rate": rate(redeemed.get(s, 0), issued.get(s, 0))} for s in sorted(set(issued) | set(redeemed))],
            "rate": rate(sum(redeemed.values()), sum(issued.values()))}


def campaigns(day_rows: dict[str, dict]) -> dict:
    g, b, r = summed(day_rows, "groupbuy"), summed(day_rows, "bargain"), summed(day_rows, "referral")
    return {
        "groupbuy": {**g, "successRate": rate(g.get("succeeded", 0), g.get("succeeded", 0) + g.get("failed", 0))},
        "bargain": {**b, "completionRate": rate(b.get("completed", 0), b.get("ended", 0))},
        "referral": {**r, "kFactor": round(k_factor(r.get("inviters", 0), r.get("signups", 0)), 3)},
    }


def daily(day_rows: dict[str, dict]) -> list[dict]:
    return [{"day": d, **v.get("active", {}), "paid": v.get("funnel", {}).get("paid", 0),
             "eventsWithoutConsent": sum(v.get("withoutConsent", {}).values())} for d, v in sorted(day_rows.items())]


def wakeup(wakeup_rows: dict[tuple[str, str], dict]) -> dict:
    """Return and order rates of treated users against the holdout, per journey and overall."""
    per: dict[str, Counter] = {}
    for (_, journey), counts in wakeup_rows.items():
        for name in (journey, "all"):
            c = per.setdefault(name, Counter())
            c.update({k: counts.get(k, 0) for k in OUTCOME_COUNTS})
            c["decisionDays"] += 1
            c["completeDays"] += bool(counts.get("complete"))
    out = {}
    for name, c in sorted(per.items()):
        out[name] = {
            "treated": c["treated"], "holdout": c["holdout"],
            "returned": lift(c["treated"], c["treatedReturned"], c["holdout"], c["holdoutReturned"]),
            "ordered": lift(c["treated"], c["treatedOrdered"], c["holdout"], c["holdoutOrdered"]),
            "decisionDays": c["decisionDays"], "completeWindows": c["completeDays"],
        }
    return out
