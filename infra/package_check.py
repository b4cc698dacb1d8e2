"""``make package-check``: ``chalice package`` builds, and its zip imports ``app`` on its own.

The zip is unpacked and imported by the base interpreter with ``-I -S``: no site-packages, no
environment, no current directory, so a dependency missing from requirements.txt (the classic
is wechatpy without its cryptography extra) fails here rather than in Lambda.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROBE = """
import sys
sys.path.insert(0, sys.argv[1])
import app
import wechatpy.crypto, jwt, msgspec, pynamodb.models, aws_xray_sdk.core
from chalicelib.tables import MODELS
routes = sum(len(m) for m in app.app.routes.values())
print(f"package ok: {routes} routes, {len(MODELS)} tables, python {sys.version.split()[0]}")
"""


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out, unpacked = Path(tmp, "out"), Path(tmp, "unpacked")
        env = {**{k: v for k, v in os.environ.items() if k != "HUILIU_STAGE"},
               "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", "ap-east-1")}
        chalice = Path(sys.executable).parent / "chalice"
        subprocess.run([str(chalice), "package", "--stage", "prod", str(out)], cwd=ROOT, env=env, check=True)
        if "/operator/clock" in (out / "sam.json").read_text():
            sys.exit("the simulated clock is a local-stage control; it must not be in a deployed API")
        with zipfile.ZipFile(out / "deployment.zip") as z:
            z.extractall(unpacked)
        size = (out / "deployment.zip").stat().st_size / 2**20
        base = getattr(sys, "_base_executable", sys.executable)
        result = subprocess.run([base, "-I", "-S", "-c", PROBE, str(unpacked)], capture_output=True, text=True)
        if result.returncode:
            sys.exit(f"the packaged app does not import:\n{result.stderr}")
        print(result.stdout.strip() + f", zip {size:.1f} MiB")


if __name__ == "__main__":
    main()
