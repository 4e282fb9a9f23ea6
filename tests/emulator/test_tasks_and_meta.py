"""`meta=` computed from the state, and tasks that change what a user reads back.

Jobs complete at once here (`job_speed=0`), so each task's effect is visible on the next read.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from cycle_sdk.emulator._tasks import MODELLED

from .helpers import (
    container_body,
    environment_body,
    errors,
    new_image,
    operations,
    response_validator,
    server_order,
    spec,
)

pytestmark = pytest.mark.cycle_emulator(job_speed=0)
README = Path(__file__).resolve().parents[2] / "README.md"


def valid(response: httpx.Response, template: str, method: str = "GET") -> dict[str, Any]:
    assert response.status_code < 300, response.text
    body: dict[str, Any] = response.json()
    assert not errors(response_validator(template, method, response.status_code), body)
    return body


def environment(api: httpx.Client, name: str = "env") -> str:
    return str(api.post("/v1/environments", json=environment_body(name)).json()["data"]["id"])


def container(api: httpx.Client, environment_id: str, name: str = "web", **config: Any) -> str:
    response = api.post("/v1/containers", json=container_body(name, environment_id, new_image(api), **config))
    assert response.status_code == 201, response.text
    return str(response.json()["data"]["id"])


def task(api: httpx.Client, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = api.post(path, json=body)
    assert response.status_code in (200, 202), response.text  # the spec gives image import a 200
    job = api.get(f"/v1/jobs/{response.json()['data']['job']['id']}").json()["data"]
    assert job["state"]["current"] == "completed", job
    return dict(job)


def instances(api: httpx.Client, container_id: str) -> list[dict[str, Any]]:
    return list(api.get(f"/v1/containers/{container_id}/instances").json()["data"])


def read(api: httpx.Client, path: str, **params: str) -> dict[str, Any]:
    return dict(api.get(path, params=params).json()["data"])


# -- 4. tasks -------------------------------------------------------------------------------------


def test_scale_sets_the_instance_count_and_the_instances_follow(api: httpx.Client) -> None:
    web = container(api, environment(api))
    task(api, f"/v1/containers/{web}/tasks", {"action": "start"})
    assert len(instances(api, web)) == 1
    task(api, f"/v1/containers/{web}/tasks", {"action": "scale", "contents": {"instances": 4}})
    doc = valid(api.get(f"/v1/containers/{web}"), "/v1/containers/{containerId}")["data"]
    assert doc["config"]["deploy"]["instances"] == 4 and doc["instances"] == 4
    assert [i["state"]["current"] for i in instances(api, web)] == ["running"] * 4
    task(api, f"/v1/containers/{web}/tasks", {"action": "scale", "contents": {"instances": 2}})
    assert read(api, f"/v1/containers/{web}")["config"]["deploy"]["instances"] == 2
    assert len(instances(api, web)) == 2


def test_reconfigure_lays_its_config_over_the_containers(api: httpx.Client) -> None:
    web = container(api, environment(api))
    config = {"network": {"public": "disable", "hostname": "api"}, "deploy": {"instances": 1}}
    task(api, f"/v1/containers/{web}/tasks", {"action": "reconfigure", "contents": config})
    doc = valid(api.get(f"/v1/containers/{web}"), "/v1/containers/{containerId}")["data"]
    assert doc["config"]["network"]["public"] == "disable" and doc["config"]["network"]["hostname"] == "api"


def test_reimage_makes_the_container_run_the_image_it_names(api: httpx.Client) -> None:
    """Source: https://cycle.io/docs/platform/container-management ("Each container has a base image
    that can be updated as changes are made. This process is known as 'reimaging'"). Before: the job
    completed and the container kept its old image."""
    web = container(api, environment(api))
    task(api, f"/v1/containers/{web}/tasks", {"action": "start"})
    old = read(api, f"/v1/containers/{web}")["image"]["id"]
    new = new_image(api)
    task(api, f"/v1/containers/{web}/tasks", {"action": "reimage", "contents": {"image_id": new}})
    doc = valid(api.get(f"/v1/containers/{web}", params={"include": "images"}), "/v1/containers/{containerId}")
    assert doc["data"]["image"]["id"] == new != old
    assert new in doc["includes"]["images"]
    assert doc["data"]["state"]["current"] == "running"  # reimaged in place
    missing = api.post(
        f"/v1/containers/{web}/tasks", json={"action": "reimage", "contents": {"image_id": "5f1e000000000000000000ff"}}
    )
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "404.image"


@pytest.mark.parametrize("action", ["start", "stop", "restart"])
def test_container_tasks_move_the_container_and_its_instances(api: httpx.Client, action: str) -> None:
    web = container(api, environment(api))
    task(api, f"/v1/containers/{web}/tasks", {"action": "start"})
    task(api, f"/v1/containers/{web}/tasks", {"action": action})
    expected = "stopped" if action == "stop" else "running"
    assert read(api, f"/v1/containers/{web}")["state"]["current"] == expected
    assert {i["state"]["current"] for i in instances(api, web)} == {expected}


def test_environment_start_and_stop_move_its_containers(api: httpx.Client) -> None:
    env, other = environment(api), environment(api, "other")
    web, db, elsewhere = container(api, env), container(api, env, "db"), container(api, other, "x")
    task(api, f"/v1/environments/{env}/tasks", {"action": "start"})
    assert [read(api, f"/v1/containers/{c}")["state"]["current"] for c in (web, db, elsewhere)] == [
        "running",
        "running",
        "new",
    ]
    assert len(instances(api, web)) == 1
    task(api, f"/v1/environments/{env}/tasks", {"action": "stop"})
    assert {read(api, f"/v1/containers/{c}")["state"]["current"] for c in (web, db)} == {"stopped"}


def test_image_import_makes_the_image_live(api: httpx.Client, cycle_emulator: Any) -> None:
    image_id = new_image(api)
    cycle_emulator.set_resource_state("images", image_id, "new")
    task(api, f"/v1/images/{image_id}/tasks", {"action": "import"})
    assert read(api, f"/v1/images/{image_id}")["state"]["current"] == "live"


STACK_SPEC: dict[str, Any] = {
    "version": "1.0",
    "containers": {
        "web": {
            "name": "Web {{tier}}",
            "stateful": False,
            "image": {"origin": {"type": "docker-hub", "details": {"target": "nginx:latest"}}},
            "config": {"network": {"public": "enable", "hostname": "web"}, "deploy": {"instances": 2}},
        },
        "db": {
            "name": "Database",
            "stateful": True,
            "image": {"origin": {"type": "docker-hub", "details": {"target": "postgres:16"}}},
            "config": {"network": {"public": "disable", "hostname": "db"}, "deploy": {"instances": 1}},
        },
    },
    "services": {"loadbalancer": {}},
}


def test_a_deployed_build_creates_the_stacks_containers_and_services(api: httpx.Client) -> None:
    body = {"name": "shop", "variables": {"tier": "front"}, "source": {"type": "raw", "details": STACK_SPEC}}
    stack = api.post("/v1/stacks", json=body)
    assert stack.status_code == 201, stack.text
    stack_id = stack.json()["data"]["id"]
    build = api.post(f"/v1/stacks/{stack_id}/builds", json={"instructions": {"variables": {"extra": "1"}}})
    assert build.status_code == 201, build.text
    build_id = build.json()["data"]["id"]
    builds = f"/v1/stacks/{stack_id}/builds/{build_id}"

    task(api, f"{builds}/tasks", {"action": "generate"})
    generated = valid(api.get(builds), "/v1/stacks/{stackId}/builds/{buildId}")["data"]
    assert generated["instructions"]["variables"] == {"tier": "front", "extra": "1"}
    assert sorted(generated["spec"]["containers"]) == ["db", "web"]

    env = environment(api)
    missing = api.post(f"{builds}/tasks", json={"action": "deploy", "contents": {"environment_id": "nope"}})
    assert missing.status_code == 404
    task(api, f"{builds}/tasks", {"action": "deploy", "contents": {"environment_id": env}})
    listed = valid(api.get("/v1/containers", params={"filter[environment]": env}), "/v1/containers")["data"]
    made = {c["identifier"]: c for c in listed}
    assert sorted(made) == ["db", "discovery", "loadbalancer", "web"]  # the environment's services, reused
    assert made["web"]["name"] == "Web front" and made["web"]["config"]["deploy"]["instances"] == 2
    assert made["db"]["stateful"] is True
    assert {c["stack"]["build_id"] for c in made.values() if c.get("stack")} == {build_id}
    assert not made["discovery"].get("stack")  # the environment's own, not the stack's
    assert made["web"]["stack"] == {"id": stack_id, "build_id": build_id, "identifier": "web"}
    services = read(api, f"/v1/environments/{env}")["services"]
    assert services["loadbalancer"]["container_id"] == made["loadbalancer"]["id"]
    assert read(api, builds)["state"]["current"] == "live"


def test_the_readme_lists_every_accepted_but_unmodelled_task() -> None:
    """The README's list is what the spec's task actions are, less what `_tasks` models."""
    unmodelled: set[str] = set()
    for template, method, op in operations():
        if method != "POST" or not template.endswith("/tasks"):
            continue
        schema = op["requestBody"]["content"]["application/json"]["schema"]
        actions = _actions(schema)
        kind = _kind(template)
        unmodelled.update(f"{kind} {a}" for a in actions if a not in MODELLED.get(kind, ()))
    text = README.read_text(encoding="utf-8")
    section = text[text.index("Accepted, state unchanged:") :].split("\n- ", 1)[0]
    listed = set(re.findall(r"`([^`]+)`", section))
    assert listed == unmodelled


def _kind(template: str) -> str:
    literals = [part for part in template.strip("/").split("/")[1:-1] if not part.startswith("{")]
    return "/".join(literals)


def _actions(schema: dict[str, Any]) -> list[str]:
    document = spec()
    if "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    mapping = schema.get("discriminator", {}).get("mapping")
    if mapping:
        return list(mapping)
    action = schema.get("properties", {}).get("action", {})
    return [str(a) for a in action.get("enum", ["task"])]


# -- 3. meta ----------------------------------------------------------------------------------------


def test_environment_meta_counts_its_containers_and_instances(api: httpx.Client) -> None:
    env = environment(api)
    web = container(api, env)
    container(api, env, "db")
    task(api, f"/v1/containers/{web}/tasks", {"action": "start"})
    query = {"meta": "containers_count,instances_count,containers,service_versions"}
    listed = valid(api.get("/v1/environments", params=query), "/v1/environments")["data"]
    meta = listed[0]["meta"]
    # The environment's discovery service runs once it is initialized (at once here), its load
    # balancer waits to be started; db was never started.
    assert meta["containers_count"] == {"state": {"running": 2, "new": 2}, "total": 4, "available": 4}
    # Instances are made with their container (config.deploy.instances), and run once it started.
    assert meta["instances_count"]["total"] == 3 and meta["instances_count"]["state"] == {"running": 2, "new": 1}
    # Summaries require an image ID: the service containers (image.id null) are not among them.
    assert sorted(c["name"] for c in meta["containers"]) == ["db", "web"]
    assert meta["service_versions"] == {}
    one = valid(
        api.get(f"/v1/environments/{env}", params={"meta": "containers_count"}), "/v1/environments/{environmentId}"
    )
    assert one["data"]["meta"] == {"containers_count": meta["containers_count"]}
    assert "meta" not in read(api, f"/v1/environments/{env}")  # only when asked for


def test_container_image_and_source_meta(api: httpx.Client) -> None:
    env = environment(api)
    web = container(api, env, deploy={"instances": 3})
    task(api, f"/v1/containers/{web}/tasks", {"action": "start"})
    doc = valid(
        api.get(f"/v1/containers/{web}", params={"meta": "instances_count,domains,ips"}), "/v1/containers/{containerId}"
    )
    assert doc["data"]["meta"] == {
        "instances_count": {"state": {"running": 3}, "total": 3, "available": 3},
        "domains": [],
        "ips": [],
    }
    image_id = new_image(api)
    body = container_body("app", env, image_id)
    assert api.post("/v1/containers", json=body).status_code == 201
    images = valid(api.get("/v1/images", params={"meta": "containers_count"}), "/v1/images")["data"]
    assert images[0]["meta"]["containers_count"]["total"] == 1
    sources = valid(api.get("/v1/images/sources", params={"meta": "images_count"}), "/v1/images/sources")["data"]
    counted = sources[0]["meta"]["images_count"]
    assert counted["total"] == 1 and sum(counted["state"].values()) == 1
    assert {"new", "downloading", "live", "deleting"} <= set(counted["state"])


def test_stack_server_and_hub_meta(api: httpx.Client) -> None:
    stack = api.post("/v1/stacks", json={"name": "s", "source": {"type": "raw", "details": STACK_SPEC}}).json()["data"]
    api.post(f"/v1/stacks/{stack['id']}/builds", json={})
    api.post(f"/v1/stacks/{stack['id']}/builds", json={})
    stacks = valid(api.get("/v1/stacks", params={"meta": "builds_count,containers_count"}), "/v1/stacks")["data"]
    assert stacks[0]["meta"]["builds_count"]["total"] == 2 and stacks[0]["meta"]["containers_count"]["total"] == 0
    api.post("/v1/infrastructure/servers", json={"cluster": "production", "servers": [server_order()]})
    servers = valid(
        api.get("/v1/infrastructure/servers", params={"meta": "node,instances_count"}), "/v1/infrastructure/servers"
    )["data"]
    assert servers[0]["meta"]["node"]["online"] is True and servers[0]["meta"]["instances_count"]["total"] == 0
    hub = valid(api.get("/v1/hubs/current", params={"meta": "memberships"}), "/v1/hubs/current")["data"]
    assert hub["meta"]["membership"]["account_id"] == read(api, "/v1/account")["id"]


def test_an_unimplemented_meta_value_answers_an_empty_object_that_validates(api: httpx.Client) -> None:
    invoice = "5f1e00000000000000000042"
    doc = valid(api.get(f"/v1/billing/invoices/{invoice}", params={"meta": "due"}), "/v1/billing/invoices/{invoiceId}")
    assert doc["data"]["meta"] == {}
