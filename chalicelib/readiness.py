"""Whether this deployed stage may work: its configuration read and fit for use.

Asked by every entry point of a deployed stage (the request middleware, the scheduled jobs, the
fan-out worker), so the first invocation of a container finds out. A stage with placeholder,
weak or missing secrets (``chalicelib.secret_rules``) answers 503 ``NOT_CONFIGURED`` on every
route and its jobs do nothing, rather than serving with keys anyone could guess.

A refusal is logged naming each finding (never a value) and held for ``RECHECK`` seconds before
the secret is read again: a stage whose secret is fixed recovers within a minute, without a
redeploy, and a refused stage does not call Secrets Manager on every request.
"""
from __future__ import annotations

import logging
import time

from chalicelib import config, errors

log = logging.getLogger(__name__)

RECHECK = 60.0
FIX = "put a document from `python -m infra.secrets` into the stage's secret (README, Deploying)"

_refused_until = 0.0


def refusal() -> errors.AppError | None:
    """None when the stage may work (always, locally); else the error to answer with:
    ``NotConfigured``, or a plain 500 when the secret could not be read for another reason (an
    outage is not held against the stage: the next call reads again)."""
    global _refused_until
    if config.stage() == "local":
        return None
    if time.monotonic() < _refused_until:
        return errors.NotConfigured()
    try:
        config.settings()
    except config.Unusable as exc:
        _refused_until = time.monotonic() + RECHECK
        log.error("not configured, refusing all work: %s; %s", "; ".join(exc.findings), FIX,
                  extra={"stage": config.stage(), "findings": exc.findings})
        return errors.NotConfigured()
    except Exception:
        log.exception("the configuration could not be read")
        return errors.AppError()
    return None


def require() -> None:
    """For an event that must not be consumed while refused (the worker's SQS batch: raising
    puts its messages back on the queue, where they wait for a configured stage)."""
    refused = refusal()
    if refused is not None:
        raise refused


def forget() -> None:
    """Check again at the next call (tests change the configuration under a running app)."""
    global _refused_until
    _refused_until = 0.0
