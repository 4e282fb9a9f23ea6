"""Fault injection (latency, 5xx, 429 with Retry-After, connection reset) and the /_emulator/ routes."""

from __future__ import annotations

import httpx
import pytest

from cycle_sdk.emulator import Emulator, FakeClock, run_emulator
from tests.support.clock import HeldClock

from .helpers import environment_body

ENVIRONMENTS = "/v1/environments"
ENVIRONMENT = "/v1/environments/{environmentId}"


def test_latency_waits_on_the_emulators_clock() -> None:
    clock = FakeClock()
    with run_emulator(clock=clock) as emu, httpx.Client(base_url=emu.url, headers=emu.headers) as api:
        emu.add_fault("latency", method="GET", path=ENVIRONMENTS, latency=30)
        assert api.get(ENVIRONMENTS).status_code == 200
        assert clock.sleeps == [30]  # the request waited 30 s on the clock (none for real)
        api.get(ENVIRONMENTS)
        assert clock.sleeps == [30]  # count=1: it cleared itself


def test_latency_reaches_client_timeouts() -> None:
    clock = HeldClock()  # the answer is held until the client has given up, however long that takes
    with run_emulator(clock=clock) as emu:
        emu.add_fault("latency", latency=1.0)
        with pytest.raises(httpx.ReadTimeout):
            httpx.get(f"{emu.url}{ENVIRONMENTS}", headers=emu.headers, timeout=0.2)
        clock.release()


def test_status_fires_count_times(cycle_emulator: Emulator, api: httpx.Client) -> None:
    cycle_emulator.add_fault("status", path=ENVIRONMENTS, status=503, count=2)
    for _ in range(2):
        response = api.get(ENVIRONMENTS)
        assert response.status_code == 503
        assert response.json()["error"]["code"] == "503.not-ready" and response.json()["data"] is None
    assert api.get(ENVIRONMENTS).status_code == 200
    assert cycle_emulator.request_count("GET", ENVIRONMENTS) == 3
    assert cycle_emulator.faults() == []


def test_status_with_retry_after(cycle_emulator: Emulator, api: httpx.Client) -> None:
    cycle_emulator.add_fault("status", status=502, retry_after=3)
    response = api.get(ENVIRONMENTS)
    assert response.status_code == 502 and response.headers["Retry-After"] == "3"
    assert response.json()["error"]["code"] == "500.unknown"


def test_rate_limit_with_retry_after(cycle_emulator: Emulator, api: httpx.Client) -> None:
    cycle_emulator.add_fault("retry_after", path=ENVIRONMENTS, retry_after=2)
    response = api.get(ENVIRONMENTS)
    assert response.status_code == 429 and response.headers["Retry-After"] == "2"
    assert response.json()["error"]["code"] == "429.rate-limiting"
    assert api.get(ENVIRONMENTS).status_code == 200


def test_reset_drops_the_connection_without_a_response(cycle_emulator: Emulator, api: httpx.Client) -> None:
    cycle_emulator.add_fault("reset", method="POST", path=ENVIRONMENTS)
    with pytest.raises(httpx.TransportError) as failure:
        api.post(ENVIRONMENTS, json=environment_body("never created"))
    assert isinstance(failure.value, httpx.ReadError | httpx.RemoteProtocolError)
    assert api.get(ENVIRONMENTS).json()["data"] == []  # the request did nothing; the server lives on
    assert api.post(ENVIRONMENTS, json=environment_body("created")).status_code == 201


def test_faults_match_templates_paths_prefixes_and_methods(cycle_emulator: Emulator, api: httpx.Client) -> None:
    env = api.post(ENVIRONMENTS, json=environment_body("e")).json()["data"]["id"]
    cycle_emulator.add_fault("status", method="GET", path=ENVIRONMENT, status=500, count=None)
    assert api.get(f"{ENVIRONMENTS}/{env}").status_code == 500
    assert api.get(f"{ENVIRONMENTS}/other").status_code == 500  # any ID: the template matches
    assert api.patch(f"{ENVIRONMENTS}/{env}", json={}).status_code == 200  # other method
    cycle_emulator.clear_faults()

    cycle_emulator.add_fault("status", path=f"{ENVIRONMENTS}/{env}", status=500)  # a concrete path
    assert api.get(f"{ENVIRONMENTS}/other").status_code == 404
    assert api.get(f"{ENVIRONMENTS}/{env}").status_code == 500

    cycle_emulator.add_fault("status", path="/v1/containers*", status=504, count=None)  # a prefix
    assert api.get("/v1/containers").status_code == 504
    assert api.get("/v1/containers/x/instances").status_code == 504
    assert api.get(ENVIRONMENTS).status_code == 200


