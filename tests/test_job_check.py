"""Failed jobs when asked. `jobs.wait(job, check=True)` (sync, async and the seed-style
utils) makes a job that ended in `error` or `expired` an Err `0.job_failed`; the progress display
marks such a job as failed, in red on a terminal. Against the emulator: the clients run on a
FakeClock the emulator's jobs share (each poll's sleep moves the job on at once), except the
seed-style tests, whose default client runs on real time.
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Iterator
from contextlib import redirect_stderr
from typing import Any

import pytest

import cycle_sdk
from cycle_sdk.emulator import Emulator, run_emulator
from tests.support.clock import FakeClock, shared_with_emulator

ENV_BODY = {
    "name": "web",
    "cluster": "production",
    "about": {"description": ""},
    "features": {"legacy_networking": False},
}
SPEED = 0.05
RED = "\x1b[1;31m"


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with run_emulator(job_speed=SPEED) as emulator:
        yield emulator


@pytest.fixture
def clock(emu: Emulator) -> Iterator[FakeClock]:
    """A fake clock for the test's client and, while the test runs, for the emulator's jobs."""
    with shared_with_emulator(emu) as fake:
        yield fake


@pytest.fixture
def client(emu: Emulator, clock: FakeClock) -> Iterator[cycle_sdk.Client]:
    with cycle_sdk.Client(api_key=emu.api_key, team=emu.hub_id, base_url=emu.url, clock=clock) as c:
        yield c


@pytest.fixture
def real_time_client(emu: Emulator) -> Iterator[cycle_sdk.Client]:
    with cycle_sdk.Client(api_key=emu.api_key, team=emu.hub_id, base_url=emu.url) as c:
        yield c


@pytest.fixture
async def aclient(emu: Emulator, clock: FakeClock) -> AsyncIterator[cycle_sdk.AsyncClient]:
    async with cycle_sdk.AsyncClient(api_key=emu.api_key, team=emu.hub_id, base_url=emu.url, clock=clock) as c:
        yield c


def start(client: cycle_sdk.Client) -> Any:
    env = client.environments.create_environment(body=ENV_BODY).unwrap()
    return client.environments.create_environment_job(env.data.id, body={"action": "start"})


async def astart(client: cycle_sdk.AsyncClient) -> Any:
    env = (await client.environments.create_environment(body=ENV_BODY)).unwrap()
    return await client.environments.create_environment_job(env.data.id, body={"action": "start"})


def assert_job_failed(res: cycle_sdk.APIResult[Any], job_id: str, state: str, message: str) -> None:
    assert res.ok is False
    err = res.error
    assert type(err) is cycle_sdk.JobFailedError and isinstance(err, cycle_sdk.APIError)
    assert (err.status, err.code, err.detail) == (0, "0.job_failed", message)
    assert err.title == ("The job expired" if state == "expired" else "The job failed")
    assert (err.method, err.path) == ("GET", f"/v1/jobs/{job_id}")
    assert err.extra is not None and err.extra["state"] == state and err.extra["job"].id == job_id
    with pytest.raises(cycle_sdk.JobFailedError):
        res.unwrap()
    try:
        res.unwrap()
    except cycle_sdk.APIError as exc:  # the root catches it
        assert exc.code == "0.job_failed" and message in str(exc)


@pytest.mark.parametrize("outcome", ["error", "expired"])
def test_check_makes_a_failed_job_an_err(emu: Emulator, client: cycle_sdk.Client, outcome: str) -> None:
    (emu.fail_next_job if outcome == "error" else emu.expire_next_job)(message="disk full")
    task = start(client)
    res = client.jobs.wait(task, delay=SPEED, check=True)
    assert_job_failed(res, task.value.data.job.id, outcome, "disk full")
    # Without check the seed behaviour stands: an Ok holding the failed job.
    same = client.jobs.wait(task, delay=SPEED)
    assert same.ok is True and same.value.data.state.current == outcome


def test_check_passes_a_completed_job(client: cycle_sdk.Client) -> None:
    res = client.jobs.wait(start(client), delay=SPEED, check=True)
    assert res.ok is True and res.value.data.state.current == "completed"


@pytest.mark.parametrize("outcome", ["error", "expired"])
async def test_async_check(emu: Emulator, aclient: cycle_sdk.AsyncClient, outcome: str) -> None:
    (emu.fail_next_job if outcome == "error" else emu.expire_next_job)(message="no capacity")
    task = await astart(aclient)
    res = await aclient.jobs.wait(task, delay=SPEED, check=True)
    assert_job_failed(res, task.value.data.job.id, outcome, "no capacity")
    same = await aclient.jobs.wait(task, delay=SPEED)
    assert same.ok is True and same.value.data.state.current == outcome
    done = await aclient.jobs.wait(await astart(aclient), delay=SPEED, check=True)
    assert done.ok is True


@pytest.fixture
def default_settings(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        cycle_sdk, "settings", cycle_sdk.Settings(api_key=emu.api_key, team=emu.hub_id, base_url=emu.url)
    )


def test_seed_style_job_to_complete_checks(
    emu: Emulator, real_time_client: cycle_sdk.Client, default_settings: None
) -> None:
    emu.fail_next_job(message="bad image")
    job_id = start(real_time_client).value.data.job.id
    res = cycle_sdk.utils.job_to_complete(id=job_id, delay=SPEED, check=True)
    assert_job_failed(res, job_id, "error", "bad image")
    assert cycle_sdk.utils.job_to_complete(id=job_id, delay=SPEED).ok is True


async def test_seed_style_async_job_to_complete_checks(
    emu: Emulator, real_time_client: cycle_sdk.Client, default_settings: None
) -> None:
    emu.expire_next_job(message="too late")
    job_id = start(real_time_client).value.data.job.id
    res = await cycle_sdk.utils.async_job_to_complete(id=job_id, delay=SPEED, check=True)
    assert_job_failed(res, job_id, "expired", "too late")


def test_plain_progress_marks_a_failed_job(emu: Emulator, client: cycle_sdk.Client) -> None:
    emu.fail_next_job(message="disk full")
    buffer = io.StringIO()
    with redirect_stderr(buffer):
        client.jobs.wait(start(client), delay=SPEED, progress_bar=True)
    last = buffer.getvalue().splitlines()[-1]
    assert ": error " in last and last.endswith("FAILED (error): disk full"), last
    buffer = io.StringIO()
    with redirect_stderr(buffer):
        client.jobs.wait(start(client), delay=SPEED, progress_bar=True)
    assert "FAILED" not in buffer.getvalue() and "completed 100%" in buffer.getvalue()


class Terminal(io.StringIO):
    """stderr as a terminal: the progress display picks rich, with colour."""

    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("outcome", ["error", "expired"])
def test_terminal_progress_shows_a_failed_job_in_red(
    emu: Emulator, client: cycle_sdk.Client, monkeypatch: pytest.MonkeyPatch, outcome: str
) -> None:
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.delenv("NO_COLOR", raising=False)
    (emu.fail_next_job if outcome == "error" else emu.expire_next_job)(message="disk full")
    screen = Terminal()
    with redirect_stderr(screen):
        client.jobs.wait(start(client), delay=SPEED, progress_bar=True)
    shown = screen.getvalue()
    assert RED in shown and f"FAILED ({outcome}): disk full" in shown
    screen = Terminal()
    with redirect_stderr(screen):
        client.jobs.wait(start(client), delay=SPEED, progress_bar=True)
    assert "\x1b[" in screen.getvalue() and RED not in screen.getvalue() and "FAILED" not in screen.getvalue()
