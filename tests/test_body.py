"""cycle_sdk/_body.py: compressed bodies, over real HTTP on loopback, sync and async side by side.

gzip and deflate are inflated by the SDK within max_body_size (a gzip bomb cannot expand past
the limit in memory), alone or stacked; other encodings are refused; a corrupt body is an Err.
"""

from __future__ import annotations

import gzip
import json
import tracemalloc
import zlib
from typing import Any

import httpx
import pytest

import cycle_sdk
from tests.support.clients import Caller, Callers, assert_recovers, job_doc
from tests.support.fault_server import FaultServer, Reply

MB = 1024 * 1024


async def get_job(caller: Caller, job_id: str = "j1", **options: Any) -> Any:
    return await caller("jobs.get_job", job_id, **options)


def _deflate(data: bytes, wbits: int) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, wbits)
    return compressor.compress(data) + compressor.flush()


def _bomb(size: int) -> bytes:
    """gzip of `size` spaces, made in 1 MiB steps (about 1,000 to 1 compressed)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    block = b" " * MB
    parts = [compressor.compress(block) for _ in range(size // MB)]
    return b"".join(parts) + compressor.flush()


ENCODERS = {
    "gzip": lambda data: gzip.compress(data),
    "deflate-zlib": lambda data: _deflate(data, zlib.MAX_WBITS),
    "deflate-raw": lambda data: _deflate(data, -zlib.MAX_WBITS),
    "gzip, gzip": lambda data: gzip.compress(gzip.compress(data)),  # a chain, each layer bounded
}


@pytest.mark.parametrize("encoding", list(ENCODERS))
async def test_compressed_bodies_decode(server: FaultServer, make: Callers, encoding: str) -> None:
    doc = job_doc("j1")
    body = ENCODERS[encoding](json.dumps(doc).encode())
    header = encoding.split("-")[0]
    server.script("GET", "/v1/jobs/j1", Reply(200, body, headers={"content-encoding": header}))
    res = await get_job(make())
    assert res.ok is True, res
    assert res.value.data.id == doc["data"]["id"]
    assert server.requests[-1].headers["accept-encoding"] == "gzip, deflate"  # only what the SDK bounds


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
async def test_corrupt_compressed_body_is_an_err(server: FaultServer, make: Callers, encoding: str) -> None:
    body = b"\x1f\x8b\x08\x00not really compressed" if encoding == "gzip" else b"\xff\xfenot deflate either"
    server.script("GET", "/v1/jobs/j1", Reply(200, body, headers={"content-encoding": encoding}, times=1))
    caller = make(max_retries=0)
    res = await get_job(caller)
    assert res.ok is False
    assert res.error.code == "0.network_error"
    assert f"not valid {encoding}" in (res.error.detail or "")
    server.clear()
    await assert_recovers(caller, server)


async def test_gzip_bomb_stays_within_max_body_size(server: FaultServer, make: Callers) -> None:
    bomb = _bomb(64 * MB)
    assert len(bomb) < MB
    server.script("GET", "/v1/jobs/j1", Reply(200, bomb, headers={"content-encoding": "gzip"}))
    caller = make(max_body_size=1 * MB)
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        res = await get_job(caller)
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    assert res.ok is False
    assert (res.error.status, res.error.code) == (200, "0.body_too_large")
    # httpx inflates a whole 64 KiB network chunk at once: about 64 MiB for this body.
    assert peak < 6 * MB, f"peak {peak / MB:.1f} MB"
    server.clear()
    await assert_recovers(caller, server)


async def test_compressed_body_just_under_the_limit_is_read(server: FaultServer, make: Callers) -> None:
    doc = job_doc("j1")
    doc["data"] = {**doc["data"], "caption": "x" * (MB // 2)}
    raw = json.dumps(doc).encode()
    server.script("GET", "/v1/jobs/j1", Reply(200, gzip.compress(raw), headers={"content-encoding": "gzip"}))
    assert (await get_job(make(max_body_size=len(raw)))).ok is True
    tight = await get_job(make(max_body_size=len(raw) - 1))
    assert tight.ok is False and tight.error.code == "0.body_too_large"


def test_a_response_made_in_memory_is_taken_as_httpx_decoded_it() -> None:
    """httpx.MockTransport responses arrive read and decoded: not inflated a second time."""
    doc = job_doc("j1")
    body = gzip.compress(json.dumps(doc).encode())

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, headers={"content-encoding": "gzip", "content-type": "application/json"}, content=body
        )

    with cycle_sdk.Client(api_key="k", base_url="http://x", transport=httpx.MockTransport(handler)) as client:
        res = client.jobs.get_job("j1")
    assert res.ok is True and res.value.data.id == doc["data"]["id"]
