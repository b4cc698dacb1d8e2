"""The fan-out queue (``chalicelib.fanout``) and its dead-letter queue: created locally on the
emulator, and their CloudFormation resources and IAM statement for a deployed stage.

    python -m infra.queues create      # on HUILIU_SQS_ENDPOINT, idempotent; prints the URL

Kept apart from the tables on purpose: ``infra.tables`` merges these into its template and
policies, and the deploy path can build on them without touching table code.

- Visibility timeout: six times the worker's Lambda timeout (AWS's guidance for Lambda event
  sources), so a page is never delivered again while a worker may still be on it.
- ``maxReceiveCount`` 5: a page whose handler keeps raising goes to the dead-letter queue after
  five receives (Lambda's throttling can return a healthy page a few times; AWS advises at least
  five). Pages put back on purpose (a rate limit, quiet hours) are new messages, not receives.
- Retention: 4 days for work (a page older than that is past every step's catch-up window),
  14 days in the dead-letter queue for someone to look.
"""
from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any

from chalicelib.fanout import WORKER_TIMEOUT, queue_name

VISIBILITY = 6 * WORKER_TIMEOUT
MAX_RECEIVES = 5
RETENTION = 4 * 24 * 3600
DEAD_RETENTION = 14 * 24 * 3600
SQS_ACTIONS = ["sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl",
               "sqs:ReceiveMessage", "sqs:SendMessage"]


def dead_name(stage: str | None = None) -> str:
    return queue_name(stage) + "-dead"


def create(name: str | None = None, *, visibility: int = VISIBILITY) -> str:
    """Create the queue and its dead-letter queue if missing (on the client's endpoint); the
    queue's URL. ``name`` and ``visibility`` let tests make queues of their own."""
    from chalicelib.fanout import queue

    sqs = queue.client()
    name = name or queue_name()
    dead = sqs.create_queue(QueueName=name + "-dead",
                            Attributes={"MessageRetentionPeriod": str(DEAD_RETENTION)})["QueueUrl"]
    dead_arn = sqs.get_queue_attributes(QueueUrl=dead, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return sqs.create_queue(QueueName=name, Attributes={
        "VisibilityTimeout": str(visibility),
        "MessageRetentionPeriod": str(RETENTION),
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": dead_arn, "maxReceiveCount": str(MAX_RECEIVES)}),
    })["QueueUrl"]


def resources() -> dict[str, Any]:
    """CloudFormation for a stage (``Stage`` parameter): the queue and its dead-letter queue."""
    return {
        "FanoutDeadQueue": {
            "Type": "AWS::SQS::Queue",
            "Properties": {"QueueName": {"Fn::Sub": "huiliu-${Stage}-fanout-dead"},
                           "MessageRetentionPeriod": DEAD_RETENTION, "SqsManagedSseEnabled": True},
        },
        "FanoutQueue": {
            "Type": "AWS::SQS::Queue",
            "Properties": {
                "QueueName": {"Fn::Sub": "huiliu-${Stage}-fanout"},
                "VisibilityTimeout": VISIBILITY,
                "MessageRetentionPeriod": RETENTION,
                "SqsManagedSseEnabled": True,
                "RedrivePolicy": {"deadLetterTargetArn": {"Fn::GetAtt": ["FanoutDeadQueue", "Arn"]},
                                  "maxReceiveCount": MAX_RECEIVES},
            },
        },
    }


def statement(stage: str, arn: Callable[[str, str], str]) -> dict[str, Any]:
    """The Lambda role's access: this stage's one work queue (the worker's event source mapping
    needs receive, delete and attributes; schedulers and workers send). ``arn(service,
    resource)`` places it in a partition, region and account (``infra.policy``)."""
    return {"Sid": "FanoutQueue", "Effect": "Allow", "Action": SQS_ACTIONS,
            "Resource": [arn("sqs", queue_name(stage))]}


if __name__ == "__main__":
    if (sys.argv[1:] or [""])[0] == "create":
        print(create())
    else:
        sys.exit("usage: python -m infra.queues create")
