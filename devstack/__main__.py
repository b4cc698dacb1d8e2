"""``make dev``: the whole stack on 127.0.0.1 with the embedded defaults; Ctrl-C stops it all.

    python -m devstack [--db moto|dynamodb-local] [--api-port 8080] [--db-port 8000] [--wechat-port 8090]
"""
from __future__ import annotations

import argparse
import logging
import os
import signal
import subprocess
import sys
from pathlib import Path

from devstack import dynamodb_local
from devstack.wechat_sandbox import DEFAULT_APPID, DEFAULT_SECRET, Sandbox, serve

ROOT = Path(__file__).resolve().parent.parent

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


def local_env(db_url: str, wechat_url: str) -> dict[str, str]:
    """The environment the app runs with locally (also used by the tests' e2e stack)."""
    return {**LOCAL_ENV, "HUILIU_DYNAMODB_ENDPOINT": db_url, "HUILIU_WECHAT_API_BASE": wechat_url}


def start_database(kind: str, port: int) -> tuple[str, object]:
    if kind == "moto":
        from moto.server import ThreadedMotoServer

        server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        server.start()
        return f"http://127.0.0.1:{port}", server
    process = dynamodb_local.start(port)
    return f"http://127.0.0.1:{port}", process


def start_queue(kind: str, db_url: str) -> tuple[str, object | None]:
    """The fan-out queue's SQS endpoint: moto's server serves SQS beside DynamoDB; beside
    DynamoDB Local, a moto server of its own."""
    if kind == "moto":
        return db_url, None
    from moto.server import ThreadedMotoServer

    port = dynamodb_local.free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    return f"http://127.0.0.1:{port}", server


def main() -> None:
    parser = argparse.ArgumentParser(description="Start the local huiliu stack.")
    parser.add_argument("--db", choices=("moto", "dynamodb-local"), default="moto")
    parser.add_argument("--api-port", type=int, default=8080)
    parser.add_argument("--db-port", type=int, default=8000)
    parser.add_argument("--wechat-port", type=int, default=8090)
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's server logs every request

    db_url, db = start_database(args.db, args.db_port)
    sqs_url, sqs = start_queue(args.db, db_url)
    sandbox = Sandbox(appid=LOCAL_ENV["HUILIU_WECHAT_APPID"], secret=LOCAL_ENV["HUILIU_WECHAT_SECRET"])
    sandbox_server, wechat_url = serve(sandbox, port=args.wechat_port)
    env = {**local_env(db_url, wechat_url), "HUILIU_SQS_ENDPOINT": sqs_url}  # the app finds the queue by name
    os.environ.update(env)

    # Only now: the models read their endpoint when first imported.
    from infra import queues
    from infra.seed import seed
    from infra.tables import create_all

    created = create_all()
    queues.create()
    seeded = seed()

    chalice = subprocess.Popen(
        [str(Path(sys.executable).parent / "chalice"), "local", "--no-autoreload", "--stage", "local",
         "--host", "127.0.0.1", "--port", str(args.api_port)],
        cwd=ROOT, env={**os.environ, **env},
    )
    dynamodb_local.wait_for_port(args.api_port, chalice)

    api = f"http://127.0.0.1:{args.api_port}"
    print(
        f"""
huiliu local stack is up ({args.db}).
  API            {api}
  DynamoDB       {db_url}   ({len(created)} tables created, {seeded} demo items seeded)
  WeChat sandbox {wechat_url}

Log in as the sandbox user alice (any fresh code demo:alice:<anything> works once):
  curl -s -X POST {api}/auth/login -H 'Content-Type: application/json' -d "{{\\"code\\": \\"demo:alice:$RANDOM$RANDOM\\"}}"

Then authorise the phone number (purchase level), with the token from the login:
  TOKEN=$(curl -s -X POST {api}/auth/login -H 'Content-Type: application/json' -d "{{\\"code\\": \\"demo:alice:$RANDOM$RANDOM\\"}}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
  curl -s -X POST {api}/auth/phone -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -d "{{\\"code\\": \\"phone:alice:$RANDOM\\"}}"
  curl -s {api}/me -H "Authorization: Bearer $TOKEN"

Simulate a population (in another terminal): make simulate
Operator dashboard: {api}/admin#key={LOCAL_ENV["HUILIU_OPERATOR_KEY"]}

Ctrl-C stops everything.""",
        flush=True,
    )

    def stop(*_: object) -> None:
        chalice.terminate()
        try:
            chalice.wait(timeout=10)
        except subprocess.TimeoutExpired:
            chalice.kill()
        sandbox_server.shutdown()
        if sqs is not None:
            sqs.stop()  # type: ignore[attr-defined]
        if isinstance(db, subprocess.Popen):
            dynamodb_local.stop(db)
        else:
            db.stop()  # type: ignore[attr-defined]
        print("stopped.", flush=True)
        sys.exit(0)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    chalice.wait()
    stop()


if __name__ == "__main__":
    main()
