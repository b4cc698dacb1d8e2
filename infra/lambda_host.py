"""One Lambda container, for the deploy check: the unpacked package's handlers, invoked as the
Lambda runtime invokes them. Standard library only; run by the base interpreter in isolation
(``-I -S``: no site-packages, no repository, no current directory), so the package must bring
everything it imports.

    python -I -S infra/lambda_host.py <unpacked package>

Reads one invocation a line on stdin, ``{"handler": "app.app", "event": {...}, "timeout": 29}``,
and writes one line to stdout, ``{"result": ...}`` or ``{"error": "<traceback>"}``. The app's
own log lines go to stderr (the runtime sends both to CloudWatch; here they are kept apart).
"""
from __future__ import annotations

import importlib
import json
import os
import sys
import time
import traceback
import uuid
from typing import Any


class Context:
    """What the Lambda runtime passes as ``context``: the parts handlers read."""

    def __init__(self, timeout: float) -> None:
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "huiliu")
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "512")
        self.aws_request_id = str(uuid.uuid4())
        self.invoked_function_arn = f"arn:aws:lambda:{os.environ.get('AWS_REGION')}:000000000000:function:" \
                                    f"{self.function_name}"
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = "emulated"
        self._deadline = time.monotonic() + timeout

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def _handler(name: str) -> Any:
    module, _, attribute = name.rpartition(".")
    return getattr(importlib.import_module(module), attribute)


def main() -> None:
    sys.path.insert(0, sys.argv[1])
    os.chdir(sys.argv[1])  # Lambda's working directory is the package's root
    answers = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # print() and the app's log handler now write to stderr
    sys.stdout = sys.stderr
    for line in sys.stdin:
        call = json.loads(line)
        context = Context(call.get("timeout", 3))
        # The X-Ray SDK reads the trace header from here in Lambda, one per invocation.
        os.environ["_X_AMZN_TRACE_ID"] = f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]};" \
                                         f"Parent={uuid.uuid4().hex[:16]};Sampled=1"
        try:
            answer = {"result": _handler(call["handler"])(call["event"], context)}
        except Exception:
            answer = {"error": traceback.format_exc()}
        answers.write(json.dumps(answer, default=str) + "\n")


if __name__ == "__main__":
    main()
