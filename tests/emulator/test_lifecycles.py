"""State machines as Cycle's public documentation describes them, as scenarios over HTTP.

Each test names its source. The emulators here run on a fake clock with 1 s job phases (a job ends
5 s after it starts), so a scenario reads the states while a job runs and after it ends, exactly.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from cycle_sdk.emulator import Emulator, EmulatorConfig, FakeClock

from .helpers import container_body, environment_body, new_image, server_order
from .test_tasks_and_meta import STACK_SPEC

IMAGES_DOCS = "https://cycle.io/docs/platform/introduction-to-images"
ENVIRONMENTS_DOCS = "https://cycle.io/docs/platform/introduction-to-environments"
INITIAL_INSTANCES_DOCS = "https://cycle.io/docs/portal/container-deployment-configuration"
INSTANCES_DOCS = "https://cycle.io/docs/platform/container-instances"
SCALING_DOCS = "https://cycle.io/docs/platform/scaling-and-auto-scaling"
STACKS_DOCS = "https://cycle.io/docs/platform/introduction-to-stacks"
SERVERS_DOCS = "https://cycle.io/docs/platform/servers"
ENVIRONMENT_DELETION = "Cycle's MCP server, its delete_environment tool (https://glama.ai/mcp/connectors/io.cycle.mcp.na/cycle-mcp/tools/delete_environment)"
SPEC = "Cycle's Platform API spec (https://api.docs.cycle.io/): the state enums and event fields"
ZERO_TIME = "0001-01-01T00:00:00Z"
JOB_ENDS = 5.0  # seconds: new, queued, then three steps, at 1 s each


@pytest.fixture
def cycle_emulator_config() -> EmulatorConfig:
    return EmulatorConfig(job_speed=1)


@pytest.fixture
def cycle_emulator_clock() -> FakeClock:
    return FakeClock()


def read(api: httpx.Client, path: str, **params: str) -> dict[str, Any]:
    response = api.get(path, params=params)
    assert response.status_code == 200, response.text
    return dict(response.json()["data"])


def task(api: httpx.Client, path: str, body: Any, method: str = "POST") -> str:
    response = api.request(method, path, json=body)
    assert response.status_code in (200, 202), response.text  # as each operation's spec says
    return str(response.json()["data"]["job"]["id"])


def state(api: httpx.Client, path: str) -> str:
    return str(read(api, path)["state"]["current"])


def environment(api: httpx.Client, name: str = "env") -> str:
    return str(api.post("/v1/environments", json=environment_body(name)).json()["data"]["id"])


# -- images ---------------------------------------------------------------------------------------


def test_an_image_is_a_shell_until_its_import_job_makes_it_live(
    api: httpx.Client, cycle_emulator_clock: FakeClock
) -> None:
    """Source: IMAGES_DOCS. Importing is two steps: "Create - Creates the 'shell' of the image ...
    Import - The factory core service fetches or builds the image"; "In the portal, this process
    is abstracted, but is an important concept when utilizing the API". Before: `live` at once."""
    image = new_image(api)
    path = f"/v1/images/{image}"
    assert state(api, path) == "new"
    assert [i["id"] for i in api.get("/v1/images", params={"filter[state]": "new"}).json()["data"]] == [image]
    job = task(api, f"{path}/tasks", {"action": "import"})
    assert state(api, path) == "downloading"
    cycle_emulator_clock.advance(JOB_ENDS)
    assert read(api, f"/v1/jobs/{job}")["state"]["current"] == "completed"
    assert state(api, path) == "live"


# -- environments ---------------------------------------------------------------------------------


def test_a_new_environment_is_new_until_the_platform_initialized_it(
    api: httpx.Client, cycle_emulator_clock: FakeClock
) -> None:
    """Sources: ENVIRONMENTS_DOCS (an environment's services "are created and managed by the
    platform") and SPEC (Environment states `new`, `live`; the `environment.initialize` and
    `environment.task.initialize` notification topics; an `initialize` task). Before: `live` at
    once, so `filter[state]=new` found nothing."""
    env = environment(api)
    path = f"/v1/environments/{env}"
    assert state(api, path) == "new"
    assert [e["id"] for e in api.get("/v1/environments", params={"filter[state]": "new"}).json()["data"]] == [env]
    jobs = [j for j in api.get("/v1/jobs").json()["data"] if j["queue"] == env]
    assert [j["tasks"][0]["header"] for j in jobs] == ["initialize"]
    cycle_emulator_clock.advance(JOB_ENDS)
    assert state(api, path) == "live"
    assert api.get("/v1/environments", params={"filter[state]": "new"}).json()["data"] == []


