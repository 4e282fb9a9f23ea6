"""APIResult: every SDK call returns `Ok[T] | Err`, which must be checked before use.

Two small generic classes joined by a type alias, so type checkers narrow them:

    res = client.environments.get_environment("ID")
    if res.ok is True:         # mypy and pyright narrow to Ok[...]
        print(res.value.data.name)
    else:                      # narrowed to Err
        print(res.error.code)

mypy also narrows on plain `if res.ok:` / `if not res.ok:`; pyright narrows on
`res.ok is True` / `res.ok is False`, on `isinstance(res, Ok)` and on `if res:` (a
result is truthy exactly when it is Ok). `res.value` is not defined on Err, so reading
it without one of these checks is a type error in both.

Both carry the facts of the response they came from, no check needed: `res.status`,
`res.headers` (credentials redacted) and `res.request_id`; an Err also its `cause`.
`RawResponse` is what `with_raw_response` answers: the response as received.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Generic, Literal, NoReturn, TypeAlias, TypeVar, cast, final

from attrs import field, frozen

# The SDK's own error codes are defined with the exceptions; importable from here as before.
from ._exceptions import (
    BODY_TOO_LARGE,
    CLIENT_CLOSED,
    NETWORK_ERROR,
    NO_API_KEY,
    PARSE_ERROR,
    TIMEOUT,
    UNEXPECTED_STATUS,
    APIError,
    ResultAccessError,
)
from ._redact import REDACTED, Redactor, SentSecrets

if TYPE_CHECKING:
    import httpx

T = TypeVar("T")
U = TypeVar("U")
V = TypeVar("V")

# Where a response's request id is read from, first found first. Cycle's spec names no such
# header; these are the ones APIs commonly send (every header is in `.headers` either way).
REQUEST_ID_HEADERS = ("x-request-id", "request-id")
# Response headers whose values are credentials by their nature: never shown, whatever they hold.
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})


class ResponseHeaders(Mapping[str, str]):
    """The headers of the response a result came from: read-only, looked up in any letter case;
    a name sent more than once reads as its values joined by ", " (`get_list` keeps them apart).
    Credentials are never here: values of Authorization, Cookie and Set-Cookie read
    `[REDACTED]`, and so does any secret of the client's a header repeats back."""

    __slots__ = ("_index", "_items")

    def __init__(self, items: Iterable[tuple[str, str]] = ()) -> None:
        self._items = tuple((name.lower(), value) for name, value in items)
        index: dict[str, str] = {}
        for name, value in self._items:
            index[name] = f"{index[name]}, {value}" if name in index else value
        self._index = index

    def __getitem__(self, name: str) -> str:
        if not isinstance(name, str):
            raise KeyError(name)
        return self._index[name.lower()]

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)

    def get_list(self, name: str) -> list[str]:
        """Every value of `name`, in the order received."""
        name = name.lower()
        return [value for key, value in self._items if key == name]

    def multi_items(self) -> list[tuple[str, str]]:
        """Every (name, value) pair as received (names in lower case), repeats included."""
        return list(self._items)

    def __repr__(self) -> str:
        return f"ResponseHeaders({dict(self._index)!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (ResponseHeaders, (self._items,))


class ResponseFacts:
    """The status and headers of the response a result came from (status 0: none came).

    Made for every response, so it does little until asked: `headers` are copied on first
    read, with every secret the client has sent (`secrets`: what a server may repeat back)
    taken out. It holds no reference to the client, so a cached result holds only itself.
    `received` is the httpx headers as they came, for the SDK's own reading (never shown)."""

    __slots__ = ("_headers", "_secrets", "received", "status")

    def __init__(
        self, status: int = 0, received: httpx.Headers | None = None, secrets: SentSecrets | None = None
    ) -> None:
        self.status = status
        self.received = received
        self._secrets = secrets
        self._headers: ResponseHeaders | None = None if received else EMPTY_HEADERS

    @property
    def headers(self) -> ResponseHeaders:
        headers = self._headers
        if headers is None:
            redact = Redactor(self._secrets.snapshot()) if self._secrets else None
            assert self.received is not None
            headers = self._headers = ResponseHeaders(
                (name, REDACTED if name in SECRET_HEADERS else (redact(value) or value) if redact else value)
                for name, value in self.received.multi_items()
            )
        return headers

    @property
    def request_id(self) -> str | None:
        headers = self.headers
        return next((headers[name] for name in REQUEST_ID_HEADERS if name in headers), None)

    def __repr__(self) -> str:
        return f"ResponseFacts(status={self.status})"

    def __reduce__(self) -> tuple[Any, ...]:
        # A copy (pickle, deepcopy) keeps the facts as shown, not the client's redactor.
        return (_facts, (self.status, self.headers))


def _facts(status: int, headers: ResponseHeaders) -> ResponseFacts:
    facts = ResponseFacts(status)
    facts._headers = headers
    return facts


EMPTY_HEADERS = ResponseHeaders()
NO_RESPONSE = ResponseFacts()


