"""The ``functions/`` manifests are the API reference: they must match the app exactly,
and every example in them must be what the app answers."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import app as application
from chalicelib.tables import MODELS
from infra.tables import short_name
from tests.conftest import fresh

FUNCTIONS = Path(__file__).resolve().parents[2] / "functions"
MANIFESTS = {p.parent.name: json.loads(p.read_text()) for p in sorted(FUNCTIONS.glob("*/function.json"))}
EXAMPLES = sorted(FUNCTIONS.glob("*/examples/*.json"))
TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def app_routes() -> set[tuple[str, str, str]]:
    return {
        (method, path, entry.view_function.auth)
        for path, methods in application.app.routes.items()
        for method, entry in methods.items()
    }


def manifest_routes() -> set[tuple[str, str, str]]:
    return {
        (m["trigger"]["http"]["method"], m["trigger"]["http"]["path"], m["auth"])
        for m in MANIFESTS.values()
        if "http" in m["trigger"]
    }


def test_every_route_has_a_manifest_with_its_level_and_no_manifest_is_stale():
    assert app_routes() == manifest_routes()


def test_every_schedule_has_a_manifest():
    schedules = {s.name for s in application.app.event_sources if type(s).__name__ == "CloudWatchEventConfig"}
    manifested = {m["name"] for m in MANIFESTS.values() if "schedule" in m["trigger"]}
    assert schedules == manifested


@pytest.mark.parametrize("name", MANIFESTS)
def test_manifests_are_well_formed(name):
    m = MANIFESTS[name]
    assert m["name"] == name
    assert m["auth"] in ("anonymous", "session", "purchase", "operator", "server")
    assert set(m["tables"]) <= {short_name(model) for model in MODELS}
    assert list((FUNCTIONS / name / "examples").glob("*.json")), "every function shows at least one example"


def matches(expected, actual, where="$") -> None:
    """Placeholders match by type: <str>, <int>, <bool>, <list>, <time> (ISO-8601 UTC with Z)."""
    kinds = {"<str>": str, "<int>": int, "<bool>": bool, "<list>": list}
    if isinstance(expected, str) and expected in kinds:
        assert isinstance(actual, kinds[expected]), f"{where}: {actual!r} is not {expected}"
    elif isinstance(expected, str) and expected == "<time>":
        assert isinstance(actual, str) and TIME.match(actual), f"{where}: {actual!r} is not a UTC time"
    elif isinstance(expected, dict):
        assert isinstance(actual, dict) and set(actual) == set(expected), f"{where}: keys {actual!r}"
        for key in expected:
            matches(expected[key], actual[key], f"{where}.{key}")
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), f"{where}: {actual!r}"
        for i, (e, a) in enumerate(zip(expected, actual)):
            matches(e, a, f"{where}[{i}]")
    else:
        assert expected == actual, f"{where}: expected {expected!r}, got {actual!r}"


def with_codes(value, name: str):
    """``<code:demo>`` and ``<code:phone>`` become fresh sandbox codes for the example's user."""
    if isinstance(value, str) and value.startswith("<code:"):
        return fresh(value[6:-1], name)
    if isinstance(value, dict):
        return {k: with_codes(v, name) for k, v in value.items()}
    return value


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: f"{p.parts[-3]}/{p.stem}")
def test_example_is_what_the_app_answers(api, name, path):
    example = json.loads(path.read_text())
    request, expected = example["request"], example["response"]
    token = {"session": lambda: api.login(name)["token"], "purchase": lambda: api.purchase_token(name)}.get(
        request.get("auth", "none"), lambda: None
    )()

    response = api.call(request["method"], request["path"], with_codes(request.get("body"), name), token=token)

    assert response.status_code == expected["status"], response.text
    matches(expected["body"], response.json)
