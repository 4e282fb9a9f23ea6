"""A web page cannot drive the emulator (DNS rebinding, cross-origin requests,
bodies a browser sends without a CORS preflight)."""

from __future__ import annotations

import httpx
import pytest

from cycle_sdk.emulator import Emulator, run_emulator

from .helpers import environment_body
from .rawhttp import RawResponse, address, request

REBIND = "rebind.evil.example"
EVIL_ORIGIN = "http://evil.example"
FORM = "grant_type=password&username=user%40example.com&password=password"


def port(emu: Emulator) -> int:
    return address(emu.url)[1]


def drive_by(emu: Emulator, method: str, path: str, body: bytes, *, host: str, origin: str | None) -> RawResponse:
    """What a page can send to localhost without a preflight: a text/plain body, its own Origin."""
    headers = {"Content-Type": "text/plain"}
    if origin is not None:
        headers["Origin"] = origin
    return request(emu, method, path, headers=headers, body=body, host=host, auth=False)


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/_emulator/reset", b""),
        ("POST", "/_emulator/users", b'{"email": "evil@example.com", "password": "pw"}'),
        ("POST", "/_emulator/faults", b'{"kind": "status", "path": "*", "count": null}'),
        ("POST", "/oauth/token", FORM.encode()),
        ("GET", "/_emulator/stats", b""),
    ],
)
def test_a_rebinding_page_is_refused(cycle_emulator: Emulator, method: str, path: str, body: bytes) -> None:
    env = cycle_emulator.put_resource("environments", environment_body("kept"))
    response = drive_by(cycle_emulator, method, path, body, host=f"{REBIND}:{port(cycle_emulator)}", origin=None)
    assert response.status == 403 and REBIND not in response.body.decode()
    # Nothing happened: no reset, no user, no fault, no token.
    assert cycle_emulator.get_resource("environments", str(env["id"])) is not None
    assert cycle_emulator.faults() == []
    assert cycle_emulator.oauth_grants("password") == 0
    form = {"grant_type": "password", "username": "evil@example.com", "password": "pw"}
    assert httpx.post(f"{cycle_emulator.url}/oauth/token", data=form).status_code != 200


def test_the_api_routes_check_the_host_too(cycle_emulator: Emulator) -> None:
    response = request(cycle_emulator, "GET", "/v1/environments", host=f"{REBIND}:{port(cycle_emulator)}")
    assert response.status == 403 and response.code == "403.not-allowed"


@pytest.mark.parametrize("name", ["127.0.0.1", "localhost", "LOCALHOST", "[::1]"])
def test_hosts_naming_the_bound_address_are_accepted(cycle_emulator: Emulator, name: str) -> None:
    response = request(cycle_emulator, "GET", "/v1/environments", host=f"{name}:{port(cycle_emulator)}")
    assert response.status == 200


@pytest.mark.parametrize("host", ["127.0.0.1:1", "127.0.0.1", "127.0.0.2:{port}", "localhost.evil.example:{port}"])
def test_other_ports_and_names_are_refused(cycle_emulator: Emulator, host: str) -> None:
    response = request(cycle_emulator, "GET", "/_emulator/health", host=host.format(port=port(cycle_emulator)))
    assert response.status == 403


def test_allowed_hosts_adds_names() -> None:
    with run_emulator(allowed_hosts=["emulator"]) as emu:
        assert request(emu, "GET", "/_emulator/health", host=f"emulator:{port(emu)}").status == 200
        assert request(emu, "GET", "/_emulator/health", host=f"other:{port(emu)}").status == 403
    with run_emulator(allowed_hosts=["*"]) as emu:
        assert request(emu, "GET", "/_emulator/health", host=f"anything:{port(emu)}").status == 200


def test_bound_to_every_address_any_ip_is_accepted_but_not_names() -> None:
    with run_emulator(host="0.0.0.0") as emu:
        assert request(emu, "GET", "/_emulator/health", host=f"10.1.2.3:{port(emu)}").status == 200
        assert request(emu, "GET", "/_emulator/health", host=f"localhost:{port(emu)}").status == 200
        assert request(emu, "GET", "/_emulator/health", host=f"{REBIND}:{port(emu)}").status == 403


@pytest.mark.parametrize(
    ("path", "body", "content_type"),
    [
        ("/_emulator/reset", b"", "application/json"),
        ("/_emulator/faults", b'{"kind": "reset"}', "application/json"),
        ("/oauth/token", FORM.encode(), "application/x-www-form-urlencoded"),
    ],
)
def test_cross_origin_requests_are_refused(cycle_emulator: Emulator, path: str, body: bytes, content_type: str) -> None:
    env = cycle_emulator.put_resource("environments", environment_body("kept"))
    for headers in ({"Origin": EVIL_ORIGIN}, {"Origin": "null"}, {"Sec-Fetch-Site": "cross-site"}):
        response = request(
            cycle_emulator, "POST", path, headers={"Content-Type": content_type, **headers}, body=body, auth=False
        )
        assert response.status == 403, (path, headers)
    assert cycle_emulator.get_resource("environments", str(env["id"])) is not None
    assert cycle_emulator.faults() == []
    # The emulator's own origin (a page it served, or a tool that sets Origin) is fine.
    same = request(
        cycle_emulator,
        "POST",
        path,
        headers={"Content-Type": content_type, "Origin": cycle_emulator.url},
        body=body,
        auth=False,
    )
    assert same.status in (200, 201)


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"])
def test_json_routes_refuse_other_content_types(cycle_emulator: Emulator, content_type: str) -> None:
    body = b'{"email": "evil@example.com", "password": "pw"}'
    response = request(
        cycle_emulator, "POST", "/_emulator/users", headers={"Content-Type": content_type}, body=body, auth=False
    )
    assert response.status == 415
    form = {"grant_type": "password", "username": "evil@example.com", "password": "pw"}
    assert httpx.post(f"{cycle_emulator.url}/oauth/token", data=form).status_code != 200
    env = b'{"name": "e", "cluster": "c", "about": {"description": ""}, "features": {"legacy_networking": false}}'
    response = request(cycle_emulator, "POST", "/v1/environments", headers={"Content-Type": content_type}, body=env)
    assert response.status == 415 and response.code == "415.invalid-content-type"
    assert cycle_emulator.list_resources("environments") == []


def test_json_content_types_are_accepted(api: httpx.Client) -> None:
    for content_type in ("application/json", "application/json; charset=utf-8", "application/vnd.cycle+json"):
        body = httpx.Request("POST", "/", json=environment_body("e")).content
        response = api.post("/v1/environments", content=body, headers={"Content-Type": content_type})
        assert response.status_code == 201, content_type
