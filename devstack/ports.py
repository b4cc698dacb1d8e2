"""The stack's listening sockets, bound before anything starts.

Binding is the only honest test of a free port: a probe that connects can be fooled by a
program that is slow to answer, and a probe that binds and lets go leaves a window for another
program to take the port. So the stack binds every port first, says which one is taken if any,
and then hands each bound socket to the server that will use it (the API server, a child
process, inherits it).
"""
from __future__ import annotations

import errno
import socket
import socketserver

HOST = "127.0.0.1"
# A load test opens many connections at once; socketserver's default backlog of 5 makes the
# kernel drop or reset the rest. Linux caps this at net.core.somaxconn (4096 by default).
BACKLOG = 1024


class PortBusy(Exception):
    """The port cannot be bound: another program holds it (``in_use``), or the system refuses it."""

    def __init__(self, port: int, error: OSError) -> None:
        self.port = port
        self.in_use = error.errno == errno.EADDRINUSE
        self.reason = "in use by another program" if self.in_use else (error.strerror or str(error))
        super().__init__(f"127.0.0.1:{port}: {self.reason}")


def reserve(port: int, backlog: int = BACKLOG) -> socket.socket:
    """A socket bound to 127.0.0.1:port and listening; connections queue until a server accepts."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # As every socketserver does, so a restart right after a stop is not refused by TIME_WAIT.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((HOST, port))
        sock.listen(backlog)
    except OSError as exc:
        sock.close()
        raise PortBusy(port, exc) from exc
    return sock


def adopt(server: socketserver.TCPServer, sock: socket.socket) -> None:
    """Make ``server`` (built with ``bind_and_activate=False``) serve the already listening ``sock``."""
    server.socket.close()  # the unbound socket the constructor made
    server.socket = sock
    server.server_address = sock.getsockname()
