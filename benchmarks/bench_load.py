"""Load (issue 6): 2,000 requests through one client, many at once, against raw httpx doing the same.

    python -m benchmarks.bench_load URL async   sdk|raw   # one AsyncClient, 200 in flight
    python -m benchmarks.bench_load URL threads sdk|raw   # one sync Client shared by 16 threads

Each run is its own process, so its peak RSS (VmHWM) is its own. Every request must
succeed (errors: 0). The raw side is httpx.Client/AsyncClient (same default pool limits as
the SDK's) with json.loads.
"""

from __future__ import annotations

import asyncio
import json
import sys
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

import cycle_sdk
from benchmarks.common import emit, peak_rss_mb, rss_mb

API_KEY = "bench-key-0123456789"
HEADERS = {"Accept": "application/json", "Authorization": f"Bearer {API_KEY}", "X-Hub-Id": "hub"}
TOTAL = 2000
IN_FLIGHT = 200
THREADS = 16


def _raw_error(response: httpx.Response) -> str | None:
    if response.status_code != 200:
        return f"{response.status_code}"
    json.loads(response.content)
    return None


async def run_async(base_url: str, side: str) -> dict[str, Any]:
    errors: Counter[str] = Counter()
    left = TOTAL
    url = f"{base_url}/v1/environments/ID"
    async with (
        cycle_sdk.AsyncClient(api_key=API_KEY, team="hub", base_url=base_url) as sdk,
        httpx.AsyncClient() as raw,
    ):

        async def sdk_call() -> str | None:
            res = await sdk.environments.get_environment("ID")
            return None if res.ok is True else res.error.code

        async def raw_call() -> str | None:
            try:
                return _raw_error(await raw.get(url, headers=HEADERS))
            except httpx.HTTPError as exc:
                return type(exc).__name__

        call: Callable[[], Awaitable[str | None]] = sdk_call if side == "sdk" else raw_call

        async def worker() -> None:
            nonlocal left
            while left > 0:
                left -= 1
                error = await call()
                if error is not None:
                    errors[error] += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(IN_FLIGHT)))
        seconds = time.perf_counter() - started
    return {"concurrency": f"{IN_FLIGHT} in flight", "seconds": seconds, "errors": dict(errors)}


def run_threads(base_url: str, side: str) -> dict[str, Any]:
    errors: Counter[str] = Counter()
    lock = threading.Lock()
    left = TOTAL
    url = f"{base_url}/v1/environments/ID"
    with (
        cycle_sdk.Client(api_key=API_KEY, team="hub", base_url=base_url) as sdk,
        httpx.Client() as raw,
    ):

        def sdk_call() -> str | None:
            res = sdk.environments.get_environment("ID")
            return None if res.ok is True else res.error.code

        def raw_call() -> str | None:
            try:
                return _raw_error(raw.get(url, headers=HEADERS))
            except httpx.HTTPError as exc:
                return type(exc).__name__

        call = sdk_call if side == "sdk" else raw_call

        def worker() -> None:
            nonlocal left
            while True:
                with lock:
                    if left <= 0:
                        return
                    left -= 1
                error = call()
                if error is not None:
                    with lock:
                        errors[error] += 1

        pool = [threading.Thread(target=worker) for _ in range(THREADS)]
        started = time.perf_counter()
        for t in pool:
            t.start()
        for t in pool:
            t.join()
        seconds = time.perf_counter() - started
    return {"concurrency": f"{THREADS} threads", "seconds": seconds, "errors": dict(errors)}


def main() -> None:
    base_url, mode, side = sys.argv[1], sys.argv[2], sys.argv[3]
    before = rss_mb()
    out = asyncio.run(run_async(base_url, side)) if mode == "async" else run_threads(base_url, side)
    out.update(
        mode=mode,
        side=side,
        requests=TOTAL,
        rps=TOTAL / out["seconds"],
        error_count=sum(out["errors"].values()),
        start_rss_mb=before,
        peak_rss_mb=peak_rss_mb(),
    )
    emit(out)


if __name__ == "__main__":
    main()
