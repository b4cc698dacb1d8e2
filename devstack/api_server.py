"""The app over HTTP, as ``chalice local`` serves it, but able to take a load test.

    python -m devstack.api_server --fd N --ready-fd M [--stage local]

The stack binds the port and passes the listening socket (``--fd``); this process builds the
app exactly as ``chalice local --no-autoreload`` does (the stage's environment variables from
``.chalice/config.json``, the same route validation, the same request handler), then serves it
with a few changes ``chalice local`` offers no option for:

- the listen backlog is the stack's (``chalice local`` keeps socketserver's 5, so 20 concurrent
  connections already see resets), set when the stack bound the socket;
- responses go out without Nagle's delay, which otherwise stalls each kept-alive request for
  the client's delayed ACK (about 40 ms);
- no root log handler is set up before the app is imported: the app configures its own logging
  (one JSON object a line), and PynamoDB's import-time INFO notice about its optional settings
  file stays silent, as in Lambda;
- the app's DynamoDB clients are built before the first request, from one botocore session;
- SIGINT and SIGTERM end it at once: request threads are daemons, nothing waits for them.

It writes one byte to ``--ready-fd`` once the app is imported and the server is about to
accept, so the stack announces itself only when requests will be answered.
"""
from __future__ import annotations

import argparse
import os
import signal
import socket
import sys
from pathlib import Path

from chalice.cli.factory import CLIFactory
from chalice.deploy.validate import validate_routes
from chalice.local import ChaliceRequestHandler, CustomLocalChalice, LocalChalice, LocalDevServer, ThreadedHTTPServer

from devstack.clients import warm_dynamodb_clients
from devstack.ports import adopt

ROOT = Path(__file__).resolve().parent.parent


class _Handler(ChaliceRequestHandler):
    disable_nagle_algorithm = True  # headers and body are separate writes: send both at once


class _Server(ThreadedHTTPServer):
    daemon_threads = True
    block_on_close = False  # stopping never waits for a request in flight


def build(sock: socket.socket, stage: str) -> LocalDevServer:
    """The app for ``stage``, served on the listening ``sock``."""
    os.environ["AWS_CHALICE_CLI_MODE"] = "true"  # as the chalice CLI sets it
    # os.environ itself, not a copy: the factory writes the stage's variables into it before the app loads.
    factory = CLIFactory(str(ROOT), environ=os.environ)
    config = factory.create_config_obj(chalice_stage_name=stage)
    app = config.chalice_app
    validate_routes(app.routes)
    warm_dynamodb_clients()  # before any request: see devstack/clients.py
    # What chalice.local.create_local_server does: current_request becomes per thread.
    CustomLocalChalice.__bases__ = (LocalChalice, app.__class__)
    app.__class__ = CustomLocalChalice

    def server_cls(address: tuple[str, int], handler: type) -> _Server:
        server = _Server(address, handler, bind_and_activate=False)
        adopt(server, sock)
        return server

    host, port = sock.getsockname()[:2]
    return LocalDevServer(app, config, host, port, handler_cls=_Handler, server_cls=server_cls)


def _exit_now(*_: object) -> None:
    sys.stdout.flush()
    os._exit(0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fd", type=int, required=True, help="a listening socket inherited from the stack")
    parser.add_argument("--ready-fd", type=int, help="written to (one byte) once serving")
    parser.add_argument("--stage", default="local")
    args = parser.parse_args()
    # Default SIGTERM already ends the process at once; SIGINT (Ctrl-C reaches the whole process
    # group) should too, without a KeyboardInterrupt traceback from whichever thread it lands in.
    signal.signal(signal.SIGINT, _exit_now)
    os.chdir(ROOT)

    server = build(socket.socket(fileno=args.fd), args.stage)
    if os.environ.get("HUILIU_SQS_ENDPOINT"):  # the fan-out queue's workers, as Lambda's SQS trigger runs them
        from devstack import schedule, worker

        worker.start(server.app_object)
        schedule.start()  # the journeys' minute tick and hourly entries, on the app's clock
    if args.ready_fd is not None:
        os.write(args.ready_fd, b"1")
        os.close(args.ready_fd)
    sys.stdout.flush()
    server.server.serve_forever()


if __name__ == "__main__":
    main()
