"""SQLite persistence: with `db_path`, state survives a restart.

Both runs are on fake clocks, the second starting where the first stopped: a job still running at
the restart resumes on its own timeline.
"""

from __future__ import annotations

from pathlib import Path

import httpx

from cycle_sdk.emulator import FakeClock, run_emulator

from .helpers import environment_body


def test_state_survives_a_restart(tmp_path: Path) -> None:
    db = tmp_path / "emulator.sqlite"
    clock = FakeClock()
    with (
        run_emulator(db_path=db, job_speed=1, clock=clock) as emu,
        httpx.Client(base_url=emu.url, headers=emu.headers) as api,
    ):
        env = api.post("/v1/environments", json=environment_body("kept")).json()["data"]
        role = api.post("/v1/hubs/current/roles", json={"name": "r", "identifier": "r", "rank": 1}).json()["data"]["id"]
        key = api.post("/v1/hubs/current/api-keys", json={"name": "ci", "role_id": role}).json()["data"]
        done = api.post(f"/v1/environments/{env['id']}/tasks", json={"action": "start"}).json()["data"]["job"]["id"]
        clock.advance(60)
        assert api.get(f"/v1/jobs/{done}").json()["data"]["state"]["current"] == "completed"
        emu.set_resource_state("environments", env["id"], "new")
        # A job still running when the emulator stops...
        pending = api.post(f"/v1/environments/{env['id']}/tasks", json={"action": "stop"}).json()["data"]["job"]["id"]
        hub = emu.create_hub("Second")

    later = FakeClock(start=clock.time() + 1)
    with (
        run_emulator(db_path=db, job_speed=1, clock=later) as emu,
        httpx.Client(base_url=emu.url, headers=emu.headers) as api,
    ):
        kept = api.get(f"/v1/environments/{env['id']}").json()["data"]
        assert kept["name"] == "kept" and kept["state"]["current"] == "new"
        assert [e["id"] for e in api.get("/v1/environments").json()["data"]] == [env["id"]]
        assert sorted(h["id"] for h in api.get("/v1/hubs").json()["data"]) == sorted([emu.hub_id, hub])
        assert api.get(f"/v1/jobs/{done}").json()["data"]["state"]["current"] == "completed"
        # ...resumes on its own timeline (1 s per phase, from its creation: 5 phases in all).
        assert api.get(f"/v1/jobs/{pending}").json()["data"]["state"]["current"] == "queued"
        later.advance(60)
        assert api.get(f"/v1/jobs/{pending}").json()["data"]["state"]["current"] == "completed"
        by_key = httpx.get(
            f"{emu.url}/v1/environments", headers={"Authorization": f"Bearer {key['secret']}", "X-Hub-Id": emu.hub_id}
        )
        assert by_key.status_code == 200  # API keys made through the API still authenticate


def test_memory_state_does_not_survive(tmp_path: Path) -> None:
    with run_emulator() as emu:
        httpx.post(f"{emu.url}/v1/environments", headers=emu.headers, json=environment_body("lost"))
    with run_emulator() as emu:
        assert httpx.get(f"{emu.url}/v1/environments", headers=emu.headers).json()["data"] == []
