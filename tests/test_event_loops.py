"""One AsyncClient used from two event loops at once.

Its pool, refresh lock and cache futures belong to one loop: a second loop calling while the
first has calls in flight gets one clear RuntimeError at the call (documented in the README),
and the first loop's call completes. Threads are joined with a hang guard, not a timing.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

import cycle_sdk
from tests.support.clients import TEST_API_KEY, job_doc
from tests.support.clock import HANG_GUARD
from tests.support.fault_server import FaultServer, Reply


def in_thread(target: Any) -> tuple[threading.Thread, dict[str, Any]]:
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["result"] = asyncio.run(target())
        except BaseException as exc:
            box["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, box


@pytest.mark.parametrize("cache", [False, True])
def test_a_second_loop_gets_one_clear_runtime_error(server: FaultServer, cache: bool) -> None:
    held = threading.Event()  # the first call's answer waits for it
    server.script("GET", "/v1/jobs/slow", Reply(200, job_doc("slow"), gate=held))
    server.script("GET", "/v1/jobs/j1", Reply(200, job_doc("j1")))
    client = cycle_sdk.AsyncClient(api_key=TEST_API_KEY, base_url=server.url, cache=cache, max_retries=0)

    first, first_box = in_thread(lambda: client.jobs.get_job("slow"))
    server.wait_until(lambda requests: any(r.path == "/v1/jobs/slow" for r in requests))  # in flight

    async def second_loop() -> Any:
        return await client.jobs.get_job("j1")

    second, second_box = in_thread(second_loop)
    second.join(HANG_GUARD)
    held.set()
    first.join(HANG_GUARD)
    assert not first.is_alive() and not second.is_alive(), "a loop hung"
    error = second_box.get("error")
    assert isinstance(error, RuntimeError), second_box
    assert "another event loop" in str(error) and "one AsyncClient per loop" in str(error)
    assert first_box["result"].ok is True and first_box["result"].value.data.id == "slow"
    assert [r.path for r in server.requests] == ["/v1/jobs/slow"]  # the refused call sent nothing


def test_one_loop_after_another_is_fine(server: FaultServer) -> None:
    server.script("GET", "/v1/jobs/j1", Reply(200, job_doc("j1")))
    client = cycle_sdk.AsyncClient(api_key=TEST_API_KEY, base_url=server.url, max_retries=0)

    async def many() -> list[Any]:
        return list(await asyncio.gather(*(client.jobs.get_job("j1") for _ in range(20))))

    for _ in range(2):
        thread, box = in_thread(many)
        thread.join(HANG_GUARD)
        assert not thread.is_alive()
        assert all(res.ok is True for res in box["result"]), box