class _Fact(Generic[V]):
    """A fact of a result's response, read through to its ResponseFacts."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __get__(self, result: Any, owner: type) -> V:
        return cast(V, getattr(result._response, self._name))


class _FromResponse:
    """The HTTP facts of a result, from the response it came from: `status` (0 when none
    arrived: a network error, a timeout), `headers` (empty when none arrived; credentials
    redacted) and `request_id` (X-Request-Id, else Request-Id; None where it sent none)."""

    __slots__ = ()
    _response: ResponseFacts
    status: _Fact[int] = _Fact("status")
    headers: _Fact[ResponseHeaders] = _Fact("headers")
    request_id: _Fact[str | None] = _Fact("request_id")


@final
@frozen
class Ok(_FromResponse, Generic[T]):
    """A success: `.value` is the typed response document. There is no `.error`.

    `.status`, `.headers` and `.request_id` are those of the response it came from (for a
    result served from the cache, the response that filled the cache)."""

    value: T
    ok: Literal[True] = field(default=True, init=False, repr=False)
    _response: ResponseFacts = field(default=NO_RESPONSE, kw_only=True, eq=False, repr=False, alias="response")

    def __bool__(self) -> Literal[True]:
        return True

    def __str__(self) -> str:
        # print(res) reads like the JSON the API sent (a model's str is its JSON).
        return f"Ok {self.value}"

    def unwrap(self) -> T:
        return self.value

    def unwrap_or(self, default: U) -> T | U:
        return self.value

    def map(self, fn: Callable[[T], U]) -> Ok[U]:
        """An Ok of `fn(value)`, from the same response."""
        return Ok(fn(self.value), response=self._response)

    if not TYPE_CHECKING:  # at run time only: to the type checkers, Ok has no .error at all

        def __getattr__(self, name: str) -> Any:
            if name == "error":
                raise ResultAccessError(
                    "Ok has no .error: the call succeeded. Check `res.ok is False` (or `not res`) "
                    "before reading .error.",
                    name=name,
                )
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}", name=name, obj=self)


@final
@frozen
class Err(_FromResponse):
    """A failure: `.error` is the APIError (an exception: `unwrap()` raises it). There is no `.value`.

    `.status`, `.headers` and `.request_id` are those of the response it came from (status 0
    and no headers when none arrived). `.cause` is the exception behind it, if one was: the
    network error or timeout, the JSON or schema error of a body that could not be read; None
    for an error status. A cause has no traceback, and is left out (None) if its text would
    show a secret."""

    error: APIError
    ok: Literal[False] = field(default=False, init=False, repr=False)
    _response: ResponseFacts = field(default=NO_RESPONSE, kw_only=True, eq=False, repr=False, alias="response")
    cause: BaseException | None = field(default=None, kw_only=True, eq=False, repr=False)

    def __bool__(self) -> Literal[False]:
        return False

    def __str__(self) -> str:
        return f"Err {self.error}"

    def unwrap(self) -> NoReturn:
        """For callers who prefer exceptions: raise the error (its class says what kind:
        NotFoundError, APIConnectionError, ...; all are APIError), with `.cause` as its
        `__cause__`.

        What is raised is a fresh copy of `.error`, equal to it: the value held here
        never collects a traceback."""
        raisable = self.error._raisable()
        if self.cause is None:
            raise raisable
        raise raisable from self.cause

    def unwrap_or(self, default: U) -> U:
        return default

    def map(self, fn: Callable[[Any], Any]) -> Err:
        return self

    if not TYPE_CHECKING:  # at run time only: to the type checkers, Err has no .value at all

        def __getattr__(self, name: str) -> Any:
            if name == "value":
                error = self.error
                raise ResultAccessError(
                    f"Err has no .value: the call failed with {error.code} ({error.title}). "
                    "Check `res.ok` (or `if res:`) before reading .value, or call res.unwrap() "
                    "to raise the error.",
                    name=name,
                    code=error.code,
                    title=error.title,
                )
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}", name=name, obj=self)


APIResult: TypeAlias = Ok[T] | Err


@final
@frozen
class RawResponse(_FromResponse, Generic[T]):
    """A response as it was received, for the rare case: `content` is the body's bytes (not
    decoded into models, not redacted: the server's own words), `.status`, `.headers` and
    `.request_id` as on a result, and `parse()` the APIResult the method would have returned.
    Its repr shows no body."""

    content: bytes = field(repr=False)
    _result: APIResult[T] = field(repr=False, alias="result")
    _response: ResponseFacts = field(kw_only=True, repr=False, alias="response")

    def parse(self) -> APIResult[T]:
        """The result of this response: `Ok` of the decoded document or `Err`, as the method gives it."""
        return self._result

    @property
    def text(self) -> str:
        """The body as text, in the charset its Content-Type names (else UTF-8); undecodable bytes replaced."""
        charset = "utf-8"
        for param in self.headers.get("content-type", "").split(";")[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "charset" and value.strip():
                charset = value.strip().strip('"')
        try:
            return self.content.decode(charset, "replace")
        except LookupError:  # a charset Python does not know
            return self.content.decode("utf-8", "replace")

    def json(self) -> Any:
        """The body parsed as JSON (raises ValueError when it is not JSON)."""
        return json.loads(self.content)

    def __repr__(self) -> str:
        return f"RawResponse(status={self.status}, request_id={self.request_id!r}, content=<{len(self.content)} bytes>)"


__all__ = [
    "BODY_TOO_LARGE",
    "CLIENT_CLOSED",
    "NETWORK_ERROR",
    "NO_API_KEY",
    "NO_RESPONSE",
    "PARSE_ERROR",
    "TIMEOUT",
    "UNEXPECTED_STATUS",
    "APIError",
    "APIResult",
    "Err",
    "Ok",
    "RawResponse",
    "ResponseFacts",
    "ResponseHeaders",
]
