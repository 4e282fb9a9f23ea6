"""Clients for reliability tests: sync and async side by side, with retries that do not sleep.

`FastClient`/`FastAsyncClient` override `_retry_delay` (an override point of the SDK): each
computed delay is recorded in `.delays` and only `delay_scale` of it is slept (0 by default),
so a test can assert the backoff and Retry-After policy without waiting for it.

`Caller` runs an operation by its dotted name on either kind, so one test body covers both:

    caller = Caller("async", base_url=server.url, api_key="k")
    res = await caller("jobs.get_job", "j1", timeout=0.3)
"""

from __future__ import annotations

import inspect
import socket
from typing import Any

import cycle_sdk
from cycle_sdk import APIResult
from cycle_sdk._request import RequestOptions
from tests.support import documents
from tests.support.fault_server import Reply as _Reply

KINDS = ("sync", "async")
TEST_API_KEY = "sk-test-SECRET-1234567890"  # the same as tests.conftest.API_KEY


def document(path: str, method: str = "get", status: str = "200", **data: Any) -> dict[str, Any]:
    """A schema-valid success document of an operation, with `data` fields overridden."""
    doc: dict[str, Any] = documents.document(method, path, status, **data)
    return doc


JOB_DOC = document("/v1/jobs/{jobId}", id="ok")


def job_doc(job_id: str) -> dict[str, Any]:
    """A valid getJob document whose data.id is `job_id` (to check each caller got its own answer)."""
    return {**JOB_DOC, "data": {**JOB_DOC["data"], "id": job_id}}


def free_port() -> int:
    """A loopback port nothing listens on (connections to it are refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


class _Recording:
    delays: list[float]
    delay_scale: float

    def _init_recording(self, delay_scale: float) -> None:
        self.delays = []
        self.delay_scale = delay_scale

    def _retry_delay(self, attempt: int, retry_after: float | None) -> float:
        delay: float = super()._retry_delay(attempt, retry_after)  # type: ignore[misc]
        self.delays.append(delay)
        return delay * self.delay_scale


class FastClient(_Recording, cycle_sdk.Client):
    def __init__(self, *, delay_scale: float = 0.0, **options: Any) -> None:
        super().__init__(**options)
        self._init_recording(delay_scale)


class FastAsyncClient(_Recording, cycle_sdk.AsyncClient):
    def __init__(self, *, delay_scale: float = 0.0, **options: Any) -> None:
        super().__init__(**options)
        self._init_recording(delay_scale)


class Caller:
    """One client of the given kind; `await caller("ns.name", *args, **kwargs)` calls an operation."""

    def __init__(self, kind: str, **options: Any) -> None:
        assert kind in KINDS
        self.kind = kind
        options.setdefault("max_retries", 0)
        self.client: FastClient | FastAsyncClient = (
            FastClient(**options) if kind == "sync" else FastAsyncClient(**options)
        )

    @property
    def delays(self) -> list[float]:
        return self.client.delays

    async def __call__(self, dotted: str, *args: Any, **kwargs: Any) -> APIResult[Any]:
        namespace, name = dotted.split(".")
        result = getattr(getattr(self.client, namespace), name)(*args, **kwargs)
        if inspect.isawaitable(result):
            result = await result
        return result  # type: ignore[no-any-return]

    async def send(self, request: Any, parse: Any, **options: Any) -> APIResult[Any]:
        """The requester directly, for a RequestSpec no generated operation has (PUT, HEAD)."""
        result = self.client.send(request, parse=parse, options=RequestOptions(**options))
        if inspect.isawaitable(result):
            result = await result
        return result  # type: ignore[no-any-return]

    async def close(self) -> None:
        if isinstance(self.client, cycle_sdk.AsyncClient):
            await self.client.aclose()
        else:
            self.client.close()


async def assert_recovers(caller: Caller, server: Any) -> None:
    """After a fault, an ordinary call on the same client (and its connection pool) succeeds."""
    server.script("GET", "/v1/jobs/recovered", _Reply(200, job_doc("recovered")))
    res = await caller("jobs.get_job", "recovered", timeout=5.0)
    assert res.ok is True, res
    assert res.value.data.id == "recovered"


class Callers:
    """Makes Callers of one kind against a server (defaults: the test API key, hub and base_url)."""

    def __init__(self, kind: str, base_url: str, **defaults: Any) -> None:
        self.kind = kind
        self.defaults = {"api_key": TEST_API_KEY, "team": "hub-test", "base_url": base_url, **defaults}
        self.made: list[Caller] = []

    def __call__(self, **options: Any) -> Caller:
        caller = Caller(self.kind, **{**self.defaults, **options})
        self.made.append(caller)
        return caller

    async def close(self) -> None:
        for caller in self.made:
            await caller.close()