def test_an_environment_deleted_while_initializing_is_not_brought_back(
    api: httpx.Client, cycle_emulator_clock: FakeClock
) -> None:
    env = environment(api)
    assert api.delete(f"/v1/environments/{env}").status_code == 202
    cycle_emulator_clock.advance(1)
    assert state(api, f"/v1/environments/{env}") == "deleting"  # not `live` from its initialization
    cycle_emulator_clock.advance(JOB_ENDS)
    assert api.get(f"/v1/environments/{env}").status_code == 404


def test_deleting_an_environment_deletes_what_is_in_it(
    cycle_emulator: Emulator, api: httpx.Client, cycle_emulator_clock: FakeClock
) -> None:
    """Source: ENVIRONMENT_DELETION ("delete an environment on Cycle and EVERYTHING in it: all
    containers and their instances ..., all scoped variables, and the environment's service
    containers"). Before: its containers (its discovery and load balancer services included) and
    their instances stayed, listed under an environment that answered 404 (Cycle's TypeScript
    client found it)."""
    env = environment(api)
    other = environment(api, "other")
    body = container_body("web", env, new_image(api), deploy={"instances": 2})
    web = api.post("/v1/containers", json=body).json()["data"]["id"]
    kept = api.post("/v1/containers", json=container_body("api", other, new_image(api))).json()["data"]["id"]
    in_env = {"filter[environment]": env}
    assert len(api.get("/v1/containers", params=in_env).json()["data"]) == 3  # web, discovery, loadbalancer
    assert api.delete(f"/v1/environments/{env}").status_code == 202
    cycle_emulator_clock.advance(JOB_ENDS)
    assert api.get(f"/v1/environments/{env}").status_code == 404
    assert api.get("/v1/containers", params=in_env).json()["data"] == []
    gone = api.get(f"/v1/containers/{web}")
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "404.container"
    assert api.get(f"/v1/containers/{web}/instances").status_code == 404
    assert all(i["container_id"] != web for i in cycle_emulator.list_resources("containers/instances"))
    assert api.get(f"/v1/containers/{kept}").status_code == 200  # another environment's stays


# -- containers and their instances -----------------------------------------------------------------


def container(api: httpx.Client, instances: int) -> str:
    body = container_body("web", environment(api), new_image(api), deploy={"instances": instances})
    response = api.post("/v1/containers", json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["data"]["id"])


def instance_states(api: httpx.Client, container_id: str) -> list[str]:
    listed = api.get(f"/v1/containers/{container_id}/instances").json()["data"]
    return sorted(i["state"]["current"] for i in listed)


def test_a_container_is_made_with_its_initial_instances(api: httpx.Client) -> None:
    """Source: INITIAL_INSTANCES_DOCS ("Initial instances refers to the number of instances to
    create during the container create process"). Before: none until a start, and
    `container.instances` stayed 0."""
    web = container(api, 2)
    doc = read(api, f"/v1/containers/{web}")
    assert doc["state"]["current"] == "new" and doc["instances"] == 2
    assert instance_states(api, web) == ["new", "new"]
    assert doc["events"]["started"] == ZERO_TIME


def test_start_and_stop_move_the_instances_and_count_them(api: httpx.Client, cycle_emulator_clock: FakeClock) -> None:
    """Source: INSTANCES_DOCS ("An instance is a running copy of a container"). The container's
    `events.started` is set when the start happens (its job's end), not when it was asked for."""
    web = container(api, 2)
    path = f"/v1/containers/{web}"
    asked = cycle_emulator_clock.time()
    task(api, f"{path}/tasks", {"action": "start"})
    assert state(api, path) == "starting" and read(api, path)["events"]["started"] == ZERO_TIME
    cycle_emulator_clock.advance(3600)  # read an hour after the job ended
    doc = read(api, path)
    assert doc["state"]["current"] == "running" and doc["instances"] == 2
    assert instance_states(api, web) == ["running", "running"]
    started = doc["events"]["started"]
    assert started == iso(asked + JOB_ENDS)  # when it started, however late it is read
    task(api, f"{path}/tasks", {"action": "stop"})
    cycle_emulator_clock.advance(JOB_ENDS)
    doc = read(api, path)
    assert doc["state"]["current"] == "stopped" and doc["instances"] == 2  # stopped instances still count
    assert instance_states(api, web) == ["stopped", "stopped"]
    assert doc["events"]["started"] == started


