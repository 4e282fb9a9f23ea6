"""Fault injection over real HTTP on loopback, sync and async side by side.

Every fault comes back as an Err with its own code (never an exception), and the same client
(and its connection pool) then makes an ordinary successful call.
"""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl

import pytest

import cycle_sdk
from tests.support.clients import Caller, Callers, assert_recovers, document, free_port, job_doc
from tests.support.fault_server import FaultServer, Reply

MB = 1024 * 1024
DELETED_DOC = document("/v1/environments/{environmentId}", "delete", "202")


async def get_job(caller: Caller, job_id: str = "j1", **options: Any) -> Any:
    return await caller("jobs.get_job", job_id, **options)


# -- the network -------------------------------------------------------------------------------


async def test_connection_refused(server: FaultServer, make: Callers) -> None:
    caller = make(base_url=f"http://127.0.0.1:{free_port()}")
    res = await get_job(caller)
    assert res.ok is False
    assert (res.error.status, res.error.code) == (0, "0.network_error")
    assert (res.error.method, res.error.path) == ("GET", "/v1/jobs/j1")
    caller.client.settings.base_url = server.url
    await assert_recovers(caller, server)


@pytest.mark.parametrize("action", ["reset", "close", "reset_mid_body"])
async def test_connection_reset_or_closed(server: FaultServer, make: Callers, action: str) -> None:
    server.script("GET", "/v1/jobs/j1", Reply(200, job_doc("j1"), action=action))
    caller = make()
    res = await get_job(caller)
    assert res.ok is False
    assert (res.error.status, res.error.code) == (0, "0.network_error")
    await assert_recovers(caller, server)


async def test_stalled_body_times_out(server: FaultServer, make: Callers) -> None:
    # The stall ends (the connection closes) long before the client's default 30 s read timeout,
    # so a call ignoring its own timeout would end as a network error instead.
    server.script("GET", "/v1/jobs/j1", Reply(200, job_doc("j1"), action="stall", lasts=10.0))
    caller = make()
    res = await get_job(caller, timeout=0.25)
    assert res.ok is False
    assert (res.error.status, res.error.code) == (0, "0.timeout")
    await assert_recovers(caller, server)


# -- bodies ------------------------------------------------------------------------------------


async def test_truncated_json(server: FaultServer, make: Callers) -> None:
    server.script("GET", "/v1/jobs/j1", Reply(200, b'{"data": {"id": "j1", "hub_'))
    caller = make()
    res = await get_job(caller)
    assert res.ok is False
    assert (res.error.status, res.error.code, res.error.title) == (
        200,
        "0.parse_error",
        "The response is not valid JSON",
    )
    await assert_recovers(caller, server)


async def test_body_cut_short_of_its_content_length(server: FaultServer, make: Callers) -> None:
    server.script("GET", "/v1/jobs/j1", Reply(200, b'{"data": {"id"', {"content-length": "900"}, action="truncate"))
    caller = make()
    res = await get_job(caller)
    assert res.ok is False
    assert (res.error.status, res.error.code) == (0, "0.network_error")
    await assert_recovers(caller, server)


async def test_html_error_page_with_502(server: FaultServer, make: Callers) -> None:
    page = "<html><head><title>502 Bad Gateway</title></head><body><h1>nginx</h1></body></html>"
    server.script("GET", "/v1/jobs/j1", Reply(502, page, {"content-type": "text/html"}))
    caller = make(max_retries=2)
    res = await get_job(caller)
    assert res.ok is False
    err = res.error
    assert (err.status, err.code, err.title) == (502, "502.http_error", "Bad Gateway")
    assert err.detail is not None and err.detail.startswith("<html>")
    assert len(server.requests) == 3  # a 502 is retried, and stays an Err
    await assert_recovers(caller, server)


