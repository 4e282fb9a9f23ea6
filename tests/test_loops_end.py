"""Every loop of the SDK has an end, against a server that would keep it going: `iter_*()` on a
server that ignores `page[number]` or pages without end, `jobs.wait()` with bounds that never
end or a clock that jumps backwards, `listen()` when the first connection cannot be made.

Over real HTTP on loopback (a FaultServer); waits run on a fake clock. Where the loop did not
end before, the server gives up after a while with another answer, so a broken build fails
these tests instead of hanging them.
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

import cycle_sdk
from cycle_sdk._jobs import MIN_DELAY
from cycle_sdk._pages import DEFAULT_MAX_PAGES
from tests.conftest import API_KEY, HUB
from tests.support.clients import document
from tests.support.clock import FakeClock
from tests.support.fault_server import FaultServer, Reply
from tests.support.hostile import EndlessPages, PageIgnorer

ITEM = document("/v1/environments")["data"][0]
_STATE = document("/v1/jobs/{jobId}")["data"]["state"]
RUNNING_JOB = document("/v1/jobs/{jobId}", id="j1", state={**_STATE, "current": "running"})
DONE_JOB = document("/v1/jobs/{jobId}", id="j1", state={**_STATE, "current": "completed"})
SOCKET = "/v1/hubs/current/notifications"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sync_client(server: FaultServer, clock: FakeClock) -> Iterator[cycle_sdk.Client]:
    with cycle_sdk.Client(api_key=API_KEY, team=HUB, base_url=server.url, max_retries=0, clock=clock) as c:
        yield c


@pytest.fixture
async def async_client(server: FaultServer, clock: FakeClock) -> AsyncIterator[cycle_sdk.AsyncClient]:
    async with cycle_sdk.AsyncClient(api_key=API_KEY, team=HUB, base_url=server.url, max_retries=0, clock=clock) as c:
        yield c


async def _read_all(client: Any, kind: str, **page: Any) -> list[Any]:
    if kind == "sync":
        return list(client.environments.iter_get_environments(page=page))
    return [env async for env in client.environments.iter_get_environments(page=page)]


@pytest.fixture(params=["sync", "async"])
def either(request: pytest.FixtureRequest, sync_client: cycle_sdk.Client, async_client: Any) -> tuple[str, Any]:
    return request.param, sync_client if request.param == "sync" else async_client


# -- iter_*: a page that repeats, and the page cap ------------------------------------------


async def test_iteration_stops_on_a_page_that_repeats(server: FaultServer, either: tuple[str, Any]) -> None:
    kind, client = either
    server.fallback = ignorer = PageIgnorer(ITEM)
    with pytest.raises(cycle_sdk.APIError) as info:
        await _read_all(client, kind, size=4)
    assert ignorer.count == 2
    assert info.value.code == "0.page_repeated"
    assert str(info.value).startswith("0.page_repeated: The API sent a page again (page 2 holds only items of page 1")
    assert info.value.method == "GET" and info.value.path == "/v1/environments"


@pytest.mark.slow  # 1,000 requests each
async def test_iteration_stops_at_the_page_cap(server: FaultServer, either: tuple[str, Any]) -> None:
    kind, client = either
    server.fallback = endless = EndlessPages(ITEM)
    ids: list[str] = []

    async def read() -> None:
        iterator = client.environments.iter_get_environments(page={"size": 1, "number": 7})
        if kind == "sync":
            for env in iterator:
                ids.append(env.id)
        else:
            async for env in iterator:
                ids.append(env.id)

    with pytest.raises(cycle_sdk.APIError) as info:
        await read()
    assert endless.count == DEFAULT_MAX_PAGES == 1000
    assert len(ids) == DEFAULT_MAX_PAGES  # every item read up to the cap was handed out
    assert info.value.code == "0.too_many_pages"
    assert f"read on from page {7 + DEFAULT_MAX_PAGES}" in str(info.value)


async def test_a_short_last_page_still_ends_a_read_without_an_error(server: FaultServer, either: Any) -> None:
    kind, client = either
    pages = [[{**ITEM, "id": f"e{i}"} for i in range(3)], [{**ITEM, "id": "e3"}]]
    server.script("GET", "/v1/environments", *(Reply(200, {"data": page}) for page in pages))
    ids = [env.id for env in await _read_all(client, kind, size=3)]
    assert ids == ["e0", "e1", "e2", "e3"]


# -- jobs.wait: bounds, the delay's floor, a clock that jumps backwards ----------------------


BAD_BOUNDS: list[tuple[dict[str, Any], type[Exception]]] = [
    ({"timeout": math.nan}, ValueError),
    ({"timeout": math.inf}, ValueError),
    ({"timeout": 0}, ValueError),
    ({"timeout": -1.0}, ValueError),
    ({"timeout": "10"}, TypeError),
    ({"delay": math.nan}, ValueError),
    ({"delay": math.inf}, ValueError),
    ({"delay": 0}, ValueError),
    ({"delay": -0.5}, ValueError),
    ({"delay": True}, TypeError),
]


@pytest.mark.parametrize(("bounds", "error"), BAD_BOUNDS, ids=lambda v: repr(v))
async def test_wait_refuses_bounds_that_never_end(
    server: FaultServer, either: tuple[str, Any], bounds: dict[str, Any], error: type[Exception]
) -> None:
    kind, client = either
    # A build that took the bound would poll until the job completes; it completes on poll 50.
    server.script("GET", "/v1/jobs/j1", Reply(200, RUNNING_JOB, times=49), Reply(200, DONE_JOB))
    name = next(iter(bounds))
    with pytest.raises(error, match=f"^{name} must be"):
        if kind == "sync":
            client.jobs.wait("j1", **bounds)
        else:
            await client.jobs.wait("j1", **bounds)
    assert server.requests == []  # refused before any request


async def test_a_delay_under_the_floor_is_raised_to_it(
    server: FaultServer, either: tuple[str, Any], clock: FakeClock
) -> None:
    kind, client = either
    server.script("GET", "/v1/jobs/j1", Reply(200, RUNNING_JOB, times=3), Reply(200, DONE_JOB))
    if kind == "sync":
        res = client.jobs.wait("j1", delay=0.0001)
    else:
        res = await client.jobs.wait("j1", delay=0.0001)  # the shared poll loop paces it
    assert res.ok is True
    assert clock.sleeps == [MIN_DELAY] * 3 and MIN_DELAY == 0.05


class BackwardsClock(FakeClock):
    """A clock that goes back 10 s whenever it is asked to sleep."""

    def sleep(self, seconds: float) -> None:
        super().sleep(seconds)
        self.advance(-10.0)


@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_the_wait_times_out_on_a_clock_that_jumps_backwards(server: FaultServer, kind: str) -> None:
    clock = BackwardsClock()
    server.script("GET", "/v1/jobs/j1", Reply(200, RUNNING_JOB, times=200), Reply(200, DONE_JOB))
    if kind == "sync":
        with cycle_sdk.Client(api_key=API_KEY, base_url=server.url, clock=clock) as client:
            res = client.jobs.wait("j1", delay=1.0, timeout=5.0)
    else:
        async with cycle_sdk.AsyncClient(api_key=API_KEY, base_url=server.url, clock=clock) as aclient:

            async def fetch(job_id: str) -> Any:
                return await aclient.jobs.get_job(job_id, cache=False)

            res = await aclient.jobs.wait("j1", delay=1.0, timeout=5.0, fetch_job=fetch)
    assert res.ok is False and res.error.code == "0.job_wait_timeout"
    # Reads after 0 to 4 seconds of sleeps; at 5 the sync wait reads once more before it sees the
    # time is up, the async one is cancelled by asyncio.wait_for with no time left.
    assert len(server.requests) == (6 if kind == "sync" else 5)


# -- listen(): the first connection's failure is raised, not retried without a word -----------


TOKEN = document(SOCKET)


async def _first(client: Any, kind: str) -> Any:
    if kind == "sync":
        return next(iter(client.hub_notifications.listen()))
    return await client.hub_notifications.listen().__anext__()


async def test_listen_raises_when_the_first_token_cannot_be_had(server: FaultServer, either: Any) -> None:
    kind, client = either
    down = Reply(503, {"error": {"status": 503, "code": "503.down", "title": "down"}}, times=5)
    server.script("GET", SOCKET, down, Reply(401, {"error": {"status": 401, "code": "401.stop", "title": "stop"}}))
    with pytest.raises(cycle_sdk.APIError) as info:
        await _first(client, kind)
    assert info.value.code == "503.down"  # at once, not after retrying until a 401
    assert len(server.requests) == 1


async def test_listen_raises_when_the_first_socket_cannot_be_opened(server: FaultServer, either: Any) -> None:
    kind, client = either
    # The same path answers the token and (not a WebSocket server) the socket's upgrade with a 200.
    stop = Reply(401, {"error": {"status": 401, "code": "401.stop", "title": "stop"}})
    server.script("GET", SOCKET, Reply(200, {"data": {"token": "socket-token-0123456789"}}, times=10), stop)
    with pytest.raises(cycle_sdk.APIError) as info:
        await _first(client, kind)
    error = info.value
    assert (error.code, error.title) == ("0.network_error", "Cannot open the hub notification socket")
    assert error.detail is not None and "socket-token-0123456789" not in error.detail
    assert len(server.requests) == 2  # the token, then the socket: no retry
