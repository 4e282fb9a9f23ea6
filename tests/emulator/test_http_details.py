"""HTTP details as a real server answers them: 405 with `Allow`, HEAD, TRACE,
415 for non-JSON bodies, and cross-references that must exist."""

from __future__ import annotations

import re

import httpx
import pytest

from cycle_sdk.emulator import Emulator, run_emulator

from .helpers import container_body, environment_body, errors, new_image, operations, validator
from .rawhttp import request


def test_a_known_path_with_another_method_is_405_with_allow(api: httpx.Client) -> None:
    response = api.put("/v1/environments")
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD, POST"
    assert response.json()["error"]["code"] == "405.method-not-allowed"
    env = api.post("/v1/environments", json=environment_body("e")).json()["data"]["id"]
    response = api.post(f"/v1/environments/{env}")
    assert response.status_code == 405 and response.headers["Allow"] == "GET, HEAD, PATCH, DELETE"


@pytest.mark.parametrize("method", ["TRACE", "OPTIONS", "CONNECTX"])
def test_trace_and_other_methods_are_405(cycle_emulator: Emulator, method: str) -> None:
    response = request(cycle_emulator, method, "/v1/environments")
    assert response.status == 405 and response.headers["allow"] == "GET, HEAD, POST"


def test_an_unknown_path_stays_404(api: httpx.Client) -> None:
    for method in ("GET", "HEAD", "TRACE"):
        response = api.request(method, "/v1/no-such-thing")
        assert response.status_code == 404


def test_head_is_served_for_get_routes(cycle_emulator: Emulator, api: httpx.Client) -> None:
    api.post("/v1/environments", json=environment_body("e"))
    get = api.get("/v1/environments")
    head = api.head("/v1/environments")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]
    assert head.headers["content-length"] == get.headers["content-length"]
    assert cycle_emulator.request_count("HEAD", "/v1/environments") == 1
    # Errors too: HEAD of a missing item is its 404, without the body.
    missing = api.head("/v1/environments/nope")
    assert missing.status_code == 404 and missing.content == b""
    assert api.head("/_emulator/health").status_code in (200, 405)


def test_text_plain_bodies_get_415(cycle_emulator: Emulator, api: httpx.Client) -> None:
    body = httpx.Request("POST", "/", json=environment_body("e")).content
    response = api.post("/v1/environments", content=body, headers={"Content-Type": "text/plain"})
    assert response.status_code == 415
    error = response.json()["error"]
    assert error["code"] == "415.invalid-content-type" and error["source"] == "/headers/Content-Type"
    assert cycle_emulator.list_resources("environments") == []
    # Without a Content-Type the body is read as JSON (curl, httpx `content=`).
    response = api.post("/v1/environments", content=body)
    assert response.status_code == 201, response.text


def test_an_api_key_needs_an_existing_role(cycle_emulator: Emulator, api: httpx.Client) -> None:
    response = api.post("/v1/hubs/current/api-keys", json={"name": "ci", "role_id": "5f1e00000000000000000bad"})
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "404.hub.role" and error["source"] == "/body/role_id"
    assert cycle_emulator.list_resources("hubs/current/api-keys") == []
    role = api.post("/v1/hubs/current/roles", json={"name": "ci", "identifier": "ci", "rank": 1})
    assert role.status_code == 201, role.text
    created = api.post("/v1/hubs/current/api-keys", json={"name": "ci", "role_id": role.json()["data"]["id"]})
    assert created.status_code == 201


def test_a_container_needs_an_existing_environment(cycle_emulator: Emulator, api: httpx.Client) -> None:
    response = api.post("/v1/containers", json=container_body("web", "5f1e00000000000000000bad", new_image(api)))
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "404.environment"
    assert response.json()["error"]["source"] == "/body/environment_id"
    assert cycle_emulator.list_resources("containers") == []
    # Every other reference a body carries is checked the same way: see test_references.py.


@pytest.mark.parametrize("api_name", ["platform", "internal", "scheduler"])
def test_the_http_level_errors_validate_against_the_spec(api_name: str) -> None:
    """405, 413, 415 and a fault's 429 answer Cycle's error envelope, and it validates: the upstream
    Error schema lists neither 405, 413 nor 429 as a status (nor codes for 405 and 413) until the
    overlays' corrections add them."""
    envelope = validator("components", "schemas", "ErrorEnvelope", api=api_name)
    paths: dict[str, set[str]] = {}
    for template, method, _ in operations(api_name):  # IDs filled in: the route's shape is what counts
        paths.setdefault(re.sub(r"\{[^}]+\}", "x", template), set()).add(method)
    post = next(path for path, methods in paths.items() if "POST" in methods)
    no_put = next(path for path, methods in paths.items() if "PUT" not in methods)
    with run_emulator(api=api_name, max_body=1024) as emu, httpx.Client(base_url=emu.url, headers=emu.headers) as api:
        emu.add_fault("retry_after", path="/v1/faulty-route-for-this-test", count=1)
        answers = {
            405: api.put(no_put, json={}),
            413: api.post(post, json={"pad": "x" * 2048}),
            415: api.post(post, content=b"{}", headers={"Content-Type": "text/plain"}),
            429: api.get("/v1/faulty-route-for-this-test"),
        }
        for status, response in answers.items():
            assert response.status_code == status, (status, response.text)
            body = response.json()
            assert body["error"]["status"] == status
            assert not errors(envelope, body), (status, body)
