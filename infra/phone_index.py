"""Index the phones bound before the 会员 lookup existed, once per deployed stage:

    python -m infra.phone_index --stage prod

Accounts that bound a phone since have their keyed phone hash already (``auth.store.bind_phone``);
this gives it to the older ones, so the console finds them by phone too. A Scan of the users
table with your AWS credentials (AWS_REGION) and the stage's secret (HUILIU_SECRETS_ID, whose
pseudonym key the hash is made with, as in the functions); safe to run again (it only touches accounts
without the hash). Prints how many it indexed; nothing of the phones.
"""
from __future__ import annotations

import argparse
import os
import sys

from infra.catalogue.__main__ import STAGES, stage_env


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.phone_index", description=__doc__.splitlines()[0])
    parser.add_argument("--stage", choices=STAGES, required=True)
    args = parser.parse_args(argv)
    stage_env(args.stage, os.environ)
    from chalicelib import member_lookup  # after the stage's settings are in the environment

    print(f"indexed {member_lookup.index_phones()} accounts' phones")
    return 0


if __name__ == "__main__":
    sys.exit(main())
