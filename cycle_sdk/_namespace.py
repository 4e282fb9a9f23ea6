"""Base classes of the generated resource namespaces: thin, over their client's one requester.

Part of the contract layer that generated code may import (with `_request`, `_wire`, `_types`,
`_decode`, `_result`): a namespace knows its client only as a requester (`SyncRequester`,
`AsyncRequester`), never the client classes, so generated code never imports `_client`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from ._config import DEFAULT_PAGE_SIZE
from ._exceptions import APIResultError
from ._pages import PageGuard
from ._request import Parser, RequestSpec
from ._types import Unset

if TYPE_CHECKING:
    import httpx

    from ._result import APIResult

T = TypeVar("T")
Item = TypeVar("Item")


class SyncRequester(Protocol):
    """What a sync namespace needs of its client: the one requester (Client, InternalClient...)."""

    def _send(
        self,
        request: RequestSpec,
        parse: Parser[T],
        *,
        team: str | None = None,
        cache: bool | None = None,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
    ) -> APIResult[T]: ...


class AsyncRequester(Protocol):
    """What an async namespace needs of its client: the one requester (AsyncClient...)."""

    async def _send(
        self,
        request: RequestSpec,
        parse: Parser[T],
        *,
        team: str | None = None,
        cache: bool | None = None,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
    ) -> APIResult[T]: ...


def _first_page(page: object) -> tuple[int, int]:
    """(number, size) to start from, out of the caller's `page` argument."""
    if page is None or isinstance(page, Unset):
        return 1, DEFAULT_PAGE_SIZE
    to_dict = getattr(page, "to_dict", None)
    values = to_dict() if callable(to_dict) else page
    if not isinstance(values, Mapping):
        raise TypeError(
            f"query parameter 'page' takes a dict like {{'number': 1, 'size': 50}}, not {type(page).__name__}"
        )
    number, size = values.get("number", 1), values.get("size", DEFAULT_PAGE_SIZE)
    if not isinstance(number, int) or not isinstance(size, int) or number < 1 or size < 1:
        raise ValueError("query parameter 'page' needs positive integers for 'number' and 'size'")
    return number, size


def _items(value: Any) -> list[Any]:
    data = getattr(value, "data", None)
    return list(data) if isinstance(data, list) else []


class SyncNamespace:
    def __init__(self, client: SyncRequester) -> None:
        self._client = client

    def __repr__(self) -> str:
        return f"<{type(self).__name__} namespace of {self._client!r}>"

    def _send(
        self,
        request: RequestSpec,
        parse: Parser[T],
        *,
        team: str | None,
        cache: bool | None,
        timeout: float | httpx.Timeout | None,
        max_retries: int | None,
    ) -> APIResult[T]:
        return self._client._send(request, parse, team=team, cache=cache, timeout=timeout, max_retries=max_retries)

    def _iterate(
        self,
        build: Callable[[dict[str, int]], RequestSpec],
        parse: Parser[Any],
        page: object,
        **options: Any,
    ) -> Iterator[Any]:
        number, size = _first_page(page)

        def pages() -> Iterator[Any]:
            nonlocal number
            guard: PageGuard | None = None
            while True:
                request = build({"number": number, "size": size})
                guard = guard or PageGuard(number, method=request.method, path=request.path)
                if (stop := guard.before(number)) is not None:
                    raise APIResultError(stop)
                result = self._client._send(request, parse, **options)
                if result.ok is False:
                    raise APIResultError(result.error)
                items = _items(result.value)
                del result  # hold one page at a time
                if (stop := guard.after(number, items)) is not None:
                    raise APIResultError(stop)
                yield from items
                if len(items) < size:
                    return
                number += 1

        return pages()


class AsyncNamespace:
    def __init__(self, client: AsyncRequester) -> None:
        self._client = client

    def __repr__(self) -> str:
        return f"<{type(self).__name__} namespace of {self._client!r}>"

    async def _send(
        self,
        request: RequestSpec,
        parse: Parser[T],
        *,
        team: str | None,
        cache: bool | None,
        timeout: float | httpx.Timeout | None,
        max_retries: int | None,
    ) -> APIResult[T]:
        return await self._client._send(
            request, parse, team=team, cache=cache, timeout=timeout, max_retries=max_retries
        )

    def _iterate(
        self,
        build: Callable[[dict[str, int]], RequestSpec],
        parse: Parser[Any],
        page: object,
        **options: Any,
    ) -> AsyncIterator[Any]:
        number, size = _first_page(page)

        async def pages() -> AsyncIterator[Any]:
            nonlocal number
            guard: PageGuard | None = None
            while True:
                request = build({"number": number, "size": size})
                guard = guard or PageGuard(number, method=request.method, path=request.path)
                if (stop := guard.before(number)) is not None:
                    raise APIResultError(stop)
                result = await self._client._send(request, parse, **options)
                if result.ok is False:
                    raise APIResultError(result.error)
                items = _items(result.value)
                del result
                if (stop := guard.after(number, items)) is not None:
                    raise APIResultError(stop)
                for item in items:
                    yield item
                if len(items) < size:
                    return
                number += 1

        return pages()


__all__ = ["AsyncNamespace", "AsyncRequester", "SyncNamespace", "SyncRequester"]
