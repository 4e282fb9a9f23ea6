"""`client.send()`, the public requester, over real HTTP on loopback, sync and async: an Ok with
the response's facts, a typed Err with its cause (never the credentials), the per-call options
carried, bad arguments refused before anything is sent; and the `cycle` command line uses it,
not the private `_send`.
"""

from __future__ import annotations

import inspect
import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

import cycle_sdk
from cycle_sdk import NotFoundError, Operation, RequestOptions, RequestSpec
from cycle_sdk._generated.api.jobs import get_job
from tests.support.clients import TEST_API_KEY, Caller, Callers, free_port, job_doc
from tests.support.fault_server import FaultServer, Reply

LISTING = Operation("GET", "/v1/environments", "getEnvironments", "environments", "get_environments", (200,))
NOT_FOUND = {"error": {"status": 404, "code": "404.environment", "title": "Environment not found"}}
CLI = Path(cycle_sdk.__file__).parent / "cli"


async def send(caller: Caller, request: Any, **kwargs: Any) -> Any:
    result = caller.client.send(request, **kwargs)
    return await result if inspect.isawaitable(result) else result


def listing(*params: tuple[str, str]) -> RequestSpec:
    return RequestSpec(LISTING, "/v1/environments", list(params))


async def test_ok_is_the_json_document_with_the_responses_facts(server: FaultServer, make: Callers) -> None:
    document = {"data": [{"id": "e1", "name": "web"}]}
    server.script("GET", "/v1/environments", Reply(200, document, {"X-Request-Id": "req-1"}))
    res = await send(make(), listing(("page[size]", "5")))
    assert res.ok is True
    assert res.value == document  # no parse given: the document as Python values
    assert (res.status, res.request_id) == (200, "req-1")
    (seen,) = server.requests
    assert seen.query == [("page[size]", "5")]
    assert seen.headers["x-hub-id"] == "hub-test" and TEST_API_KEY in seen.headers["authorization"]


async def test_a_generated_parse_gives_the_same_typed_value_as_the_method(server: FaultServer, make: Callers) -> None:
    server.script("GET", "/v1/jobs/j1", Reply(200, job_doc("j1")))
    caller = make()
    sent = await send(caller, get_job.build_request("j1"), parse=get_job.parse)
    called = await caller("jobs.get_job", "j1")
    assert sent.ok is True and called.ok is True
    assert type(sent.value) is type(called.value) and sent.value == called.value
    assert sent.value.data.id == "j1"


async def test_an_error_status_is_a_typed_err_without_the_key(server: FaultServer, make: Callers) -> None:
    server.script("GET", "/v1/environments", Reply(404, NOT_FOUND, {"Request-Id": "req-9"}))
    res = await send(make(), listing())
    assert res.ok is False
    assert (res.error.code, res.status, res.request_id) == ("404.environment", 404, "req-9")
    with pytest.raises(NotFoundError):
        res.unwrap()
    assert TEST_API_KEY not in repr(res) + str(res) + repr(res.error)


async def test_a_body_parse_cannot_read_is_an_err_with_the_cause(server: FaultServer, make: Callers) -> None:
    server.script("GET", "/v1/environments", Reply(200, b"{not json"), Reply(200, {"data": []}))
    caller = make()
    bad = await send(caller, listing())
    assert bad.ok is False and bad.error.code == "0.parse_error"
    assert isinstance(bad.cause, json.JSONDecodeError)

    def refuse(status: int, body: bytes) -> Any:
        raise LookupError(f"no field in {len(body)} bytes, key {TEST_API_KEY}")

    raised = await send(caller, listing(), parse=refuse)  # whatever parse raises is an Err too
    assert raised.ok is False and raised.error.code == "0.parse_error"
    assert isinstance(raised.cause, LookupError)
    assert TEST_API_KEY not in str(raised.error) + str(raised.cause)


async def test_no_server_is_an_err_with_the_network_cause(make: Callers) -> None:
    res = await send(make(base_url=f"http://127.0.0.1:{free_port()}"), listing())
    assert res.ok is False and res.status == 0
    assert isinstance(res.cause, httpx.ConnectError)
    assert TEST_API_KEY not in repr(res) + str(res.error) + str(res.cause)


async def test_the_per_call_options_are_carried(server: FaultServer, make: Callers) -> None:
    server.script("GET", "/v1/environments", Reply(200, {"data": []}))
    options = RequestOptions(team="hub-other", extra_headers={"X-Trace": "t1"}, extra_query={"sort": "name"})
    res = await send(make(), listing(("page[size]", "5")), options=options)
    assert res.ok is True
    (seen,) = server.requests
    assert (seen.headers["x-hub-id"], seen.headers["x-trace"]) == ("hub-other", "t1")
    assert seen.query == [("page[size]", "5"), ("sort", "name")]


@pytest.mark.parametrize(
    ("arguments", "error", "names"),
    [
        ({"request": "GET /v1/environments"}, TypeError, "RequestSpec"),
        ({"parse": "json"}, TypeError, "'parse'"),
        ({"options": {"cache": False}}, TypeError, "'options'"),
        ({"options": RequestOptions(extra_body={"a": 1})}, ValueError, "'extra_body'"),
    ],
    ids=["not-a-request", "parse-not-callable", "options-a-dict", "extra-body-on-get"],
)
async def test_bad_arguments_are_refused_before_anything_is_sent(
    server: FaultServer, make: Callers, arguments: dict[str, Any], error: type[Exception], names: str
) -> None:
    arguments = {"request": listing(), **arguments}
    with pytest.raises(error, match=names):
        await send(make(), arguments.pop("request"), **arguments)
    assert server.requests == []


def test_the_command_line_sends_through_the_public_requester() -> None:
    private = {
        path.name: [n for n, line in enumerate(path.read_text().splitlines(), 1) if re.search(r"\._send\w*\(", line)]
        for path in CLI.glob("*.py")
    }
    assert {name: lines for name, lines in private.items() if lines} == {}
    assert any("client.send(" in path.read_text() for path in CLI.glob("*.py"))