def test_instances_added_or_deleted_are_counted(api: httpx.Client, cycle_emulator_clock: FakeClock) -> None:
    """Source: SPEC (Container `instances`: "The number of instances for a given container";
    createInstances, deleteInstance, deleteContainerInstances). Before: only a create, start, stop
    or scale recounted, so a container kept claiming 3 instances after one or all were deleted, and
    2 after two more were added."""
    web = container(api, 3)
    path = f"/v1/containers/{web}"
    first = api.get(f"{path}/instances").json()["data"][0]["id"]
    task(api, f"{path}/instances/{first}", None, method="DELETE")
    cycle_emulator_clock.advance(JOB_ENDS)
    assert read(api, path)["instances"] == len(instance_states(api, web)) == 2
    task(api, f"{path}/instances", [{"server_id": "5f1e000000000000000000e1", "new_instances": 2}], method="POST")
    assert read(api, path)["instances"] == len(instance_states(api, web)) == 4
    task(api, f"{path}/instances", None, method="DELETE")
    cycle_emulator_clock.advance(JOB_ENDS)
    assert read(api, path)["instances"] == len(instance_states(api, web)) == 0


def test_scale_sets_the_instances_and_their_count(api: httpx.Client, cycle_emulator_clock: FakeClock) -> None:
    """Source: SCALING_DOCS ("Manually scaling a container will increase or decrease the number of
    instances to match the desired amount")."""
    web = container(api, 1)
    path = f"/v1/containers/{web}"
    task(api, f"{path}/tasks", {"action": "start"})
    cycle_emulator_clock.advance(JOB_ENDS)
    task(api, f"{path}/tasks", {"action": "scale", "contents": {"instances": 3}})
    cycle_emulator_clock.advance(JOB_ENDS)
    doc = read(api, path)
    assert (doc["instances"], doc["config"]["deploy"]["instances"]) == (3, 3)
    assert instance_states(api, web) == ["running"] * 3
    task(api, f"{path}/tasks", {"action": "scale", "contents": {"instances": 0}})
    cycle_emulator_clock.advance(JOB_ENDS)
    assert read(api, path)["instances"] == 0 and instance_states(api, web) == []


def test_a_negative_scale_is_refused_as_the_api_validates_it(api: httpx.Client) -> None:
    """Source: SCALING_DOCS (scaling matches "the desired amount" of instances, and no amount is
    below zero). The spec types the count as any integer: the overlay gives it `minimum: 0`.
    Before: 202, and a job that "completed" with nothing changed."""
    web = container(api, 1)
    response = api.post(f"/v1/containers/{web}/tasks", json={"action": "scale", "contents": {"instances": -1}})
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert (error["code"], error["source"]) == ("422.invalid-input", "/body/contents/instances")
    assert "at least 0" in error["detail"]
    assert [j for j in api.get("/v1/jobs").json()["data"] if j["queue"] == web] == []  # no job started


# -- stacks, builds, deployments ---------------------------------------------------------------------


def stack_build(api: httpx.Client) -> tuple[str, str]:
    body = {"name": "shop", "variables": {"tier": "front"}, "source": {"type": "raw", "details": STACK_SPEC}}
    stack = api.post("/v1/stacks", json=body).json()["data"]["id"]
    build = api.post(f"/v1/stacks/{stack}/builds", json={"instructions": {}}).json()["data"]["id"]
    return str(stack), str(build)


