"""Jobs: task requests answer a JobDescriptor; the job runs new -> queued -> running -> completed.

The emulators here run on a fake clock (`cycle_emulator_clock`): a test moves time on and reads the
job as it is then, so nothing waits and no phase can be missed on a loaded machine.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

import cycle_sdk
from cycle_sdk.emulator import Emulator, FakeClock, run_emulator

from .helpers import component, container_body, environment_body, errors, new_image, server_order

ZERO_TIME = "0001-01-01T00:00:00Z"


@pytest.fixture
def cycle_emulator_clock() -> FakeClock:
    return FakeClock()


def environment(api: httpx.Client) -> str:
    return str(api.post("/v1/environments", json=environment_body("env")).json()["data"]["id"])


def container(api: httpx.Client, **config: Any) -> str:
    return str(
        api.post("/v1/containers", json=container_body("web", environment(api), new_image(api), **config)).json()[
            "data"
        ]["id"]
    )


def start(api: httpx.Client, container_id: str) -> str:
    response = api.post(f"/v1/containers/{container_id}/tasks", json={"action": "start"})
    assert response.status_code == 202, response.text
    descriptor = response.json()["data"]
    assert descriptor["action"] == "start" and descriptor["job"]["accepted"] is True
    assert not errors(component("JobDescriptor"), descriptor)
    return str(descriptor["job"]["id"])


def job(api: httpx.Client, job_id: str) -> dict[str, Any]:
    response = api.get(f"/v1/jobs/{job_id}")
    assert response.status_code == 200, response.text
    return dict(response.json()["data"])


def finished(api: httpx.Client, clock: FakeClock, job_id: str) -> dict[str, Any]:
    """The job once it ended: an hour later on the emulator's clock, far past any job's last phase."""
    clock.advance(3600)
    doc = job(api, job_id)
    assert doc["state"]["current"] in ("completed", "error", "expired"), doc["state"]
    return doc


def completed_steps(job_doc: dict[str, Any]) -> int:
    return sum(step["completed"] != ZERO_TIME for task in job_doc["tasks"] for step in task["steps"])


@pytest.mark.cycle_emulator(job_speed=0.5)
def test_a_job_progresses_to_completed_and_starts_its_container(
    api: httpx.Client, cycle_emulator_clock: FakeClock
) -> None:
    container_id = container(api, deploy={"instances": 2})
    job_id = start(api, container_id)
    assert api.get(f"/v1/containers/{container_id}").json()["data"]["state"]["current"] == "starting"

    phases: list[str] = []
    progress: list[int] = []
    while not phases or phases[-1] != "completed":
        doc = job(api, job_id)
        assert not errors(component("Job"), doc)
        if not phases or phases[-1] != doc["state"]["current"]:
            phases.append(doc["state"]["current"])
        progress.append(completed_steps(doc))
        cycle_emulator_clock.advance(0.25)  # half a phase per poll: every phase and step is seen
    assert phases[0] == "new" and phases[-1] == "completed"
    assert [p for p in ("new", "queued", "running", "completed") if p in phases] == phases
    assert progress == sorted(progress) and progress[-1] == 3 and len(set(progress)) > 1

    done = job(api, job_id)
    assert all(done["events"][name] != ZERO_TIME for name in ("queued", "started", "completed"))
    assert done["events"]["queued"] < done["events"]["started"] < done["events"]["completed"]
    assert done["tasks"][0]["state"]["current"] == "completed" and done["state"]["error"] is None

    assert api.get(f"/v1/containers/{container_id}").json()["data"]["state"]["current"] == "running"
    instances = api.get(f"/v1/containers/{container_id}/instances").json()["data"]
    assert len(instances) == 2 and {i["state"]["current"] for i in instances} == {"running"}
    assert {i["container_id"] for i in instances} == {container_id}


def test_jobs_list_filters_on_state(
    cycle_emulator: Emulator, api: httpx.Client, cycle_emulator_clock: FakeClock
) -> None:
    first = start(api, container(api))
    finished(api, cycle_emulator_clock, first)
    cycle_emulator.expire_next_job()
    second = start(api, container(api))
    finished(api, cycle_emulator_clock, second)
    ours = {first, second}  # besides the platform's (each environment's initialization)

    def listed(**params: str) -> list[str]:
        return [j["id"] for j in api.get("/v1/jobs", params=params).json()["data"] if j["id"] in ours]

    assert listed(**{"filter[state]": "completed"}) == [first]
    assert listed(**{"filter[state]": "expired"}) == [second]
    assert listed(sort="-id") == [second, first]


def test_fail_next_job(cycle_emulator: Emulator, api: httpx.Client, cycle_emulator_clock: FakeClock) -> None:
    container_id = container(api)
    cycle_emulator.fail_next_job("out of capacity")
    doc = finished(api, cycle_emulator_clock, start(api, container_id))
    assert doc["state"]["current"] == "error" and doc["state"]["error"] == {"message": "out of capacity"}
    task = doc["tasks"][0]
    assert task["state"]["current"] == "error" and task["error"] == {"message": "out of capacity"}
    assert completed_steps(doc) == 2  # it failed on its last step
    assert not errors(component("Job"), doc)
    # A failed start leaves the container as it was.
    assert api.get(f"/v1/containers/{container_id}").json()["data"]["state"]["current"] == "new"
    # Only the next job fails.
    assert finished(api, cycle_emulator_clock, start(api, container_id))["state"]["current"] == "completed"


def test_expire_next_job(cycle_emulator: Emulator, api: httpx.Client, cycle_emulator_clock: FakeClock) -> None:
    cycle_emulator.expire_next_job()
    doc = finished(api, cycle_emulator_clock, start(api, container(api)))
    assert doc["state"]["current"] == "expired"
    assert doc["events"]["started"] == ZERO_TIME and completed_steps(doc) == 0


@pytest.mark.cycle_emulator(job_speed=0.3)
def test_fail_or_expire_a_given_job(
    cycle_emulator: Emulator, api: httpx.Client, cycle_emulator_clock: FakeClock
) -> None:
    first, second = start(api, container(api)), start(api, container(api))
    assert cycle_emulator.fail_job(first, "disk full")
    assert cycle_emulator.expire_job(second)
    assert not cycle_emulator.fail_job("unknown-job")
    assert finished(api, cycle_emulator_clock, first)["state"]["error"] == {"message": "disk full"}
    assert finished(api, cycle_emulator_clock, second)["state"]["current"] == "expired"
    assert not cycle_emulator.fail_job(first)  # already finished


def test_a_job_can_appear_late_by_requests(cycle_emulator: Emulator, api: httpx.Client) -> None:
    cycle_emulator.delay_next_job(requests=2)
    job_id = start(api, container(api))
    for _ in range(2):
        response = api.get(f"/v1/jobs/{job_id}")
        assert response.status_code == 404 and response.json()["error"]["code"] == "404.job"
    assert job(api, job_id)["id"] == job_id


def test_a_job_can_appear_late_by_time(
    cycle_emulator: Emulator, api: httpx.Client, cycle_emulator_clock: FakeClock
) -> None:
    cycle_emulator.delay_next_job(seconds=30)
    job_id = start(api, container(api))
    cycle_emulator_clock.advance(29.9)
    assert api.get(f"/v1/jobs/{job_id}").status_code == 404
    assert job_id not in [j["id"] for j in api.get("/v1/jobs").json()["data"]]
    cycle_emulator_clock.advance(0.2)
    assert job(api, job_id)["id"] == job_id


@pytest.mark.cycle_emulator(job_speed=0)
def test_zero_job_speed_completes_at_once(api: httpx.Client) -> None:
    container_id = container(api)
    assert job(api, start(api, container_id))["state"]["current"] == "completed"
    assert api.get(f"/v1/containers/{container_id}").json()["data"]["state"]["current"] == "running"


def test_every_tasks_endpoint_makes_a_job(api: httpx.Client, cycle_emulator_clock: FakeClock) -> None:
    env = environment(api)
    for path, body in (
        (f"/v1/environments/{env}/tasks", {"action": "start"}),
        (f"/v1/environments/{env}/services/lb/tasks", {"action": "reconfigure", "contents": {"config": None}}),
        ("/v1/images/tasks", {"action": "prune", "contents": {"source_ids": []}}),
    ):
        response = api.post(path, json=body)
        assert response.status_code == 202, path
        job_id = response.json()["data"]["job"]["id"]
        doc = finished(api, cycle_emulator_clock, job_id)
        assert doc["state"]["current"] == "completed"
        assert doc["tasks"][0]["header"] == body["action"]
        assert doc["tasks"][0]["input"] == body.get("contents", body)


def test_creation_by_job(api: httpx.Client, cycle_emulator_clock: FakeClock) -> None:
    response = api.post(
        "/v1/infrastructure/servers", json={"cluster": "production", "servers": [server_order(quantity=2)]}
    )
    assert response.status_code == 202
    servers = api.get("/v1/infrastructure/servers").json()["data"]
    assert [(s["cluster"], s["model_id"], s["state"]["current"]) for s in servers] == [
        ("production", "m", "provisioning")
    ] * 2
    finished(api, cycle_emulator_clock, response.json()["data"]["job"]["id"])
    assert {s["state"]["current"] for s in api.get("/v1/infrastructure/servers").json()["data"]} == {"live"}


def test_pipeline_trigger_makes_a_run(api: httpx.Client, cycle_emulator_clock: FakeClock) -> None:
    pipeline = api.post("/v1/pipelines", json={"name": "deploy", "stages": []}).json()["data"]["id"]
    response = api.post(f"/v1/pipelines/{pipeline}/trigger", json={"secret": "s", "variables": {"tag": "v2"}})
    assert response.status_code == 202
    runs = api.get(f"/v1/pipelines/{pipeline}/runs").json()["data"]
    assert len(runs) == 1 and runs[0]["pipeline_id"] == pipeline and runs[0]["variables"] == {"tag": "v2"}
    finished(api, cycle_emulator_clock, response.json()["data"]["job"]["id"])
    run = api.get(f"/v1/pipelines/{pipeline}/runs/{runs[0]['id']}").json()["data"]
    assert run["state"]["current"] == "complete"


def test_one_fake_clock_drives_a_client_and_the_emulator() -> None:
    """`FakeClock` is a `cycle_sdk.Clock` and an `EmulatorClock`: a client's job wait sleeps on it,
    which moves the emulator's job on, so a job of 2 s phases completes with no real wait."""
    clock = FakeClock()
    with (
        run_emulator(job_speed=2, clock=clock) as emu,
        cycle_sdk.Client(api_key=emu.api_key, team=emu.hub_id, base_url=emu.url, clock=clock) as client,
    ):
        env = client.environments.create_environment(body=environment_body("env")).unwrap()
        task = client.environments.create_environment_job(env.data.id, body={"action": "start"})
        done = client.jobs.wait(task, delay=2, timeout=600).unwrap()
        assert done.data.state.current == "completed"
        assert clock.sleeps and sum(clock.sleeps) >= 10  # five 2 s phases, slept on the fake clock


def test_the_account_deletion_job_is_found_with_the_hub_the_caller_uses(api: httpx.Client) -> None:
    # DELETE /v1/account needs no hub, so its job belongs to none; a client waits on it with the
    # X-Hub-Id it sends everywhere (the CLI's --wait, the SDK's tracker), which must find it.
    deleted = api.delete("/v1/account")
    assert deleted.status_code == 202, deleted.text
    job_id = deleted.json()["data"]["job"]["id"]
    found = api.get(f"/v1/jobs/{job_id}")
    assert found.status_code == 200, found.text
    assert found.json()["data"]["id"] == job_id
