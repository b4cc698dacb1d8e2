"""Paths no function takes are answered by the app, in the one error shape: 404, or 405 where the
path is a function's (or leads to one). Deep paths reach the catch-all only through API Gateway
(``chalice local`` matches ``{proxy+}`` for one segment), so those go to the Lambda handler
with the proxy events API Gateway sends."""
from __future__ import annotations

import json

import pytest
from chalice.local import LambdaContext

import app as application
from chalicelib import errors
from chalicelib.api import fallback_views
from infra import lambda_events

PATHS = list(application.app.routes)


def through_api_gateway(method: str, path: str, body=None) -> tuple[int, dict, dict]:
    resource, params = lambda_events.resource_for(PATHS, path)
    event = lambda_events.api(method, path, resource, params, body=body)
    answer = application.app(event, LambdaContext("huiliu-test", 512))
    return answer["statusCode"], answer["headers"], json.loads(answer["body"])


def test_an_unknown_path_is_404_in_our_shape_whatever_the_body_or_content_type(api):
    plain = api.call("GET", "/no-such-function")
    form = api.call("POST", "/no-such-function", raw=b"a=1", headers={"Content-Type": "application/x-www-form-urlencoded"})

    for response in (plain, form):
        assert response.status_code == 404 and response.json == errors.NotFound().to_json()


def test_the_functions_own_routes_still_win(api):
    assert api.call("GET", "/shop").status_code == 200
    assert api.call("PUT", "/me", {}).json["error"]["code"] == "METHOD_NOT_ALLOWED"


@pytest.mark.parametrize("path", ["/a/b/c", "/products/p-longjing/extra", "/server/nothing/here", "/%E4%BD%A0"])
def test_deep_unknown_paths_reach_the_catch_all_in_aws(path, sandbox):
    status, headers, body = through_api_gateway("POST", path, {"x": 1})

    assert status == 404 and body == errors.NotFound().to_json()
    assert headers["X-Request-Id"]


def test_a_path_that_is_a_functions_with_another_method_is_405_naming_the_methods(sandbox):
    assert fallback_views._allowed(application.app.routes, "/bargain/bg-1") == set(application.app.routes["/bargain/{ref}"])
    assert fallback_views._allowed(application.app.routes, "/auth") == set()  # it only leads to functions
    assert fallback_views._allowed(application.app.routes, "/authx") is None
    status, _, body = through_api_gateway("GET", "/products")

    assert status == 405 and body["error"]["code"] == "METHOD_NOT_ALLOWED"


def test_api_gateway_routes_a_literal_before_a_parameter_before_the_catch_all():
    assert lambda_events.resource_for(PATHS, "/bargain/campaigns") == ("/bargain/campaigns", {})
    assert lambda_events.resource_for(PATHS, "/bargain/bg-1") == ("/bargain/{ref}", {"ref": "bg-1"})
    assert lambda_events.resource_for(PATHS, "/x/y") == ("/{proxy+}", {"proxy": "x/y"})
