"""Install the default journeys (``chalicelib.journeys.defaults``) on a stage's tables:

    python -m infra.journeys install --stage prod [--marketing-live] [--only order-paid ...]

With your AWS credentials (AWS_REGION), as ``infra.operators``. Idempotent: a journey that
exists is left alone; the service notices go live, the marketing chains stay drafts unless
``--marketing-live``.
"""
from __future__ import annotations

import argparse
import os
import sys

from infra.catalogue.__main__ import STAGES, stage_env


def main(argv: list[str] | None = None) -> int:
    from chalicelib.journeys import defaults

    parser = argparse.ArgumentParser(prog="python -m infra.journeys",
                                     description="Install the default journeys (idempotent).")
    sub = parser.add_subparsers(dest="command", required=True)
    cmd = sub.add_parser("install", help="save the defaults that do not exist; service notices go live")
    cmd.add_argument("--stage", required=True, help="local, dev or prod: whose tables")
    cmd.add_argument("--marketing-live", action="store_true",
                     help="publish the marketing chains too (by default they stay drafts)")
    cmd.add_argument("--only", nargs="+", choices=[d.name for d in defaults.DEFAULTS], help="these defaults only")
    args = parser.parse_args(argv)
    if args.stage not in STAGES:
        parser.error(f"--stage must be one of {', '.join(STAGES)}")
    stage_env(args.stage, os.environ)
    from chalicelib import config

    result = defaults.install(now=config.utcnow(), marketing_live=args.marketing_live, only=args.only)
    for name, what in result.items():
        print(f"{name}: {what}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
