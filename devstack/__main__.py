"""``make dev``: the whole stack on 127.0.0.1 with the embedded defaults; Ctrl-C stops it all.

    python -m devstack [--db moto|dynamodb-local] [--api-port 8080] [--db-port 8000] [--wechat-port 8090]

Every port is bound before anything starts, so a port another program holds is named at once
(with the ``make dev`` variable that moves it) instead of the stack talking to that program.
"""
from __future__ import annotations

import argparse
import contextlib
import logging
import os
import select
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple, NoReturn

from devstack import dynamodb_local
from devstack.ports import PortBusy, reserve
from devstack.wechat_sandbox import DEFAULT_APPID, DEFAULT_SECRET, Sandbox, serve

ROOT = Path(__file__).resolve().parent.parent
PYNAMODB_SETTINGS = Path(__file__).resolve().parent / "pynamodb_settings.py"
STOP_GRACE = 1.5  # seconds a child process gets to exit before it is killed
READY_TIMEOUT = 60.0

# Embedded defaults: none of these is a secret anywhere but here.
LOCAL_ENV = {
    "HUILIU_STAGE": "local",
    "HUILIU_WECHAT_APPID": DEFAULT_APPID,
    "HUILIU_WECHAT_SECRET": DEFAULT_SECRET,
    "HUILIU_TOKEN_KEY": "local-only-token-key-change-me-in-aws-0123456789",
    "HUILIU_OPERATOR_KEY": "local-operator-key",
    "HUILIU_SERVER_KEY": "local-server-key",
    "HUILIU_PSEUDONYM_KEY": "local-only-pseudonym-key-change-me-in-aws-01234",
    "AWS_ACCESS_KEY_ID": "local",
    "AWS_SECRET_ACCESS_KEY": "local",
    "AWS_DEFAULT_REGION": "ap-southeast-1",
}


class Port(NamedTuple):
    """One of the stack's ports: its default, what it is for, and the option and variable that move it."""

    default: int
    what: str
    option: str
    variable: str  # make's, as in `make dev API_PORT=8081` (and `make simulate`)


PORTS = {
    "api": Port(8080, "the API", "--api-port", "API_PORT"),
    "db": Port(8000, "the database", "--db-port", "DB_PORT"),
    "wechat": Port(8090, "the WeChat sandbox", "--wechat-port", "WECHAT_PORT"),
}


def local_env(db_url: str, wechat_url: str) -> dict[str, str]:
    """The environment the app runs with locally (also used by the tests' e2e stack)."""
    return {**LOCAL_ENV, "HUILIU_DYNAMODB_ENDPOINT": db_url, "HUILIU_WECHAT_API_BASE": wechat_url}


def reserve_ports(ports: dict[str, int]) -> dict[str, socket.socket]:
    """Bind every port, or exit naming each one that is taken."""
    bound: dict[str, socket.socket] = {}
    busy: list[str] = []
    for name, port in ports.items():
        try:
            bound[name] = reserve(port)
        except PortBusy as exc:
            p, fix = PORTS[name], "stop it, or choose" if exc.in_use else "choose"
            busy.append(f"  port {port} ({p.what}): {exc.reason}; {fix} another port with "
                        f"`make dev {p.variable}=<port>` (python -m devstack {p.option} <port>)")
    if busy:
        for sock in bound.values():
            sock.close()
        raise SystemExit("huiliu: cannot start the local stack:\n" + "\n".join(busy))
    return bound


def start_api(sock: socket.socket, env: dict[str, str]) -> subprocess.Popen:
    """The app over HTTP in its own process (its own GIL), serving the socket we bound."""
    ready_read, ready_write = os.pipe()
    process = subprocess.Popen(
        [sys.executable, "-m", "devstack.api_server", "--stage", "local", "--fd", str(sock.fileno()),
         "--ready-fd", str(ready_write)],
        cwd=ROOT, env={**os.environ, **env, "PYNAMODB_CONFIG": str(PYNAMODB_SETTINGS)},
        pass_fds=(sock.fileno(), ready_write),
    )
    # Only the child holds these now: its exit closes the port and the pipe.
    sock.close()
    os.close(ready_write)
    process.ready_fd = ready_read  # type: ignore[attr-defined]
    return process


def wait_ready(api: subprocess.Popen, timeout: float = READY_TIMEOUT) -> None:
    """Until the API server has imported the app; its one byte, or end of file if it died."""
    fd: int = api.ready_fd  # type: ignore[attr-defined]
    try:
        readable, _, _ = select.select([fd], [], [], timeout)
        if not readable:
            raise SystemExit(f"huiliu: the API server did not start within {timeout:.0f} s")
        if os.read(fd, 1) != b"1":
            raise SystemExit(f"huiliu: the API server exited with {api.wait()} while starting")
    finally:
        os.close(fd)


def stop_process(process: subprocess.Popen, grace: float = STOP_GRACE) -> None:
    if process.poll() is None:
        process.terminate()
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def start_database(kind: str, sock: socket.socket, stack: contextlib.ExitStack) -> str:
    """Start the database on the reserved socket; its stop joins ``stack``. Returns its URL."""
    if kind == "moto":
        from devstack.moto_server import MotoServer

        server = MotoServer(sock)
        server.start()
        stack.callback(server.stop)
        return server.url
    # Java binds the port itself: let go of it at the last moment.
    port = sock.getsockname()[1]
    sock.close()
    process = dynamodb_local.start(port)
    stack.callback(stop_process, process)
    return f"http://127.0.0.1:{port}"


