"""A stage's secret document, strong and complete, printed for Secrets Manager.

    python -m infra.secrets | aws secretsmanager create-secret --name huiliu/prod \\
        --secret-string file:///dev/stdin

asks for the mini-program's AppSecret (WeChat's console: Development → Development settings;
not echoed, or from ``HUILIU_WECHAT_SECRET``) and makes every other key with ``secrets``: 64
URL-safe characters (384 bits) each. Nothing is written to disk or to the shell's history.

    aws secretsmanager get-secret-value --secret-id huiliu/prod --query SecretString --output text \\
      | python -m infra.secrets --rotate | aws secretsmanager put-secret-value \\
        --secret-id huiliu/prod --secret-string file:///dev/stdin

rotates the token, operator and server keys (every session ends; the merchant's staff and
order system need the new keys) and keeps the AppSecret and ``HUILIU_PSEUDONYM_KEY``, which is
never rotated (``chalicelib/kept_limits.py``). Either way the document is checked with the rules
a deployed stage applies at cold start (``chalicelib/secret_rules.py``) before it is printed.
"""
from __future__ import annotations

import argparse
import getpass
import json
import os
import secrets
import sys

from chalicelib.config import SECRET_NAMES
from chalicelib.secret_rules import problems

WECHAT = "HUILIU_WECHAT_SECRET"
KEPT = (WECHAT, "HUILIU_PSEUDONYM_KEY")  # never made here on rotation: WeChat's, and the one never rotated
KEY_BYTES = 48


def new_key() -> str:
    return secrets.token_urlsafe(KEY_BYTES)


def document(wechat_secret: str, keep: dict[str, str] | None = None) -> dict[str, str]:
    """Every secret: the AppSecret given, ``keep``'s values for ``KEPT`` names, new keys for the
    rest. Raises ValueError naming what is wrong (never a value)."""
    out: dict[str, str] = {}
    for name in SECRET_NAMES:
        if name == WECHAT:
            out[name] = wechat_secret.strip()
        elif keep and name in KEPT:
            out[name] = keep[name]
        else:
            out[name] = new_key()
    found = problems(out, SECRET_NAMES)
    if found:
        raise ValueError("; ".join(found))
    return out


def _wechat_secret() -> str:
    given = os.environ.get(WECHAT)
    if given:
        return given
    if not sys.stdin.isatty() and not os.path.exists("/dev/tty"):
        sys.exit(f"set {WECHAT}, or run this in a terminal to be asked for it")
    return getpass.getpass("The mini-program's AppSecret (not shown): ")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rotate", action="store_true",
                        help="read the current document on stdin; keep the AppSecret and the pseudonym key")
    args = parser.parse_args(argv)
    try:
        if args.rotate:
            current = json.load(sys.stdin)
            missing = [n for n in KEPT if not current.get(n)]
            if missing:
                sys.exit(f"the current document has no {', '.join(missing)}")
            doc = document(current[WECHAT], keep=current)
        else:
            doc = document(_wechat_secret())
    except ValueError as exc:
        sys.exit(f"not printed: {exc}")
    print(json.dumps(doc, indent=2))


if __name__ == "__main__":
    main()
