"""schemathesis, a third-party property-based API tester, against the local stack as `make dev`
starts it (moto), from the OpenAPI document (the committed one, which the stack serves at
/openapi.json: checked first): no 5xx on any input it generates, and every answer's status,
content type, headers and body as documented.

Run by ``make contract`` (and so by CI); about three minutes on two cores. Each operation gets
``EXAMPLES`` generated requests with the credentials its security names: a purchase-level user's
token (session functions accept it too), the operator key or the server key.

Not fuzzed, and why:
- ``PUT /operator/clock`` moves the stack's clock for every other request under test;
  the bad-input suite and its examples cover it.
"""
from __future__ import annotations

import json
import signal
import uuid
from collections.abc import Iterator

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks

from chalicelib.api.openapi import DOCUMENT
from tests.stack import Stack, start

EXAMPLES = 15
EXCLUDED = [("PUT", "/operator/clock")]
CHECKS = [checks.not_a_server_error, checks.status_code_conformance, checks.content_type_conformance,
          checks.response_headers_conformance, checks.response_schema_conformance]
KEYS = {"operatorKey": "local-operator-key", "serverKey": "local-server-key"}


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    stack = start("moto")
    try:
        yield stack
    finally:
        stack.process.send_signal(signal.SIGINT)  # as Ctrl-C: the stack stops what it started
        stack.process.wait(timeout=30)


def purchase_token(api: str, name: str) -> str:
    """A sandbox user who logged in and bound a phone, as the README's flow does."""
    suffix = uuid.uuid4().hex[:8]
    login = requests.post(f"{api}/auth/login", json={"code": f"demo:{name}:{suffix}"}, timeout=10)
    login.raise_for_status()
    phone = requests.post(f"{api}/auth/phone", json={"code": f"phone:{name}:{suffix}"}, timeout=10,
                          headers={"Authorization": f"Bearer {login.json()['token']}"})
    phone.raise_for_status()
    return phone.json()["token"]


@pytest.fixture(scope="session")
def tokens(stack: Stack) -> dict[str, str]:
    api = stack.api
    # DELETE /me erases whoever calls it: it gets a user of its own, so the others keep theirs.
    return {"user": purchase_token(api, "fuzz" + uuid.uuid4().hex[:6]),
            "erased": purchase_token(api, "gone" + uuid.uuid4().hex[:6])}


# The committed document, which the stack serves (less nothing: the local stage has every route;
# test_openapi checks the committed file is what the code generates). Loaded at collection:
# schemathesis's lazy fixture loader does not work with this pytest.
schema = schemathesis.openapi.from_path(DOCUMENT)
for _method, _path in EXCLUDED:
    schema = schema.exclude(method=_method, path=_path)
# Undocumented methods are tried on every path; only those API Gateway passes to a function
# (TRACE and QUERY never reach one, and `chalice local`'s server answers them 501 itself).
schema.config.phases.coverage.unexpected_methods = {"get", "put", "post", "delete", "options", "patch"}


def test_the_stack_serves_the_committed_document(stack: Stack):
    served = requests.get(f"{stack.api}/openapi.json", timeout=10)
    assert served.status_code == 200
    assert served.json() == json.loads(DOCUMENT.read_text(encoding="utf-8"))


def credentials(case, tokens: dict[str, str]) -> dict[str, str]:
    """The Authorization header the operation's security asks for (none for a visitor's)."""
    schemes = {name for option in case.operation.definition.raw.get("security", []) for name in option}
    keyed = sorted(schemes & set(KEYS))  # an operator function also takes a session cookie: the key here
    if keyed:
        return {"Authorization": f"Bearer {KEYS[keyed[0]]}"}
    if "userToken" in schemes:
        who = "erased" if (case.method, case.path) == ("DELETE", "/me") else "user"
        return {"Authorization": f"Bearer {tokens[who]}"}
    return {}


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_every_answer_is_as_documented(case, stack, tokens):
    case.call_and_validate(base_url=stack.api, headers={**(case.headers or {}), **credentials(case, tokens)}, checks=CHECKS,
                           timeout=30)
