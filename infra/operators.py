"""The console's first owner of a deployed stage, and an owner's way back in.

    python -m infra.operators create-owner --stage prod --name wang       # asks the password twice, no echo
    printf '%s\\n' "$PASSWORD" | python -m infra.operators create-owner --stage prod --name wang  # from stdin
    python -m infra.operators reset-password --stage prod --name wang     # a new password; sessions end

Talks to the stage's tables with your AWS credentials (AWS_REGION), like ``infra.catalogue``:
it works before anyone can log in. The password is read without echo from a terminal, or as
the first line of stdin otherwise; it is never printed nor logged. Both are audited as
"command line (infra.operators)". Exit status: 0 done, 2 refused (name taken or malformed,
password too weak, no such operator).
"""
from __future__ import annotations

import argparse
import getpass
import os
import sys
from typing import TextIO

from infra.catalogue.__main__ import STAGES, stage_env


def read_password(stdin: TextIO, *, confirm: bool = True) -> str:
    if stdin.isatty():
        password = getpass.getpass("password: ")
        if confirm and getpass.getpass("again: ") != password:
            raise ValueError("the two passwords differ")
        return password
    return stdin.readline().rstrip("\r\n")


def main(argv: list[str] | None = None, stdin: TextIO = sys.stdin) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.operators", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("create-owner", "reset-password"))
    parser.add_argument("--stage", choices=STAGES, required=True)
    parser.add_argument("--name", required=True, help="the login name (letters, digits, . _ - @; up to 32)")
    args = parser.parse_args(argv)
    stage_env(args.stage, os.environ)

    # Only now: the models read their table prefix and endpoint when first imported.
    from chalicelib import config, errors
    from chalicelib.operators import rules, service

    try:
        password = read_password(stdin)
    except ValueError as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return 2
    where = f"{config.table_prefix()}operators"
    try:
        if args.command == "create-owner":
            created = service.create_operator(service.COMMAND_LINE, args.name, "owner", password,
                                              idempotency_key=None, now=config.utcnow())
            print(f"owner {created['operatorId']} created in {where}; log in at /admin")
        else:
            actor = service.Actor(service.COMMAND_LINE.operator_id, service.COMMAND_LINE.name, "owner",
                                  route=("CLI", "python -m infra.operators reset-password"))
            done = service.reset_password(actor, rules.name_key(args.name), password, now=config.utcnow())
            print(f"password of {done['operatorId']} set in {where}; its sessions ended")
    except errors.AppError as exc:
        print(f"refused: {exc.code}: {exc.message}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
