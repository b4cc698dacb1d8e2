"""The deploy template and IAM policies are what the models say, and nothing else."""
from __future__ import annotations

import json

import pytest

from chalicelib.tables import MODELS
from infra import tables


def test_the_committed_template_and_policies_are_the_ones_the_models_generate():
    # If this fails: python -m infra.tables export, and commit the result.
    assert tables.TEMPLATE.read_text() == tables.rendered(tables.template())
    for stage, path in tables.POLICIES.items():
        assert path.read_text() == tables.rendered(tables.policy(stage))


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
    statement = tables.policy("prod")["Statement"][0]

    assert not any(a in statement["Action"] for a in ("dynamodb:*", "dynamodb:Scan", "dynamodb:DeleteTable"))
    assert all(":table/huiliu-prod-" in r for r in statement["Resource"])


def test_the_template_passes_cfn_lint():
    cfnlint = pytest.importorskip("cfnlint.api")
    matches = cfnlint.lint_all(tables.TEMPLATE.read_text())
    assert [str(m) for m in matches if m.rule.severity != "informational"] == []
