"""``make package-check``: the deploy path, as far as CI can follow it without an AWS account.

1. ``chalice package --stage prod``, prepared by ``infra.package`` (policies for any partition,
   gateway responses, no over-reserved concurrency);
2. its zip unpacked and imported by the base interpreter with ``-I -S``: no site-packages, no
   environment, no current directory, so a dependency missing from requirements.txt (the classic
   is wechatpy without its cryptography extra) fails here rather than in Lambda;
3. the packaged template and ``infra/tables.template.json`` linted with cfn-lint;
4. the packaged stage on moto's server (``infra.deploy_check``).
"""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from infra import deploy_check, package
from infra.tables import TEMPLATE

PROBE = """
import sys
sys.path.insert(0, sys.argv[1])
import app
import wechatpy.crypto, jwt, msgspec, pynamodb.models, aws_xray_sdk.core
from chalicelib.tables import MODELS
routes = sum(len(m) for m in app.app.routes.values())
print(f"package ok: {routes} routes, {len(MODELS)} tables, python {sys.version.split()[0]}")
"""


def lint(*paths: Path) -> str:
    """cfn-lint's findings above informational, on each template; raises naming them."""
    from cfnlint.api import lint_all

    for path in paths:
        found = [str(m) for m in lint_all(path.read_text()) if m.rule.severity != "informational"]
        if found:
            raise deploy_check.CheckFailed(f"cfn-lint on {path.name}:\n" + "\n".join(found))
    return f"cfn-lint: {', '.join(p.name for p in paths)} clean"


def main() -> None:
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        out, unpacked = Path(tmp, "out"), Path(tmp, "unpacked")
        try:
            template_path = package.build("prod", out)
        except ValueError as exc:
            sys.exit(str(exc))
        text = template_path.read_text()
        if "/operator/clock" in text:
            sys.exit("the simulated clock is a local-stage control; it must not be in a deployed API")
        with zipfile.ZipFile(out / "deployment.zip") as z:
            z.extractall(unpacked)
        size = (out / "deployment.zip").stat().st_size / 2**20
        base = getattr(sys, "_base_executable", sys.executable)
        result = subprocess.run([base, "-I", "-S", "-c", PROBE, str(unpacked)], capture_output=True, text=True)
        if result.returncode:
            sys.exit(f"the packaged app does not import:\n{result.stderr}")
        print(result.stdout.strip() + f", zip {size:.1f} MiB ({time.monotonic() - started:.0f} s)")
        try:
            print(lint(template_path, TEMPLATE) + f" ({time.monotonic() - started:.0f} s)")
            print(deploy_check.run(json.loads(text), unpacked))
        except deploy_check.CheckFailed as exc:
            sys.exit(f"package check failed: {exc}")
    print(f"package check passed in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
