"""The total timeout covers every phase of a response, head included.

A server that trickles its status line and headers, or answers `100 Continue` without end,
used to hold a call for as long as it kept sending (httpx's timeouts are per socket read).
Each call here runs in its own thread; the thread's join timeout is only a hang guard, the
assertion is the outcome: the call returned, as `0.timeout`. No clock is read: a call bounded only
per read would get the trickled answers in full (ok, after about 20 s) and never end on the
endless `100 Continue` (the guard fails it), so `0.timeout` alone says the total timeout ended it.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import httpx
import pytest

import cycle_sdk
from tests.support.clients import KINDS, TEST_API_KEY, job_doc
from tests.support.clock import HANG_GUARD
from tests.support.fault_server import FaultServer, Reply

TIMEOUT = 0.5
# Long enough that a call bounded only per read would take about 20 s.
PAD = "x" * 400
# HANG_GUARD is past the 20 s a trickled answer takes in full: the outcome decides, not the guard.
assert HANG_GUARD > 20


def call_in_thread(kind: str, make_call: Any) -> Any:
    """Run `make_call()` (sync) or `await make_call()` (async) in a thread; its result, or fail
    if it has not returned within the hang guard."""
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["result"] = asyncio.run(make_call()) if kind == "async" else make_call()
        except BaseException as exc:  # reported below, in the test's thread
            box["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(HANG_GUARD)
    assert not thread.is_alive(), "the call did not return (it ignored its total timeout)"
    if "error" in box:
        raise box["error"]
    return box["result"]


def get_job(kind: str, url: str, **options: Any) -> Any:
    per_call = options.pop("per_call", {})
    settings = {"api_key": TEST_API_KEY, "base_url": url, "max_retries": 0, **options}
    if kind == "sync":

        def sync_call() -> Any:
            with cycle_sdk.Client(**settings) as client:
                return client.jobs.get_job("j1", **per_call)

        return sync_call

    async def async_call() -> Any:
        async with cycle_sdk.AsyncClient(**settings) as client:
            return await client.jobs.get_job("j1", **per_call)

    return async_call


HEAD_FAULTS = {
    "trickled-head": Reply(200, job_doc("j1"), {"X-Pad": PAD}, action="trickle_head", interval=0.05),
    "endless-100-continue": Reply(200, job_doc("j1"), action="continue_forever", interval=0.05),
    # The body, a byte every 50 ms: the total timeout used to be checked only between chunks.
    "trickled-body": Reply(200, {**job_doc("j1"), "pad": PAD}, action="trickle", interval=0.05),
}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("fault", list(HEAD_FAULTS))
@pytest.mark.parametrize("where", ["client", "call"])
def test_total_timeout_covers_the_response_head(server: FaultServer, kind: str, fault: str, where: str) -> None:
    server.script("GET", "/v1/jobs/j1", HEAD_FAULTS[fault])
    options: dict[str, Any] = {"timeout": TIMEOUT} if where == "client" else {"per_call": {"timeout": TIMEOUT}}
    res = call_in_thread(kind, get_job(kind, server.url, **options))
    assert res.ok is False
    assert (res.error.status, res.error.code) == (0, "0.timeout")


@pytest.mark.parametrize("kind", KINDS)
def test_total_timeout_from_settings_covers_the_head_with_an_httpx_timeout(server: FaultServer, kind: str) -> None:
    # An httpx.Timeout sets the phases; settings.total_timeout still bounds the whole attempt.
    server.script("GET", "/v1/jobs/j1", HEAD_FAULTS["endless-100-continue"])
    settings = cycle_sdk.Settings(api_key=TEST_API_KEY, base_url=server.url, max_retries=0, total_timeout=TIMEOUT)
    if kind == "sync":

        def make_call() -> Any:
            with cycle_sdk.Client(settings=settings) as client:
                return client.jobs.get_job("j1", timeout=httpx.Timeout(30.0))

    else:

        async def make_call() -> Any:  # type: ignore[misc]
            async with cycle_sdk.AsyncClient(settings=settings) as client:
                return await client.jobs.get_job("j1", timeout=httpx.Timeout(30.0))

    res = call_in_thread(kind, make_call)
    assert res.ok is False and res.error.code == "0.timeout"


@pytest.mark.parametrize("kind", KINDS)
def test_a_timed_out_head_leaves_the_client_usable(server: FaultServer, kind: str) -> None:
    server.script("GET", "/v1/jobs/j1", Reply(200, job_doc("j1"), action="continue_forever", interval=0.05, times=1))
    server.script("GET", "/v1/jobs/j2", Reply(200, job_doc("j2")))
    settings = {"api_key": TEST_API_KEY, "base_url": server.url, "max_retries": 0, "timeout": TIMEOUT}
    if kind == "sync":

        def make_call() -> Any:
            with cycle_sdk.Client(**settings) as client:
                return client.jobs.get_job("j1"), client.jobs.get_job("j2")

    else:

        async def make_call() -> Any:  # type: ignore[misc]
            async with cycle_sdk.AsyncClient(**settings) as client:
                return await client.jobs.get_job("j1"), await client.jobs.get_job("j2")

    first, second = call_in_thread(kind, make_call)
    assert first.ok is False and first.error.code == "0.timeout"
    assert second.ok is True and second.value.data.id == "j2"
