"""The fan-out queue on SQS: a botocore client made on first use (never at import, so moto can
start first and a function that never enqueues pays nothing at cold start; botocore rather than
boto3, as for the secret).

The queue is ``huiliu-<stage>-fanout`` (``infra/queues.py`` defines it and its dead-letter
queue). ``HUILIU_QUEUE_URL`` names it directly (the local stack and the tests); otherwise its
URL is asked of SQS once per container. ``HUILIU_SQS_ENDPOINT`` points the client at a local
emulator.
"""
from __future__ import annotations

import logging
import os
import threading
from typing import Any

from chalicelib import config
from chalicelib.fanout.pages import Page, encode

log = logging.getLogger(__name__)

BATCH = 10  # SendMessageBatch, DeleteMessageBatch and ReceiveMessage take at most ten
BATCH_BYTES = 256 * 1024  # and at most this much in all
_SEND_TRIES = 3

_lock = threading.Lock()
_state: dict[str, Any] = {}  # the client and the URL, once made


def queue_name(stage: str | None = None) -> str:
    """``stage``'s queue; without one, this stage's (``app.py`` reads it when it registers the
    worker: the stage's variables are set by then)."""
    if stage is not None:
        return f"huiliu-{stage}-fanout"
    return os.environ.get("HUILIU_QUEUE_NAME") or f"huiliu-{config.stage()}-fanout"


def client() -> Any:
    with _lock:  # creating a botocore client is not thread-safe; using one is
        if "client" not in _state:
            import botocore.config
            import botocore.session

            _state["client"] = botocore.session.get_session().create_client(
                "sqs", region_name=config.region(), endpoint_url=os.environ.get("HUILIU_SQS_ENDPOINT") or None,
                config=botocore.config.Config(connect_timeout=2, read_timeout=25, retries={"mode": "standard"}))
        return _state["client"]


def url() -> str:
    configured = os.environ.get("HUILIU_QUEUE_URL")
    if configured:
        return configured
    if "url" not in _state:
        _state["url"] = client().get_queue_url(QueueName=queue_name())["QueueUrl"]
    return _state["url"]


def forget() -> None:
    """Drop the client and the URL (tests point the app at another queue or emulator)."""
    with _lock:
        _state.clear()


def send(pages: list[tuple[Page, int]]) -> int:
    """Enqueue each page with its delay (seconds), ten to a call; returns the calls made.

    Raises when SQS keeps refusing an entry: the caller has not advanced its checkpoint or
    finished its message, so the units are read or delivered again rather than lost.
    """
    calls = 0
    for batch in _batches([(encode(page), delay) for page, delay in pages]):
        entries = {str(i): {"Id": str(i), "MessageBody": body, "DelaySeconds": delay}
                   for i, (body, delay) in enumerate(batch)}
        for attempt in range(_SEND_TRIES):
            calls += 1
            answer = client().send_message_batch(QueueUrl=url(), Entries=list(entries.values()))
            failed = answer.get("Failed") or []
            entries = {f["Id"]: entries[f["Id"]] for f in failed}
            if not entries:
                break
            if attempt == _SEND_TRIES - 1 or any(f.get("SenderFault") for f in failed):
                raise RuntimeError(f"SQS refused {len(entries)} pages: {failed[0].get('Code')}")
    return calls


def receive(max_messages: int = BATCH, *, wait: int = 0, visibility: int | None = None) -> list[dict[str, Any]]:
    extra = {"VisibilityTimeout": visibility} if visibility is not None else {}
    answer = client().receive_message(QueueUrl=url(), MaxNumberOfMessages=max_messages, WaitTimeSeconds=wait,
                                      MessageSystemAttributeNames=["All"], **extra)
    return answer.get("Messages") or []


def delete(receipts: list[str]) -> None:
    for start in range(0, len(receipts), BATCH):
        chunk = receipts[start:start + BATCH]
        answer = client().delete_message_batch(
            QueueUrl=url(), Entries=[{"Id": str(i), "ReceiptHandle": r} for i, r in enumerate(chunk)])
        if answer.get("Failed"):  # an expired receipt: the message comes back, and its claims hold
            log.warning("fan-out: %d messages not deleted", len(answer["Failed"]))


def counts() -> dict[str, int]:
    """Messages waiting, being worked on (received, not yet deleted), and delayed."""
    attributes = client().get_queue_attributes(QueueUrl=url(), AttributeNames=[
        "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesDelayed"])["Attributes"]
    return {"waiting": int(attributes["ApproximateNumberOfMessages"]),
            "in_flight": int(attributes["ApproximateNumberOfMessagesNotVisible"]),
            "delayed": int(attributes["ApproximateNumberOfMessagesDelayed"])}


def arn() -> str:
    """The queue's ARN as a Lambda event names it (``eventSourceARN``)."""
    if "arn" not in _state:
        _state["arn"] = client().get_queue_attributes(QueueUrl=url(), AttributeNames=["QueueArn"])[
            "Attributes"]["QueueArn"]
    return _state["arn"]


def _batches(bodies: list[tuple[str, int]]) -> list[list[tuple[str, int]]]:
    out: list[list[tuple[str, int]]] = []
    size = BATCH_BYTES + 1
    for body, delay in bodies:
        length = len(body.encode())
        if not out or len(out[-1]) == BATCH or size + length > BATCH_BYTES:
            out.append([])
            size = 0
        out[-1].append((body, delay))
        size += length
    return out
