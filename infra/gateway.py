"""API Gateway's own answers in our error shape, so a mini-program's request wrapper reads one
shape (``{"error": {"code", "message"}}`` with a code of ``chalicelib/errors.py``) whoever answered.

Paths no function has reach the app's catch-all (``chalicelib/api/fallback_views.py``). What
never reaches a function is answered by API Gateway itself, with these gateway responses:

- ``THROTTLED``, ``QUOTA_EXCEEDED``: 429 ``RATE_LIMITED``, ``Retry-After: 1``;
- ``REQUEST_TOO_LARGE`` (over 10 MB): 413 ``PAYLOAD_TOO_LARGE``;
- ``MISSING_AUTHENTICATION_TOKEN``: 405 ``METHOD_NOT_ALLOWED``. With the catch-all deployed,
  API Gateway says this only for a resource it has without the method asked: a function's path
  (``GET /checkin``), a path leading to one (``/auth``), or ``/``. There, a request carrying an
  ``Authorization`` header that is not SigV4 was told it "requires 'Credential'": that is this
  type or ``DEFAULT_4XX``, in our shape either way;
- ``INTEGRATION_TIMEOUT``: 504 ``GATEWAY_TIMEOUT``; ``UNSUPPORTED_MEDIA_TYPE``: 415;
  ``RESOURCE_NOT_FOUND``: 404 ``NOT_FOUND``;
- everything else: ``DEFAULT_4XX`` (``REQUEST_REFUSED``) and ``DEFAULT_5XX`` (``INTERNAL_ERROR``)
  with API Gateway's status.

Every one carries ``X-Request-Id`` (the request id, as the app's own answers do). The app sends
no CORS headers (``wx.request`` is not a browser), so neither do these.

The packaged template (``make package``) gets them as the API definition's
``x-amazon-apigateway-gateway-responses``: part of the imported API, so the stage's deployment
includes them (separate ``AWS::ApiGateway::GatewayResponse`` resources would reach the stage
only with a later deployment). ``chalice deploy`` builds its API without them, and replaces the
whole definition on every deploy, so after each one:

    python -m infra.gateway --stage prod      # put the responses, then deploy the stage again
"""
from __future__ import annotations

import argparse
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chalicelib import config, errors

ROOT = Path(__file__).resolve().parent.parent
EXTENSION = "x-amazon-apigateway-gateway-responses"


@dataclass(frozen=True)
class Answer:
    error: type[errors.AppError]
    status: int | None = None  # None: API Gateway's own status for the case
    headers: dict[str, str] = field(default_factory=dict)


RESPONSES: dict[str, Answer] = {
    "DEFAULT_4XX": Answer(errors.RequestRefused),
    "DEFAULT_5XX": Answer(errors.AppError),
    "MISSING_AUTHENTICATION_TOKEN": Answer(errors.MethodNotAllowed, 405),
    "RESOURCE_NOT_FOUND": Answer(errors.NotFound, 404),
    "THROTTLED": Answer(errors.RateLimited, 429, {"Retry-After": "1"}),
    "QUOTA_EXCEEDED": Answer(errors.RateLimited, 429, {"Retry-After": "1"}),
    "REQUEST_TOO_LARGE": Answer(errors.PayloadTooLarge, 413),
    "UNSUPPORTED_MEDIA_TYPE": Answer(errors.UnsupportedMediaType, 415),
    "INTEGRATION_TIMEOUT": Answer(errors.GatewayTimeout, 504),
}


def body(answer: Answer) -> str:
    """The response template: plain JSON, no VTL (the messages hold no ``$`` or ``#``)."""
    text = json.dumps(answer.error().to_json(), ensure_ascii=False)
    assert "$" not in text and "#" not in text, "a template would read it as VTL"
    return text


def parameters(answer: Answer) -> dict[str, str]:
    """Header mappings: a quoted literal, or the request's id from the context."""
    out = {"gatewayresponse.header.X-Request-Id": "context.requestId"}
    out.update({f"gatewayresponse.header.{name}": f"'{value}'" for name, value in answer.headers.items()})
    return out


def extension() -> dict[str, Any]:
    """The OpenAPI extension's value, for the packaged API definition."""
    out: dict[str, Any] = {}
    for kind, answer in RESPONSES.items():
        spec: dict[str, Any] = {"responseParameters": parameters(answer),
                                "responseTemplates": {"application/json": body(answer)}}
        if answer.status is not None:
            spec["statusCode"] = str(answer.status)
        out[kind] = spec
    return out


def apply(client: Any, rest_api_id: str, stage_name: str) -> list[str]:
    """Put every response on the API (a botocore ``apigateway`` client), then deploy the stage
    so they take effect; returns the types put."""
    for kind, answer in RESPONSES.items():
        extra = {"statusCode": str(answer.status)} if answer.status is not None else {}
        client.put_gateway_response(restApiId=rest_api_id, responseType=kind, responseParameters=parameters(answer),
                                    responseTemplates={"application/json": body(answer)}, **extra)
    client.create_deployment(restApiId=rest_api_id, stageName=stage_name,
                             description="gateway responses in the app's error shape (infra/gateway.py)")
    return list(RESPONSES)


def deployed_api(stage: str) -> tuple[str, str]:
    """The REST API id ``chalice deploy`` recorded for ``stage``, and its API Gateway stage name."""
    deployed = json.loads((ROOT / ".chalice" / "deployed" / f"{stage}.json").read_text())
    api = next(r for r in deployed["resources"] if r.get("resource_type") == "rest_api")
    settings = json.loads((ROOT / ".chalice" / "config.json").read_text())
    stage_name = settings["stages"][stage].get("api_gateway_stage") or settings.get("api_gateway_stage", "api")
    return api["rest_api_id"], stage_name


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Put the gateway responses on a stage `chalice deploy` made.")
    parser.add_argument("--stage", required=True)
    parser.add_argument("--region", default=os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
                        or config.DEFAULT_REGION)
    args = parser.parse_args(argv)
    import botocore.session

    rest_api_id, stage_name = deployed_api(args.stage)
    client = botocore.session.get_session().create_client("apigateway", region_name=args.region)
    kinds = apply(client, rest_api_id, stage_name)
    print(f"{len(kinds)} gateway responses on {rest_api_id} ({args.region}), stage {stage_name} deployed again")


if __name__ == "__main__":
    main()