def test_faults_apply_to_the_token_endpoint(cycle_emulator: Emulator) -> None:
    cycle_emulator.add_fault("status", path="/oauth/token", status=503)
    form = {"grant_type": "password", "username": "user@example.com", "password": "password"}
    assert httpx.post(f"{cycle_emulator.url}/oauth/token", data=form).status_code == 503
    assert httpx.post(f"{cycle_emulator.url}/oauth/token", data=form).status_code == 200


def test_invalid_faults_are_refused(cycle_emulator: Emulator) -> None:
    with pytest.raises(ValueError, match="unknown fault kind"):
        cycle_emulator.add_fault("explode")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="count"):
        cycle_emulator.add_fault("status", count=0)


# -- /_emulator/ ------------------------------------------------------------------------------


def test_admin_routes(cycle_emulator: Emulator) -> None:
    with httpx.Client(base_url=f"{cycle_emulator.url}/_emulator") as admin:  # no credentials needed
        assert admin.get("/health").json() == {"status": "ok", "hub_id": cycle_emulator.hub_id}
        fault = {"method": "GET", "path": ENVIRONMENTS, "kind": "status", "status": 503, "count": 2}
        added = admin.post("/faults", json=fault)
        assert added.status_code == 201 and added.json()["kind"] == "status"
        assert [f["id"] for f in admin.get("/faults").json()] == [added.json()["id"]]
        url = f"{cycle_emulator.url}{ENVIRONMENTS}"
        assert httpx.get(url, headers=cycle_emulator.headers).status_code == 503
        assert admin.delete("/faults").json() == {"ok": True}
        assert httpx.get(url, headers=cycle_emulator.headers).status_code == 200

        added = admin.post("/faults", json=[{"kind": "latency", "latency": 0.01}, {"kind": "reset", "path": "/x"}])
        assert len(added.json()) == 2
        assert admin.delete(f"/faults/{added.json()[1]['id']}").status_code == 200
        assert admin.delete("/faults/999999").status_code == 404
        assert admin.post("/faults", json={"kind": "explode"}).status_code == 400
        assert admin.post("/faults", json={"kind": "status", "bogus": 1}).status_code == 400

        stats = admin.get("/stats").json()
        assert stats["requests"][f"GET {ENVIRONMENTS}"] == 2
        admin.delete("/stats")
        assert admin.get("/stats").json()["requests"] == {}

        hub = admin.post("/hubs", json={"name": "Made over HTTP"}).json()["id"]
        assert httpx.get(url, headers={**cycle_emulator.headers, "X-Hub-Id": hub}).status_code == 200
        assert admin.post("/users", json={"email": "a@example.com", "password": "pw"}).status_code == 201
        assert admin.post("/users", json={"email": "a@example.com"}).status_code == 400
        assert admin.post("/jobs/fail-next", json={"message": "boom"}).json() == {"ok": True}
        assert admin.post("/jobs/delay-next", json={"requests": 1}).json() == {"ok": True}
        assert admin.post("/jobs/unknown/fail").status_code == 404
        assert admin.post("/tokens/expire").json() == {"expired": 0}
        assert admin.post("/notifications/drop").json() == {"dropped": 0}
        assert admin.get("/nope").status_code == 404
        assert admin.post("/faults", content=b"{").status_code == 400

        assert admin.post("/reset").json() == {"ok": True}
        hubs = httpx.get(f"{cycle_emulator.url}/v1/hubs", headers=cycle_emulator.headers).json()["data"]
        assert [h["id"] for h in hubs] == [cycle_emulator.hub_id]