def start_queue(kind: str, db_url: str, stack: contextlib.ExitStack) -> str:
    """The fan-out queue's SQS endpoint: moto's server serves SQS beside DynamoDB; beside
    DynamoDB Local, a moto server of its own on any free port. Returns its URL."""
    if kind == "moto":
        return db_url
    from devstack.moto_server import MotoServer

    server = MotoServer(reserve(0))
    server.start()
    stack.callback(server.stop)
    return server.url


def _interrupt(*_: object) -> NoReturn:
    raise KeyboardInterrupt


def banner(kind: str, api_port: int, db_url: str, wechat_port: int, created: int, seeded: int) -> str:
    from infra.seed import DEMO_OWNER, DEMO_PASSWORD  # imported once the tables are made, like the seed

    api, wechat_url = f"http://127.0.0.1:{api_port}", f"http://127.0.0.1:{wechat_port}/"
    return f"""
huiliu local stack is up ({kind}).
  API            {api}
  DynamoDB       {db_url}   ({created} tables created, {seeded} demo items seeded)
  WeChat sandbox {wechat_url}

Log in as the sandbox user alice (any fresh code demo:alice:<anything> works once):
  curl -s -X POST {api}/auth/login -H 'Content-Type: application/json' -d "{{\\"code\\": \\"demo:alice:$RANDOM$RANDOM\\"}}"

Then authorise the phone number (purchase level), with the token from the login:
  TOKEN=$(curl -s -X POST {api}/auth/login -H 'Content-Type: application/json' -d "{{\\"code\\": \\"demo:alice:$RANDOM$RANDOM\\"}}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
  curl -s -X POST {api}/auth/phone -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -d "{{\\"code\\": \\"phone:alice:$RANDOM\\"}}"
  curl -s {api}/me -H "Authorization: Bearer $TOKEN"

Simulate a population (in another terminal): make simulate{_simulate_args(api_port, wechat_port)}
Operator console (运营后台): {api}/admin
  log in as the demo owner: name {DEMO_OWNER}, password {DEMO_PASSWORD}
  curl -s -c /tmp/huiliu-op -X POST {api}/operator/login -H 'Content-Type: application/json' -d '{{"name": "{DEMO_OWNER}", "password": "{DEMO_PASSWORD}"}}'
  curl -s -b /tmp/huiliu-op {api}/operator/me    # other calls than GET also send -H "X-CSRF-Token: <csrfToken>"

Ctrl-C stops everything."""


def _simulate_args(api_port: int, wechat_port: int) -> str:
    """``make simulate``'s port variables when they are not its defaults (the same as ours)."""
    ports = {PORTS["api"]: api_port, PORTS["wechat"]: wechat_port}
    return "".join(f" {p.variable}={port}" for p, port in ports.items() if port != p.default)


def run(args: argparse.Namespace) -> int:
    sockets = reserve_ports({"api": args.api_port, "db": args.db_port, "wechat": args.wechat_port})
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's server logs every request
    with contextlib.ExitStack() as stack:
        for sock in sockets.values():  # whatever is not handed over yet is closed on the way out
            stack.callback(sock.close)
        sandbox = Sandbox(appid=LOCAL_ENV["HUILIU_WECHAT_APPID"], secret=LOCAL_ENV["HUILIU_WECHAT_SECRET"])
        sandbox_server, wechat_url = serve(sandbox, sock=sockets["wechat"])
        stack.callback(sandbox_server.shutdown)
        # The ports as bound (port 0 asks the system for any free one).
        api_port, db_port, wechat_port = (sockets[name].getsockname()[1] for name in ("api", "db", "wechat"))
        db_url = f"http://127.0.0.1:{db_port}"
        env = local_env(db_url, wechat_url)
        env["HUILIU_SQS_ENDPOINT"] = start_queue(args.db, db_url, stack)  # the app finds the queue by name
        os.environ.update(env)

        # The API server imports the app while the tables are made: both take seconds. Requests
        # that come before the banner wait in the listen queue.
        api = start_api(sockets["api"], env)
        stack.callback(stop_process, api)
        start_database(args.db, sockets["db"], stack)

        # Only now: the models read their endpoint when first imported.
        from devstack.clients import warm_dynamodb_clients
        from infra import queues
        from infra.seed import seed
        from infra.tables import create_all

        warm_dynamodb_clients()
        created = create_all()
        queues.create()
        seeded = seed()
        wait_ready(api)
        print(banner(args.db, api_port, db_url, wechat_port, len(created), seeded), flush=True)
        code = api.wait()
        if code != 0:
            print(f"huiliu: the API server exited with {code}", file=sys.stderr, flush=True)
            return 1
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description="Start the local huiliu stack.")
    parser.add_argument("--db", choices=("moto", "dynamodb-local"), default="moto")
    for name, p in PORTS.items():
        parser.add_argument(p.option, type=int, default=p.default, dest=f"{name}_port",
                            help=f"for {p.what} (default {p.default}; make dev {p.variable}=...)")
    args = parser.parse_args()
    # `kill` stops the stack as Ctrl-C does: everything started is stopped on the way out.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        code = run(args)
    except KeyboardInterrupt:
        code = 0
    print("stopped.", flush=True)
    # Everything started is stopped by now. Tearing down the interpreter would only free moto's
    # tables and models object by object, which takes seconds after a simulation; skip it.
    logging.shutdown()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    main()
