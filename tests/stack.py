"""The local stack as `make dev` starts it, in a subprocess on free ports, for the tests that
need the real thing over HTTP (the README flow, the simulator and the dashboard)."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from devstack import dynamodb_local

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Stack:
    process: subprocess.Popen
    banner: str
    api_port: int
    db_port: int
    wechat_port: int
    log: deque = field(default_factory=lambda: deque(maxlen=200))  # the last lines it printed

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def wechat(self) -> str:
        return f"http://127.0.0.1:{self.wechat_port}"


def start(db: str = "moto") -> Stack:
    """Returns once the stack printed its banner; the caller stops it (SIGINT, as Ctrl-C)."""
    api_port, db_port, wechat_port = (dynamodb_local.free_port() for _ in range(3))
    process = subprocess.Popen(
        [sys.executable, "-m", "devstack", "--db", db, "--api-port", str(api_port), "--db-port", str(db_port),
         "--wechat-port", str(wechat_port)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("HUILIU_")},  # only the embedded defaults
    )
    banner, deadline = "", time.monotonic() + 90
    while "Ctrl-C stops everything." not in banner and time.monotonic() < deadline:
        line = process.stdout.readline()
        assert line or process.poll() is None, banner
        banner += line
    stack = Stack(process, banner, api_port, db_port, wechat_port)
    # Keep reading: the stack logs every request, and a full pipe would block it mid-request.
    threading.Thread(target=lambda: stack.log.extend(process.stdout), daemon=True).start()
    return stack
