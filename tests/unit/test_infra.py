"""The deploy template and IAM policies are what the models say, and nothing else."""
from __future__ import annotations

import json

import pytest

from chalicelib.tables import MODELS
from infra import policy, tables


def test_the_committed_template_and_policies_are_the_ones_the_models_generate():
    # If this fails: python -m infra.tables export, and commit the result.
    assert tables.TEMPLATE.read_text() == tables.rendered(tables.template())
    for stage, path in policy.POLICIES.items():
        document = json.loads(path.read_text())
        assert path.read_text() == policy.rendered(policy.policy(stage, policy.place_of(document)))


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_each_table_in_the_template_has_the_models_keys_indexes_and_ttl(model):
    resource = json.loads(tables.TEMPLATE.read_text())["Resources"][tables._logical_id(model)]
    props = resource["Properties"]
    schema = model._get_schema()

    assert props["KeySchema"] == sorted(
        ({"AttributeName": k["AttributeName"], "KeyType": k["KeyType"]} for k in schema["key_schema"]),
        key=lambda k: k["KeyType"],  # HASH before RANGE
    )
    assert {i["IndexName"] for i in props.get("GlobalSecondaryIndexes", [])} == {
        i["index_name"] for i in schema["global_secondary_indexes"]
    }
    assert {i["IndexName"] for i in props.get("LocalSecondaryIndexes", [])} == {
        i["index_name"] for i in schema["local_secondary_indexes"]
    }
    assert props.get("TimeToLiveSpecification", {}).get("AttributeName") == tables.ttl_attribute(model)
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert resource["DeletionPolicy"] == "Retain"


def test_the_policy_grants_data_access_to_our_tables_only():
    statement = policy.policy("prod", policy.Place.of("ap-southeast-1"))["Statement"][0]

    assert not any(a in statement["Action"] for a in ("dynamodb:*", "dynamodb:Scan", "dynamodb:DeleteTable"))
    assert all(":table/huiliu-prod-" in r for r in statement["Resource"])


def test_the_template_passes_cfn_lint():
    import cfnlint.api  # pinned in requirements-dev.txt: a missing linter is a failure, not a skip

    matches = cfnlint.api.lint_all(tables.TEMPLATE.read_text())
    assert [str(m) for m in matches if m.rule.severity != "informational"] == []


@pytest.mark.parametrize("region,partition", [("cn-north-1", "aws-cn"), ("cn-northwest-1", "aws-cn"),
                                              ("ap-southeast-1", "aws"), ("us-gov-west-1", "aws-us-gov")])
def test_every_arn_is_in_the_regions_partition_and_region(region, partition):
    document = policy.policy("prod", policy.Place.of(region, "123456789012"))
    arns = [r for s in document["Statement"] for r in s["Resource"] if r != "*"]

    assert arns and all(a.startswith(f"arn:{partition}:") and f":{region}:123456789012:" in a for a in arns)


def test_only_tracing_is_unscoped_and_the_role_reaches_its_own_logs_and_secret_only():
    statements = {s["Sid"]: s for s in policy.policy("prod", policy.Place.of("cn-north-1"))["Statement"]}

    assert [sid for sid, s in statements.items() if "*" in s["Resource"]] == ["Tracing"]
    assert statements["Secret"]["Resource"] == ["arn:aws-cn:secretsmanager:cn-north-1:*:secret:huiliu/prod-??????"]
    assert all(r.split(":log-group:")[1].startswith("/aws/lambda/huiliu-prod") for r in statements["Logs"]["Resource"])
    assert statements["FanoutQueue"]["Resource"] == ["arn:aws-cn:sqs:cn-north-1:*:huiliu-prod-fanout"]


def test_the_packaged_policy_takes_the_stacks_partition_region_and_account():
    document = policy.for_cloudformation("dev")
    subs = [r["Fn::Sub"] for s in document["Statement"] for r in s["Resource"] if r != "*"]

    assert subs and all(s.startswith("arn:${AWS::Partition}:") and ":${AWS::Region}:${AWS::AccountId}:" in s
                        for s in subs)
    assert policy.place_of(policy.policy("dev", policy.Place.of("cn-north-1", "1"))) == policy.Place("aws-cn",
                                                                                                   "cn-north-1", "1")
