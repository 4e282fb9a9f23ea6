"""Load. 2,000 requests through one AsyncClient with 200 in flight, and one sync Client
shared by 16 threads with the cache and auto refresh on: no errors, every caller gets its own
answer, exactly one token refresh, and memory stays bounded.

The API is tests/support/load_server.py in its own process (so neither its memory nor its CPU
is counted against the client): GET /v1/jobs/{id} answers a job whose id is {id}, only for the
current access token (401 otherwise); POST /oauth/token hands out that token, after 50 ms.
"""

from __future__ import annotations

import asyncio
import gc
import threading
import time
import tracemalloc
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

import cycle_sdk
from benchmarks.common import peak_rss_mb, reset_peak_rss, rss_mb
from tests.support.load_server import LoadServer

pytestmark = pytest.mark.slow  # thousands of requests

MB = 1024 * 1024
OLD_ACCESS, OLD_REFRESH = "at-old-load-0123456789", "rt-old-load-0123456789"
NEW_ACCESS = "at-new-load-0123456789"  # what the load server accepts, and hands out on refresh


@pytest.fixture(scope="module")
def api() -> Iterator[LoadServer]:
    with LoadServer(NEW_ACCESS) as server:
        yield server


class Seen:
    """What the server saw during a test (its counters are cumulative over the module)."""

    def __init__(self, api: LoadServer) -> None:
        self.api = api
        self.before = api.stats()

    def __getitem__(self, key: str) -> int:
        return int(self.api.stats().get(key, 0)) - int(self.before.get(key, 0))


def storage(*, expired: bool) -> cycle_sdk.MemoryStorage:
    expires_at = time.time() + (-30 if expired else 3600)
    return cycle_sdk.MemoryStorage(
        cycle_sdk.Token(OLD_ACCESS, kind="oauth", refresh_token=OLD_REFRESH, expires_at=expires_at)
    )


@pytest.fixture(autouse=True)
def no_env_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CYCLE_API_KEY", raising=False)


class PeakRss:
    """This process's peak resident memory in MB while the block runs: the kernel's high-water
    mark (VmHWM), reset on entry (5 written to /proc/self/clear_refs) and read on exit. Exact,
    where a sampling thread would sleep between samples and could miss the peak."""

    def __init__(self) -> None:
        self.peak = 0.0

    def __enter__(self) -> PeakRss:
        assert reset_peak_rss(), "the peak can only be measured where /proc/self/clear_refs is writable"
        return self

    def __exit__(self, *exc: object) -> None:
        self.peak = peak_rss_mb()


def live_objects() -> int:
    gc.collect()
    return len(gc.get_objects())


# -- async: 2,000 requests, 200 in flight --------------------------------------------------------


async def test_async_client_2000_requests_200_in_flight(api: LoadServer) -> None:
    seen = Seen(api)
    total, width = 2000, 200
    in_flight = peak_in_flight = ok = 0
    wrong: list[Any] = []

    async with cycle_sdk.AsyncClient(
        base_url=api.url, storage=storage(expired=True), auto_refresh=True, max_retries=0
    ) as client:

        async def worker(ids: Iterator[int]) -> None:
            # `width` workers share one iterator of ids: `width` requests in flight at all times.
            nonlocal in_flight, peak_in_flight, ok
            for i in ids:
                in_flight += 1
                peak_in_flight = max(peak_in_flight, in_flight)
                res = await client.jobs.get_job(f"job-{i}")
                in_flight -= 1
                if res.ok is True and res.value.data.id == f"job-{i}":
                    ok += 1
                else:
                    wrong.append(res)

        async def run(count: int) -> None:
            ids = iter(range(count))
            await asyncio.gather(*(worker(ids) for _ in range(width)))

        await run(width)  # warm up: the pool, lazy imports, the one refresh
        objects, base = live_objects(), rss_mb()
        with PeakRss() as rss:
            await run(total)
        grown = live_objects() - objects

    assert wrong == []
    assert ok == width + total
    assert peak_in_flight == width
    assert seen["GET"] == width + total and seen["rejected"] == 0
    assert seen["POST"] == 1, "200 requests found the token expired: exactly one refresh"
    assert rss.peak - base < 100, f"resident memory rose {rss.peak - base:.1f} MB"
    assert grown < 1000, f"{grown} more live objects after {total} requests"
    print(f"async: {total} requests, RSS peak +{rss.peak - base:.1f} MB, objects +{grown}")


# -- sync: 16 threads, cache on, auto refresh on ----------------------------------------------------