@pytest.mark.parametrize(
    "body",
    [b"not json", b"<html>ok</html>", b"\xff\xfe\x00garbage", b"{'data': 1}", b"[" * 100_000],
    ids=["text", "html", "binary", "python-repr", "nested-100k-deep"],
)
async def test_200_with_invalid_json(server: FaultServer, make: Callers, body: bytes) -> None:
    server.script("GET", "/v1/jobs/j1", Reply(200, body))
    caller = make()
    res = await get_job(caller)
    assert res.ok is False
    assert (res.error.status, res.error.code) == (200, "0.parse_error")
    await assert_recovers(caller, server)


async def test_200_json_that_does_not_fit_the_schema(server: FaultServer, make: Callers) -> None:
    caller = make()
    for body in ({"data": None}, {"data": {"id": 5}}, [], {"data": {"events": "x"}}, "x", 1e400):
        server.clear()
        server.script("GET", "/v1/jobs/j1", Reply(200, body))
        res = await get_job(caller)
        assert res.ok is False, body
        assert (res.error.status, res.error.code) == (200, "0.parse_error")
    await assert_recovers(caller, server)


@pytest.mark.parametrize(
    ("content_type", "body"),
    [("text/html", "<html>sign in to the wifi</html>"), ("text/plain", job_doc("j1")), ("application/xml", "<a/>")],
)
async def test_wrong_content_type(server: FaultServer, make: Callers, content_type: str, body: Any) -> None:
    """A success that is not JSON (a captive portal, a proxy page) is an Err, even if it parses."""
    server.script("GET", "/v1/jobs/j1", Reply(200, body, {"content-type": content_type}))
    caller = make()
    res = await get_job(caller)
    assert res.ok is False
    assert (res.error.status, res.error.code) == (200, "0.parse_error")
    assert content_type in (res.error.detail or "")
    await assert_recovers(caller, server)


@pytest.mark.parametrize("content_type", ["application/json; charset=utf-8", "application/vnd.api+json", ""])
async def test_json_content_types_are_accepted(server: FaultServer, make: Callers, content_type: str) -> None:
    server.script("GET", "/v1/jobs/j1", Reply(200, job_doc("j1"), {"content-type": content_type}))
    res = await get_job(make())
    assert res.ok is True, res
    assert res.value.data.id == "j1"


async def test_empty_204_is_ok_only_where_the_type_says_none(server: FaultServer, make: Callers) -> None:
    # delete_environment defines 202, so its type is `... | None`: an empty 204 is Ok(None) there.
    # get_job's type has no None: an Ok(None) would break `res.value.data` after `res.ok is True`.
    server.script("GET", "/v1/jobs/j1", Reply(204))
    server.script("DELETE", "/v1/environments/e1", Reply(204))
    caller = make()
    res = await get_job(caller)
    assert res.ok is False
    assert (res.error.status, res.error.code) == (204, "0.unexpected_status")
    deleted = await caller("environments.delete_environment", "e1")
    assert deleted.ok is True and deleted.value is None
    assert deleted.status == 204
    await assert_recovers(caller, server)


async def test_empty_body_on_200_is_a_parse_error(server: FaultServer, make: Callers) -> None:
    server.script("GET", "/v1/jobs/j1", Reply(200, b""))
    server.script("GET", "/v1/jobs/j2", Reply(200, b"  \r\n "))
    caller = make()
    for job_id in ("j1", "j2"):
        res = await get_job(caller, job_id)
        assert res.ok is False
        assert (res.error.status, res.error.code, res.error.title) == (200, "0.parse_error", "Empty response body")
    await assert_recovers(caller, server)


async def test_empty_202_is_ok_and_full_202_is_typed(server: FaultServer, make: Callers) -> None:
    server.script("DELETE", "/v1/environments/e1", Reply(202, b""))
    server.script("DELETE", "/v1/environments/e2", Reply(202, DELETED_DOC))
    caller = make()
    empty = await caller("environments.delete_environment", "e1")
    assert empty.ok is True and empty.value is None
    full = await caller("environments.delete_environment", "e2")
    assert full.ok is True and full.value.data.action == DELETED_DOC["data"]["action"]


