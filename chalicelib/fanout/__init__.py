"""Work that fans out (DESIGN §8): a scheduled run reads its candidates from an index and
enqueues them on SQS in pages; workers (``app.fanout_worker``, ``@app.on_sqs_message``) do the
per-unit work concurrently. The guarantee stays in DynamoDB: each unit is claimed by a
conditional write keyed by its natural key, so a page delivered twice, to two workers at once,
or again after a worker died, does nothing twice.

- ``enqueue(pages)``: ``SendMessageBatch``, ten pages a call; ``Sender`` does it from a few
  threads while a scheduled run reads on, its checkpoint following the sends that finished.
- ``handle(event)``: the worker, one SQS batch; each page to its kind's handler (``HANDLERS``).
- ``drain()``: the same handler on what the queue holds now, until it is empty.

The figures below are the worker's deployment (``app.py`` reads them); the arithmetic behind
them is in ``docs/design-notes.md`` ("Fan-out").
"""
from __future__ import annotations

from chalicelib.fanout.pages import MAX_DELAY, PAGE_SIZE, Again, Page, Worked, backoff, chunks, seconds
from chalicelib.fanout.queue import queue_name
from chalicelib.fanout.sender import Sender
from chalicelib.fanout.worker import HANDLERS, PagesFailed, Summary, drain, enqueue, handle, work_once

BATCH_SIZE = 2  # pages a worker invocation takes: 100 units, ~10 s at AWS latencies
WORKERS = 100  # the event source mapping's maximum concurrency: Lambdas working at once (reserves nothing)
WORKER_TIMEOUT = 60  # seconds (.chalice/config.json); the queue hides a page 6x this long

__all__ = [
    "BATCH_SIZE", "HANDLERS", "MAX_DELAY", "PAGE_SIZE", "WORKERS", "WORKER_TIMEOUT", "Again", "Page", "PagesFailed",
    "Sender", "Summary", "Worked", "backoff", "chunks", "drain", "enqueue", "handle", "queue_name", "seconds",
    "work_once",
]