def run_threads(count: int, work: Any) -> list[BaseException]:
    errors: list[BaseException] = []
    barrier = threading.Barrier(count)

    def body(n: int) -> None:
        try:
            barrier.wait()
            work(n)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=body, args=(n,)) for n in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return errors


def test_sync_client_shared_by_16_threads_with_cache_and_auto_refresh(api: LoadServer) -> None:
    threads, cached_calls, uncached_calls, distinct = 16, 125, 30, 40
    wrong: list[Any] = []
    done = Counter[str]()

    with cycle_sdk.Client(
        base_url=api.url, storage=storage(expired=True), cache=True, auto_refresh=True, max_retries=0
    ) as client:
        assert client.settings.cache.use is True and client.settings.auto_refresh is True

        def call(job_id: str, phase: str, **options: Any) -> None:
            res = client.jobs.get_job(job_id, **options)
            if res.ok is True and res.value.data.id == job_id:
                done[phase] += 1
            else:
                wrong.append((job_id, res))

        def cached(n: int) -> None:
            for k in range(cached_calls):
                call(f"job-{(n * 7 + k) % distinct}", "cached")

        def uncached(n: int) -> None:
            for k in range(uncached_calls):
                call(f"job-{n}-{k}", "uncached", cache=False)

        gc.collect()
        tracemalloc.start()
        try:
            seen = Seen(api)
            errors = run_threads(threads, cached)
            cached_gets, posts, rejected = seen["GET"], seen["POST"], seen["rejected"]
            seen = Seen(api)
            errors += run_threads(threads, uncached)
            uncached_gets = seen["GET"]
            gc.collect()
            kept, peak = (v / MB for v in tracemalloc.get_traced_memory())
        finally:
            tracemalloc.stop()
        stored = client.settings.storage.read()

    assert errors == [] and wrong == []
    assert done == {"cached": threads * cached_calls, "uncached": threads * uncached_calls}
    assert posts == 1, "16 threads found the token expired: exactly one refresh"
    assert rejected == 0, "no request went out with the expired token"
    assert stored is not None and stored.access_token == NEW_ACCESS
    # The cache served most calls (every id was fetched at least once); cache=False went out every time.
    assert distinct <= cached_gets < threads * cached_calls / 2
    assert uncached_gets == threads * uncached_calls
    assert peak < 32, f"traced peak {peak:.1f} MB"
    assert kept < 4, f"{kept:.1f} MB still held (the cache holds at most {distinct} documents)"
    print(f"sync: {sum(done.values())} calls, {cached_gets + uncached_gets} GETs, peak {peak:.1f} MB")


def test_sync_threads_hitting_401_share_one_refresh(api: LoadServer) -> None:
    """A token the server no longer accepts: threads get 401s, and one refresh serves them all."""
    seen = Seen(api)
    threads = 16
    results: list[Any] = []
    with cycle_sdk.Client(base_url=api.url, storage=storage(expired=False), max_retries=0) as client:
        errors = run_threads(threads, lambda n: results.append(client.jobs.get_job(f"job-{n}")))
    assert errors == []
    assert len(results) == threads and all(r.ok is True for r in results)
    assert sorted(r.value.data.id for r in results) == sorted(f"job-{n}" for n in range(threads))
    assert seen["POST"] == 1
    assert seen["rejected"] >= 1


async def test_async_tasks_hitting_401_share_one_refresh(api: LoadServer) -> None:
    seen = Seen(api)
    async with cycle_sdk.AsyncClient(base_url=api.url, storage=storage(expired=False), max_retries=0) as client:
        results = await asyncio.gather(*(client.jobs.get_job(f"job-{n}") for n in range(50)))
    assert [r.value.data.id for r in results if r.ok is True] == [f"job-{n}" for n in range(50)]
    assert seen["POST"] == 1
    assert seen["rejected"] >= 1


async def test_async_cache_shares_one_request_per_key(api: LoadServer) -> None:
    seen = Seen(api)
    fresh = cycle_sdk.MemoryStorage(cycle_sdk.Token(NEW_ACCESS, kind="oauth", expires_at=time.time() + 3600))
    async with cycle_sdk.AsyncClient(base_url=api.url, storage=fresh, cache=True, max_retries=0) as client:
        results = await asyncio.gather(*(client.jobs.get_job(f"job-{n % 5}") for n in range(500)))
    assert [r.value.data.id for r in results if r.ok is True] == [f"job-{n % 5}" for n in range(500)]
    assert seen["GET"] == 5  # concurrent identical GETs shared one request each
