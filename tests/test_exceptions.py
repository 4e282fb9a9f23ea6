"""Errors users can catch by kind, as values and as exceptions, sync and async, over HTTP.

`res.error` is an instance of the openai-python-named class for its status or code;
`unwrap()` and `iter_*` raise it; `except cycle_sdk.APIError` catches all of them.
Reading `.value` of an Err (or `.error` of an Ok) says what happened and how to check.
"""

from __future__ import annotations

import copy
import pickle
import threading
from typing import Any

import pytest

import cycle_sdk
from tests.support.clients import Callers, free_port, job_doc
from tests.support.fault_server import FaultServer, Reply

STATUS_CLASSES = [
    (400, "400.invalid-syntax", cycle_sdk.BadRequestError),
    (401, "401.auth-invalid", cycle_sdk.AuthenticationError),
    (403, "403.wrong-hub", cycle_sdk.PermissionDeniedError),
    (404, "404.job", cycle_sdk.NotFoundError),
    (409, "409.conflict", cycle_sdk.ConflictError),
    (422, "422.invalid-input", cycle_sdk.UnprocessableEntityError),
    (429, "429.rate-limited", cycle_sdk.RateLimitError),
    (500, "500.internal", cycle_sdk.InternalServerError),
    (503, "503.unavailable", cycle_sdk.InternalServerError),
    (418, "418.teapot", cycle_sdk.APIStatusError),
]


def envelope(status: int, code: str) -> dict[str, Any]:
    return {"error": {"status": status, "code": code, "title": "Title", "detail": "Detail", "source": "/body/name"}}


@pytest.mark.parametrize(("status", "code", "cls"), STATUS_CLASSES, ids=[str(s[0]) for s in STATUS_CLASSES])
async def test_each_status_is_its_class_as_a_value_and_when_raised(
    server: FaultServer, make: Callers, status: int, code: str, cls: type[cycle_sdk.APIError]
) -> None:
    server.script("GET", "/v1/jobs/j1", Reply(status, envelope(status, code), headers={"Retry-After": "7"}))
    res = await make()("jobs.get_job", "j1")
    assert res.ok is False
    err = res.error
    assert type(err) is cls
    assert isinstance(err, cycle_sdk.APIStatusError) and isinstance(err, cycle_sdk.APIError)
    assert isinstance(err, Exception)
    assert (err.status, err.code, err.title, err.detail, err.source) == (status, code, "Title", "Detail", "/body/name")
    assert (err.method, err.path, err.retry_after) == ("GET", "/v1/jobs/j1", 7.0)
    assert err.status_code == status and err.message == str(err)
    with pytest.raises(cls) as info:
        res.unwrap()
    raised = info.value
    assert raised == err and raised.error is err  # the value, equal; `.error` as APIResultError had
    assert str(raised) == f"{code}: Title (Detail) [GET /v1/jobs/j1]"
    try:
        res.unwrap()
    except cycle_sdk.APIError as caught:  # the root catches every kind
        assert caught.code == code
    # The value the Err holds stays clean however often it is raised.
    assert err.__traceback__ is None and err.__context__ is None


async def test_local_errors_have_their_classes(server: FaultServer, make: Callers) -> None:
    refused = await make(base_url=f"http://127.0.0.1:{free_port()}")("jobs.get_job", "j1")
    assert type(refused.error) is cycle_sdk.APIConnectionError and refused.error.code == "0.network_error"

    server.script("GET", "/v1/jobs/stall", Reply(200, job_doc("stall"), action="stall"))
    timed_out = await make()("jobs.get_job", "stall", timeout=0.3)
    assert type(timed_out.error) is cycle_sdk.APITimeoutError and timed_out.error.code == "0.timeout"
    assert isinstance(timed_out.error, cycle_sdk.APIConnectionError)  # as in openai-python

    server.script("GET", "/v1/jobs/html", Reply(200, b"<html>", headers={"Content-Type": "application/json"}))
    unparsable = await make()("jobs.get_job", "html")
    assert type(unparsable.error) is cycle_sdk.APIResponseValidationError
    assert unparsable.error.code == "0.parse_error" and isinstance(unparsable.error, cycle_sdk.SDKError)

    no_key = await make(api_key=None)("jobs.get_job", "j1")
    assert type(no_key.error) is cycle_sdk.SDKError and no_key.error.code == "0.no_api_key"

    for res in (refused, timed_out, unparsable, no_key):
        with pytest.raises(cycle_sdk.APIError):
            res.unwrap()


async def test_iteration_raises_the_class(server: FaultServer, make: Callers) -> None:
    server.script("GET", "/v1/environments", Reply(403, envelope(403, "403.permissions")))
    caller = make()
    pages = caller.client.environments.iter_get_environments()
    with pytest.raises(cycle_sdk.PermissionDeniedError) as info:
        if caller.kind == "sync":
            list(pages)  # type: ignore[call-overload]
        else:
            [env async for env in pages]  # type: ignore[union-attr]
    assert info.value.code == "403.permissions" and isinstance(info.value, cycle_sdk.APIError)


