"""The Internal API emulator, over a real unix socket (`run_emulator(api="internal", uds=...)`).

Every operation of the internal spec answers a success body that validates (jsonschema, Draft
2020-12); auth is `X-CYCLE-TOKEN`; the instance's world, the object cache, tasks, monitoring and VPN
logins are stateful; faults, counters and the CLI work as on the platform emulator.
"""

from __future__ import annotations

import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from cycle_sdk._generated_internal.operations import OPERATIONS as INTERNAL_OPERATIONS
from cycle_sdk.emulator import Emulator, EmulatorConfig, FakeClock, run_emulator
from cycle_sdk.emulator._schema import SchemaTools

from .helpers import errors, operations, response_validator, spec

TOKEN = "instance-token"
VPN_USER = ("user@example.com", "password")


@pytest.fixture
def socket_dir() -> Iterator[Path]:
    # Short: a unix socket path must fit in ~100 bytes, which pytest's tmp_path does not promise.
    directory = Path(tempfile.mkdtemp(prefix="cycle-emu-"))
    try:
        yield directory
    finally:
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def emu(socket_dir: Path) -> Iterator[Emulator]:
    with run_emulator(api="internal", uds=socket_dir / "api.sock", token=TOKEN) as emulator:
        yield emulator


def client(emulator: Emulator, headers: dict[str, str] | None = None) -> httpx.Client:
    """An httpx client on the emulator's socket (authenticated with its token unless `headers` given)."""
    assert emulator.uds is not None
    return httpx.Client(
        base_url=emulator.url,
        headers=emulator.headers if headers is None else headers,
        transport=httpx.HTTPTransport(uds=emulator.uds),
        timeout=10,
    )


@pytest.fixture
def internal(emu: Emulator) -> Iterator[httpx.Client]:
    with client(emu) as api:
        yield api


def test_serves_on_the_unix_socket(socket_dir: Path) -> None:
    path = socket_dir / "api.sock"
    with run_emulator(api="internal", uds=str(path)) as emu:
        assert emu.url == "http://localhost" and emu.uds == str(path) and emu.address == f"unix:{path}"
        assert stat.S_ISSOCK(path.stat().st_mode)
        assert emu.headers == {"X-CYCLE-TOKEN": "emulator-token"}  # the default token
        with client(emu) as api:
            assert api.get("/v1/environment").status_code == 200
    assert not path.exists()  # removed on stop
    path.write_text("not a socket")
    with pytest.raises(FileExistsError):
        run_emulator(api="internal", uds=str(path)).__enter__()


def test_every_operation_answers_a_schema_valid_success_body(internal: httpx.Client) -> None:
    tools = SchemaTools(spec("internal"))
    instance = internal.get("/v1/environment/instances").json()["data"][0]
    container_id, instance_id = instance["container_id"], instance["id"]
    query_values = {"container-id": container_id, "virtual-machine-id": instance_id, "scope": "global", "key": "k"}
    bodies: dict[str, Any] = {
        "postObjectCache": {"scope": "global", "key": "k", "value": "v", "expires": "1h"},
        "createInstanceJob": {
            "action": "container.instance.start",
            "contents": {"instance_id": instance_id, "container_id": container_id},
        },
    }
    checked: list[str] = []
    failures: list[str] = []
    # Writes first: the object cache's GET reads what its POST stored.
    for template, method, op in sorted(operations("internal"), key=lambda entry: entry[1] != "POST"):
        name = f"{op['operationId']} ({method} {template})"
        params = {p["name"]: query_values[p["name"]] for p in op.get("parameters", ()) if p["name"] in query_values}
        body = bodies.get(op["operationId"])
        if body is None and "requestBody" in op:
            schema = tools.resolve(op["requestBody"]["content"]["application/json"]["schema"])
            body = [tools.instance(schema["items"])] if schema.get("type") == "array" else tools.instance(schema)
        auth = VPN_USER if op["operationId"] == "validateVPNLogin" else None
        response = internal.request(method, template, params=params, json=body, auth=auth)
        if response.status_code != 200:
            failures.append(f"{name}: status {response.status_code}: {response.text[:300]}")
            continue
        problems = errors(response_validator(template, method, 200, api="internal"), response.json())
        if problems:
            failures.append(f"{name}: {problems[:3]}")
        else:
            checked.append(name)
    # Every operation the SDK's Internal API has was checked (not a count copied from the spec).
    served = {(method, template) for template, method, _ in operations("internal")}
    assert served == {(o.method, o.path) for o in INTERNAL_OPERATIONS}
    assert not failures, f"{len(checked)}/{len(served)} conform; failures:\n" + "\n".join(failures)
    assert len(checked) == len(served)


