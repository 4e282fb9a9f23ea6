"""What a hostile server sends comes back as an Err, bounded and
redacted, never as an exception. Over real HTTP on loopback, sync and async side by side."""

from __future__ import annotations

import gzip
import json
import tracemalloc
import zlib
from typing import Any

import pytest

from tests.support.clients import Callers, assert_recovers, document, job_doc
from tests.support.fault_server import FaultServer, Reply

CREATED_DOC = document("/v1/environments", "post", "201")
MB = 1024 * 1024


async def call(caller: Any, method: str, **options: Any) -> Any:
    if method == "GET":
        return await caller("jobs.get_job", "j1", **options)
    return await caller("environments.create_environment", body={"name": "web", "cluster": "c"}, **options)


PATHS = {"GET": "/v1/jobs/j1", "POST": "/v1/environments"}


def nested(depth: int, leaf: Any = "x") -> Any:
    value = leaf
    for _ in range(depth):
        value = [value]
    return value


def envelope(depth: int) -> bytes:
    """Cycle's error envelope with a detail, a source and an extra field nested `depth` deep."""
    inner = json.dumps(nested(depth))
    return (
        '{"error": {"status": 500, "code": "500.deep", "title": "deep", '
        f'"detail": {inner}, "source": {inner}, "more": {inner}}}}}'
    ).encode()


# -- item 2: exceptions escaped instead of an Err -----------------------------------------------

RETRY_AFTER = {
    "year-99999999999": "Wed, 21 Oct 99999999999 07:28:00 GMT",
    "offset-+99999999999999": "Wed, 21 Oct 2015 07:28:00 +99999999999999",
    "nan": "nan",
}


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("cache", [False, True])
@pytest.mark.parametrize("value", list(RETRY_AFTER))
async def test_overflowing_retry_after_is_an_err(
    server: FaultServer, make: Callers, method: str, cache: bool, value: str
) -> None:
    server.script(method, PATHS[method], Reply(503, {"error": {"code": "503.x"}}, {"Retry-After": RETRY_AFTER[value]}))
    caller = make(cache=cache)
    res = await call(caller, method)
    assert res.ok is False
    assert (res.error.status, res.error.code, res.error.retry_after) == (503, "503.x", None)
    await assert_recovers(caller, server)


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("cache", [False, True])
@pytest.mark.parametrize("depth", [500, 900])
async def test_deeply_nested_error_envelope_is_an_err(
    server: FaultServer, make: Callers, method: str, cache: bool, depth: int
) -> None:
    server.script(method, PATHS[method], Reply(500, envelope(depth)))
    caller = make(cache=cache)
    res = await call(caller, method)
    assert res.ok is False
    assert (res.error.status, res.error.code, res.error.title) == (500, "500.deep", "deep")
    str(res.error), repr(res.error)  # formats without raising
    await assert_recovers(caller, server)


@pytest.mark.parametrize("depth", [500, 900])
async def test_deeply_nested_success_body_is_an_err(server: FaultServer, make: Callers, depth: int) -> None:
    doc = job_doc("j1")
    body = json.dumps(doc)[:-1] + f', "deep": {json.dumps(nested(depth))}}}'
    server.script("GET", "/v1/jobs/j1", Reply(200, body.encode()))
    res = await call(make(), "GET")
    # Either decoded (extra fields are ignored) or a parse error; never an exception.
    assert res.ok is True or res.error.code == "0.parse_error"


# -- item 3: stacked and unknown encodings ------------------------------------------------------


