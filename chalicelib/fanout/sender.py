"""A scheduled run's way onto the queue: pages sent by a few threads while the run goes on
reading its index, and a checkpoint that follows the sends that finished.

Sending one SendMessageBatch at a time after each read made the run's time the sum of both;
now it is about the longer of the two. A checkpoint names the position after the last page
enqueued: it moves only to a position whose pages, and every earlier one's, are on the queue,
so a run cut short anywhere resumes without losing a page (pages sent twice cost a claim each
that finds itself decided). It is written at most every ``every`` seconds and when the run ends.
"""
from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType

from chalicelib.fanout import queue
from chalicelib.fanout.pages import Page

SENDERS = 4  # SendMessageBatch calls in flight; botocore's client is thread-safe
AHEAD = 4 * SENDERS  # batches handed over and not yet sent before the reader waits for them


class Sender:
    def __init__(self, checkpoint: Callable[[str], None], *, every: float = 1.0) -> None:
        self._checkpoint, self._every = checkpoint, every
        self._pool = ThreadPoolExecutor(SENDERS, thread_name_prefix="fanout-send")
        self._sending: deque[tuple[Future, str]] = deque()
        self._done: str | None = None  # the furthest position all of whose pages are sent
        self._saved: str | None = None
        self._saved_at = time.monotonic()

    def send(self, pages: list[Page], position: str) -> None:
        """Enqueue ``pages`` (delay 0); once they and all before are on the queue, ``position``
        may be checkpointed. Raises what a failed earlier send raised."""
        future: Future = self._pool.submit(queue.send, [(page, 0) for page in pages]) if pages else _done()
        self._sending.append((future, position))
        self._settle(wait=len(self._sending) > AHEAD)

    def _settle(self, *, wait: bool) -> None:
        while self._sending and (wait or self._sending[0][0].done()):
            future, position = self._sending.popleft()
            future.result()  # a refused send stops the run here: the checkpoint stays before it
            self._done = position
            wait = wait and len(self._sending) > AHEAD
        if self._done != self._saved and time.monotonic() - self._saved_at >= self._every:
            self._save()

    def _save(self) -> None:
        if self._done is not None and self._done != self._saved:
            self._checkpoint(self._done)
            self._saved, self._saved_at = self._done, time.monotonic()

    def close(self) -> None:
        """Wait for every send; checkpoint what was sent (up to the first that failed)."""
        try:
            while self._sending:
                future, position = self._sending.popleft()
                future.result()
                self._done = position
        finally:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._save()

    def __enter__(self) -> Sender:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()


def _done() -> Future:
    future: Future = Future()
    future.set_result(0)
    return future
