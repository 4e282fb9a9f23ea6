"""Per-call options (RequestOptions) and client.with_options, over real HTTP on loopback, sync and
async: what each option puts on the wire, `timeout=None` as no timeout, and derived clients
that share the connection pool and the cache.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import threading
from collections.abc import AsyncIterator, Awaitable
from typing import Any

import httpx
import pytest

import cycle_sdk
from cycle_sdk._request import RequestOptions
from tests.support.clients import TEST_API_KEY, Callers, document, job_doc
from tests.support.fault_server import FaultServer, Recorded, Reply

CREATED_DOC = document("/v1/environments", "post", "201")
DELETED_DOC = document("/v1/environments/{environmentId}", "delete", "202")
LIST_DOC = document("/v1/environments", full=True)
BODY = {"name": "web", "cluster": "production", "about": {"description": ""}, "features": {"legacy_networking": False}}


async def run(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value


async def close(client: Any) -> None:
    await run(client.aclose() if isinstance(client, cycle_sdk.AsyncClient) else client.close())


@pytest.fixture
async def make(server: FaultServer, kind: str) -> AsyncIterator[Callers]:
    callers = Callers(kind, server.url)
    yield callers
    await callers.close()


def last(server: FaultServer) -> Recorded:
    return server.requests[-1]


# -- timeout ---------------------------------------------------------------------------------


def in_flight(client: Any, job_id: str, **options: Any) -> Awaitable[Any]:
    """`client.jobs.get_job(job_id)` started, to be awaited later: a task on this loop (async),
    a thread (sync)."""
    if isinstance(client, cycle_sdk.AsyncClient):
        return asyncio.ensure_future(client.jobs.get_job(job_id, **options))
    return asyncio.ensure_future(asyncio.to_thread(client.jobs.get_job, job_id, **options))


async def outlasts_the_clients_timeout(server: FaultServer, patient: Any, timed: Any, **options: Any) -> Any:
    """The result of `patient` getting a job whose answer is held until `timed` (a client with
    the same timeout as `patient`'s base) has timed out on another held answer, so the patient
    call has been in flight longer than the client's timeout. No clock: the order decides."""
    held = threading.Event()
    server.script("GET", "/v1/jobs/held", Reply(200, job_doc("held"), gate=held))
    server.script("GET", "/v1/jobs/never", Reply(200, job_doc("never"), action="stall"))
    waiting = in_flight(patient, "held", **options)
    try:
        await asyncio.to_thread(server.wait_until, lambda requests: any(r.path == "/v1/jobs/held" for r in requests))
        gave_up = await run(timed.jobs.get_job("never"))
        assert gave_up.ok is False and gave_up.error.code == "0.timeout"
    finally:
        held.set()
    return await waiting


async def test_timeout_none_is_no_timeout_for_one_call(server: FaultServer, make: Callers) -> None:
    # Before, None meant "the client's timeout": the held call timed out like the other one.
    client = make(timeout=0.1).client
    waited = await outlasts_the_clients_timeout(server, client, client, timeout=None)
    assert waited.ok is True, waited
    assert waited.value.data.id == "held"


async def test_with_options_timeout_none_is_no_timeout(server: FaultServer, make: Callers) -> None:
    base = make(timeout=0.1).client
    waited = await outlasts_the_clients_timeout(server, base.with_options(timeout=None), base)
    assert waited.ok is True, waited


@pytest.mark.parametrize(
    ("value", "error", "words"),
    [
        (0, ValueError, "None means no timeout"),
        ("5", TypeError, "option 'timeout'"),
        (True, TypeError, "option 'timeout'"),
    ],
)
def test_bad_timeout_is_refused_naming_it(value: Any, error: type[Exception], words: str) -> None:
    with pytest.raises(error, match=words):
        RequestOptions(timeout=value)


# -- extra_headers, extra_query, extra_body --------------------------------------------------


async def test_extra_headers_reach_the_wire_and_win_over_the_sdks(server: FaultServer, make: Callers) -> None:
    server.script("GET", "/v1/jobs/j1", Reply(200, job_doc("j1")))
    caller = make()
    res = await caller("jobs.get_job", "j1", extra_headers={"X-Trace": "abc-1", "user-agent": "my-tool/2"})
    assert res.ok is True
    sent = last(server)
    assert sent.headers["x-trace"] == "abc-1"
    assert [v for k, v in sent.raw_headers if k.lower() == "user-agent"] == ["my-tool/2"]  # replaced, not added
    assert sent.headers["authorization"] == f"Bearer {TEST_API_KEY}"


async def test_an_accept_encoding_of_yours_gets_an_error_for_a_coding_the_sdk_cannot_undo(
    server: FaultServer, make: Callers
) -> None:
    server.script("GET", "/v1/jobs/j1", Reply(200, b"not really brotli", {"Content-Encoding": "br"}))
    res = await make()("jobs.get_job", "j1", extra_headers={"Accept-Encoding": "br"})
    assert last(server).headers["accept-encoding"] == "br"
    assert res.ok is False and res.error.code == "0.network_error" and res.status == 200


@pytest.mark.parametrize("name", ["Authorization", "x-hub-id", "Content-Length", "Host", "transfer-encoding"])
async def test_headers_the_sdk_owns_cannot_be_set(server: FaultServer, make: Callers, name: str) -> None:
    caller = make()
    with pytest.raises(ValueError, match=f"cannot set '{name}'"):
        await caller("jobs.get_job", "j1", extra_headers={name: "x"})
    assert server.requests == []  # refused before anything was sent


def test_the_internal_clients_token_header_cannot_be_set_either() -> None:
    from cycle_sdk.internal import InternalClient

    with (
        InternalClient(token="t", http_client=httpx.Client()) as client,
        pytest.raises(ValueError, match="cannot set 'x-cycle-token'"),
    ):
        client.environments.get_environment(extra_headers={"x-cycle-token": "other"})


def test_a_bad_extra_header_is_refused_without_quoting_its_value() -> None:
    with pytest.raises(ValueError) as info:
        RequestOptions(extra_headers={"X-Key": "sk-SECRET-value\n"})
    assert "X-Key" in str(info.value) and "SECRET" not in str(info.value)
    with pytest.raises(ValueError, match="not an HTTP header name"):
        RequestOptions(extra_headers={"Bad Name": "x"})
    with pytest.raises(TypeError, match="must be a dict"):
        RequestOptions(extra_headers=[("X-A", "b")])


def test_the_repr_of_options_shows_no_header_value() -> None:
    options = RequestOptions(extra_headers={"X-Api-Token": "sk-SECRET-value"}, timeout=None)
    assert "SECRET" not in repr(options) and "X-Api-Token" in repr(options)
    assert "timeout=None" in repr(options)


async def test_extra_query_adds_and_replaces_parameters(server: FaultServer, make: Callers) -> None:
    server.script("GET", "/v1/environments", Reply(200, LIST_DOC))
    caller = make()
    res = await caller(
        "environments.get_environments",
        page={"number": 2, "size": 20},
        extra_query={"page[size]": 5, "debug": True, "tag": ["a", "b"], "left-out": None},
    )
    assert res.ok is True, res
    assert last(server).query == [
        ("page[number]", "2"),
        ("page[size]", "5"),
        ("debug", "true"),
        ("tag", "a"),
        ("tag", "b"),
    ]


async def test_extra_body_merges_into_the_json_body(server: FaultServer, make: Callers) -> None:
    server.script("POST", "/v1/environments", Reply(201, CREATED_DOC))
    caller = make()
    res = await caller("environments.create_environment", body=BODY, extra_body={"name": "api", "beta": {"x": 1}})
    assert res.ok is True, res
    assert json.loads(last(server).body) == {**BODY, "name": "api", "beta": {"x": 1}}


async def test_extra_body_is_the_body_of_an_operation_without_one(server: FaultServer, make: Callers) -> None:
    server.script("DELETE", "/v1/environments/e1", Reply(202, DELETED_DOC))
    caller = make()
    res = await caller("environments.delete_environment", "e1", extra_body={"reason": "test"})
    assert res.ok is True, res
    assert json.loads(last(server).body) == {"reason": "test"}
    assert last(server).headers["content-type"] == "application/json"


async def test_extra_body_on_a_get_is_refused(server: FaultServer, make: Callers) -> None:
    caller = make()
    with pytest.raises(ValueError, match="cannot go with GET"):
        await caller("jobs.get_job", "j1", extra_body={"x": 1})
    assert server.requests == []


async def test_every_retry_sends_the_extras(server: FaultServer, make: Callers) -> None:
    server.script("GET", "/v1/jobs/j1", Reply(503, times=1), Reply(200, job_doc("j1")))
    caller = make(max_retries=1)
    res = await caller("jobs.get_job", "j1", extra_headers={"X-Trace": "t"}, extra_query={"q": "1"})
    assert res.ok is True
    assert [(r.headers.get("x-trace"), r.query) for r in server.requests] == [("t", [("q", "1")])] * 2


async def test_extra_headers_and_query_are_part_of_the_cache_key(server: FaultServer, make: Callers) -> None:
    server.script("GET", "/v1/jobs/j1", Reply(200, job_doc("j1")))
    caller = make(cache=True)
    for options in ({}, {}, {"extra_query": {"v": "2"}}, {"extra_headers": {"Accept-Language": "de"}}):
        assert (await caller("jobs.get_job", "j1", **options)).ok is True
    assert len(server.requests) == 3  # the second call alone was served from the cache


# -- with_options ----------------------------------------------------------------------------


async def test_with_options_shares_the_pool_and_changes_only_what_it_names(server: FaultServer, make: Callers) -> None:
    server.script("GET", "/v1/jobs/j1", Reply(200, job_doc("j1")))
    caller = make(max_retries=1, team="hub-a")
    base = caller.client
    derived = base.with_options(max_retries=4, timeout=None)
    assert type(derived) is type(base) and derived is not base
    assert derived._http is base._http
    for client in (base, derived, base, derived):
        assert (await run(client.jobs.get_job("j1"))).ok is True
    assert server.connections == 1  # four calls, one keep-alive connection between them
    assert (derived.settings.max_retries, derived.settings.timeout, derived.settings.total_timeout) == (
        4,
        httpx.Timeout(None),
        None,
    )
    assert (base.settings.max_retries, base.settings.total_timeout) == (1, cycle_sdk.DEFAULT_TOTAL_TIMEOUT)
    assert derived.team == base.team == "hub-a"
    derived.team = "hub-b"  # a copy of the settings: the base keeps its own
    assert base.team == "hub-a"
    assert derived.jobs is not base.jobs and derived.jobs._client is derived
    assert base.with_options(max_body_size=10).settings.max_body_size == 10
    if isinstance(base, cycle_sdk.Client):
        assert derived._refresh_lock is base._refresh_lock  # one refresh for both


def test_in_the_constructor_timeout_none_is_the_default() -> None:
    with cycle_sdk.Client(api_key=TEST_API_KEY, timeout=None) as client:
        assert client.settings.timeout == cycle_sdk.DEFAULT_TIMEOUT
        assert client.settings.total_timeout == cycle_sdk.DEFAULT_TOTAL_TIMEOUT


async def test_with_options_team_none_sends_no_hub(server: FaultServer, make: Callers) -> None:
    server.script("GET", "/v1/jobs/j1", Reply(200, job_doc("j1")))
    base = make(team="hub-a").client
    await run(base.with_options(team=None).jobs.get_job("j1"))
    await run(base.with_options(team="hub-c").jobs.get_job("j1"))
    assert [r.headers.get("x-hub-id") for r in server.requests] == [None, "hub-c"]


async def test_with_options_shares_the_cache_and_a_write_empties_it_for_both(
    server: FaultServer, make: Callers
) -> None:
    server.script("GET", "/v1/jobs/j1", Reply(200, job_doc("j1")))
    server.script("DELETE", "/v1/environments/e1", Reply(202, DELETED_DOC))
    base = make(cache=True).client
    derived = base.with_options(timeout=30)
    await run(derived.jobs.get_job("j1"))
    await run(base.jobs.get_job("j1"))  # served from what the derived client cached
    assert len(server.requests) == 1
    await run(derived.environments.delete_environment("e1"))
    await run(base.jobs.get_job("j1"))
    assert [r.method for r in server.requests] == ["GET", "DELETE", "GET"]
    uncached = base.with_options(cache=False)
    await run(uncached.jobs.get_job("j1"))
    assert len(server.requests) == 4 and base.settings.cache.use is True


async def test_closing_a_derived_client_leaves_the_pool_open(server: FaultServer, make: Callers) -> None:
    server.script("GET", "/v1/jobs/j1", Reply(200, job_doc("j1")))
    base = make().client
    derived = base.with_options(max_retries=0)
    await close(derived)
    assert (await run(base.jobs.get_job("j1"))).ok is True
    await close(base)
    res = await run(derived.jobs.get_job("j1"))
    assert res.ok is False and res.error.code == "0.client_closed"


async def test_async_derived_client_shares_the_loop_binding(server: FaultServer) -> None:
    server.script("GET", "/v1/jobs/j1", Reply(200, job_doc("j1")))
    async with cycle_sdk.AsyncClient(api_key=TEST_API_KEY, base_url=server.url) as base:
        derived = base.with_options(max_retries=0)
        assert derived._binding is base._binding
        assert (await derived.jobs.get_job("j1")).ok is True
        assert base._binding.calls == 0 and base._binding.slots is not None


@pytest.mark.parametrize(
    ("options", "error"),
    [
        ({"max_retries": None}, TypeError),
        ({"max_retries": -1}, ValueError),
        ({"cache": None}, TypeError),
        ({"timeout": 0}, ValueError),
        ({"team": 5}, TypeError),
        ({"max_body_size": 0}, TypeError),
    ],
)
def test_with_options_checks_what_it_is_given(options: dict[str, Any], error: type[Exception]) -> None:
    client = cycle_sdk.Client(api_key=TEST_API_KEY)
    with pytest.raises(error):
        client.with_options(**options)
    client.close()


def test_every_method_takes_every_option_keyword_only() -> None:
    """Sync and async, `iter_*` too: the options are the same keywords everywhere, after the
    operation's own arguments, and what each leaves out is RequestOptions' default."""
    from cycle_sdk._generated.operations import OPERATIONS

    defaults = {name: p.default for name, p in inspect.signature(RequestOptions.of).parameters.items()}
    checked = 0
    for client_class in (cycle_sdk.Client, cycle_sdk.AsyncClient):
        client = client_class(api_key=TEST_API_KEY)
        for op in OPERATIONS:
            namespace = type(getattr(client, op.namespace))
            for name in (op.name, f"iter_{op.name}"):
                method = getattr(namespace, name, None)
                if method is None:
                    continue
                params = inspect.signature(method).parameters
                options = {n: p for n, p in params.items() if n in defaults}
                assert options.keys() == defaults.keys(), (name, sorted(defaults.keys() - options.keys()))
                assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in options.values()), name
                assert {n: p.default for n, p in options.items()} == defaults, name
                checked += 1
        asyncio.run(close(client))
    assert checked > 2 * len(OPERATIONS)
