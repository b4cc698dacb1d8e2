"""The local stack as `make dev` starts it, in a subprocess on free ports, for the tests that
need the real thing over HTTP (the README flow, the simulator and the dashboard)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from devstack import dynamodb_local

ROOT = Path(__file__).resolve().parents[1]
STARTUP_TIMEOUT = 180  # seconds; about 15 on an idle machine, several times that on a busy one


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

    def interrupt(self) -> None:
        """Ctrl-C as a terminal sends it: SIGINT to every process of the stack's group."""
        os.killpg(self.process.pid, signal.SIGINT)


def start(db: str = "moto", attempts: int = 3) -> Stack:
    """Returns once the stack printed its banner; the caller stops it (``interrupt()``, as Ctrl-C)."""
    for _ in range(attempts):
        # Free a moment ago, but another program (or an outgoing connection) may take a port
        # before the stack binds it; the stack then stops at once, naming it: try other ports.
        api_port, db_port, wechat_port = (dynamodb_local.free_port() for _ in range(3))
        process = subprocess.Popen(
            [sys.executable, "-m", "devstack", "--db", db, "--api-port", str(api_port), "--db-port", str(db_port),
             "--wechat-port", str(wechat_port)],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            env={k: v for k, v in os.environ.items() if not k.startswith("HUILIU_")},  # only the embedded defaults
            start_new_session=True,  # its own process group, as in a terminal: see ``interrupt``
        )
        banner = ""
        watchdog = threading.Timer(STARTUP_TIMEOUT, process.kill)  # a stack that never comes up
        watchdog.start()
        while "Ctrl-C stops everything." not in banner:
            line = process.stdout.readline()
            if not line:
                break
            banner += line
        watchdog.cancel()
        if "Ctrl-C stops everything." in banner:
            break
        process.wait()
        assert "cannot start the local stack" in banner, banner
    else:
        raise AssertionError(f"no free ports in {attempts} attempts: {banner}")
    stack = Stack(process, banner, api_port, db_port, wechat_port)
    # Keep reading: the stack logs every request, and a full pipe would block it mid-request.
    threading.Thread(target=lambda: stack.log.extend(process.stdout), daemon=True).start()
    return stack