def test_auth_is_the_token_header(emu: Emulator) -> None:
    for headers in ({}, {"X-CYCLE-TOKEN": "wrong"}, {"Authorization": f"Bearer {TOKEN}"}):
        with client(emu, headers) as api:
            response = api.get("/v1/environment")
        assert response.status_code == 401, headers
        envelope = response.json()
        assert envelope["data"] is None
        assert envelope["error"]["code"] == "401.auth-invalid" and envelope["error"]["status"] == 401
        assert envelope["error"]["source"] == "/headers/X-CYCLE-TOKEN"
    with client(emu, {"X-CYCLE-TOKEN": TOKEN}) as api:  # no hub header needed
        assert api.get("/v1/hub").json()["data"]["id"] == emu.hub_id


def test_the_instance_world_is_consistent(internal: httpx.Client, emu: Emulator) -> None:
    environment = internal.get("/v1/environment").json()["data"]
    container = internal.get("/v1/container").json()["data"]  # the instance's own container
    instances = internal.get("/v1/container/instances").json()["data"]
    server = internal.get("/v1/server").json()["data"]
    assert container["environment"]["id"] == environment["id"] and container["hub_id"] == emu.hub_id
    assert container["state"]["current"] == "running"
    assert [i["container_id"] for i in instances] == [container["id"]]
    assert instances[0]["server_id"] == server["id"] and instances[0]["environment"]["id"] == environment["id"]
    assert internal.get("/v1/environment/containers").json()["data"] == [container]
    assert internal.get("/v1/server/instances").json()["data"] == instances
    assert internal.get("/v1/server/containers").json()["data"] == [container]
    assert internal.get("/v1/container", params={"container-id": container["id"]}).json()["data"] == container
    assert internal.get("/v1/environment").json()["data"]["id"] == environment["id"]  # stable

    missing = internal.get("/v1/container", params={"container-id": "000000000000000000000bad"})
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "404.container"
    assert internal.get("/v1/containers/domains", params={"container-id": "nope"}).status_code == 404
    assert internal.get("/v1/virtual-machine").status_code == 422  # virtual-machine-id is required


def test_object_cache_stores_and_expires(socket_dir: Path) -> None:
    clock = FakeClock()
    with (
        run_emulator(api="internal", uds=socket_dir / "api.sock", token=TOKEN, clock=clock) as emu,
        client(emu) as internal,
    ):
        check_object_cache(internal, clock)


def check_object_cache(internal: httpx.Client, clock: FakeClock) -> None:
    entry = {"scope": "environment", "key": "leader", "value": "instance-1", "expires": "1h"}
    assert internal.post("/v1/object-cache", json=entry).json() == {"data": None}
    query = {"scope": "environment", "key": "leader"}
    assert internal.get("/v1/object-cache", params=query).json()["data"] == entry
    internal.post("/v1/object-cache", json={**entry, "value": "instance-2"})  # overwrite
    assert internal.get("/v1/object-cache", params=query).json()["data"]["value"] == "instance-2"
    assert internal.get("/v1/object-cache", params={**query, "scope": "global"}).status_code == 404  # per scope

    internal.post("/v1/object-cache", json={**entry, "key": "short", "expires": "50ms"})
    clock.advance(0.049)
    assert internal.get("/v1/object-cache", params={**query, "key": "short"}).status_code == 200
    clock.advance(0.002)
    assert internal.get("/v1/object-cache", params={**query, "key": "short"}).status_code == 404

    bad = internal.post("/v1/object-cache", json={**entry, "expires": "soon"})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "422.invalid-input"
    incomplete = internal.post("/v1/object-cache", json={"scope": "global", "key": "k"})
    assert incomplete.status_code == 422 and incomplete.json()["error"]["code"] == "422.invalid-input"
    missing = internal.get("/v1/object-cache", params={"scope": "global"})
    assert missing.status_code == 422 and missing.json()["error"]["code"] == "422.missing-argument"
    wrong = internal.get("/v1/object-cache", params={"scope": "galaxy", "key": "k"})
    assert wrong.status_code == 422 and wrong.json()["error"]["code"] == "422.invalid-argument"


def test_instance_tasks_move_the_instance(internal: httpx.Client) -> None:
    instance = internal.get("/v1/environment/instances").json()["data"][0]
    contents = {"instance_id": instance["id"], "container_id": instance["container_id"]}
    stop = internal.post("/v1/conductor/tasks", json={"action": "container.instance.stop", "contents": contents})
    assert stop.status_code == 200 and stop.json() == {}
    assert internal.get("/v1/container/instances").json()["data"][0]["state"]["current"] == "stopped"
    internal.post("/v1/conductor/tasks", json={"action": "container.instance.start", "contents": contents})
    assert internal.get("/v1/container/instances").json()["data"][0]["state"]["current"] == "running"
    unknown = {"action": "container.instance.start", "contents": {**contents, "instance_id": "0" * 24}}
    assert internal.post("/v1/conductor/tasks", json=unknown).json()["error"]["code"] == "404.instance"
    assert internal.post("/v1/conductor/tasks", json={"action": "explode"}).status_code == 422


