"""Lambda events as AWS delivers them to Chalice's handlers: an API Gateway REST proxy request
(routed the way API Gateway routes, from the packaged API definition), an EventBridge schedule,
an SQS batch. The deploy check builds its invocations with these; tests use them too.
"""
from __future__ import annotations

import base64
import hashlib
import json
import time
import uuid
from datetime import datetime, timezone
from typing import Any

GREEDY = "+}"


def resource_for(paths: list[str], path: str) -> tuple[str, dict[str, str]] | None:
    """The API Gateway resource that takes ``path``, and its path parameters: at the first
    segment where they differ, a literal beats a ``{param}``, which beats a greedy ``{proxy+}``
    (API Gateway's order). None when no resource matches."""
    asked = [p for p in path.split("/") if p]
    matches = [(m[0], template, m[1]) for template in paths
               if (m := _match([p for p in template.split("/") if p], asked)) is not None]
    if not matches:
        return None
    _, template, params = max(matches)
    return template, params


def _match(parts: list[str], asked: list[str]) -> tuple[tuple[int, ...], dict[str, str]] | None:
    params: dict[str, str] = {}
    rank: list[int] = []
    for i, part in enumerate(parts):
        if i >= len(asked):
            return None
        if part.endswith(GREEDY):  # the rest of the path, one segment at least
            params[part[1:-2]] = "/".join(asked[i:])
            return (*rank, 0), params
        if part.startswith("{"):
            params[part[1:-1]] = asked[i]
            rank.append(1)
        elif part == asked[i]:
            rank.append(2)
        else:
            return None
    return (tuple(rank), params) if len(parts) == len(asked) else None


def api(method: str, path: str, resource: str, path_params: dict[str, str], *, body: Any = None,
        headers: dict[str, str] | None = None, stage: str = "api", query: dict[str, str] | None = None) -> dict[str, Any]:
    """A REST API (v1) proxy event."""
    raw = body if isinstance(body, str) or body is None else json.dumps(body)
    sent = {"Content-Type": "application/json", "Host": "emulated.execute-api.amazonaws.com", **(headers or {})}
    request_id = str(uuid.uuid4())
    return {
        "resource": resource, "path": path, "httpMethod": method, "headers": sent,
        "multiValueHeaders": {k: [v] for k, v in sent.items()},
        "queryStringParameters": query or None,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
        "pathParameters": path_params or None, "stageVariables": None,
        "requestContext": {
            "resourcePath": resource, "httpMethod": method, "path": f"/{stage}{path}", "stage": stage,
            "requestId": request_id, "extendedRequestId": request_id, "protocol": "HTTP/1.1",
            "requestTimeEpoch": int(time.time() * 1000), "accountId": "000000000000", "apiId": "emulated",
            "identity": {"sourceIp": "203.0.113.10", "userAgent": "mini-program"},
        },
        "body": raw, "isBase64Encoded": False,
    }


def schedule(rule: str, region: str) -> dict[str, Any]:
    """An EventBridge scheduled event for the rule ``rule``."""
    return {
        "version": "0", "id": str(uuid.uuid4()), "detail-type": "Scheduled Event", "source": "aws.events",
        "account": "000000000000", "time": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region, "resources": [f"arn:aws:events:{region}:000000000000:rule/{rule}"], "detail": {},
    }


def sqs(messages: list[dict[str, Any]], queue_arn: str, region: str) -> dict[str, Any]:
    """Messages as ``ReceiveMessage`` answered them, in the batch shape Lambda hands a handler."""
    return {"Records": [{
        "messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
        "attributes": m.get("Attributes", {}), "messageAttributes": {},
        "md5OfBody": m.get("MD5OfBody") or hashlib.md5(m["Body"].encode()).hexdigest(),  # noqa: S324 - SQS's own
        "eventSource": "aws:sqs", "eventSourceARN": queue_arn, "awsRegion": region,
    } for m in messages]}


def response_json(result: dict[str, Any]) -> Any:
    """The JSON body of a proxy response (Chalice base64-encodes only binary types)."""
    body = result.get("body") or ""
    if result.get("isBase64Encoded"):
        body = base64.b64decode(body).decode()
    return json.loads(body) if body else None
