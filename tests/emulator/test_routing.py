"""Routing on the raw path: an encoded `/` or a dot segment in an ID never reaches another route."""

from __future__ import annotations

import json
import socket
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from cycle_sdk.emulator import Emulator

from .helpers import environment_body


def raw_get(emu: Emulator, raw_path: str) -> tuple[int, Any]:
    """A GET with the request target sent byte for byte (HTTP clients normalize dot segments)."""
    target = urlsplit(emu.url)
    request = (
        f"GET {raw_path} HTTP/1.1\r\nHost: {target.netloc}\r\nAuthorization: Bearer {emu.api_key}\r\n"
        f"X-Hub-Id: {emu.hub_id}\r\nConnection: close\r\n\r\n"
    )
    with socket.create_connection((target.hostname, target.port), timeout=5) as conn:
        conn.sendall(request.encode())
        data = b""
        while chunk := conn.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(body)


def code(response: httpx.Response) -> str:
    return str(response.json()["error"]["code"])


def test_an_encoded_slash_stays_in_its_segment(api: httpx.Client) -> None:
    env = api.post("/v1/environments", json=environment_body("e")).json()["data"]["id"]
    # `{id}/tasks` as one ID is an unknown environment, not the tasks route of `{id}`.
    response = api.get(f"/v1/environments/{quote(env + '/tasks', safe='')}")
    assert response.status_code == 404 and code(response) == "404.environment"
    assert "/tasks" in response.json()["error"]["detail"]
    response = api.post(f"/v1/environments/{quote(env + '/tasks', safe='')}", json={"action": "start"})
    # POST on an item path: no such route (405: the path is known, for GET, PATCH and DELETE).
    assert response.status_code == 405 and "POST" not in response.headers["Allow"]
    assert code(api.get("/v1/environments/a%2Fb")) == "404.environment"


def test_an_id_with_a_slash_is_one_path_segment(cycle_emulator: Emulator, api: httpx.Client) -> None:
    # `a%2Fb` is one ID, "a/b" (which names nothing), not two segments (an unknown path, 404.uri).
    for path, id_ in [("/v1/billing/invoices/a%2Fb", "a/b"), ("/v1/billing/invoices/a", "a")]:
        missing = api.get(path)
        assert missing.status_code == 404, path
        error = missing.json()["error"]
        assert error["code"] == "404.billing.invoice" and f"'{id_}'" in error["detail"], error


def test_dot_segments_are_ids_not_navigation(cycle_emulator: Emulator) -> None:
    assert raw_get(cycle_emulator, "/v1/environments/%2E%2E")[1]["error"]["code"] == "404.environment"
    status, body = raw_get(cycle_emulator, "/v1/environments/..")
    assert status == 404 and body["error"]["code"] == "404.environment"
    # `/v1/containers/../environments` is not `/v1/environments` (which would answer 200).
    status, body = raw_get(cycle_emulator, "/v1/containers/../environments")
    assert status == 404 and body["error"]["code"] == "404.uri"
    status, body = raw_get(cycle_emulator, "/v1/environments/../containers")
    assert status == 404 and body["error"]["code"] == "404.uri"


def test_literal_segments_take_precedence_over_parameters(api: httpx.Client) -> None:
    origin = {"type": "docker-hub", "details": {"target": "nginx"}}
    source = api.post("/v1/images/sources", json={"name": "src", "type": "direct", "origin": origin}).json()["data"]
    sources = api.get("/v1/images/sources")
    assert sources.status_code == 200 and [s["id"] for s in sources.json()["data"]] == [source["id"]]
    assert api.get("/v1/jobs/latest").status_code == 200
    assert api.get("/v1/stacks/builds").status_code == 200
    assert code(api.get("/v1/images/other")) == "404.image"


def test_a_trailing_slash_is_tolerated(api: httpx.Client) -> None:
    assert api.get("/v1/environments/").status_code == 200