async def test_unexpected_success_status(server: FaultServer, make: Callers) -> None:
    server.script("GET", "/v1/jobs/j1", Reply(201, job_doc("j1")))
    res = await get_job(make())
    assert res.ok is False
    assert (res.error.status, res.error.code) == (201, "0.unexpected_status")


@pytest.mark.parametrize(
    "body",
    [
        {"error": {"status": "bad", "code": "500.x", "title": "t"}},  # a status that is not a number
        {"error": {"status": {"nested": 1}, "code": ["a"], "title": None, "detail": 5, "source": {"p": 1}}},
        {"error": ["not", "an", "object"]},
        {"errors": [{"status": 500}]},
        b"[" * 100_000,
        [1, 2, 3],
    ],
    ids=["status-str", "odd-types", "error-list", "errors-plural", "nested-100k-deep", "list"],
)
async def test_hostile_error_bodies(server: FaultServer, make: Callers, body: Any) -> None:
    server.script("GET", "/v1/jobs/j1", Reply(500, body))
    caller = make()
    res = await get_job(caller)
    assert res.ok is False
    assert res.error.status == 500
    assert res.error.code.startswith("500.")
    str(res.error), repr(res.error)  # formats without raising
    await assert_recovers(caller, server)


# -- size --------------------------------------------------------------------------------------


async def _peak_during(call: Callable[[], Awaitable[Any]]) -> tuple[Any, int]:
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        result = await call()
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    return result, peak


async def test_50mb_body_with_content_length_is_refused_unread(server: FaultServer, make: Callers) -> None:
    server.script("GET", "/v1/jobs/j1", Reply(200, action="stream", stream_bytes=50 * MB))
    caller = make(max_retries=2)
    assert caller.client.settings.max_body_size == cycle_sdk.DEFAULT_MAX_BODY_SIZE == 32 * MB
    res, peak = await _peak_during(lambda: get_job(caller))
    assert res.ok is False
    assert (res.error.status, res.error.code) == (200, "0.body_too_large")
    assert "max_body_size" in (res.error.detail or "")
    assert peak < 4 * MB, f"peak {peak / MB:.1f} MB"
    assert len(server.requests) == 1  # the same body would come again: not retried
    await assert_recovers(caller, server)


@pytest.mark.parametrize(("limit", "bound"), [(1 * MB, 6 * MB), (None, 40 * MB)], ids=["1MiB", "default-32MiB"])
async def test_50mb_chunked_body_reads_at_most_max_body_size(
    server: FaultServer, make: Callers, limit: int | None, bound: int
) -> None:
    """Without a Content-Length the size shows only while reading: reading stops at the limit."""
    server.script("GET", "/v1/jobs/j1", Reply(200, action="stream_chunked", stream_bytes=50 * MB))
    caller = make(max_body_size=limit)
    res, peak = await _peak_during(lambda: get_job(caller))
    assert res.ok is False
    assert (res.error.status, res.error.code) == (200, "0.body_too_large")
    assert peak < bound, f"peak {peak / MB:.1f} MB"
    await assert_recovers(caller, server)


async def test_max_body_size_is_configurable(server: FaultServer, make: Callers) -> None:
    big = job_doc("big")
    big["data"] = {**big["data"], "caption": "x" * (3 * MB)}
    server.script("GET", "/v1/jobs/big", Reply(200, big))
    roomy = await get_job(make(max_body_size=4 * MB), "big")
    assert roomy.ok is True and len(roomy.value.data.caption) == 3 * MB
    tight = await get_job(make(max_body_size=2 * MB), "big")
    assert tight.ok is False and tight.error.code == "0.body_too_large"


# -- auth expiry ---------------------------------------------------------------------------------


def _token_reply(access: str, refresh: str) -> Reply:
    return Reply(200, {"access_token": access, "refresh_token": refresh, "expires_in": 7200, "token_type": "bearer"})


def _oauth_storage() -> cycle_sdk.MemoryStorage:
    token = cycle_sdk.Token(
        access_token="at-old-0123456789", kind="oauth", refresh_token="rt-old-0123456789", expires_at=time.time() + 3600
    )
    return cycle_sdk.MemoryStorage(token)


