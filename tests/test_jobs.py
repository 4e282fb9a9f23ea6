"""The job tracker against the emulator.

The clients run on a FakeClock that the emulator shares (its jobs are a pure function of its
clock): each poll's sleep returns at once and moves the job on by the poll delay, so no test
waits for a job in real time, and timeouts are measured on that clock too.
"""

from __future__ import annotations

import asyncio
import io
import itertools
from collections.abc import Iterator
from contextlib import redirect_stderr
from typing import Any

import pytest

import cycle_sdk
from cycle_sdk._jobs import JobProgress
from cycle_sdk.emulator import Emulator, run_emulator
from tests.support.clock import FakeClock, shared_with_emulator

ENV_BODY = {
    "name": "web",
    "cluster": "production",
    "about": {"description": "jobs"},
    "features": {"legacy_networking": False},
}
SPEED = 0.05


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


def _start_job(client: cycle_sdk.Client) -> Any:
    env = client.environments.create_environment(body=ENV_BODY).unwrap()
    return client.environments.create_environment_job(env.data.id, body={"action": "start"})


def test_wait_reports_progress_and_returns_completed_job(client: cycle_sdk.Client) -> None:
    task = _start_job(client)
    seen: list[JobProgress] = []
    res = client.jobs.wait(task, on_progress=seen.append, delay=SPEED)
    assert res.ok is True
    assert res.value.data.state.current == "completed"
    assert seen[-1].state == "completed" and seen[-1].percent == 100.0
    assert seen[-1].completed_steps == seen[-1].total_steps > 0
    percents = [p.percent for p in seen]
    assert percents == sorted(percents)
    # Called on every change, and only on a change.
    keys = [(p.state, p.percent, p.completed_steps) for p in seen]
    assert all(a != b for a, b in itertools.pairwise(keys))
    assert len({p.percent for p in seen}) >= 3  # steps complete one by one: 0 -> ... -> 100
    assert {p.state for p in seen} >= {"running", "completed"}
    assert all(p.job.id == res.value.data.id for p in seen)


@pytest.mark.parametrize("form", ["id", "result", "document", "job"])
def test_wait_accepts_any_job_reference(client: cycle_sdk.Client, form: str) -> None:
    task = _start_job(client)
    job_id = task.value.data.job.id
    ref: Any = {
        "id": job_id,
        "result": task,
        "document": task.value,
        "job": client.jobs.get_job(job_id).unwrap().data,
    }[form]
    res = client.jobs.wait(ref, delay=SPEED)
    assert res.ok is True and res.value.data.id == job_id


def test_errored_job_is_ok_with_state_error(emu: Emulator, client: cycle_sdk.Client) -> None:
    emu.fail_next_job(message="disk full")
    res = client.jobs.wait(_start_job(client), delay=SPEED)
    assert res.ok is True
    assert res.value.data.state.current == "error"


def test_expired_job_is_ok_with_state_expired(emu: Emulator, client: cycle_sdk.Client) -> None:
    emu.expire_next_job()
    res = client.jobs.wait(_start_job(client), delay=SPEED)
    assert res.ok is True and res.value.data.state.current == "expired"


def test_job_that_404s_then_appears(emu: Emulator, client: cycle_sdk.Client) -> None:
    emu.delay_next_job(requests=2)
    task = _start_job(client)
    before = emu.request_count("GET", "/v1/jobs/{jobId}")
    res = client.jobs.wait(task, delay=SPEED)
    assert res.ok is True and res.value.data.state.current == "completed"
    assert emu.request_count("GET", "/v1/jobs/{jobId}") - before >= 3  # two 404.job, then found


def test_unknown_job_gives_up_with_the_404(emu: Emulator, client: cycle_sdk.Client) -> None:
    # The README: a 404.job is retried up to not_found_retries times (default 5).
    for retries, reads in ((2, 3), (None, 6)):
        before = emu.request_count("GET", "/v1/jobs/{jobId}")
        options = {} if retries is None else {"not_found_retries": retries}
        res = client.jobs.wait("000000000000000000000bad", delay=0.01, **options)
        assert res.ok is False and res.error.code == "404.job"
        assert emu.request_count("GET", "/v1/jobs/{jobId}") - before == reads


def test_timeout_and_should_stop_have_their_own_codes(
    emu: Emulator, client: cycle_sdk.Client, clock: FakeClock
) -> None:
    emu.delay_next_job(seconds=5)  # the job stays invisible longer than the timeout
    started = clock.monotonic()
    res = client.jobs.wait(_start_job(client), delay=SPEED, timeout=0.3, not_found_retries=1000)
    assert res.ok is False and res.error.code == "0.job_wait_timeout"
    assert clock.monotonic() - started == pytest.approx(0.3)  # polled until the timeout, on the clock
    calls = iter([False, True])
    stopped = client.jobs.wait(_start_job(client), delay=SPEED, should_stop=lambda: next(calls))
    assert stopped.ok is False and stopped.error.code == "0.job_wait_stopped"


def test_fetch_job_overrides_how_the_job_is_read(client: cycle_sdk.Client) -> None:
    task = _start_job(client)
    reads: list[str] = []

    def fetch(job_id: str) -> Any:
        reads.append(job_id)
        return client.jobs.get_job(job_id)

    res = client.jobs.wait(task, fetch_job=fetch, delay=SPEED)
    assert res.ok is True and reads and set(reads) == {task.value.data.job.id}


def test_transient_errors_are_retried(emu: Emulator, client: cycle_sdk.Client) -> None:
    task = _start_job(client)
    emu.add_fault("status", method="GET", path="/v1/jobs/{jobId}", status=503, count=4)
    res = client.jobs.wait(task, delay=SPEED)
    assert res.ok is True and res.value.data.state.current == "completed"


