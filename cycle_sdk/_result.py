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

from collections.abc import Callable, Mapping
from typing import Any, Generic, Literal, NoReturn, TypeAlias, TypeVar, final

from attrs import field, frozen

from ._exceptions import APIResultError

T = TypeVar("T")
U = TypeVar("U")

# Codes of the errors made on the client side (the API's own codes look like "404.environment").
NETWORK_ERROR = "0.network_error"
TIMEOUT = "0.timeout"
PARSE_ERROR = "0.parse_error"
UNEXPECTED_STATUS = "0.unexpected_status"
BODY_TOO_LARGE = "0.body_too_large"
NO_API_KEY = "0.no_api_key"


@final
@frozen(kw_only=True)
class APIError:
    """One error, in Cycle's error shape, plus what request it answered.

    `status` is the HTTP status (0 when no response arrived). `code` is Cycle's error code
    (`"404.environment"`) or one of the SDK's own `0.*` codes. Never holds a secret.
    """

    status: int
    code: str
    title: str
    detail: str | None = None
    source: str | None = None
    method: str | None = None
    path: str | None = None
    retry_after: float | None = None
    extra: Mapping[str, Any] | None = field(default=None, repr=False)

    def __str__(self) -> str:
        text = f"{self.code}: {self.title}"
        if self.detail:
            text += f" ({self.detail})"
        if self.method and self.path:
            text += f" [{self.method} {self.path}]"
        return text


@final
@frozen
class Ok(Generic[T]):
    """A success: `.value` is the typed response document."""

    value: T
    ok: Literal[True] = field(default=True, init=False, repr=False)

    def __bool__(self) -> Literal[True]:
        return True

    def unwrap(self) -> T:
        return self.value

    def unwrap_or(self, default: U) -> T | U:
        return self.value

    def map(self, fn: Callable[[T], U]) -> Ok[U]:
        return Ok(fn(self.value))


@final
@frozen
class Err:
    """A failure: `.error` is the APIError. There is no `.value`."""

    error: APIError
    ok: Literal[False] = field(default=False, init=False, repr=False)

    def __bool__(self) -> Literal[False]:
        return False

    def unwrap(self) -> NoReturn:
        """For callers who prefer exceptions: raise APIResultError carrying the APIError."""
        raise APIResultError(self.error)

    def unwrap_or(self, default: U) -> U:
        return default

    def map(self, fn: Callable[[Any], Any]) -> Err:
        return self


APIResult: TypeAlias = Ok[T] | Err

__all__ = ["APIError", "APIResult", "Err", "Ok"]
