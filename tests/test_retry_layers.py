"""One retry vocabulary, one retry layer.

- A call's total timeout bounds every wait between its attempts, Retry-After included.
- The job tracker is the one retry layer for its reads: a job that answers 503 forever costs
  DEFAULT_TRANSIENT_RETRIES + 1 requests per wait, not that times the requester's own retries.
Over real HTTP on loopback; threads are joined with a hang guard, not timed.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

import cycle_sdk
from cycle_sdk import _base_client, _jobs, _notifications, _retry
from tests.support.clients import KINDS, TEST_API_KEY, job_doc
from tests.support.clock import HANG_GUARD, FakeClock
from tests.support.fault_server import FaultServer, Reply


def run_bounded(kind: str, make_call: Any, guard: float = HANG_GUARD) -> Any:
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["result"] = asyncio.run(make_call()) if kind == "async" else make_call()
        except BaseException as exc:
            box["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(guard)
    assert not thread.is_alive(), "the call did not return"
    if "error" in box:
        raise box["error"]
    return box["result"]


def with_client(kind: str, url: str, use: Any, **options: Any) -> Any:
    settings = {"api_key": TEST_API_KEY, "base_url": url, **options}
    if kind == "sync":

        def sync_call() -> Any:
            with cycle_sdk.Client(**settings) as client:
                return use(client)

        return sync_call

    async def async_call() -> Any:
        async with cycle_sdk.AsyncClient(**settings) as client:
            return await use(client)

    return async_call


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("where", ["client", "call"])
def test_the_call_timeout_bounds_the_retry_after_wait(server: FaultServer, kind: str, where: str) -> None:
    server.script(
        "GET", "/v1/jobs/j1", Reply(503, None, {"Retry-After": "1000000000"}, times=1), Reply(200, job_doc("j1"))
    )
    clock = FakeClock()  # the wait between attempts runs on the client's clock: nothing sleeps
    if where == "client":
        make_call = with_client(
            kind, server.url, lambda c: c.jobs.get_job("j1"), timeout=0.5, max_retries=1, clock=clock
        )
    else:
        make_call = with_client(
            kind, server.url, lambda c: c.jobs.get_job("j1", timeout=0.5), max_retries=1, clock=clock
        )
    res = run_bounded(kind, make_call)
    assert res.ok is True and res.value.data.id == "j1"
    assert len(server.requests) == 2
    assert clock.sleeps == [0.5]  # not retry_after_cap (60 s)


@pytest.mark.parametrize("kind", KINDS)
def test_the_job_tracker_is_the_one_retry_layer(server: FaultServer, kind: str) -> None:
    server.script("GET", "/v1/jobs/j1", Reply(503, {"error": {"code": "503.down"}}))
    # The requester's default max_retries (2) stays on: the tracker's reads must not use it.
    # The tracker's backoff runs on a fake clock (its delay has a floor: a real one would sleep).
    call = with_client(kind, server.url, lambda c: c.jobs.wait("j1"), clock=FakeClock())
    res = run_bounded(kind, call)
    assert res.ok is False and res.error.code == "503.down"
    assert len(server.requests) == _jobs.DEFAULT_TRANSIENT_RETRIES + 1


def test_one_definition_of_transient_and_backoff() -> None:
    assert _base_client.RETRY_STATUSES is _retry.TRANSIENT_STATUSES
    assert [_retry.is_transient(s) for s in (0, None, 408, 429, 500, 502, 503, 504)] == [True] * 8
    assert not any(_retry.is_transient(s) for s in (200, 400, 401, 404, 409, 422, 501))
    assert [_retry.backoff_delay(n) for n in range(1, 8)] == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0]
    assert _retry.DEFAULT_BACKOFF_CAP == 8.0
    draws = [_retry.backoff(3) for _ in range(200)]
    assert all(1.5 <= d <= 2.0 for d in draws)
    reconnects = [_notifications._delay(n) for n in (1, 10)]
    assert 0.375 <= reconnects[0] <= 0.5 and 22.5 <= reconnects[1] <= _notifications.RECONNECT_BACKOFF_CAP
