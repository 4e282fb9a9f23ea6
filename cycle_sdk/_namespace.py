"""Base classes of the generated resource namespaces: thin, over their client's one requester.

Part of the contract layer that generated code may import (with `_request`, `_wire`, `_types`,
`_decode`, `_result`): a namespace knows its client only as a requester (`SyncRequester`,
`AsyncRequester`), never the client classes, so generated code never imports `_client`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Coroutine, Iterator, Mapping
from functools import partial
from typing import TYPE_CHECKING, Any, Concatenate, Generic, ParamSpec, Protocol, Self, TypeVar, overload

from ._config import DEFAULT_PAGE_SIZE
from ._exceptions import APIResultError
from ._pages import PageGuard
from ._request import DEFAULT_OPTIONS, Parser, RequestOptions, RequestSpec
from ._types import Unset

if TYPE_CHECKING:
    from ._result import APIResult, RawResponse

T = TypeVar("T")
Item = TypeVar("Item")
P = ParamSpec("P")


class SyncRequester(Protocol):
    """What a sync namespace needs of its client: the one requester (Client, InternalClient...)."""

    def _send(
        self, request: RequestSpec, parse: Parser[T], options: RequestOptions = DEFAULT_OPTIONS
    ) -> APIResult[T]: ...

    def _send_raw(
        self, request: RequestSpec, parse: Parser[T], options: RequestOptions = DEFAULT_OPTIONS
    ) -> APIResult[RawResponse[T]]: ...


class AsyncRequester(Protocol):
    """What an async namespace needs of its client: the one requester (AsyncClient...)."""

    async def _send(
        self, request: RequestSpec, parse: Parser[T], options: RequestOptions = DEFAULT_OPTIONS
    ) -> APIResult[T]: ...

    async def _send_raw(
        self, request: RequestSpec, parse: Parser[T], options: RequestOptions = DEFAULT_OPTIONS
    ) -> APIResult[RawResponse[T]]: ...


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

    def _send(self, request: RequestSpec, parse: Parser[T], options: RequestOptions) -> APIResult[T]:
        return self._client._send(request, parse, options)

    def _iterate(
        self,
        build: Callable[[dict[str, int]], RequestSpec],
        parse: Parser[Any],
        page: object,
        options: RequestOptions,
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
                result = self._client._send(request, parse, options)
                if result.ok is False:
                    result.unwrap()  # raises the error, with its cause
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

    async def _send(self, request: RequestSpec, parse: Parser[T], options: RequestOptions) -> APIResult[T]:
        return await self._client._send(request, parse, options)

    def _iterate(
        self,
        build: Callable[[dict[str, int]], RequestSpec],
        parse: Parser[Any],
        page: object,
        options: RequestOptions,
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
                result = await self._client._send(request, parse, options)
                if result.ok is False:
                    result.unwrap()
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


# -- with_raw_response: the same methods, answering with the response as received --------


class _RawSender:
    """Stands in for a namespace when a generated method runs for `with_raw_response`: the
    method body's `self._send(...)` sends through the requester's raw path."""

    __slots__ = ("_send",)

    def __init__(self, send: Callable[..., Any]) -> None:
        self._send = send


class SyncRawNamespace:
    """`client.<namespace>.with_raw_response`: each operation method, answering
    `APIResult[RawResponse[T]]` (Ok whenever a response arrived, whatever its status)."""

    def __init__(self, client: SyncRequester) -> None:
        self._sender = _RawSender(client._send_raw)


class AsyncRawNamespace:
    """`client.<namespace>.with_raw_response` of an async client (see SyncRawNamespace)."""

    def __init__(self, client: AsyncRequester) -> None:
        self._sender = _RawSender(client._send_raw)


class raw_method(Generic[P, T]):
    """A namespace method, on a SyncRawNamespace: same arguments, the response as received."""

    def __init__(self, method: Callable[Concatenate[Any, P], APIResult[T]]) -> None:
        self._method = method
        self.__doc__ = method.__doc__

    @overload
    def __get__(self, obj: None, owner: type) -> Self: ...
    @overload
    def __get__(self, obj: SyncRawNamespace, owner: type) -> Callable[P, APIResult[RawResponse[T]]]: ...
    def __get__(self, obj: SyncRawNamespace | None, owner: type) -> Any:
        return self if obj is None else partial(self._method, obj._sender)


class async_raw_method(Generic[P, T]):
    """An async namespace method, on an AsyncRawNamespace: same arguments, the response as received."""

    def __init__(self, method: Callable[Concatenate[Any, P], Coroutine[Any, Any, APIResult[T]]]) -> None:
        self._method = method
        self.__doc__ = method.__doc__

    @overload
    def __get__(self, obj: None, owner: type) -> Self: ...
    @overload
    def __get__(
        self, obj: AsyncRawNamespace, owner: type
    ) -> Callable[P, Coroutine[Any, Any, APIResult[RawResponse[T]]]]: ...
    def __get__(self, obj: AsyncRawNamespace | None, owner: type) -> Any:
        return self if obj is None else partial(self._method, obj._sender)


__all__ = [
    "AsyncNamespace",
    "AsyncRawNamespace",
    "AsyncRequester",
    "SyncNamespace",
    "SyncRawNamespace",
    "SyncRequester",
    "async_raw_method",
    "raw_method",
]
