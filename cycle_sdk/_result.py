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
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, Literal, NoReturn, TypeAlias, TypeVar, final

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

T = TypeVar("T")
U = TypeVar("U")


@final
@frozen
class Ok(Generic[T]):
    """A success: `.value` is the typed response document. There is no `.error`."""

    value: T
    ok: Literal[True] = field(default=True, init=False, repr=False)

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
        return Ok(fn(self.value))

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
class Err:
    """A failure: `.error` is the APIError (an exception: `unwrap()` raises it). There is no `.value`."""

    error: APIError
    ok: Literal[False] = field(default=False, init=False, repr=False)

    def __bool__(self) -> Literal[False]:
        return False

    def __str__(self) -> str:
        return f"Err {self.error}"

    def unwrap(self) -> NoReturn:
        """For callers who prefer exceptions: raise the error (its class says what kind:
        NotFoundError, APIConnectionError, ...; all are APIError).

        What is raised is a fresh copy of `.error`, equal to it: the value held here
        never collects a traceback."""
        raise self.error._raisable()

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

__all__ = [
    "BODY_TOO_LARGE",
    "CLIENT_CLOSED",
    "NETWORK_ERROR",
    "NO_API_KEY",
    "PARSE_ERROR",
    "TIMEOUT",
    "UNEXPECTED_STATUS",
    "APIError",
    "APIResult",
    "Err",
    "Ok",
]