def gzip_bomb(size: int) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    block = b" " * MB
    return b"".join(compressor.compress(block) for _ in range(size // MB)) + compressor.flush()


@pytest.mark.parametrize("layers", [2, 3])
async def test_stacked_gzip_bomb_stays_within_max_body_size(server: FaultServer, make: Callers, layers: int) -> None:
    body = gzip_bomb(64 * MB)  # 64 MiB of spaces
    for _ in range(layers - 1):
        body = gzip.compress(body, 9)
    encoding = ", ".join(["gzip"] * layers)
    server.script("GET", "/v1/jobs/j1", Reply(200, body, {"Content-Encoding": encoding}))
    caller = make(max_body_size=1 * MB)
    tracemalloc.start()
    try:
        res = await call(caller, "GET")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert res.ok is False and res.error.code == "0.body_too_large"
    assert peak < 16 * MB, peak  # bounded by the limit, not by the 64 MiB the body expands to
    await assert_recovers(caller, server)


@pytest.mark.parametrize(
    "encoding",
    ["br", "zstd", "compress", "x-unknown", "gzip, br", ", ".join(["gzip"] * 20)],
)
async def test_unknown_or_overlong_encoding_chain_is_refused(server: FaultServer, make: Callers, encoding: str) -> None:
    server.script("GET", "/v1/jobs/j1", Reply(200, b"\x00" * 1000, {"Content-Encoding": encoding}))
    caller = make()
    res = await call(caller, "GET")
    assert res.ok is False
    assert res.error.code == "0.network_error"
    assert "encoding" in (res.error.detail or "").lower()
    await assert_recovers(caller, server)


@pytest.mark.parametrize("encoding", ["gzip, gzip", "deflate, gzip", "gzip, identity, x-gzip"])
async def test_a_short_chain_of_known_encodings_decodes(server: FaultServer, make: Callers, encoding: str) -> None:
    data = json.dumps(job_doc("j1")).encode()
    for coding in [c.strip() for c in encoding.split(",")]:
        if coding in ("gzip", "x-gzip"):
            data = gzip.compress(data)
        elif coding == "deflate":
            data = zlib.compress(data)
    server.script("GET", "/v1/jobs/j1", Reply(200, data, {"Content-Encoding": encoding}))
    res = await call(make(), "GET")
    assert res.ok is True, res
    assert res.value.data.id == "j1"


# -- item 6: redaction before truncation, in any case, and at the cut ---------------------------

KEY = "sk-test-SECRET-1234567890"  # the Callers' default API key


def pieces_of_the_key(text: str) -> list[str]:
    """Every 8-character piece of the key found in `text`, in any letter case."""
    low, key = text.lower(), KEY.lower()
    return [key[i : i + 8] for i in range(len(key) - 7) if key[i : i + 8] in low]


@pytest.mark.parametrize("before_cut", [0, 8, 12, 20, len(KEY) - 1, len(KEY)])
async def test_a_key_across_the_200_character_cut_is_redacted(
    server: FaultServer, make: Callers, before_cut: int
) -> None:
    # A plain-text error page shows its first 200 characters: the key straddles character 200.
    body = "e" * (200 - before_cut) + KEY + " and more text after it"
    server.script("GET", "/v1/jobs/j1", Reply(502, body, {"Content-Type": "text/html"}))
    res = await call(make(), "GET")
    assert res.ok is False and res.error.code == "502.http_error"
    assert pieces_of_the_key(res.error.detail or "") == []
    assert pieces_of_the_key(str(res.error) + repr(res.error)) == []
    if before_cut >= 8:
        assert "[REDACTED]" in (res.error.detail or "")


@pytest.mark.parametrize("before_cut", [None, 8, 15, len(KEY)])
async def test_a_key_echoed_in_a_content_type_is_redacted_lower_cased(
    server: FaultServer, make: Callers, before_cut: int | None
) -> None:
    # The media type is lower-cased and cut to 100 characters before it reaches `detail`.
    pad = "t" * 20 if before_cut is None else "t" * (100 - len("content-type 'text/") - before_cut)
    content_type = f"text/{pad}{KEY}; charset=utf-8"
    server.script("GET", "/v1/jobs/j1", Reply(200, job_doc("j1"), {"Content-Type": content_type}))
    res = await call(make(), "GET")
    assert res.ok is False and res.error.code == "0.parse_error"
    assert pieces_of_the_key(res.error.detail or "") == []
    assert "[REDACTED]" in (res.error.detail or "")


async def test_a_key_in_a_body_that_fails_the_schema_is_redacted(server: FaultServer, make: Callers) -> None:
    doc = job_doc("j1")
    for pad in range(0, 320, 7):
        server.clear()
        # A timestamp that is not one: the decode error quotes it, and detail is cut to 300.
        bad = {**doc, "data": {**doc["data"], "schedule": "p" * pad + KEY.upper()}}
        server.script("GET", "/v1/jobs/j1", Reply(200, bad))
        res = await call(make(), "GET")
        assert res.ok is False and res.error.code == "0.parse_error"
        assert pieces_of_the_key(res.error.detail or "") == [], (pad, res.error.detail)
