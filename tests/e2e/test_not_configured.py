"""A deployed stage with placeholder or weak secrets serves nothing: 503 NOT_CONFIGURED on every
route, scheduled jobs that do nothing, a worker that leaves its messages on the queue, and one
log line naming what is wrong, never a value. The stage here is ``prod`` as .chalice/config.json
defines it, reading its secret from (moto's) Secrets Manager."""
from __future__ import annotations

import json
import secrets as random
from pathlib import Path

import boto3
import pytest
from chalice.local import LambdaContext

from chalicelib import config, errors, readiness, schedules
from infra import lambda_events, secrets
from tests.conftest import captured_logs

APPID = "wx5a1e0c0ffee0b1e5"
CHALICE = json.loads((Path(__file__).resolve().parents[2] / ".chalice" / "config.json").read_text())
PLACEHOLDERS = {"HUILIU_WECHAT_SECRET": "...", "HUILIU_TOKEN_KEY": "<64 random bytes>", "HUILIU_OPERATOR_KEY": "...",
                "HUILIU_SERVER_KEY": "...", "HUILIU_PSEUDONYM_KEY": "<64 random bytes, never rotated>"}


class Prod:
    """The app as Lambda runs it for the prod stage: its variables from .chalice/config.json, its
    secret in (moto's) Secrets Manager, requests as API Gateway proxy events."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.monkeypatch = monkeypatch
        self.store = boto3.client("secretsmanager", region_name=config.region())
        self.secret = f"huiliu/prod-test-{random.token_hex(4)}"
        self.store.create_secret(Name=self.secret, SecretString=json.dumps(PLACEHOLDERS))
        variables = {**CHALICE["environment_variables"], **CHALICE["stages"]["prod"]["environment_variables"]}
        for name, value in {**variables, "HUILIU_SECRETS_ID": self.secret}.items():
            if name != "HUILIU_TABLE_PREFIX":  # the models were built on the tests' tables
                monkeypatch.setenv(name, value)
        self.new_container()

    def new_container(self) -> None:
        config.settings.cache_clear()
        readiness.forget()

    def call(self, method: str, path: str, body=None) -> tuple[int, dict]:
        import app

        resource, params = lambda_events.resource_for(list(app.app.routes), path)
        answer = app.app(lambda_events.api(method, path, resource, params, body=body), LambdaContext("huiliu-prod", 1024))
        return answer["statusCode"], json.loads(answer["body"]) if answer["body"] else None


@pytest.fixture
def prod(dynamodb, sandbox, monkeypatch):
    if dynamodb != "moto":
        # Secrets Manager and SQS are moto's here; the conformance run has only DynamoDB Local,
        # and what this proves (configuration, not storage) does not depend on the engine.
        pytest.skip("needs moto's Secrets Manager")
    yield Prod(monkeypatch)
    config.settings.cache_clear()
    readiness.forget()


def test_placeholder_secrets_refuse_every_route_and_the_log_names_each_key_not_its_value(prod):
    with captured_logs() as logs:
        answers = [prod.call("GET", "/shop"), prod.call("POST", "/auth/login", {"code": "x"}),
                   prod.call("GET", "/no/such/function"), prod.call("GET", "/admin")]

    assert answers == [(503, errors.NotConfigured().to_json())] * 4
    refusals = [json.loads(line) for line in logs.getvalue().splitlines() if "not configured" in line]
    assert len(refusals) == 1  # held for a minute: one line, one read of the secret
    line = refusals[0]["message"]
    assert all(name in line for name in PLACEHOLDERS) and "HUILIU_WECHAT_APPID" in line
    assert "random bytes" not in logs.getvalue()


def test_jobs_do_nothing_and_the_worker_leaves_its_batch_on_the_queue(prod):
    import app

    assert schedules.run("wakeup-habit") == {"job": "wakeup-habit", "skipped": "NOT_CONFIGURED"}
    with pytest.raises(errors.NotConfigured):
        app.fanout_worker({"Records": [{"messageId": "m", "receiptHandle": "r", "body": "{}", "attributes": {},
                                        "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs",
                                        "eventSourceARN": "arn:aws:sqs:ap-southeast-1:1:q", "awsRegion": "x"}]},
                          None)


def test_a_strong_secret_and_a_real_appid_serve_and_a_fixed_secret_is_read_again(prod, monkeypatch):
    assert prod.call("GET", "/shop")[0] == 503

    prod.store.put_secret_value(SecretId=prod.secret, SecretString=json.dumps(secrets.document(random.token_hex(16))))
    monkeypatch.setenv("HUILIU_WECHAT_APPID", APPID)
    assert prod.call("GET", "/shop")[0] == 503  # a refusal is held for a minute, then read again
    monkeypatch.setattr(readiness, "_refused_until", 0.0)  # the minute has passed

    assert prod.call("GET", "/shop")[0] == 200
    assert prod.call("GET", "/no/such/function") == (404, errors.NotFound().to_json())


def test_an_unreadable_secret_is_not_configured_too(prod, monkeypatch):
    monkeypatch.setenv("HUILIU_SECRETS_ID", "huiliu/prod-never-created")

    assert prod.call("GET", "/shop") == (503, errors.NotConfigured().to_json())
