"""The Scheduler API emulator on loopback TCP (`run_emulator(api="scheduler", access_key=...)`).

Its four operations answer schema-valid bodies (jsonschema, Draft 2020-12); auth is
`X-CYCLE-ACCESS-KEY`; claim -> spawn -> release changes what `active` answers.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from cycle_sdk.emulator import Emulator, FakeClock, run_emulator

from .helpers import errors, operations, response_validator

ACCESS_KEY = "scheduler-key"
CONTAINER = "5f1e000000000000000000c1"
FUNCTIONS = f"/v1/functions/{CONTAINER}"


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with run_emulator(api="scheduler", access_key=ACCESS_KEY) as emulator:
        yield emulator


@pytest.fixture
def scheduler(emu: Emulator) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=emu.url, headers=emu.headers, timeout=10) as client:
        yield client


def claim(scheduler: httpx.Client, token: str = "claim-token", container: str = CONTAINER) -> str:
    response = scheduler.post(f"/v1/functions/{container}/claim", json={"token": token})
    assert response.status_code == 200, response.text
    return str(response.json()["data"]["instance_id"])


def test_every_operation_answers_a_schema_valid_success_body(scheduler: httpx.Client) -> None:
    ops = {op["operationId"]: (template, method) for template, method, op in operations("scheduler")}
    assert len(ops) == 4
    token = "conformance"
    instance_id = ""
    checked: list[str] = []
    # In lifecycle order: each call needs the instance the claim made.
    for operation_id in ("claimInstance", "spawnInstance", "getActiveInstances", "releaseInstance"):
        template, method = ops[operation_id]
        body: dict[str, Any] | None = {"token": token} if method == "POST" else None
        if body is not None and operation_id != "claimInstance":
            body["instance_id"] = instance_id
        if operation_id == "spawnInstance":
            body = {**(body or {}), "runtime_variables": {"environment_variables": {"MODE": "test"}}}
        response = scheduler.request(method, template.replace("{containerId}", CONTAINER), json=body)
        assert response.status_code == 200, f"{operation_id}: {response.status_code} {response.text}"
        problems = errors(response_validator(template, method, 200, api="scheduler"), response.json())
        assert not problems, f"{operation_id}: {problems[:3]}"
        if operation_id == "claimInstance":
            instance_id = response.json()["data"]["instance_id"]
        if operation_id == "getActiveInstances":
            assert list(response.json()["data"]) == [instance_id]
        checked.append(operation_id)
    assert len(checked) == 4


def test_auth_is_the_access_key_header(emu: Emulator) -> None:
    url = f"{emu.url}{FUNCTIONS}/active"
    for headers in ({}, {"X-CYCLE-ACCESS-KEY": "wrong"}, {"X-CYCLE-TOKEN": ACCESS_KEY}):
        response = httpx.get(url, headers=headers)
        assert response.status_code == 401, headers
        assert response.json()["data"] is None
        assert response.json()["error"]["code"] == "401.auth-invalid"
        assert response.json()["error"]["source"] == "/headers/X-CYCLE-ACCESS-KEY"
    assert emu.headers == {"X-CYCLE-ACCESS-KEY": ACCESS_KEY}
    assert httpx.get(url, headers=emu.headers).json() == {"data": {}}


def test_claim_spawn_release_changes_active(scheduler: httpx.Client, emu: Emulator) -> None:
    active = f"{FUNCTIONS}/active"
    first, second = claim(scheduler, "token-one"), claim(scheduler, "token-two")
    other = claim(scheduler, "token-else", container="5f1e000000000000000000c2")
    instances = scheduler.get(active).json()["data"]
    assert sorted(instances) == sorted([first, second])  # only this container's
    assert instances[first]["container_id"] == CONTAINER and instances[first]["state"]["current"] == "starting"

    spawned = scheduler.post(f"{FUNCTIONS}/spawn", json={"token": "token-one", "instance_id": first}).json()["data"]
    assert spawned["instance_id"] == first and spawned["token"] == "token-one"
    assert scheduler.get(active).json()["data"][first]["state"]["current"] == "running"

    released = scheduler.post(f"{FUNCTIONS}/release", json={"token": "token-one", "instance_id": first})
    assert released.json()["data"]["instance_id"] == first
    assert list(scheduler.get(active).json()["data"]) == [second]
    assert [i["id"] for i in emu.list_resources("functions/instances")] == [second, other]

    gone = scheduler.post(f"{FUNCTIONS}/release", json={"token": "token-one", "instance_id": first})
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "404.instance"
    mismatch = scheduler.post(f"{FUNCTIONS}/spawn", json={"token": "token-one", "instance_id": second})
    assert mismatch.status_code == 403 and mismatch.json()["error"]["code"] == "403.mismatch"
    elsewhere = scheduler.post("/v1/functions/other/spawn", json={"token": "token-two", "instance_id": second})
    assert elsewhere.status_code == 404
    assert scheduler.post(f"{FUNCTIONS}/spawn", json={"token": "token-two", "instance_id": second}).status_code == 200
    twice = scheduler.post(f"{FUNCTIONS}/spawn", json={"token": "token-two", "instance_id": second})
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "409.duplicate-found"


def test_unspawned_claims_time_out() -> None:
    clock = FakeClock()
    with (
        run_emulator(api="scheduler", claim_timeout=10, clock=clock) as emu,
        httpx.Client(base_url=emu.url, headers=emu.headers) as scheduler,
    ):
        waiting, spawned = claim(scheduler, "token-wait"), claim(scheduler, "token-spawn")
        scheduler.post(f"{FUNCTIONS}/spawn", json={"token": "token-spawn", "instance_id": spawned})
        clock.advance(9.9)
        assert sorted(scheduler.get(f"{FUNCTIONS}/active").json()["data"]) == sorted([waiting, spawned])
        clock.advance(0.2)
        assert list(scheduler.get(f"{FUNCTIONS}/active").json()["data"]) == [spawned]
        late = scheduler.post(f"{FUNCTIONS}/spawn", json={"token": "token-wait", "instance_id": waiting})
        assert late.status_code == 404


def test_bodies_are_checked_against_the_spec(scheduler: httpx.Client, emu: Emulator) -> None:
    missing = scheduler.post(f"{FUNCTIONS}/claim")
    assert missing.status_code == 422 and missing.json()["error"]["code"] == "422.missing-argument"
    short = scheduler.post(f"{FUNCTIONS}/spawn", json={"token": "abc", "instance_id": claim(scheduler, "abc")})
    assert short.status_code == 422 and short.json()["error"]["code"] == "422.invalid-input"  # ClaimToken: 5+
    assert scheduler.post(f"{FUNCTIONS}/claim", json={}).status_code == 422
    assert scheduler.get(f"{FUNCTIONS}/unknown").json()["error"]["code"] == "404.uri"
    assert emu.request_count("POST", "/v1/functions/{containerId}/claim") == 3


def test_cli_serves_the_scheduler_api() -> None:
    command = [sys.executable, "-m", "cycle_sdk.emulator", "--api", "scheduler", "--port", "0", "--access-key", "k"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        match = re.fullmatch(r"Cycle API emulator listening on (http://127\.0\.0\.1:\d+)\n", line)
        assert match, line
        response = httpx.get(f"{match.group(1)}{FUNCTIONS}/active", headers={"X-CYCLE-ACCESS-KEY": "k"})
        assert response.json() == {"data": {}}
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, err
    assert "scheduler API" in err and "'k'" in err
