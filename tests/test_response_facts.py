"""HTTP facts on every result, the cause of an Err, and raw responses, over real HTTP on loopback,
sync and async: `res.status`, `res.headers`, `res.request_id`, `err.cause` (and `__cause__`
when unwrap() raises), and `client.<ns>.with_raw_response.<op>(...)`.
"""

from __future__ import annotations

import copy
import inspect
import json
import pickle
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

import cycle_sdk
from cycle_sdk import RawResponse, ResponseHeaders
from cycle_sdk._generated.operations import OPERATIONS
from cycle_sdk._redact import Redactor
from cycle_sdk._response import clean_cause
from tests.support.clients import Caller, Callers, free_port, job_doc
from tests.support.fault_server import FaultServer, Reply

FACT_HEADERS = {"X-Request-Id": "req-42", "X-RateLimit-Remaining": "17", "Location": "/v1/jobs/j1"}
NOT_FOUND = {"error": {"status": 404, "code": "404.job", "title": "Job not found"}}


@pytest.fixture
async def make(server: FaultServer, kind: str) -> AsyncIterator[Callers]:
    callers = Callers(kind, server.url)
    yield callers
    await callers.close()


async def raw(caller: Caller, namespace: str, name: str, *args: Any, **kwargs: Any) -> Any:
    result = getattr(getattr(caller.client, namespace).with_raw_response, name)(*args, **kwargs)
    return await result if inspect.isawaitable(result) else result


# -- facts --------------------------------------------------------------------------------------


async def test_ok_and_err_carry_status_headers_and_request_id(server: FaultServer, make: Callers) -> None:
    server.script("GET", "/v1/jobs/j1", Reply(200, job_doc("j1"), FACT_HEADERS))
    server.script("GET", "/v1/jobs/gone", Reply(404, NOT_FOUND, {"Request-Id": "req-7", "Retry-After": "3"}))
    caller = make()
    ok = await caller("jobs.get_job", "j1")
    assert ok.ok is True
    assert (ok.status, ok.request_id, ok.headers["x-ratelimit-remaining"]) == (200, "req-42", "17")
    assert ok.headers["LOCATION"] == "/v1/jobs/j1"  # any letter case
    assert isinstance(ok.headers, ResponseHeaders) and "content-length" in ok.headers
    err = await caller("jobs.get_job", "gone")
    assert err.ok is False
    assert (err.status, err.request_id, err.headers["retry-after"], err.cause) == (404, "req-7", "3", None)


async def test_a_header_sent_twice_reads_joined_and_as_a_list(server: FaultServer, make: Callers) -> None:
    server.script("GET", "/v1/jobs/j1", Reply(200, job_doc("j1"), {"Link": "<a>; rel=next\r\nLink: <b>; rel=last"}))
    ok = await make()("jobs.get_job", "j1")
    assert ok.headers["link"] == "<a>; rel=next, <b>; rel=last"
    assert ok.headers.get_list("Link") == ["<a>; rel=next", "<b>; rel=last"]
    with pytest.raises(TypeError):
        ok.headers["x"] = "y"  # type: ignore[index]  # read-only


async def test_a_result_from_the_cache_has_the_facts_of_the_response_that_filled_it(
    server: FaultServer, make: Callers
) -> None:
    server.script("GET", "/v1/jobs/j1", Reply(200, job_doc("j1"), {"X-Request-Id": "first"}), Reply(200, job_doc("j1")))
    caller = make(cache=True)
    first, second = await caller("jobs.get_job", "j1"), await caller("jobs.get_job", "j1")
    assert len(server.requests) == 1 and first is second and second.request_id == "first"


async def test_no_response_means_status_0_and_no_headers(server: FaultServer, make: Callers) -> None:
    refused = await make(base_url=f"http://127.0.0.1:{free_port()}")("jobs.get_job", "j1")
    assert refused.ok is False
    assert (refused.status, dict(refused.headers), refused.request_id) == (0, {}, None)
    assert isinstance(refused.cause, httpx.ConnectError)


async def test_a_body_too_large_keeps_the_status_and_headers_that_came(server: FaultServer, make: Callers) -> None:
    server.script("GET", "/v1/jobs/j1", Reply(200, job_doc("j1"), {"X-Request-Id": "big"}))
    res = await make(max_body_size=10)("jobs.get_job", "j1")
    assert res.ok is False and res.error.code == "0.body_too_large"
    assert (res.status, res.request_id) == (200, "big")


async def test_results_copy_and_pickle_with_their_facts(server: FaultServer, make: Callers) -> None:
    server.script("GET", "/v1/jobs/j1", Reply(200, job_doc("j1"), FACT_HEADERS))
    server.script("GET", "/v1/jobs/bad", Reply(200, b"{", FACT_HEADERS))
    caller = make()
    for res in (await caller("jobs.get_job", "j1"), await caller("jobs.get_job", "bad")):
        for copied in (pickle.loads(pickle.dumps(res)), copy.deepcopy(res)):
            assert str(copied) == str(res) and (copied.status, copied.request_id) == (200, "req-42")
            assert copied.headers == res.headers


