"""Cold start: a fresh interpreter importing the app, against one importing only its floor.

The floor is what any Chalice + PynamoDB app pays (`import boto3, pynamodb.models, chalice`);
the figure that matters is the ratio, measured in the same run on the same machine.

The app is imported as ``make package`` ships it: app.py and chalicelib/ with their bytecode
beside them (``infra.package.with_bytecode``), as the libraries of the floor have theirs. Also
printed, for a stage deployed with plain ``chalice deploy`` (sources only, compiled at every
cold start on Lambda's read-only disk): the same import from the sources.
"""
from __future__ import annotations

import py_compile
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FLOOR = "import boto3, pynamodb.models, chalice"
APP = "import app"
TARGET = 1.2


def once(code: str, cwd: Path = ROOT) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], cwd=cwd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def packaged(into: Path) -> Path:
    """app.py and chalicelib/ as the deployment zip holds them: sources and unchecked bytecode."""
    shutil.copy2(ROOT / "app.py", into / "app.py")
    shutil.copytree(ROOT / "chalicelib", into / "chalicelib", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / ".chalice", into / ".chalice")
    for source in [into / "app.py", *(into / "chalicelib").rglob("*.py")]:
        py_compile.compile(str(source), doraise=True, invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
    return into


def measure(runs: int = 15) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        shipped = packaged(Path(tmp))
        sides = {"floor": (FLOOR, ROOT), "app": (APP, shipped), "source": (APP, ROOT)}
        for code, cwd in sides.values():  # warm the OS file cache for each, equally
            once(code, cwd)
        times: dict[str, list[float]] = {side: [] for side in sides}
        for _ in range(runs):  # interleaved, so drift on the machine hits all alike
            for side, (code, cwd) in sides.items():
                times[side].append(once(code, cwd))
    f, a, s = (statistics.median(times[side]) for side in sides)
    return {"floor_ms": f * 1000, "app_ms": a * 1000, "ratio": a / f, "source_ms": s * 1000, "source_ratio": s / f}


def report() -> str:
    m = measure()
    verdict = "within" if m["ratio"] <= TARGET else "OVER"
    return (
        f"cold start: import app as packaged {m['app_ms']:.0f} ms vs floor {m['floor_ms']:.0f} ms "
        f"= {m['ratio']:.2f}x ({verdict} the {TARGET}x target); from sources only (chalice deploy) "
        f"{m['source_ms']:.0f} ms = {m['source_ratio']:.2f}x"
    )


if __name__ == "__main__":
    print(report())
