"""Async throughput: requests/s with 1, 10 and 100 in flight, SDK AsyncClient vs raw httpx.AsyncClient.

    python -m benchmarks.bench_async URL

Both GET one environment from the same server (benchmarks.server, its own process); the
raw side decodes with json.loads, the SDK side into typed models. httpx's default pool
limits (100 connections, 20 kept alive) are what the SDK configures too.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

import cycle_sdk
from benchmarks.common import emit, median, reps

API_KEY = "bench-key-0123456789"
HEADERS = {"Accept": "application/json", "Authorization": f"Bearer {API_KEY}", "X-Hub-Id": "hub"}


async def _run(call: Callable[[], Awaitable[bool]], total: int, in_flight: int) -> tuple[float, int]:
    """Seconds for `total` calls with at most `in_flight` at once; and the number of failures."""
    failures = 0
    left = total

    async def worker() -> None:
        nonlocal failures, left
        while left > 0:
            left -= 1
            if not await call():
                failures += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(in_flight)))
    return time.perf_counter() - started, failures


async def measure(base_url: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    url = f"{base_url}/v1/environments/ID"
    async with (
        cycle_sdk.AsyncClient(api_key=API_KEY, team="hub", base_url=base_url, max_retries=0) as sdk,
        httpx.AsyncClient() as raw,
    ):

        async def sdk_call() -> bool:
            res = await sdk.environments.get_environment("ID")
            return res.ok is True

        async def raw_call() -> bool:
            response = await raw.get(url, headers=HEADERS)
            json.loads(response.content)
            return response.status_code == 200

        for in_flight in (1, 10, 100):
            total = reps({1: 300, 10: 600, 100: 1000}[in_flight], 100)
            await _run(sdk_call, min(total, 200), in_flight)  # warm up: connections, imports
            await _run(raw_call, min(total, 200), in_flight)
            rates: dict[str, list[float]] = {"sdk": [], "raw": []}
            errors = {"sdk": 0, "raw": 0}
            for r in range(reps(5, 1)):
                for name in ("sdk", "raw") if r % 2 == 0 else ("raw", "sdk"):
                    seconds, failed = await _run(sdk_call if name == "sdk" else raw_call, total, in_flight)
                    rates[name].append(total / seconds)
                    errors[name] += failed
            out[str(in_flight)] = {
                "requests": total,
                "sdk_rps": median(rates["sdk"]),
                "raw_rps": median(rates["raw"]),
                "ratio": median([s / r for s, r in zip(rates["sdk"], rates["raw"], strict=True)]),
                "errors": errors,
            }
    return out


def main() -> None:
    emit(asyncio.run(measure(sys.argv[1])))


if __name__ == "__main__":
    main()
