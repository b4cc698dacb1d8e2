"""``make package``: ``chalice package`` for a stage, and the template made ready for any account.

    python -m infra.package --stage prod build/prod

writes ``build/prod/deployment.zip`` and ``build/prod/sam.json``, after ``chalice package``:

- each function's role gets the stage's policy with ``${AWS::Partition}``, ``${AWS::Region}``
  and ``${AWS::AccountId}`` (``infra.policy``), so the template deploys in any partition (AWS
  China's ``aws-cn`` too) and names this account's resources only;
- the API definition gets the gateway responses in our error shape (``infra.gateway``);
- it refuses a template that reserves more concurrency than a new account can give (1,000 in
  all, 100 of which must stay unreserved);
- the zip gets the bytecode of every module in it (``with_bytecode``): Lambda's code directory
  is read-only, so without it every cold start compiles the app and its libraries from source.

Deploy it with ``aws cloudformation package`` (uploads the zip) and ``deploy`` (README).
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import py_compile
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from chalicelib import config
from infra import gateway, policy

ROOT = Path(__file__).resolve().parent.parent
# A new account's concurrency, less the 100 AWS keeps unreserved (Lambda quotas).
RESERVABLE = 1000 - 100
RUNTIME = (3, 11)  # .chalice/config.json's python3.11: bytecode is only valid for the same minor version


def functions(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The template's functions by logical id: their properties."""
    return {name: r["Properties"] for name, r in template["Resources"].items()
            if r["Type"] in ("AWS::Serverless::Function", "AWS::Lambda::Function")}


def prepared(template: dict[str, Any], stage: str) -> dict[str, Any]:
    """``chalice package``'s template with our policies and gateway responses; raises
    ValueError when it could not deploy to a new account."""
    reserved = sum(p.get("ReservedConcurrentExecutions", 0) for p in functions(template).values())
    if reserved > RESERVABLE:
        raise ValueError(f"the functions reserve {reserved} concurrent executions; a new account can reserve "
                         f"{RESERVABLE} (.chalice/config.json reserved_concurrency)")
    document = policy.for_cloudformation(stage)
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::IAM::Role":
            for attached in resource["Properties"].get("Policies", []):
                attached["PolicyDocument"] = document
        if resource["Type"] == "AWS::Serverless::Api":
            resource["Properties"]["DefinitionBody"][gateway.EXTENSION] = gateway.extension()
    return template


def build(stage: str, out: Path) -> Path:
    """Run ``chalice package`` into ``out`` and prepare its template; returns the template's path."""
    # The stage must come from the config, never from a shell's HUILIU_STAGE: the local stage's
    # routes (the simulated clock) must not be packaged.
    env = {**{k: v for k, v in os.environ.items() if k != "HUILIU_STAGE"},
           "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", config.DEFAULT_REGION)}
    chalice = Path(sys.executable).parent / "chalice"
    subprocess.run([str(chalice), "package", "--stage", stage, str(out)], cwd=ROOT, env=env, check=True)
    path = out / "sam.json"
    path.write_text(json.dumps(prepared(json.loads(path.read_text()), stage), indent=2) + "\n")
    with_bytecode(out / "deployment.zip")
    return path


def with_bytecode(zip_path: Path) -> int:
    """Add ``__pycache__/<module>.cpython-311.pyc`` beside every module in the zip; returns how many.

    Unchecked-hash bytecode (PEP 552): the zip keeps file times to two seconds only, so
    timestamp-checked bytecode could be judged stale and compiled again at every cold start; the
    sources in a deployed zip never change under their bytecode.
    """
    if sys.version_info[:2] != RUNTIME:
        print(f"no bytecode added: this is Python {sys.version_info[0]}.{sys.version_info[1]}, "
              f"the functions run {RUNTIME[0]}.{RUNTIME[1]}", file=sys.stderr)
        return 0
    added = 0
    with zipfile.ZipFile(zip_path) as z:
        names = set(z.namelist())
    with tempfile.TemporaryDirectory() as tmp, zipfile.ZipFile(zip_path, "a", zipfile.ZIP_DEFLATED) as z:
        for name in sorted(names):
            if not name.endswith(".py"):
                continue
            cached = importlib.util.cache_from_source(name)
            if cached in names:
                continue
            source, target = Path(tmp, "src.py"), Path(tmp, "out.pyc")
            source.write_bytes(z.read(name))
            try:
                py_compile.compile(str(source), str(target), dfile=name, doraise=True,
                                   invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
            except py_compile.PyCompileError:  # a library's file for another Python (tests, templates)
                continue
            z.write(target, cached)
            added += 1
    return added


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--stage", default="prod", choices=policy.STAGES)
    parser.add_argument("out", type=Path)
    args = parser.parse_args(argv)
    try:
        print(build(args.stage, args.out.resolve()))
    except ValueError as exc:
        sys.exit(str(exc))


if __name__ == "__main__":
    main()