def test_a_deployed_build_runs_on_the_images_it_built(api: httpx.Client, cycle_emulator_clock: FakeClock) -> None:
    """Source: STACKS_DOCS ("A stack build is a deployable snapshot of a stack. It contains all the
    built images and configurations, and is deployed directly to an environment, or as a
    deployment within an existing environment"). Before: the deployed containers referenced the
    all-zeros image ID (404), and `include=images` was empty."""
    made = cycle_emulator_clock.time()
    stack, build = stack_build(api)
    assert read(api, f"/v1/stacks/{stack}")["events"]["last_build"] == iso(made)
    builds = f"/v1/stacks/{stack}/builds/{build}"
    assert state(api, builds) == "new"
    env = environment(api)
    deploy = {"environment_id": env, "deployment": {"version": "v1.2.0"}}
    task(api, f"{builds}/tasks", {"action": "deploy", "contents": deploy})
    assert state(api, builds) == "deploying"
    cycle_emulator_clock.advance(JOB_ENDS)
    assert state(api, builds) == "live"

    listed = api.get("/v1/containers", params={"filter[environment]": env, "include": "images"}).json()
    containers = {c["identifier"]: c for c in listed["data"]}
    for identifier in ("web", "db"):
        image = containers[identifier]["image"]
        assert api.get(f"/v1/images/{image['id']}").status_code == 200  # the reference resolves
        assert image["service"] is None
        assert containers[identifier]["deployment"] == {"version": "v1.2.0"}
        built = listed["includes"]["images"][image["id"]]
        assert built["state"]["current"] == "live"
        assert built["source"]["type"] == "stack-build"
        assert built["source"]["details"]["stack_id"] == stack
        assert built["source"]["details"]["containers"] == [identifier]
    assert containers["web"]["image"]["id"] != containers["db"]["image"]["id"]
    assert containers["loadbalancer"]["image"]["service"] == "loadbalancer"  # a service container says so


# -- pipelines ------------------------------------------------------------------------------------


def test_a_pipeline_run_is_stamped_as_it_is_queued_started_and_finished(
    api: httpx.Client, cycle_emulator_clock: FakeClock
) -> None:
    """Source: SPEC (PipelineRun states `queued` ... `complete`; PipelineRunEvents `queued`,
    `started`, `finished`; a Pipeline's `events.last_run`). Before: a run completed with every
    event the zero time, and the pipeline's `last_run` never moved."""
    pipeline = api.post("/v1/pipelines", json={"name": "ship", "dynamic": False, "stages": []}).json()["data"]["id"]
    secret = api.post(f"/v1/pipelines/{pipeline}/keys", json={"name": "ci"}).json()["data"]["secret"]
    asked = cycle_emulator_clock.time()
    task(api, f"/v1/pipelines/{pipeline}/trigger", {"secret": secret, "variables": {"version": "2"}})
    run = api.get(f"/v1/pipelines/{pipeline}/runs").json()["data"][0]
    assert run["state"]["current"] == "queued"
    assert (run["events"]["queued"], run["events"]["started"]) == (iso(asked), ZERO_TIME)
    assert read(api, f"/v1/pipelines/{pipeline}")["events"]["last_run"] == iso(asked)
    cycle_emulator_clock.advance(3600)
    run = read(api, f"/v1/pipelines/{pipeline}/runs/{run['id']}")
    assert run["state"]["current"] == "complete"
    assert run["events"]["started"] == iso(asked + 2)  # after the job's new and queued phases
    assert run["events"]["finished"] == iso(asked + JOB_ENDS)


# -- servers --------------------------------------------------------------------------------------


def test_a_server_provisions_then_goes_live(api: httpx.Client, cycle_emulator_clock: FakeClock) -> None:
    """Sources: SERVERS_DOCS ("Servers must be deployed via Cycle") and SPEC (Server states `new`,
    `provisioning`, `live`; `events.provisioning.started` / `.completed`: "when the server completed
    provisioning"). Before: `new` until `live`, and the provisioning events stayed the zero time."""
    asked = cycle_emulator_clock.time()
    task(api, "/v1/infrastructure/servers", {"cluster": "production", "servers": [server_order()]})
    doc = api.get("/v1/infrastructure/servers").json()["data"][0]
    assert doc["state"]["current"] == "provisioning"
    assert doc["events"]["provisioning"]["started"] == iso(asked)
    assert doc["events"]["provisioning"]["completed"] == ZERO_TIME
    cycle_emulator_clock.advance(3600)
    doc = api.get("/v1/infrastructure/servers").json()["data"][0]
    assert doc["state"]["current"] == "live"
    assert doc["events"]["provisioning"]["completed"] == iso(asked + JOB_ENDS)


def iso(moment: float) -> str:
    from cycle_sdk.emulator._jobs import iso as emulator_iso

    return emulator_iso(moment)