def test_failed_task_result_is_returned_not_waited_on(client: cycle_sdk.Client) -> None:
    failed = client.environments.create_environment_job("000000000000000000000bad", body={"action": "start"})
    assert failed.ok is False
    assert client.jobs.wait(failed) is failed


def test_nothing_printed_by_default_and_progress_bar_prints(
    client: cycle_sdk.Client, capsys: pytest.CaptureFixture[str]
) -> None:
    client.jobs.wait(_start_job(client), delay=SPEED)
    quiet = capsys.readouterr()
    assert quiet.out == "" and quiet.err == ""
    buffer = io.StringIO()
    with redirect_stderr(buffer):
        client.jobs.wait(_start_job(client), delay=SPEED, progress_bar=True)
    shown = buffer.getvalue() + capsys.readouterr().err + capsys.readouterr().out
    assert "job" in shown


def test_seed_style_job_to_complete(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        cycle_sdk, "settings", cycle_sdk.Settings(api_key=emu.api_key, team=emu.hub_id, base_url=emu.url)
    )
    from cycle_sdk._default import default_client

    task = _start_job(default_client())
    progress: list[JobProgress] = []
    res = cycle_sdk.utils.job_to_complete(id=task.value.data.job.id, on_progress=progress.append, delay=SPEED)
    assert res.ok is True and progress[-1].state == "completed"


# -- async ---------------------------------------------------------------------------------


@pytest.fixture
async def aclient(emu: Emulator, clock: FakeClock) -> Any:
    async with cycle_sdk.AsyncClient(api_key=emu.api_key, team=emu.hub_id, base_url=emu.url, clock=clock) as c:
        yield c


async def _astart(client: cycle_sdk.AsyncClient) -> Any:
    env = (await client.environments.create_environment(body=ENV_BODY)).unwrap()
    return await client.environments.create_environment_job(env.data.id, body={"action": "start"})


async def test_async_wait(aclient: cycle_sdk.AsyncClient) -> None:
    seen: list[JobProgress] = []

    async def on_progress(p: JobProgress) -> None:  # coroutine callbacks are awaited
        seen.append(p)

    res = await aclient.jobs.wait(await _astart(aclient), on_progress=on_progress, delay=SPEED)
    assert res.ok is True and res.value.data.state.current == "completed" and seen[-1].percent == 100.0


async def test_many_async_waits_share_one_poll_loop(emu: Emulator, aclient: cycle_sdk.AsyncClient) -> None:
    tasks = [await _astart(aclient) for _ in range(10)]
    emu.reset_stats()
    results = await asyncio.gather(*(aclient.jobs.wait(t, delay=SPEED) for t in tasks))
    assert all(r.ok is True and r.value.data.state.current == "completed" for r in results)
    singles = emu.request_count("GET", "/v1/jobs/{jobId}")
    lists = emu.request_count("GET", "/v1/jobs")
    # Shared, every tick is one list read that answers all ten; unshared, each waiter would read
    # its own job at least once (>= 10 single reads). Counting ticks instead would time the jobs.
    assert lists >= 1 and singles < len(tasks), (singles, lists)


async def test_async_wait_can_be_cancelled(emu: Emulator, aclient: cycle_sdk.AsyncClient) -> None:
    emu.delay_next_job(seconds=10**6)  # on the fake clock: the wait never ends by itself
    job = await _astart(aclient)
    before = emu.request_count("GET", "/v1/jobs/{jobId}")
    waiting = asyncio.ensure_future(aclient.jobs.wait(job, delay=SPEED, not_found_retries=10**6))
    # Until the wait is polling: woken by the emulator's request, not a sleep.
    await asyncio.to_thread(emu.wait_until, lambda: emu.request_count("GET", "/v1/jobs/{jobId}") > before)
    assert not waiting.done()
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    # The client keeps working afterwards.
    res = await aclient.jobs.wait(await _astart(aclient), delay=SPEED)
    assert res.ok is True


async def test_async_timeout_and_should_stop(emu: Emulator, aclient: cycle_sdk.AsyncClient) -> None:
    emu.delay_next_job(seconds=5)
    res = await aclient.jobs.wait(await _astart(aclient), delay=SPEED, timeout=0.3, not_found_retries=1000)
    assert res.ok is False and res.error.code == "0.job_wait_timeout"
    stopped = await aclient.jobs.wait(await _astart(aclient), delay=SPEED, should_stop=lambda: True)
    assert stopped.ok is False and stopped.error.code == "0.job_wait_stopped"


async def test_the_shared_poll_loop_ticks_once_per_delay(emu: Emulator) -> None:
    # Regression: the shared loop ended after every tick (its waiters register again only a
    # moment later) and the next loop ticked at once, so N waits polled as fast as the server
    # answered (~180 reads in a second for two jobs at delay 0.2). The emulator runs on real
    # time here and the client on a fake clock: every tick after the first waits one delay.
    clock = FakeClock()
    async with cycle_sdk.AsyncClient(api_key=emu.api_key, team=emu.hub_id, base_url=emu.url, clock=clock) as c:
        tasks = [await _astart(c) for _ in range(3)]
        emu.reset_stats()
        results = await asyncio.gather(*(c.jobs.wait(t, delay=SPEED) for t in tasks))
    assert all(r.ok is True and r.value.data.state.current == "completed" for r in results)
    # A tick with two or more waiters is one list read (a lone waiter's is a single read).
    lists = emu.request_count("GET", "/v1/jobs")
    assert 1 <= lists <= len(clock.sleeps) + 1, (lists, clock.sleeps)
    assert all(pause == pytest.approx(SPEED) for pause in clock.sleeps)