def test_monitoring_images_and_vpn(internal: httpx.Client, emu: Emulator) -> None:
    metrics = [{"metric": "queue.depth", "type": "gauge", "labels": {"queue": "jobs"}}]
    assert internal.post("/v1/monitoring/metrics", json=metrics).json() == {"data": True}
    event = {"event": "deployed", "type": "info", "priority": "low"}
    internal.post("/v1/monitoring/events", json=[event])
    assert [m["metric"] for m in emu.list_resources("monitoring/metrics")] == ["queue.depth"]
    assert [e["event"] for e in emu.list_resources("monitoring/events")] == ["deployed"]

    image = "5f1e00000000000000000042"
    assert internal.get("/v1/server/images").json()["data"] == []
    downloaded = internal.post("/v1/server/images/download", json={"image_id": image}).json()["data"]
    assert [i["id"] for i in downloaded] == [image]
    assert [i["id"] for i in internal.get("/v1/server/images").json()["data"]] == [image]

    assert internal.post("/v1/vpn/login", auth=VPN_USER).json() == {"data": True}
    refused = internal.post("/v1/vpn/login", auth=(VPN_USER[0], "wrong"))
    assert refused.status_code == 403 and refused.json() == {"data": False}
    assert internal.post("/v1/vpn/login").status_code == 403  # nothing to validate
    with client(emu, {}) as anonymous:  # basic auth alone is an accepted scheme here
        assert anonymous.post("/v1/vpn/login", auth=VPN_USER).status_code == 200
        assert anonymous.post("/v1/vpn/login", auth=(VPN_USER[0], "wrong")).status_code == 401


def test_faults_and_counters(internal: httpx.Client, emu: Emulator) -> None:
    emu.add_fault("status", method="GET", path="/v1/environment", status=503)
    failed = internal.get("/v1/environment")
    assert failed.status_code == 503
    assert failed.json()["error"]["code"] == "503.not-ready" and failed.json()["data"] is None
    assert internal.get("/v1/environment").status_code == 200
    assert emu.request_count("GET", "/v1/environment") == 2

    emu.add_fault("reset", path="/v1/object-cache")
    with pytest.raises(httpx.TransportError):
        internal.post("/v1/object-cache", json={"scope": "global", "key": "k", "value": "v", "expires": ""})
    assert internal.get("/v1/object-cache", params={"scope": "global", "key": "k"}).status_code == 404

    emu.add_fault("retry_after", path="/v1/server*", retry_after=2)
    limited = internal.get("/v1/server/instances")
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "2"


def test_reset_makes_a_new_world(internal: httpx.Client, emu: Emulator) -> None:
    before = internal.get("/v1/environment").json()["data"]["id"]
    internal.post("/v1/object-cache", json={"scope": "global", "key": "k", "value": "v", "expires": ""})
    emu.reset()
    assert internal.get("/v1/environment").json()["data"]["id"] != before
    assert internal.get("/v1/object-cache", params={"scope": "global", "key": "k"}).status_code == 404


def test_config_and_tcp() -> None:
    with pytest.raises(ValueError, match="api must be one of"):
        EmulatorConfig(api="galaxy")  # type: ignore[arg-type]
    with run_emulator(api="internal") as emu:  # no socket path: loopback TCP
        assert emu.uds is None and emu.url.startswith("http://127.0.0.1:")
        assert httpx.get(f"{emu.url}/v1/hub", headers=emu.headers).status_code == 200
        assert httpx.get(f"{emu.url}/v1/hubs/current", headers=emu.headers).status_code == 404  # a platform route


def test_cli_serves_on_a_unix_socket(socket_dir: Path) -> None:
    path = socket_dir / "api.sock"
    command = [sys.executable, "-m", "cycle_sdk.emulator", "--api", "internal", "--uds", str(path), "--token", "t"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        assert process.stdout.readline() == f"Cycle API emulator listening on unix:{path}\n"
        transport = httpx.HTTPTransport(uds=str(path))
        with httpx.Client(base_url="http://localhost", transport=transport, headers={"X-CYCLE-TOKEN": "t"}) as api:
            assert api.get("/v1/environment").status_code == 200
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, err
    assert out == "" and "internal API" in err and "'t'" in err
    assert not os.path.exists(path)
