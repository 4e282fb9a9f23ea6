"""SQLite persistence: with `db_path`, state survives a restart.

Both runs are on fake clocks, the second starting where the first stopped: a job still running at
the restart resumes on its own timeline.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path

import httpx
import pytest

from cycle_sdk.emulator import Emulator, EmulatorConfig, FakeClock, run_emulator
from cycle_sdk.emulator.__main__ import main as emulator_main
from cycle_sdk.emulator._store import StoreError

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


def _directory(path: Path) -> None:
    path.mkdir()


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _text(path: Path) -> None:
    path.write_text("notes, not a database\n")


def _corrupt(path: Path) -> None:
    # A SQLite header, then garbage: SQLite opens it and fails on the first read.
    path.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4080)


def _foreign(path: Path) -> None:
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.execute("CREATE TABLE documents (title TEXT)")  # another program's table of that name
        db.commit()


BAD_DATABASES = {"directory": _directory, "fifo": _fifo, "text": _text, "corrupt": _corrupt, "foreign": _foreign}


@pytest.mark.parametrize("kind", BAD_DATABASES)
def test_a_db_path_that_cannot_hold_state_is_one_line_and_exit_2(
    tmp_path: Path, kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--db` naming a directory, FIFO, text file or corrupt (or foreign) SQLite
    file is a usage error in one line, exit 2, no traceback; the file is left as it was."""
    path = tmp_path / "state.sqlite"
    BAD_DATABASES[kind](path)
    before = path.read_bytes() if path.is_file() else None
    assert emulator_main(["--port", "0", "--db", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("python -m cycle_sdk.emulator: error: --db: "), err
    assert str(path) in err and "Traceback" not in err
    if before is not None:
        assert path.read_bytes() == before
    with pytest.raises(StoreError):  # and to a program that makes an Emulator
        Emulator(EmulatorConfig(db_path=path))


def test_a_db_path_in_a_missing_folder_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert emulator_main(["--port", "0", "--db", str(tmp_path / "missing" / "state.sqlite")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.rstrip().endswith("missing does not exist"), err


def test_an_option_out_of_range_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert emulator_main(["--port", "0", "--job-speed", "-1"]) == 2
    assert capsys.readouterr().err == "python -m cycle_sdk.emulator: error: job_speed must be >= 0\n"
