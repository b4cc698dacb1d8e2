"""The Lambda role's policy for a stage, placed in one partition, region and account.

    python -m infra.policy --region cn-north-1 [--account 123456789012]

rewrites ``.chalice/policy-dev.json`` and ``policy-prod.json``, which ``chalice deploy`` reads.
The partition follows from the region (``cn-*`` is ``aws-cn``, ``us-gov-*`` is ``aws-us-gov``);
the account is ``*`` unless given. Without ``--region`` the files keep the place they name
(``python -m infra.tables export`` rewrites them that way after a model change). The packaged
template (``make package``) gets the same statements with CloudFormation's
``${AWS::Partition}``, ``${AWS::Region}`` and ``${AWS::AccountId}`` (``CLOUDFORMATION``), so
one template deploys to any account and region.

What a role may touch, and nothing more: its stage's tables and their indexes (data actions,
no Scan, no table management); its stage's queue; its stage's one secret (Secrets Manager adds
six random characters to a secret's name: ``huiliu/prod-??????`` is ``huiliu/prod`` and never
``huiliu/prod-old``); its own functions' log groups (Chalice names the API's function
``huiliu-<stage>`` and the others ``huiliu-<stage>-<name>``). X-Ray's two write actions are the
only ``*``: AWS defines no resource for them.
"""
from __future__ import annotations

import argparse
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chalicelib import config
from chalicelib.tables import MODELS
from infra import queues
from infra.tables import short_name

ROOT = Path(__file__).resolve().parent.parent
STAGES = ("dev", "prod")
POLICIES = {stage: ROOT / ".chalice" / f"policy-{stage}.json" for stage in STAGES}

# What the app does with its tables (no Scan, no table management).
DATA_ACTIONS = [
    "dynamodb:BatchGetItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:DeleteItem",
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:Query",
    "dynamodb:UpdateItem",
]
LOG_ACTIONS = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]
_PARTITIONS = (("cn-", "aws-cn"), ("us-gov-", "aws-us-gov"))
_SECRET_ARN = re.compile(r"arn:([^:]+):secretsmanager:([^:]+):([^:]+):secret:")


def partition(region: str) -> str:
    """The ARN partition a region belongs to: China's and GovCloud's are their own."""
    return next((name for prefix, name in _PARTITIONS if region.startswith(prefix)), "aws")


@dataclass(frozen=True)
class Place:
    """Where ARNs point: concrete values, or CloudFormation's pseudo parameters."""

    partition: str
    region: str
    account: str = "*"

    @classmethod
    def of(cls, region: str, account: str | None = None) -> Place:
        return cls(partition(region), region, account or "*")

    def arn(self, service: str, resource: str) -> str:
        return f"arn:{self.partition}:{service}:{self.region}:{self.account}:{resource}"


CLOUDFORMATION = Place("${AWS::Partition}", "${AWS::Region}", "${AWS::AccountId}")


def policy(stage: str, place: Place) -> dict[str, Any]:
    tables = [place.arn("dynamodb", f"table/huiliu-{stage}-{short_name(m)}") for m in MODELS]
    group = f"log-group:/aws/lambda/huiliu-{stage}"
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "Tables", "Effect": "Allow", "Action": DATA_ACTIONS,
             "Resource": tables + [t + "/index/*" for t in tables]},
            queues.statement(stage, place.arn),
            {"Sid": "Secret", "Effect": "Allow", "Action": ["secretsmanager:GetSecretValue"],
             "Resource": [place.arn("secretsmanager", f"secret:huiliu/{stage}-??????")]},
            # The API's group and its streams, then every other function's (a name and its streams).
            {"Sid": "Logs", "Effect": "Allow", "Action": LOG_ACTIONS,
             "Resource": [place.arn("logs", group), place.arn("logs", group + ":*"),
                          place.arn("logs", group + "-*")]},
            {"Sid": "Tracing", "Effect": "Allow", "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
             "Resource": ["*"]},
        ],
    }


def for_cloudformation(stage: str) -> dict[str, Any]:
    """The policy with every ARN an ``Fn::Sub`` of the stack's partition, region and account."""
    document = policy(stage, CLOUDFORMATION)
    for statement in document["Statement"]:
        statement["Resource"] = [{"Fn::Sub": r} if "${" in r else r for r in statement["Resource"]]
    return document


def place_of(document: dict[str, Any]) -> Place:
    """The place a policy document was written for (read from its secret's ARN)."""
    for statement in document["Statement"]:
        for resource in statement["Resource"]:
            match = _SECRET_ARN.match(resource) if isinstance(resource, str) else None
            if match and match[2] != "*":
                return Place(*match.groups())
    raise ValueError("the policy names no secret in a region")


def committed_place(stage: str = "prod") -> Place:
    """Where the committed policy file points, or the default region for a new checkout."""
    path = POLICIES[stage]
    if path.exists():
        try:
            return place_of(json.loads(path.read_text()))
        except ValueError:
            pass  # an older layout: start again from the default
    return Place.of(config.DEFAULT_REGION)


def rendered(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def export(place: Place | None = None) -> Place:
    """Write every stage's policy for ``place`` (by default the one the files already name)."""
    place = place or committed_place()
    for stage, path in POLICIES.items():
        path.write_text(rendered(policy(stage, place)))
    return place


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--region", help="the region the stages deploy to (default: the one the files name)")
    parser.add_argument("--account", help="the account id (default: *)")
    args = parser.parse_args(argv)
    place = Place.of(args.region, args.account) if args.region else None
    if place is None and args.account:
        place = Place(committed_place().partition, committed_place().region, args.account)
    written = export(place)
    print(f"policies for {written.partition} {written.region} account {written.account}: "
          + ", ".join(str(p.relative_to(ROOT)) for p in POLICIES.values()))


if __name__ == "__main__":
    main()
