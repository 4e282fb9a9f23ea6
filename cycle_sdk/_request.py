"""What a generated endpoint module hands the core: the operation, the encoded request, a parser.

The generated `sync()`/`asyncio()` functions accept a cycle_sdk Client/AsyncClient or a
bare httpx.Client/AsyncClient (whose base_url and auth headers the caller has set up).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import httpx
from attrs import define, frozen

if TYPE_CHECKING:
    from ._client import AsyncAPIClient, AsyncClient, Client, SyncAPIClient
    from ._result import APIResult

T = TypeVar("T")
Parser = Callable[[int, Any], T]


@frozen
class Operation:
    """Facts about one API operation, fixed at generation time."""

    method: str
    path: str
    operation_id: str
    namespace: str
    name: str
    success: tuple[int, ...]
    paginated: bool = False


@define(slots=True)
class RequestSpec:
    """One encoded request: path already percent-encoded, query already in wire form."""

    operation: Operation
    path: str
    params: list[tuple[str, str]]
    json: Any = None
    data: Any = None
    # An absolute URL that replaces base_url + path (the OAuth token URL held in settings).
    url: str | None = None

    @property
    def method(self) -> str:
        return self.operation.method


_sync_wrappers: weakref.WeakKeyDictionary[httpx.Client, Client] = weakref.WeakKeyDictionary()
_async_wrappers: weakref.WeakKeyDictionary[httpx.AsyncClient, AsyncClient] = weakref.WeakKeyDictionary()


def _sync_client(client: SyncAPIClient | httpx.Client) -> SyncAPIClient:
    if isinstance(client, httpx.Client):
        from ._client import Client

        wrapper = _sync_wrappers.get(client)
        if wrapper is None:
            wrapper = _sync_wrappers[client] = Client._wrap_httpx(client)
        return wrapper
    return client


def _async_client(client: AsyncAPIClient | httpx.AsyncClient) -> AsyncAPIClient:
    if isinstance(client, httpx.AsyncClient):
        from ._client import AsyncClient

        wrapper = _async_wrappers.get(client)
        if wrapper is None:
            wrapper = _async_wrappers[client] = AsyncClient._wrap_httpx(client)
        return wrapper
    return client


def send_sync(
    client: SyncAPIClient | httpx.Client,
    request: RequestSpec,
    parse: Parser[T],
    *,
    team: str | None = None,
    cache: bool | None = None,
    timeout: float | httpx.Timeout | None = None,
    max_retries: int | None = None,
) -> APIResult[T]:
    return _sync_client(client)._send(request, parse, team=team, cache=cache, timeout=timeout, max_retries=max_retries)


async def send_async(
    client: AsyncAPIClient | httpx.AsyncClient,
    request: RequestSpec,
    parse: Parser[T],
    *,
    team: str | None = None,
    cache: bool | None = None,
    timeout: float | httpx.Timeout | None = None,
    max_retries: int | None = None,
) -> APIResult[T]:
    return await _async_client(client)._send(
        request, parse, team=team, cache=cache, timeout=timeout, max_retries=max_retries
    )
