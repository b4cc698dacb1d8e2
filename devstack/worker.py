"""The local stack's fan-out workers: what Lambda's SQS trigger does in AWS.

A thread polls the emulator's queue and invokes the worker function by the name Lambda knows it
by (the app's ``on_sqs_message`` handler), with the event Lambda would give it: a batch of
``Records`` with ``body``, ``messageId``, ``receiptHandle``. A batch whose handler returns is
deleted; one whose handler raises stays on the queue until its visibility timeout, as in
Lambda. It runs in the API server's process because the simulated clock lives there
(``config.set_clock``): a page must be decided at the time the simulator set.

The queue is short-polled, with a pause when it is empty: a long poll would hold the moto
server's one-request-at-a-time lock for its whole wait (``devstack.moto_server``).
"""
from __future__ import annotations

import importlib
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from chalice import Chalice
from chalice.app import SQSEventConfig

from chalicelib import fanout

log = logging.getLogger(__name__)

IDLE = 0.25  # seconds between polls of an empty queue
STARTING = 60.0  # seconds the queue may take to appear


class Context:
    """The part of Lambda's context the worker reads: how much of its time is left."""

    def __init__(self, seconds: float) -> None:
        self._deadline = time.monotonic() + seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


class WorkerLoop:
    def __init__(self, handler: Callable[[dict[str, Any], Any], Any], *, batch: int = fanout.BATCH_SIZE,
                 timeout: float = fanout.WORKER_TIMEOUT, idle: float = IDLE) -> None:
        self._handler, self._batch, self._timeout, self._idle = handler, batch, timeout, idle
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="fanout-worker", daemon=True)

    def start(self) -> WorkerLoop:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=self._timeout)

    def _invoke(self, event: dict[str, Any]) -> None:
        self._handler(event, Context(self._timeout))

    def _run(self) -> None:
        # The stack makes the queue while this process starts: no complaint until it has had time.
        quiet_until = time.monotonic() + STARTING
        while not self._stop.is_set():
            try:
                if fanout.work_once(self._invoke, batch=self._batch):
                    quiet_until = 0.0
                    continue
                quiet_until = 0.0
            except Exception:  # the batch stays on the queue; Lambda would log it the same way
                if time.monotonic() > quiet_until:
                    log.exception("fan-out worker: the batch failed")
            self._stop.wait(self._idle)


def handler_of(app: Chalice) -> Callable[[dict[str, Any], Any], Any]:
    """The app's queue worker as Lambda calls it: ``module.function`` from its handler string."""
    config = next(s for s in app.event_sources if isinstance(s, SQSEventConfig))
    module, name = config.handler_string.rsplit(".", 1)
    return getattr(importlib.import_module(module), name)


def start(app: Chalice) -> WorkerLoop:
    return WorkerLoop(handler_of(app)).start()