# -- the cause of an Err ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reply", "code", "cause"),
    [
        (Reply(200, job_doc("j1"), action="stall"), "0.timeout", (httpx.TimeoutException, TimeoutError)),
        (Reply(200, b"{not json"), "0.parse_error", (json.JSONDecodeError,)),
        (Reply(200, {"data": {"id": 5}}), "0.parse_error", (cycle_sdk.DecodeError,)),
        (Reply(200, job_doc("j1"), action="reset"), "0.network_error", (httpx.TransportError,)),
    ],
    ids=["timeout", "not-json", "schema", "reset"],
)
async def test_err_keeps_its_cause_and_unwrap_raises_from_it(
    server: FaultServer, make: Callers, reply: Reply, code: str, cause: tuple[type[BaseException], ...]
) -> None:
    server.script("GET", "/v1/jobs/j1", reply)
    res = await make()("jobs.get_job", "j1", timeout=0.3)
    assert res.ok is False and res.error.code == code
    assert isinstance(res.cause, cause), repr(res.cause)
    assert res.cause.__traceback__ is None  # the frames of the failed attempt are not kept
    with pytest.raises(cycle_sdk.APIError) as info:
        res.unwrap()
    assert info.value.__cause__ is res.cause and info.value == res.error


def test_a_cause_that_would_still_show_a_secret_is_left_out() -> None:
    class Stubborn(Exception):
        def __str__(self) -> str:
            return "token sk-SECRET-0123456789"  # not from its args or fields: cannot be redacted

    redactor = Redactor(["sk-SECRET-0123456789"])
    assert clean_cause(Stubborn(), redactor) is None
    kept = clean_cause(ValueError("bad token sk-SECRET-0123456789"), redactor)
    assert isinstance(kept, ValueError) and str(kept) == "bad token [REDACTED]"


async def test_iterating_raises_from_the_cause_too(server: FaultServer, make: Callers) -> None:
    server.script("GET", "/v1/environments", Reply(200, b"{not json"))
    caller = make()
    pages = caller.client.environments.iter_get_environments()
    with pytest.raises(cycle_sdk.APIResponseValidationError) as info:
        if isinstance(pages, AsyncIterator):
            [item async for item in pages]
        else:
            list(pages)
    assert isinstance(info.value.__cause__, json.JSONDecodeError)


# -- raw responses ------------------------------------------------------------------------------


async def test_raw_response_is_the_response_as_received(server: FaultServer, make: Callers) -> None:
    sent = json.dumps(job_doc("j1"), indent=1).encode()
    server.script("GET", "/v1/jobs/j1", Reply(200, sent, {**FACT_HEADERS, "Content-Type": "application/json"}))
    res = await raw(make(), "jobs", "get_job", "j1", extra_query={"v": "1"})
    assert res.ok is True and isinstance(res.value, RawResponse)
    response = res.value
    assert (response.status, response.request_id, response.content) == (200, "req-42", sent)
    assert response.json() == job_doc("j1") and response.text == sent.decode()
    parsed = response.parse()
    assert parsed.ok is True and parsed.value.data.id == "j1" and parsed.request_id == "req-42"
    assert res.status == 200 and server.requests[-1].query == [("v", "1")]
    assert repr(response) == f"RawResponse(status=200, request_id='req-42', content=<{len(sent)} bytes>)"


async def test_raw_response_of_an_error_status_is_ok_and_parses_to_the_err(server: FaultServer, make: Callers) -> None:
    server.script("GET", "/v1/jobs/gone", Reply(404, NOT_FOUND))
    res = await raw(make(), "jobs", "get_job", "gone")
    assert res.ok is True and res.value.status == 404
    parsed = res.value.parse()
    assert parsed.ok is False and isinstance(parsed.error, cycle_sdk.NotFoundError)
    assert res.value.json() == NOT_FOUND


async def test_raw_response_of_no_response_is_the_err(server: FaultServer, make: Callers) -> None:
    res = await raw(make(base_url=f"http://127.0.0.1:{free_port()}"), "jobs", "get_job", "j1")
    assert res.ok is False and res.error.code == "0.network_error"


async def test_raw_responses_neither_use_nor_fill_the_cache(server: FaultServer, make: Callers) -> None:
    server.script("GET", "/v1/jobs/j1", Reply(200, job_doc("j1")))
    caller = make(cache=True)
    await raw(caller, "jobs", "get_job", "j1")
    await raw(caller, "jobs", "get_job", "j1")
    await caller("jobs.get_job", "j1")
    await raw(caller, "jobs", "get_job", "j1")
    assert len(server.requests) == 4


async def test_raw_responses_are_retried_like_any_call(server: FaultServer, make: Callers) -> None:
    server.script("GET", "/v1/jobs/j1", Reply(503, times=1), Reply(200, job_doc("j1")))
    res = await raw(make(max_retries=1), "jobs", "get_job", "j1")
    assert res.ok is True and res.value.status == 200 and len(server.requests) == 2


def test_every_method_has_its_raw_twin_with_its_docs() -> None:
    client = cycle_sdk.Client(api_key="k")
    for op in OPERATIONS:
        namespace = getattr(client, op.namespace)
        twin = getattr(namespace.with_raw_response, op.name)
        assert twin.func is getattr(type(namespace), op.name), op.name
        assert getattr(type(namespace.with_raw_response), op.name).__doc__ == twin.func.__doc__
    client.close()


# -- the empty 202 ------------------------------------------------------------------------------


def test_methods_say_none_exactly_where_an_empty_body_is_ok() -> None:
    """The run-time rule (Operation.empty_success) and the return types agree, operation by operation."""
    client = cycle_sdk.Client(api_key="k")
    for op in OPERATIONS:
        method = getattr(type(getattr(client, op.namespace)), op.name)
        annotation = inspect.signature(method).return_annotation
        assert annotation.endswith("| None]") == bool(op.empty_success), (op.name, annotation)
    client.close()
