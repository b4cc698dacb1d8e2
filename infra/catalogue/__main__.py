"""Load a catalogue file into a stage's tables.

    python -m infra.catalogue infra/catalogue.sample.json --stage local   # make dev's tables
    python -m infra.catalogue catalogue.json --stage prod                  # AWS: your credentials, AWS_REGION
    python -m infra.catalogue catalogue.json --stage prod --check          # check only, write nothing

The file is a ``PUT /server/catalogue`` body of any size. Every entry carries the order
system's ``version``; loading a file again changes nothing, and an entry whose stored version
is newer is left alone (``stale``). Exit status: 0 loaded, 2 refused (nothing written),
1 stopped part-way (load it again).
"""
from __future__ import annotations

import argparse
import os
import sys
from collections.abc import MutableMapping

STAGES = ("local", "dev", "prod")
LOCAL_DB = "http://127.0.0.1:8000"  # make dev's DynamoDB


def stage_env(stage: str, env: MutableMapping[str, str]) -> None:
    """Point the models at ``stage``'s tables: locally the dev stack's (the environment may say
    otherwise), in a deployed stage AWS's ``huiliu-<stage>-*`` and nothing else."""
    env["HUILIU_STAGE"] = stage
    if stage == "local":
        env.setdefault("HUILIU_TABLE_PREFIX", "huiliu-local-")
        env.setdefault("HUILIU_DYNAMODB_ENDPOINT", LOCAL_DB)
        env.setdefault("AWS_ACCESS_KEY_ID", "local")
        env.setdefault("AWS_SECRET_ACCESS_KEY", "local")
    else:
        env["HUILIU_TABLE_PREFIX"] = f"huiliu-{stage}-"
        env.pop("HUILIU_DYNAMODB_ENDPOINT", None)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.catalogue", description=__doc__.splitlines()[0])
    parser.add_argument("file")
    parser.add_argument("--stage", choices=STAGES, required=True)
    parser.add_argument("--batch", type=int, default=200, help="entries per batch (1 to 200)")
    parser.add_argument("--check", action="store_true", help="check the file against the stage; write nothing")
    args = parser.parse_args(argv)
    if not 1 <= args.batch <= 200:
        parser.error("--batch is 1 to 200")
    stage_env(args.stage, os.environ)

    # Only now: the models read their table prefix and endpoint when first imported.
    from chalicelib import config
    from infra.catalogue import loader

    where = f"{config.table_prefix()}* at {config.dynamodb_endpoint() or 'AWS ' + config.region()}"
    try:
        doc = loader.read(args.file)
        if args.check:
            found = loader.check(doc)
            if found:
                raise loader.Refused("; ".join(found))
            print(f"{args.file}: {doc.size()} entries, fit to load into {where}")
            return 0
        print(f"loading {args.file} ({doc.size()} entries) into {where}", flush=True)
        totals = loader.load(doc, now=config.utcnow(), size=args.batch, say=lambda line: print(line, flush=True))
    except loader.Refused as exc:
        print(f"refused, nothing written: {exc}", file=sys.stderr)
        return 2
    except loader.Stopped as exc:
        print(f"stopped: {exc}; load the file again to finish", file=sys.stderr)
        return 1
    print("done: " + ", ".join(f"{v} {k}" for k, v in totals.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
