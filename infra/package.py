"""``make package``: ``chalice package`` for a stage, and the template made ready for any account.

    python -m infra.package --stage prod build/prod

writes ``build/prod/deployment.zip`` and ``build/prod/sam.json``, after ``chalice package``:

- each function's role gets the stage's policy with ``${AWS::Partition}``, ``${AWS::Region}``
  and ``${AWS::AccountId}`` (``infra.policy``), so the template deploys in any partition (AWS
  China's ``aws-cn`` too) and names this account's resources only;
- the API definition gets the gateway responses in our error shape (``infra.gateway``);
- it refuses a template that reserves more concurrency than a new account can give (1,000 in
  all, 100 of which must stay unreserved).

Deploy it with ``aws cloudformation package`` (uploads the zip) and ``deploy`` (README).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from chalicelib import config
from infra import gateway, policy

ROOT = Path(__file__).resolve().parent.parent
# A new account's concurrency, less the 100 AWS keeps unreserved (Lambda quotas).
RESERVABLE = 1000 - 100


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
    return path


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