def test_error_values_behave_as_values() -> None:
    err = cycle_sdk.APIError(status=404, code="404.environment", title="Not found", extra={"k": 1})
    assert type(err) is cycle_sdk.NotFoundError  # the root builds the class the status calls for
    same = cycle_sdk.NotFoundError(status=404, code="404.environment", title="Not found", extra={"k": 1})
    assert err == same and hash(err) == hash(same) and len({err, same}) == 1
    assert err != cycle_sdk.APIError(status=404, code="404.environment", title="Other")
    assert pickle.loads(pickle.dumps(err)) == err and copy.deepcopy(err) == err
    with pytest.raises(AttributeError, match="immutable"):
        err.code = "x"  # type: ignore[misc]
    err.add_note("notes stay possible")
    assert repr(err) == "NotFoundError(status=404, code='404.environment', title='Not found')"
    assert repr(cycle_sdk.Err(err)).startswith("Err(error=NotFoundError(")
    # APIResultError, the old name, is the root: what `except APIResultError` caught, it still
    # catches, and APIResultError(err) is still a copy of err.
    assert cycle_sdk.APIResultError is cycle_sdk.APIError
    again = cycle_sdk.APIResultError(err)
    assert again == err and type(again) is cycle_sdk.NotFoundError
    with pytest.raises(TypeError, match="missing keyword argument 'title'"):
        cycle_sdk.APIError(status=1, code="x")  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="unexpected keyword"):
        cycle_sdk.APIError(status=1, code="x", title="t", colour="red")  # type: ignore[call-overload]
    # Every public class reads as cycle_sdk.<Name> in tracebacks, and is exported.
    for name in ("APIError", "NotFoundError", "APIConnectionError", "JobFailedError", "SDKError"):
        assert getattr(cycle_sdk, name).__module__ == "cycle_sdk" and name in cycle_sdk.__all__


@pytest.mark.parametrize(
    ("status", "code", "cls"),
    [
        (0, "0.network_error", cycle_sdk.APIConnectionError),
        (0, "0.client_closed", cycle_sdk.APIConnectionError),
        (0, "0.timeout", cycle_sdk.APITimeoutError),
        (200, "0.parse_error", cycle_sdk.APIResponseValidationError),
        (201, "0.unexpected_status", cycle_sdk.APIResponseValidationError),
        (200, "0.body_too_large", cycle_sdk.SDKError),
        (0, "0.job_failed", cycle_sdk.JobFailedError),
        (0, "0.job_wait_timeout", cycle_sdk.SDKError),
        (0, "0.no_refresh_token", cycle_sdk.SDKError),
        (502, "502.http_error", cycle_sdk.InternalServerError),
        (302, "302.http_error", cycle_sdk.APIStatusError),
    ],
)
def test_class_by_status_and_code(status: int, code: str, cls: type[cycle_sdk.APIError]) -> None:
    assert type(cycle_sdk.APIError(status=status, code=code, title="t")) is cls


async def test_reading_value_of_an_err_says_why(server: FaultServer, make: Callers) -> None:
    server.script("GET", "/v1/jobs/nope", Reply(404, envelope(404, "404.job")))
    res: Any = await make()("jobs.get_job", "nope")
    with pytest.raises(cycle_sdk.ResultAccessError) as info:
        res.value  # noqa: B018
    exc = info.value
    assert isinstance(exc, AttributeError) and isinstance(exc, cycle_sdk.CycleError)
    assert not isinstance(exc, cycle_sdk.APIError)  # a programming error, not a call's outcome
    text = str(exc)
    assert "404.job" in text and "Title" in text and ".ok" in text and "unwrap()" in text
    assert (exc.code, exc.title, exc.name) == ("404.job", "Title", "value")
    assert not hasattr(res, "value") and getattr(res, "value", "default") == "default"
    with pytest.raises(AttributeError) as other:
        res.nothing_like_this  # noqa: B018
    assert type(other.value) is AttributeError and "nothing_like_this" in str(other.value)


async def test_reading_error_of_an_ok_says_why(server: FaultServer, make: Callers) -> None:
    server.script("GET", "/v1/jobs/j1", Reply(200, job_doc("j1")))
    res: Any = await make()("jobs.get_job", "j1")
    with pytest.raises(cycle_sdk.ResultAccessError) as info:
        res.error  # noqa: B018
    assert "succeeded" in str(info.value) and "res.ok is False" in str(info.value)
    assert info.value.code is None and info.value.name == "error"
    assert not hasattr(res, "error")


def test_a_shared_error_raised_from_many_threads_stays_clean(server: FaultServer, client: cycle_sdk.Client) -> None:
    server.script("GET", "/v1/jobs/gone", Reply(404, envelope(404, "404.job")))
    res = client.jobs.get_job("gone")
    assert res.ok is False
    caught: list[BaseException] = []

    def raise_it() -> None:
        for _ in range(50):
            try:
                res.unwrap()
            except cycle_sdk.NotFoundError as exc:
                caught.append(exc)

    threads = [threading.Thread(target=raise_it) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(caught) == 200 and all(exc == res.error for exc in caught)
    assert len({id(exc) for exc in caught}) == 200  # each raise is its own exception object
    assert res.error.__traceback__ is None
