"""Logs: one JSON object a line, with the request id; no secrets, no phone numbers.

Nothing we log on purpose holds a secret; the filter below is the second line of defence for
what libraries or careless messages might carry. PynamoDB logs whole items at DEBUG and
wechatpy whole answers (session_key included), so their loggers are held at WARNING.
"""
from __future__ import annotations

import logging
import os
import re
import sys
from contextvars import ContextVar

from pythonjsonlogger.json import JsonFormatter

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)

_PHONE = re.compile(r"(?<!\d)(\+?86)?1[3-9]\d{9}(?!\d)")
_SECRET_KEYS = re.compile(r"(session_key|secret|access_token|token_key|authorization)(['\"]?\s*[:=]\s*['\"]?)[^\s'\",&}]+", re.I)
# What either needs to match: eleven digits in a row, or one of the key names (searched in
# the case-folded text, which is quicker than re.I). Most values (paths, methods, ids) have
# neither, and one search spares them both substitutions.
_SUSPECT = re.compile(r"\d{11}|session_key|secret|access_token|token_key|authorization")
_QUIET = ("pynamodb", "botocore", "urllib3", "wechatpy", "aws_xray_sdk")


_STANDARD = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}


def scrub(text: str) -> str:
    if _SUSPECT.search(text.casefold()) is None:
        return text
    return _SECRET_KEYS.sub(r"\1\2***", _PHONE.sub("1**********", text))


class _Formatter(JsonFormatter):
    def formatException(self, ei) -> str:  # noqa: N802 - logging's naming
        # Exception messages are where a stray secret most often hides.
        return scrub(super().formatException(ei))


class _Scrub(logging.Filter):
    """Adds the request id; masks phone numbers and ``secret=...`` pairs in the message and extras."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        message = record.getMessage()
        scrubbed = scrub(message)
        if scrubbed != message:
            record.msg, record.args = scrubbed, None
        for key, value in record.__dict__.items():
            if key not in _STANDARD and isinstance(value, str):
                record.__dict__[key] = scrub(value)
        return True


def configure() -> None:
    """Idempotent: Lambda's runtime and ``chalice local`` both install a root handler first."""
    level = os.environ.get("HUILIU_LOG_LEVEL", "INFO")
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(logging.StreamHandler(sys.stdout))
    formatter = _Formatter(
        "{asctime}{levelname}{name}{message}{request_id}",
        style="{",
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        json_ensure_ascii=False,
    )
    for handler in root.handlers:
        handler.setFormatter(formatter)
        if not any(isinstance(f, _Scrub) for f in handler.filters):
            handler.addFilter(_Scrub())
    root.setLevel(level)
    for name in _QUIET:
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
