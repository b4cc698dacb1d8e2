from __future__ import annotations

import json
from typing import Any

import pytest
from chalice.test import Client

from tests.conftest import fresh


class Api:
    """The app through ``chalice.test.Client``, as the mini-program calls it."""

    def __init__(self, client: Client) -> None:
        self.client = client

    def call(self, method: str, path: str, body: Any = None, token: str | None = None,
             raw: bytes | str | None = None, headers: dict[str, str] | None = None):
        sent = {"Content-Type": "application/json", **(headers or {})}
        if token:
            sent["Authorization"] = f"Bearer {token}"
        payload = raw if raw is not None else (json.dumps(body) if body is not None else None)
        response = getattr(self.client.http, method.lower())(path, headers=sent, body=payload)
        response.text = response.body.decode() if isinstance(response.body, bytes) else (response.body or "")
        is_json = response.headers.get("Content-Type", "application/json").startswith("application/json")
        response.json = json.loads(response.text) if response.text and is_json else None
        return response

    def login(self, name: str) -> dict:
        response = self.call("POST", "/auth/login", {"code": fresh("demo", name)})
        assert response.status_code == 200, response.body
        return response.json

    def purchase_token(self, name: str) -> str:
        token = self.login(name)["token"]
        response = self.call("POST", "/auth/phone", {"code": fresh("phone", name)}, token=token)
        assert response.status_code == 200, response.body
        return response.json["token"]


@pytest.fixture
def api(sandbox) -> Api:
    import app

    with Client(app.app, stage_name="local") as client:
        yield Api(client)
