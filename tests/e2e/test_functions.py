"""The ``functions/`` manifests are the API reference: they must match the app exactly,
and every example in them must be what the app answers."""
from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import msgspec
import pytest
from chalice.app import ScheduledEventConfig, SQSEventConfig

import app as application
from chalicelib import config
from chalicelib.api import openapi
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
    """A manifest names one ``method``, or ``methods`` (the catch-all takes every one)."""
    return {
        (method, m["trigger"]["http"]["path"], m["auth"])
        for m in MANIFESTS.values()
        if "http" in m["trigger"]
        for method in m["trigger"]["http"].get("methods") or [m["trigger"]["http"]["method"]]
    }


def test_every_route_has_a_manifest_with_its_level_and_no_manifest_is_stale():
    assert app_routes() == manifest_routes()


def test_local_only_functions_do_not_exist_in_a_deployed_stage(monkeypatch):
    """The simulated clock is an operator control of the local stack, never of dev or prod."""
    local_only = {(m["trigger"]["http"]["method"], m["trigger"]["http"]["path"])
                  for m in MANIFESTS.values() if m.get("stages") == ["local"]}
    assert local_only == {("GET", "/operator/clock"), ("PUT", "/operator/clock")}
    monkeypatch.setenv("HUILIU_STAGE", "prod")
    assert not config.simulated_clock_allowed()
    monkeypatch.delenv("HUILIU_STAGE")  # a plain shell running `chalice package`
    assert not config.simulated_clock_allowed()
    with pytest.raises(RuntimeError):
        config.set_clock(config.utcnow())
    monkeypatch.setenv("HUILIU_STAGE", "local")
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "huiliu-local")  # local stage config deployed by mistake
    assert not config.simulated_clock_allowed()


def test_every_schedule_has_a_manifest():
    schedules = {(s.name, s.schedule_expression.to_string()) for s in application.app.event_sources
                 if isinstance(s, ScheduledEventConfig)}
    manifested = {(m["name"], m["trigger"]["schedule"]) for m in MANIFESTS.values() if "schedule" in m["trigger"]}
    assert schedules == manifested


def test_every_queue_worker_has_a_manifest():
    workers = {(s.name, s.queue.replace(f"-{config.stage()}-", "-<stage>-")) for s in application.app.event_sources
               if isinstance(s, SQSEventConfig)}
    manifested = {(m["name"], m["trigger"]["sqs"]) for m in MANIFESTS.values() if "sqs" in m["trigger"]}
    assert workers == manifested == {("fanout-worker", "huiliu-<stage>-fanout")}


@pytest.mark.parametrize("name", MANIFESTS)
def test_manifests_are_well_formed(name):
    m = MANIFESTS[name]
    assert m["name"] == name
    assert m["auth"] in ("anonymous", "session", "purchase", "operator", "server")
    assert set(m.get("stages", ["local", "dev", "prod"])) <= {"local", "dev", "prod"}
    assert set(m["tables"]) <= {short_name(model) for model in MODELS}
    assert list((FUNCTIONS / name / "examples").glob("*.json")), "every function shows at least one example"


def matches(expected, actual, where="$") -> None:
    """Placeholders match by type: <str>, <int>, <bool>, <list>, <time> (ISO-8601 UTC with Z), <any>."""
    kinds = {"<str>": str, "<int>": int, "<bool>": bool, "<list>": list}
    if expected == "<any>":
        return
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


VARIABLE = re.compile(r"\$\{(\w+)\.(\w+)\}")


class Replay:
    """Runs an example's requests as its one user: tokens by level, ``${as.field}`` from earlier answers.

    ``<code:demo>`` and ``<code:phone>`` become fresh sandbox codes for that user; ``auth`` is
    none, session, purchase (the user's token) or operator, server (the merchant's keys).
    """

    def __init__(self, api, name: str) -> None:
        self.api, self.name = api, name
        self.tokens: dict[str, str] = {}
        self.saved: dict[str, dict] = {}

    def token(self, level: str) -> str | None:
        s = config.settings()
        if level in ("operator", "server"):
            return s.operator_key if level == "operator" else s.server_key
        if level in ("session", "purchase") and level not in self.tokens:
            login = self.api.purchase_token(self.name) if level == "purchase" else self.api.login(self.name)["token"]
            self.tokens[level] = login
            self.tokens.setdefault("session", login)
            self.saved["user"] = self.api.call("GET", "/me", token=login).json
        return self.tokens.get(level)

    def resolve(self, value):
        if isinstance(value, str) and value.startswith("<code:"):
            return fresh(value[6:-1], self.name)
        if isinstance(value, str) and value.startswith("<day:"):  # a China day relative to today
            return (config.china_day(config.utcnow()) + timedelta(days=int(value[5:-1]))).isoformat()
        if isinstance(value, str):
            return VARIABLE.sub(lambda m: str(self.saved[m[1]][m[2]]), value)
        if isinstance(value, dict):
            return {k: self.resolve(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        return value

    def send(self, request: dict):
        token = self.token(request.get("auth", "none"))
        if "user" not in self.saved and "${user." in json.dumps(request):
            self.token("session")
        return self.api.call(request["method"], self.resolve(request["path"]), self.resolve(request.get("body")),
                             token=token, headers=request.get("headers"))


@pytest.fixture
def real_time_after():
    """An example may move the local stack's simulated clock (PUT /operator/clock) to show a
    user seen on an earlier day; the examples after it run in real time again."""
    yield
    if config.simulated_clock_allowed():
        config.set_clock(None)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: f"{p.parts[-3]}/{p.stem}")
def test_example_is_what_the_app_answers(api, name, path, real_time_after):
    example = json.loads(path.read_text())
    replay = Replay(api, name)
    for step in example.get("setup", []):
        response = replay.send(step)
        assert response.status_code < 300, (step, response.text)
        replay.saved[step["as"]] = response.json

    response = replay.send(example["request"])

    expected = example["response"]
    assert response.status_code == expected["status"], response.text
    if "text" in expected:  # a page or an asset
        assert response.headers["Content-Type"] == expected["contentType"]
        assert expected["text"] in response.text
    else:
        matches(replay.resolve(expected["body"]), response.json)
        answer = answer_type(example["request"]["method"], path.parts[-3])
        if answer is not None and response.status_code < 300:
            # The answer type the OpenAPI document shows is what the function really answers.
            msgspec.convert(response.json, answer, strict=False)


def answer_type(method: str, function: str) -> Any:
    """The type a function declares as its answer (``route(..., answer=...)``): a msgspec Struct
    or tagged union of them, named or by reference; None for a page or no body."""
    trigger = MANIFESTS[function]["trigger"].get("http") or {}
    entry = application.app.routes.get(trigger.get("path"), {}).get(method)
    answer = openapi.answer_type(getattr(entry.view_function, "answer", None)) if entry else None
    return None if answer is None or isinstance(answer, str) else answer
