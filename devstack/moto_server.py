"""moto's server, one request at a time: the default stack's DynamoDB.

moto's DynamoDB backend takes no lock. Run concurrently, a transaction that is cancelled restores
a deep copy of each table it touched, wiping out writes that landed meanwhile (or keeping its
own); a conditional write can read a value another thread is about to change; and iterating a
table while another thread inserts raises "dictionary changed size during iteration", which
the app sees as a 500. DynamoDB itself applies each request atomically, so holding one lock per
request makes moto linearizable: every guarantee the app gets from DynamoDB (conditional writes,
transactions, atomic counters) then holds on `make dev` too. Throughput hardly changes, since
moto is pure Python and the GIL already ran it one thread at a time.
"""
from __future__ import annotations

import io
import socket
import threading
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.serving import BaseWSGIServer, make_server

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class FifoLock:
    """A lock granted in the order it was asked for.

    ``threading.Lock`` lets whichever thread runs next take it, so under a burst some requests
    wait far longer than others; the app gives up on DynamoDB after a few seconds (a 503), and
    a request should not hit that only because it was unlucky. Here the holder hands the lock
    to the longest waiter.
    """

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._waiters: deque[threading.Lock] = deque()
        self._held = False

    def __enter__(self) -> None:
        with self._mutex:
            if not self._held:
                self._held = True
                return
            turn = threading.Lock()
            turn.acquire()
            self._waiters.append(turn)
        turn.acquire()  # released by the holder before us, who passes the lock on without freeing it

    def __exit__(self, *_: object) -> None:
        with self._mutex:
            if self._waiters:
                self._waiters.popleft().release()
            else:
                self._held = False


class Serialised:
    """A WSGI app that lets one request at a time into ``app``, start to finish, in arrival order."""

    def __init__(self, app: WSGIApp) -> None:
        self.app = app
        self.lock = FifoLock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        # Read the body before taking the lock, so a slow client holds up nobody else.
        if environ.get("wsgi.input_terminated"):  # chunked: werkzeug's stream ends by itself
            body = environ["wsgi.input"].read()
        else:
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length) if length > 0 else b""
        environ["wsgi.input"] = io.BytesIO(body)
        with self.lock:
            # The request is done only once its answer is built: a lazy body would read the
            # tables after the lock is released.
            result = self.app(environ, start_response)
            try:
                return list(result)
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()


class MotoServer:
    """moto's DynamoDB (and every other moto service) behind ``Serialised``, on a bound socket."""

    def __init__(self, sock: socket.socket) -> None:
        from moto.moto_server.werkzeug_app import (  # moto takes seconds to import: only when used
            DomainDispatcherApplication,
            MotoRequestHandler,
            create_backend_app,
        )

        from devstack import moto_transactions

        moto_transactions.install()
        host, port = sock.getsockname()[:2]
        app = Serialised(DomainDispatcherApplication(create_backend_app))
        self._server: BaseWSGIServer = make_server(
            host, port, app, threaded=True, request_handler=MotoRequestHandler, fd=sock.fileno()
        )
        sock.close()  # werkzeug serves a duplicate of it
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name="moto-server", daemon=True)
        self.url = f"http://{host}:{port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()  # returns within one poll interval; serve_forever then closes the socket
        self._thread.join(timeout=2)