UNAUTHORIZED = {"error": {"status": 401, "code": "401.auth_expired", "title": "Expired"}}


@pytest.fixture
def no_env_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CYCLE_API_KEY", raising=False)


@pytest.mark.usefixtures("no_env_key")
@pytest.mark.parametrize("token_url", [None, "/custom/token"])
async def test_401_gets_exactly_one_refresh_then_one_retry(
    server: FaultServer, make: Callers, token_url: str | None
) -> None:
    storage = _oauth_storage()
    path = token_url or "/oauth/token"
    server.script("POST", path, _token_reply("at-new-0123456789", "rt-new-0123456789"))
    server.script("GET", "/v1/jobs/j1", Reply(401, UNAUTHORIZED, times=1), Reply(200, job_doc("j1")))
    caller = make(api_key=None, storage=storage, token_url=token_url and server.url + token_url, max_retries=2)
    res = await get_job(caller)
    assert res.ok is True, res
    gets = [r for r in server.requests if r.method == "GET"]
    posts = [r for r in server.requests if r.method == "POST"]
    assert [r.path for r in posts] == [path]
    assert dict(parse_qsl(posts[0].body.decode())) == {
        "grant_type": "refresh_token",
        "refresh_token": "rt-old-0123456789",
    }
    assert [g.headers["authorization"] for g in gets] == ["Bearer at-old-0123456789", "Bearer at-new-0123456789"]
    stored = storage.read()
    assert stored is not None and (stored.access_token, stored.refresh_token) == (
        "at-new-0123456789",
        "rt-new-0123456789",
    )
    assert caller.delays == []  # the 401 was not retried by the retry policy


@pytest.mark.usefixtures("no_env_key")
async def test_401_again_after_refresh_is_returned_not_looped(server: FaultServer, make: Callers) -> None:
    server.script("POST", "/oauth/token", _token_reply("at-new-0123456789", "rt-new-0123456789"))
    server.script("GET", "/v1/jobs/j1", Reply(401, UNAUTHORIZED))
    caller = make(api_key=None, storage=_oauth_storage(), max_retries=2)
    res = await get_job(caller)
    assert res.ok is False and res.error.status == 401
    assert [(r.method, r.path) for r in server.requests] == [
        ("GET", "/v1/jobs/j1"),
        ("POST", "/oauth/token"),
        ("GET", "/v1/jobs/j1"),
    ]


@pytest.mark.usefixtures("no_env_key")
async def test_401_with_a_failing_refresh(server: FaultServer, make: Callers) -> None:
    storage = _oauth_storage()
    server.script("POST", "/oauth/token", Reply(400, {"error": "invalid_grant", "error_description": "revoked"}))
    server.script("GET", "/v1/jobs/j1", Reply(401, UNAUTHORIZED))
    caller = make(api_key=None, storage=storage, max_retries=2)
    res = await get_job(caller)
    assert res.ok is False and (res.error.status, res.error.code) == (401, "401.auth_expired")
    assert [r.method for r in server.requests] == ["GET", "POST"]
    stored = storage.read()
    assert stored is not None and stored.access_token == "at-old-0123456789"  # untouched


@pytest.mark.usefixtures("no_env_key")
async def test_refresh_returning_an_unusable_token_is_not_stored(server: FaultServer, make: Callers) -> None:
    storage = _oauth_storage()
    server.script("POST", "/oauth/token", _token_reply("at-new\r\nX-Injected: 1", "rt-new-0123456789"))
    server.script("GET", "/v1/jobs/j1", Reply(401, UNAUTHORIZED))
    caller = make(api_key=None, storage=storage)
    res = await get_job(caller)
    assert res.ok is False and res.error.status == 401
    stored = storage.read()
    assert stored is not None and stored.access_token == "at-old-0123456789"
    server.script("GET", "/v1/jobs/j2", Reply(200, job_doc("j2")))
    assert (await get_job(caller, "j2")).ok is True
