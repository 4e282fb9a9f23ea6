"""Issue 3: the response cache, sync and async, over real HTTP."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator

import pytest

import cycle_sdk
from tests.conftest import API_KEY, HUB
from tests.support.clock import FakeClock
from tests.support.fault_server import FaultServer, Reply

DOC = {"data": []}


def _gets(server: FaultServer, path: str = "/v1/environments") -> int:
    return sum(1 for r in server.requests if r.method == "GET" and r.path == path)


def _wait_for_gets(server: FaultServer, count: int) -> None:
    """Until the server has received `count` GETs (a read is in flight), within a generous bound."""
    deadline = time.monotonic() + 10
    while _gets(server) < count and time.monotonic() < deadline:
        time.sleep(0.005)
    assert _gets(server) >= count


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def cached(server: FaultServer, clock: FakeClock) -> Iterator[cycle_sdk.Client]:
    server.script("GET", "/v1/environments", Reply(200, DOC))
    with cycle_sdk.Client(
        api_key=API_KEY, team=HUB, base_url=server.url, cache=True, max_retries=0, clock=clock
    ) as client:
        yield client


def test_identical_get_within_refresh_is_served_from_memory(server: FaultServer, cached: cycle_sdk.Client) -> None:
    first = cached.environments.get_environments(filter={"state": "live"})
    second = cached.environments.get_environments(filter={"state": "live"})
    assert first.ok and second.ok
    assert _gets(server) == 1
    cached.environments.get_environments(filter={"state": "deleted"})  # other query: other entry
    cached.environments.get_environments(filter={"state": "live"}, team="other")  # other hub
    assert _gets(server) == 3


def test_entries_expire_after_refresh(server: FaultServer, cached: cycle_sdk.Client, clock: FakeClock) -> None:
    # On the client's clock: no real waiting, and no machine is too slow for "within refresh".
    cached.settings.cache.refresh = 0.05
    cached.environments.get_environments()
    clock.advance(0.049)
    cached.environments.get_environments()
    assert _gets(server) == 1
    clock.advance(0.002)
    cached.environments.get_environments()
    assert _gets(server) == 2


def test_identity_is_part_of_the_key(server: FaultServer, cached: cycle_sdk.Client) -> None:
    cached.environments.get_environments()
    cached.settings.api_key = "another-key"
    cached.environments.get_environments()
    assert _gets(server) == 2


def test_cache_false_per_call_and_off_by_default(server: FaultServer, cached: cycle_sdk.Client) -> None:
    cached.environments.get_environments()
    cached.environments.get_environments(cache=False)
    assert _gets(server) == 2
    with cycle_sdk.Client(api_key=API_KEY, base_url=server.url) as plain:
        plain.environments.get_environments()
        plain.environments.get_environments()
    assert _gets(server) == 4


def test_mutation_evicts_the_resource(server: FaultServer, cached: cycle_sdk.Client) -> None:
    server.script("GET", "/v1/environments/e1", Reply(200, {"data": None}))
    server.script("PATCH", "/v1/environments/e1", Reply(200, {"data": None}))
    cached.environments.get_environments()
    cached.environments.get_environment("e1")
    cached.environments.update_environment("e1", body={"name": "renamed"})
    cached.environments.get_environments()
    cached.environments.get_environment("e1")
    assert _gets(server) == 2 and _gets(server, "/v1/environments/e1") == 2


def test_a_write_anywhere_empties_the_cache(server: FaultServer, cached: cycle_sdk.Client) -> None:
    # Creating a container changes what an environment reports (its meta counts containers).
    server.script("POST", "/v1/containers", Reply(200, {"data": None}))
    cached.environments.get_environments()
    cached.containers.create_container(body={"name": "c"})
    cached.environments.get_environments()
    assert _gets(server) == 2


def test_a_failed_write_empties_the_cache_too(server: FaultServer, cached: cycle_sdk.Client) -> None:
    # A write that timed out or failed may still have happened on the server.
    server.script("DELETE", "/v1/environments/e1", Reply(500, {"error": {"title": "boom"}}))
    cached.environments.get_environments()
    assert cached.environments.delete_environment("e1").ok is False
    cached.environments.get_environments()
    assert _gets(server) == 2


def test_read_in_flight_during_clear_cache_is_not_stored(server: FaultServer, cached: cycle_sdk.Client) -> None:
    server.clear()  # the fixture's quick reply would answer the slow read first
    server.script("GET", "/v1/environments", Reply(200, DOC, delay=0.3), Reply(200, DOC))
    reader = threading.Thread(target=cached.environments.get_environments)
    reader.start()
    _wait_for_gets(server, 1)  # the slow read is in flight
    cached.clear_cache()
    reader.join()
    cached.environments.get_environments()
    assert _gets(server) == 2


def test_read_in_flight_during_mutation_is_not_stored(server: FaultServer, cached: cycle_sdk.Client) -> None:
    # A slow read starts, a mutation completes while it is in flight: the old read must not be cached.
    server.clear()  # the fixture's quick reply would answer the slow read first
    server.script("GET", "/v1/environments", Reply(200, DOC, delay=0.3), Reply(200, DOC))
    server.script("POST", "/v1/environments", Reply(200, {"data": None}))
    reader = threading.Thread(target=cached.environments.get_environments)
    reader.start()
    _wait_for_gets(server, 1)  # the slow read is in flight
    cached.environments.create_environment(body={"name": "x"})
    reader.join()
    cached.environments.get_environments()
    assert _gets(server) == 2


def test_concurrent_identical_gets_share_one_request_threads(server: FaultServer) -> None:
    server.script("GET", "/v1/environments", Reply(200, DOC, delay=0.2))
    results = []
    with cycle_sdk.Client(api_key=API_KEY, base_url=server.url, cache=True) as client:
        threads = [
            threading.Thread(target=lambda: results.append(client.environments.get_environments())) for _ in range(16)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert len(results) == 16 and all(r.ok for r in results)
    assert _gets(server) == 1


async def test_concurrent_identical_gets_share_one_request_async(server: FaultServer) -> None:
    server.script("GET", "/v1/environments", Reply(200, DOC, delay=0.2))
    async with cycle_sdk.AsyncClient(api_key=API_KEY, base_url=server.url, cache=True) as client:
        results = await asyncio.gather(*(client.environments.get_environments() for _ in range(20)))
        assert all(r.ok for r in results)
        assert _gets(server) == 1
        again = await client.environments.get_environments()
        assert again.ok and _gets(server) == 1
        await client.environments.create_environment(body={"name": "x"})
        await client.environments.get_environments()
        assert _gets(server) == 2


def test_memory_is_bounded_lru(server: FaultServer) -> None:
    server.script("GET", "/v1/environments", Reply(200, DOC))
    settings = cycle_sdk.CacheSettings(use=True, max_entries=3)
    with cycle_sdk.Client(api_key=API_KEY, base_url=server.url, cache=settings) as client:

        def search(term: str) -> None:
            assert client.environments.get_environments(filter={"search": term}).ok

        def fetched(term: str) -> int:
            return sum(1 for r in server.requests if r.query == [("filter[search]", term)])

        for i in range(5):
            search(f"s{i}")
        for term in ("s4", "s3", "s2"):  # the three most recent: still cached
            search(term)
        assert [fetched(term) for term in ("s2", "s3", "s4")] == [1, 1, 1]
        search("s0")  # least recently used: evicted, fetched again
        assert fetched("s0") == 2


def test_errors_are_not_cached(server: FaultServer) -> None:
    server.script("GET", "/v1/environments", Reply(503, b"down", times=1), Reply(200, DOC))
    with cycle_sdk.Client(api_key=API_KEY, base_url=server.url, cache=True, max_retries=0) as client:
        assert client.environments.get_environments().ok is False
        assert client.environments.get_environments().ok is True
        assert client.environments.get_environments().ok is True
    assert len(server.requests) == 2


def test_module_level_cache_settings(server: FaultServer, monkeypatch: pytest.MonkeyPatch) -> None:
    server.script("GET", "/v1/environments", Reply(200, DOC))
    monkeypatch.setattr(cycle_sdk, "settings", cycle_sdk.Settings(api_key=API_KEY, base_url=server.url))
    cycle_sdk.settings.cache.use = True
    cycle_sdk.settings.cache.refresh = 1.0
    cycle_sdk.environments.get_environments()
    cycle_sdk.environments.get_environments()
    assert _gets(server) == 1


def test_clear_cache(server: FaultServer, cached: cycle_sdk.Client) -> None:
    cached.environments.get_environments()
    cached.clear_cache()
    cached.environments.get_environments()
    assert _gets(server) == 2
