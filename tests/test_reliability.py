"""Retries, backoff, Retry-After and timeouts, over real HTTP on loopback, sync and async.

Retries do not sleep here: FastClient/FastAsyncClient override `_retry_delay` (an SDK override
point) to record each computed delay and sleep only `delay_scale` of it.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

import cycle_sdk
from cycle_sdk._request import Operation, RequestSpec
from tests.support.clients import Callers, assert_recovers, document, free_port, job_doc
from tests.support.clock import FakeClock
from tests.support.fault_server import FaultServer, Reply

ENV_DOC = document("/v1/environments/{environmentId}", "patch")
CREATED_DOC = document("/v1/environments", "post", "201")
DELETED_DOC = document("/v1/environments/{environmentId}", "delete", "202")
RETRY_STATUSES = (408, 429, 500, 502, 503, 504)


def _ident(status: int, data: Any) -> Any:
    return data


# No generated operation uses PUT or HEAD; these go through the same requester.
PUT_OP = Operation("PUT", "/v1/things/{thingId}", "putThing", "things", "put_thing", (200,))
HEAD_OP = Operation("HEAD", "/v1/things/{thingId}", "headThing", "things", "head_thing", ())


@dataclass(frozen=True)
class Op:
    method: str
    path: str
    ok_status: int
    ok_body: Any
    call: Callable[..., Awaitable[Any]]

    def ok(self) -> Reply:
        return Reply(self.ok_status, self.ok_body)

    def error(self, status: int, headers: dict[str, str] | None = None) -> Reply:
        body = None if self.method == "HEAD" else {"error": {"status": status, "code": f"{status}.x", "title": "t"}}
        return Reply(status, body, headers or {})


OPS = {
    "GET": Op("GET", "/v1/jobs/j1", 200, job_doc("j1"), lambda c, **o: c("jobs.get_job", "j1", **o)),
    "DELETE": Op(
        "DELETE",
        "/v1/environments/e1",
        202,
        DELETED_DOC,
        lambda c, **o: c("environments.delete_environment", "e1", **o),
    ),
    "PUT": Op(
        "PUT",
        "/v1/things/t1",
        200,
        {"data": 1},
        lambda c, **o: c.send(RequestSpec(PUT_OP, "/v1/things/t1", []), _ident, **o),
    ),
    "HEAD": Op(
        "HEAD",
        "/v1/things/t1",
        200,
        None,
        lambda c, **o: c.send(RequestSpec(HEAD_OP, "/v1/things/t1", []), _ident, **o),
    ),
    "POST": Op(
        "POST",
        "/v1/environments",
        201,
        CREATED_DOC,
        lambda c, **o: c("environments.create_environment", body={"name": "web", "cluster": "c"}, **o),
    ),
    "PATCH": Op(
        "PATCH",
        "/v1/environments/e1",
        200,
        ENV_DOC,
        lambda c, **o: c("environments.update_environment", "e1", body={"name": "web"}, **o),
    ),
}
IDEMPOTENT = ("GET", "HEAD", "PUT", "DELETE")
NOT_IDEMPOTENT = ("POST", "PATCH")


def hits(server: FaultServer, op: Op) -> int:
    return sum(1 for r in server.requests if r.method == op.method and r.path == op.path)


# -- which requests are retried --------------------------------------------------------------


@pytest.mark.parametrize("method", IDEMPOTENT)
async def test_idempotent_requests_retry_on_retryable_status(server: FaultServer, make: Callers, method: str) -> None:
    op = OPS[method]
    caller = make(max_retries=2)
    for status in RETRY_STATUSES:
        server.clear()
        failing = op.error(status)
        failing.times = 2
        server.script(op.method, op.path, failing, op.ok())
        res = await op.call(caller)
        assert res.ok is True, (status, res)
        assert hits(server, op) == 3, status
    assert len(caller.delays) == 2 * len(RETRY_STATUSES)


async def test_other_statuses_are_not_retried(server: FaultServer, make: Callers) -> None:
    op = OPS["GET"]
    caller = make(max_retries=2)
    for status in (400, 401, 403, 404, 409, 422, 501):
        server.clear()
        server.script(op.method, op.path, op.error(status), op.ok())
        res = await op.call(caller)
        assert res.ok is False and res.error.status == status
        assert hits(server, op) == 1, status
    assert caller.delays == []


@pytest.mark.parametrize("method", ["GET", "DELETE"])
async def test_idempotent_requests_retry_on_network_faults_and_read_timeouts(
    server: FaultServer, make: Callers, method: str
) -> None:
    op = OPS[method]
    caller = make(max_retries=2)
    for fault in ("reset", "close", "reset_mid_body", "stall"):
        server.clear()
        server.script(op.method, op.path, Reply(op.ok_status, op.ok_body, action=fault, times=1), op.ok())
        res = await op.call(caller, timeout=0.25)
        assert res.ok is True, (fault, res)
        assert hits(server, op) == 2, fault
    assert len(caller.delays) == 4


NOT_RETRIED_FAULTS = {
    "503": Reply(503),
    "500": Reply(500),
    "502-html": Reply(502, "<html>bad gateway</html>", {"content-type": "text/html"}),
    "429": Reply(429, {"error": {"status": 429, "code": "429.rate", "title": "slow"}}, {"Retry-After": "0"}),
    "408": Reply(408),
    "reset": Reply(action="reset"),
    "close": Reply(action="close"),
    "reset_mid_body": Reply(201, CREATED_DOC, action="reset_mid_body"),
    "stall": Reply(201, CREATED_DOC, action="stall"),
    "truncate": Reply(201, CREATED_DOC, {"content-length": "5000"}, action="truncate"),
}


READ_TIMEOUT_ONLY = httpx.Timeout(30.0, read=0.25)


@pytest.mark.parametrize("method", NOT_IDEMPOTENT)
async def test_post_and_patch_are_never_retried_once_sent(server: FaultServer, make: Callers, method: str) -> None:
    """Each fault ends the call the first time. Only the stall needs a timeout to end it, and gets
    a read timeout alone, which starts once the request is written: a short total timeout (as this
    test once had for every fault) can end the call on a loaded machine before the request is
    sent, and then the server rightly sees nothing. The server may read the stalled request after
    the call has given up, so the test waits for it to arrive before counting."""
    op = OPS[method]
    caller = make(max_retries=3)
    for name, fault in NOT_RETRIED_FAULTS.items():
        server.clear()
        server.script(op.method, op.path, fault, op.ok())
        res = await op.call(caller, **({"timeout": READ_TIMEOUT_ONLY} if fault.action == "stall" else {}))
        assert res.ok is False, name
        assert caller.delays == [], f"{name}: a {method} that reached the server must not be tried again"
        server.wait_until(lambda requests: hits(server, op) >= 1)
        assert hits(server, op) == 1, f"{name}: a {method} that reached the server must not be sent again"
    await assert_recovers(caller, server)


async def test_connection_refused_is_retried_for_every_method(server: FaultServer, make: Callers) -> None:
    """Nothing was sent, so even POST and PATCH are retried; then the same client recovers."""
    refused = f"http://127.0.0.1:{free_port()}"
    caller = make(max_retries=2)
    for method, op in OPS.items():
        caller.client.settings.base_url = refused
        caller.delays.clear()
        res = await op.call(caller)
        assert res.ok is False and res.error.code == "0.network_error" and res.error.status == 0, method
        assert len(caller.delays) == 2, method  # three attempts
        caller.client.settings.base_url = server.url
        server.script(op.method, op.path, op.ok())
        assert (await op.call(caller)).ok is True, method
        assert hits(server, op) == 1, method


def test_retry_policy_override_point() -> None:
    with cycle_sdk.Client(api_key="k") as client:
        for method in IDEMPOTENT:
            assert all(client._should_retry(method, status=s, sent=True) for s in RETRY_STATUSES)
            assert client._should_retry(method, status=None, sent=True)  # a network fault or a read timeout
            assert not client._should_retry(method, status=404, sent=True)
        for method in NOT_IDEMPOTENT:
            assert not any(client._should_retry(method, status=s, sent=True) for s in (*RETRY_STATUSES, None))
            assert client._should_retry(method, status=None, sent=False)  # never reached the server


# -- how many --------------------------------------------------------------------------------


async def test_default_max_retries_is_two(server: FaultServer, make: Callers) -> None:
    op = OPS["GET"]
    server.script(op.method, op.path, op.error(503))
    caller = make(max_retries=None)
    assert caller.client.settings.max_retries == cycle_sdk.DEFAULT_MAX_RETRIES == 2
    res = await op.call(caller)
    assert res.ok is False and res.error.status == 503
    assert hits(server, op) == 3


async def test_max_retries_per_client_and_per_call(server: FaultServer, make: Callers) -> None:
    op = OPS["GET"]
    server.script(op.method, op.path, op.error(503))
    caller = make(max_retries=4)
    await op.call(caller)
    assert hits(server, op) == 5
    await op.call(caller, max_retries=1)
    assert hits(server, op) == 5 + 2
    await op.call(caller, max_retries=0)
    assert hits(server, op) == 5 + 2 + 1


# -- backoff and Retry-After -------------------------------------------------------------------


class NoJitter(cycle_sdk.Client):
    def _jitter(self, delay: float) -> float:
        return delay


class NoJitterAsync(cycle_sdk.AsyncClient):
    def _jitter(self, delay: float) -> float:
        return delay


@pytest.mark.parametrize("cls", [NoJitter, NoJitterAsync])
def test_backoff_is_exponential_and_capped(cls: type[cycle_sdk.BaseClient]) -> None:
    client = cls(api_key="k")  # type: ignore[call-arg]
    assert [client._retry_delay(n, None) for n in range(1, 8)] == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0]


@pytest.mark.parametrize("cls", [cycle_sdk.Client, cycle_sdk.AsyncClient])
def test_backoff_has_jitter(cls: type[cycle_sdk.BaseClient]) -> None:
    client = cls(api_key="k")  # type: ignore[call-arg]
    draws = [client._retry_delay(3, None) for _ in range(400)]
    assert all(1.5 <= d <= 2.0 for d in draws)  # 75% to 100% of 2 s
    assert max(draws) - min(draws) > 0.25  # actually spread


async def test_backoff_end_to_end(server: FaultServer, make: Callers) -> None:
    op = OPS["GET"]
    server.script(op.method, op.path, op.error(503))
    caller = make(max_retries=3)
    await op.call(caller)
    assert len(caller.delays) == 3
    for delay, base in zip(caller.delays, (0.5, 1.0, 2.0), strict=True):
        assert 0.75 * base <= delay <= base


def _http_date(seconds_from_now: float) -> str:
    return email.utils.format_datetime(datetime.now(UTC) + timedelta(seconds=seconds_from_now), usegmt=True)


RETRY_AFTER_CASES = [
    # (Retry-After, retry_after_cap or None for the default, lowest and highest delay expected)
    ("2", None, 2.0, 2.0),
    ("0", None, 0.0, 0.0),
    ("3600", None, 60.0, 60.0),  # the default cap
    ("3600", 5.0, 5.0, 5.0),
    ("date+30", None, 28.0, 30.0),
    ("date+3600", 7.0, 7.0, 7.0),
    ("date-60", None, 0.0, 0.0),  # in the past: retry now
    ("soon", None, 0.375, 0.5),  # unparseable: ordinary backoff
]


async def test_retry_after_seconds_http_date_and_cap(server: FaultServer, make: Callers) -> None:
    op = OPS["GET"]
    caller = make(max_retries=1)
    for retry_after, cap, low, high in RETRY_AFTER_CASES:
        server.clear()
        caller.delays.clear()
        caller.client.settings.retry_after_cap = 60.0 if cap is None else cap
        value = _http_date(float(retry_after[4:])) if retry_after.startswith("date") else retry_after
        server.script(op.method, op.path, Reply(429, None, {"Retry-After": value}, times=1), op.ok())
        assert (await op.call(caller)).ok is True
        assert len(caller.delays) == 1
        assert low <= caller.delays[0] <= high, (retry_after, caller.delays)


async def test_retry_after_is_slept_end_to_end(server: FaultServer, make: Callers) -> None:
    """The capped Retry-After is what the client sleeps, on its clock, between the two requests."""
    op = OPS["GET"]
    server.script(op.method, op.path, Reply(503, None, {"Retry-After": "120"}, times=1), op.ok())
    clock = FakeClock()
    caller = make(max_retries=1, delay_scale=1.0, clock=clock)
    caller.client.settings.retry_after_cap = 0.3
    res = await op.call(caller)
    assert res.ok is True
    assert hits(server, op) == 2
    assert clock.sleeps == [0.3]


async def test_each_retry_is_logged_at_debug(
    server: FaultServer, make: Callers, caplog: pytest.LogCaptureFixture
) -> None:
    op = OPS["GET"]
    server.script(op.method, op.path, Reply(503, times=1), Reply(action="reset", times=1), op.ok())
    caplog.set_level(logging.DEBUG, logger="cycle_sdk")
    assert (await op.call(make(max_retries=2))).ok is True
    records = [r for r in caplog.records if r.name == "cycle_sdk"]
    assert {r.levelno for r in records} == {logging.DEBUG}
    retries = [r.getMessage() for r in records if r.getMessage().startswith("retrying")]
    assert len(retries) == 2
    assert "GET /v1/jobs/{jobId}" in retries[0] and "(retry 1): 503" in retries[0]
    assert "(retry 2): 0.network_error" in retries[1]
    # One line per response that arrived (the reset has none), by path template.
    responses = [r.getMessage() for r in records if not r.getMessage().startswith("retrying")]
    assert responses == ["GET /v1/jobs/{jobId}: HTTP 503", "GET /v1/jobs/{jobId}: HTTP 200"]


# -- timeouts ----------------------------------------------------------------------------------


def _settings_of(cls: type[cycle_sdk.Client] | type[cycle_sdk.AsyncClient], **options: Any) -> cycle_sdk.Settings:
    client = cls(**options)
    if isinstance(client, cycle_sdk.AsyncClient):
        asyncio.run(client.aclose())
    else:
        client.close()
    return client.settings


def test_timeout_defaults() -> None:
    settings = _settings_of(cycle_sdk.Client, api_key="k")
    assert (settings.timeout.connect, settings.timeout.read, settings.timeout.write, settings.timeout.pool) == (
        5.0,
        30.0,
        30.0,
        30.0,
    )
    assert settings.total_timeout == cycle_sdk.DEFAULT_TOTAL_TIMEOUT == 60.0
    quick = _settings_of(cycle_sdk.AsyncClient, api_key="k", timeout=2)
    assert (quick.timeout.connect, quick.timeout.read, quick.total_timeout) == (2.0, 2.0, 2.0)
    slow = _settings_of(cycle_sdk.Client, api_key="k", timeout=120)
    assert (slow.timeout.connect, slow.timeout.read, slow.total_timeout) == (5.0, 120.0, 120.0)


# Each fault outlasts the timeouts under test by far and would end a call that ignored them
# otherwise, before the client's defaults (30 s between bytes) could: the stall closes the
# connection, the slow head and the trickled body answer in full. So a call that ends as
# 0.timeout ended by the timeout under test, however long the machine took to get there.
OUTLASTS = 10.0
FAULTS = {
    "stalled": Reply(200, job_doc("j1"), action="stall", lasts=OUTLASTS),  # half the body, then nothing
    "slow-headers": Reply(200, job_doc("j1"), delay=OUTLASTS),  # no response head for a while
    # A byte every 20 ms (about 16 s for the document): no read times out, the total deadline does.
    "trickle": Reply(200, job_doc("j1"), action="trickle", interval=0.02),
}


@pytest.mark.parametrize(
    ("fault", "where"),
    [
        *[pytest.param(f, w, id=f"{f}-{w}") for f in FAULTS for w in ("client", "call")],
        # An httpx.Timeout sets the phases only (the total stays settings.total_timeout: see below).
        *[pytest.param(f, "call-httpx-timeout", id=f"{f}-call-httpx-timeout") for f in ("stalled", "slow-headers")],
    ],
)
async def test_timeout_per_client_and_per_call(server: FaultServer, make: Callers, fault: str, where: str) -> None:
    op = OPS["GET"]
    server.script(op.method, op.path, FAULTS[fault])
    if where == "client":
        caller = make(timeout=0.25)
        res = await op.call(caller)
    elif where == "call":
        caller = make()  # the client's defaults: 30 s between bytes, 60 s in all
        res = await op.call(caller, timeout=0.25)
    else:
        caller = make()
        res = await op.call(caller, timeout=httpx.Timeout(0.25))
    assert res.ok is False
    assert (res.error.code, res.error.status) == ("0.timeout", 0)
    await assert_recovers(caller, server)


async def test_total_deadline_from_settings_with_httpx_timeout(server: FaultServer, make: Callers) -> None:
    op = OPS["GET"]
    server.script(op.method, op.path, FAULTS["trickle"])
    caller = make()
    caller.client.settings.total_timeout = 0.25
    res = await op.call(caller, timeout=httpx.Timeout(5.0))  # no read waits 5 s: the total ends it
    assert res.ok is False and res.error.code == "0.timeout"


async def test_timeouts_retry_for_get_but_not_post(server: FaultServer, make: Callers) -> None:
    get, post = OPS["GET"], OPS["POST"]
    server.script(get.method, get.path, Reply(200, job_doc("j1"), action="stall", times=1), get.ok())
    server.script(post.method, post.path, Reply(201, CREATED_DOC, action="stall", times=1), post.ok())
    caller = make(max_retries=2, timeout=0.3)
    assert (await get.call(caller)).ok is True
    assert hits(server, get) == 2
    res = await post.call(caller)
    assert res.ok is False and res.error.code == "0.timeout"
    assert hits(server, post) == 1
