"""Cold start: a fresh interpreter importing the app, against one importing only its floor.

The floor is what any Chalice + PynamoDB app pays (`import boto3, pynamodb.models, chalice`);
the figure that matters is the ratio, measured in the same run on the same machine.
"""
from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FLOOR = "import boto3, pynamodb.models, chalice"
APP = "import app"
TARGET = 1.2


def once(code: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def measure(runs: int = 15) -> dict[str, float]:
    once(FLOOR), once(APP)  # warm the OS file cache for both, equally
    floor, app = [], []
    for _ in range(runs):  # interleaved, so drift on the machine hits both alike
        floor.append(once(FLOOR))
        app.append(once(APP))
    f, a = statistics.median(floor), statistics.median(app)
    return {"floor_ms": f * 1000, "app_ms": a * 1000, "ratio": a / f}


def report() -> str:
    m = measure()
    verdict = "within" if m["ratio"] <= TARGET else "OVER"
    return (
        f"cold start: import app {m['app_ms']:.0f} ms vs floor {m['floor_ms']:.0f} ms "
        f"= {m['ratio']:.2f}x ({verdict} the {TARGET}x target)"
    )


if __name__ == "__main__":
    print(report())
