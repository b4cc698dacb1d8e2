"""What `chalice deploy` and `chalice package` make of .chalice/config.json, per stage and function:
timeouts the scheduled jobs can work in, no concurrency a new account cannot reserve, and a
template that carries our policies and gateway responses."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from chalice.app import ScheduledEventConfig
from chalice.config import Config

import app as application
from chalicelib import errors, fanout, schedules
from infra import gateway, package, policy

CONFIG = json.loads((Path(__file__).resolve().parents[2] / ".chalice" / "config.json").read_text())
JOBS = [s.name for s in application.app.event_sources if isinstance(s, ScheduledEventConfig)]
DEPLOYED = ("dev", "prod")


def resolved(stage: str, function: str) -> Config:
    return Config(chalice_stage=stage, function_name=function, config_from_disk=CONFIG)


@pytest.mark.parametrize("stage", DEPLOYED)
def test_scheduled_jobs_have_minutes_and_leave_their_checkpoint_margin(stage):
    for job in JOBS:
        timeout = resolved(stage, job).lambda_timeout
        assert schedules.MARGIN * 4 <= timeout <= 900, (job, timeout)
    assert resolved(stage, "groupbuy-close").lambda_timeout < 300  # it runs every 5 minutes
    assert resolved(stage, "api_handler").lambda_timeout == 29  # API Gateway's own limit
    assert resolved(stage, "fanout-worker").lambda_timeout == fanout.WORKER_TIMEOUT


@pytest.mark.parametrize("stage", DEPLOYED)
def test_nothing_reserves_concurrency_a_new_account_does_not_have(stage):
    names = ["api_handler", "fanout-worker", *JOBS]
    reserved = sum(resolved(stage, n).reserved_concurrency or 0 for n in names)

    assert reserved <= package.RESERVABLE


def test_the_api_is_regional_which_aws_china_requires():
    assert all(resolved(s, "api_handler").api_gateway_endpoint_type == "REGIONAL" for s in DEPLOYED)


def test_a_template_reserving_too_much_is_refused_and_a_good_one_gets_policies_and_responses():
    template = {"Resources": {
        "Fn": {"Type": "AWS::Serverless::Function", "Properties": {"ReservedConcurrentExecutions": 200}},
        "FnRole": {"Type": "AWS::IAM::Role", "Properties": {"Policies": [{"PolicyName": "p", "PolicyDocument": {}}]}},
        "RestAPI": {"Type": "AWS::Serverless::Api", "Properties": {"DefinitionBody": {"paths": {}}}},
    }}
    many = json.loads(json.dumps(template))
    for i in range(5):
        many["Resources"][f"Fn{i}"] = template["Resources"]["Fn"]

    with pytest.raises(ValueError, match="reserve 1200"):
        package.prepared(many, "prod")
    ready = package.prepared(template, "prod")
    assert ready["Resources"]["FnRole"]["Properties"]["Policies"][0]["PolicyDocument"] == policy.for_cloudformation("prod")
    assert ready["Resources"]["RestAPI"]["Properties"]["DefinitionBody"][gateway.EXTENSION] == gateway.extension()


def test_every_gateway_response_is_our_envelope_with_a_code_of_ours():
    codes = {c.code: c for c in vars(errors).values() if isinstance(c, type) and issubclass(c, errors.AppError)}
    for kind, spec in gateway.extension().items():
        body = json.loads(spec["responseTemplates"]["application/json"])
        assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}, kind
        assert body["error"]["code"] in codes, kind
        assert spec["responseParameters"]["gatewayresponse.header.X-Request-Id"] == "context.requestId"
    answers = gateway.extension()
    assert answers["THROTTLED"]["statusCode"] == "429" and "RATE_LIMITED" in answers["THROTTLED"]["responseTemplates"][
        "application/json"]
    assert answers["REQUEST_TOO_LARGE"]["statusCode"] == "413"
    assert "statusCode" not in answers["DEFAULT_4XX"]  # API Gateway's own 4xx status stands


def test_the_responses_can_be_put_on_an_api_chalice_deployed(dynamodb):
    import boto3

    client = boto3.client("apigateway", region_name="ap-southeast-1")
    api = client.create_rest_api(name="huiliu")["id"]
    root = client.get_resources(restApiId=api)["items"][0]["id"]
    client.put_method(restApiId=api, resourceId=root, httpMethod="GET", authorizationType="NONE")
    client.put_integration(restApiId=api, resourceId=root, httpMethod="GET", type="MOCK")

    assert gateway.apply(client, api, "api") == list(gateway.RESPONSES)
    put = {r["responseType"]: r for r in client.get_gateway_responses(restApiId=api)["items"]}
    assert put["THROTTLED"]["statusCode"] == "429"
    assert json.loads(put["THROTTLED"]["responseTemplates"]["application/json"])["error"]["code"] == "RATE_LIMITED"
