"""The response cache, sync and async, over real HTTP."""

from __future__ import annotations

import asyncio
import gc
import threading
import tracemalloc
from collections.abc import Iterator

import pytest

import cycle_sdk
from tests.conftest import API_KEY, HUB
from tests.support.clients import document
from tests.support.clock import FakeClock
from tests.support.fault_server import FaultServer, Reply

DOC = {"data": []}


def _gets(server: FaultServer, path: str = "/v1/environments") -> int:
    return sum(1 for r in server.requests if r.method == "GET" and r.path == path)


def _wait_for_gets(server: FaultServer, count: int) -> None:
    """Until the server has received `count` GETs (a read is in flight)."""
    server.wait_until(lambda requests: _gets(server) >= count)


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
    server.clear()  # the fixture's quick reply would answer the held read first
    held = threading.Event()
    server.script("GET", "/v1/environments", Reply(200, DOC, gate=held), Reply(200, DOC))
    reader = threading.Thread(target=cached.environments.get_environments)
    reader.start()
    _wait_for_gets(server, 1)  # the read is in flight, its answer held
    cached.clear_cache()
    held.set()
    reader.join()
    cached.environments.get_environments()
    assert _gets(server) == 2


def test_read_in_flight_during_mutation_is_not_stored(server: FaultServer, cached: cycle_sdk.Client) -> None:
    # A slow read starts, a mutation completes while it is in flight: the old read must not be cached.
    server.clear()  # the fixture's quick reply would answer the held read first
    held = threading.Event()
    server.script("GET", "/v1/environments", Reply(200, DOC, gate=held), Reply(200, DOC))
    server.script("POST", "/v1/environments", Reply(200, {"data": None}))
    reader = threading.Thread(target=cached.environments.get_environments)
    reader.start()
    _wait_for_gets(server, 1)  # the read is in flight, its answer held
    cached.environments.create_environment(body={"name": "x"})
    held.set()
    reader.join()
    cached.environments.get_environments()
    assert _gets(server) == 2


def test_concurrent_identical_gets_share_one_request_threads(server: FaultServer) -> None:
    """The first GET's answer is held until all 16 threads have called; on a fake clock nothing
    expires, so a thread that comes after the answer is a cache hit, never a second fetch."""
    held = threading.Event()
    server.script("GET", "/v1/environments", Reply(200, DOC, gate=held))
    results = []
    with cycle_sdk.Client(api_key=API_KEY, base_url=server.url, cache=True, clock=FakeClock()) as client:
        threads = [
            threading.Thread(target=lambda: results.append(client.environments.get_environments())) for _ in range(16)
        ]
        for t in threads:
            t.start()
        _wait_for_gets(server, 1)
        held.set()
        for t in threads:
            t.join()
    assert len(results) == 16 and all(r.ok for r in results)
    assert _gets(server) == 1


async def test_concurrent_identical_gets_share_one_request_async(server: FaultServer) -> None:
    # No answer can arrive before every gathered call has started: the loop runs each task's first
    # step (the leader sends, the others wait on it) before it handles any I/O.
    server.script("GET", "/v1/environments", Reply(200, DOC))
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


def _big_page(term: str, items: int = 20, text: int = 40_000) -> dict[str, object]:
    """A list page of about 800 KB: `items` environments, each with a long description."""
    base = document("/v1/environments")["data"][0]
    about = base["about"]
    data = [
        {**base, "id": f"{term}-{i}", "name": term, "about": {**about, "description": f"{term}{i}" + "d" * text}}
        for i in range(items)
    ]
    return {"data": data}


def test_memory_held_stays_under_max_bytes_with_large_pages(server: FaultServer) -> None:
    """40 pages of about 800 KB each would hold over 30 MiB; the cache keeps what fits in 8 MiB."""
    server.record = False
    server.fallback = lambda req: Reply(200, _big_page(dict(req.query).get("filter[search]", "")))
    limit = 8 * 1024 * 1024
    settings = cycle_sdk.CacheSettings(use=True, refresh=3600.0, max_bytes=limit)
    with cycle_sdk.Client(api_key=API_KEY, base_url=server.url, cache=settings) as client:
        assert client.environments.get_environments(filter={"search": "warm-up"}).ok  # pools, imports
        client.clear_cache()
        gc.collect()
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            for i in range(40):
                assert client.environments.get_environments(filter={"search": f"page{i}"}).ok
            gc.collect()
            held = tracemalloc.get_traced_memory()[0] - before
        finally:
            tracemalloc.stop()
        cache = client._cache
        assert 2 <= len(cache) < 40  # several pages kept, the oldest evicted
        assert cache.held_bytes <= limit
        # Beyond the entries: about 0.8 MiB the client holds whatever is cached (one page's buffers).
        assert held <= limit + 2 * 1024 * 1024, f"{held / 2**20:.1f} MiB held for a {limit / 2**20:.0f} MiB cache"
        # The newest pages are the ones kept (least recently used first out).
        assert client.environments.get_environments(filter={"search": "page39"}).ok
        assert client.environments.get_environments(filter={"search": "page0"}).ok
    assert server.count == 1 + 40 + 1  # page39 from the cache; page0 evicted, read again


def test_a_result_larger_than_max_bytes_is_not_kept(server: FaultServer) -> None:
    server.script("GET", "/v1/environments", Reply(200, _big_page("big")))
    settings = cycle_sdk.CacheSettings(use=True, max_bytes=64 * 1024)
    with cycle_sdk.Client(api_key=API_KEY, base_url=server.url, cache=settings) as client:
        assert client.environments.get_environments().ok
        assert client.environments.get_environments().ok
        assert len(client._cache) == 0 and client._cache.held_bytes == 0
    assert _gets(server) == 2


def test_expired_entries_are_dropped_on_the_next_use(server: FaultServer, clock: FakeClock) -> None:
    """Not kept until their own key is asked for again: any later lookup or store drops them."""
    server.fallback = lambda req: Reply(200, _big_page("p", items=20))
    settings = cycle_sdk.CacheSettings(use=True, refresh=1.0)
    with cycle_sdk.Client(api_key=API_KEY, base_url=server.url, cache=settings, clock=clock) as client:
        for term in ("a", "b", "c"):
            assert client.environments.get_environments(filter={"search": term}).ok
        assert len(client._cache) == 3 and client._cache.held_bytes > 0
        clock.advance(1.5)
        assert client.environments.get_environments(filter={"search": "d"}).ok
        assert len(client._cache) == 1  # a, b and c expired: gone, their memory with them
        clock.advance(1.5)
        assert client.environments.get_environments(filter={"search": "d"}).ok  # a lookup: d expired too
        assert len(client._cache) == 1


def test_what_a_result_holds_is_measured_as_tracemalloc_counts_it() -> None:
    """The size the cache charges a decoded page of 200 environments is within 1% of the memory
    decoding it took (the second decode: the first also loads the model modules)."""
    import json

    from cycle_sdk._cache import held_bytes
    from cycle_sdk._generated.models.get_environments_response_200 import GetEnvironmentsResponse200
    from cycle_sdk._result import Ok

    text = json.dumps(_big_page("p", items=200, text=100))
    GetEnvironmentsResponse200.from_dict(json.loads(text))
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        result = Ok(GetEnvironmentsResponse200.from_dict(json.loads(text)))
        gc.collect()
        traced = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert abs(held_bytes(result) - traced) <= 0.01 * traced, (held_bytes(result), traced)
