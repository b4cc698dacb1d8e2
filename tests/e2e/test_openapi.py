"""The committed OpenAPI document is the one the code generates, and it is a valid OpenAPI 3.1
document (schemathesis's loader checks it; tests/contract fuzzes the stack with it)."""
from __future__ import annotations

import json

import schemathesis

from chalicelib.api import openapi


def test_the_committed_document_is_what_the_code_generates():
    committed = openapi.DOCUMENT.read_text(encoding="utf-8")
    assert committed == openapi.generate(), (
        "chalicelib/api/openapi.json is stale: run `make openapi` and commit it")


def test_every_operation_lists_its_errors_in_the_envelope_and_its_security():
    document = json.loads(openapi.DOCUMENT.read_text(encoding="utf-8"))
    operations = [op for ops in document["paths"].values() for op in ops.values()]
    assert len(operations) == len(list(schemathesis.openapi.from_dict(document).get_all_operations()))
    for op in operations:
        assert op["security"], op["operationId"]
        errors = {s: r for s, r in op["responses"].items() if int(s) >= 400}
        assert {"400", "422", "503"} <= set(errors), op["operationId"]
        for response in errors.values():
            ref = response["content"]["application/json"]["schema"]["$ref"]
            assert ref.startswith("#/components/schemas/Error."), op["operationId"]
