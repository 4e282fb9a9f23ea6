"""The SDK's exceptions, under one root: CycleError.

Calls return APIResult values instead of raising. The error an `Err` holds is itself an
exception, named as openai-python names them, so the same object serves both styles:

    res = client.environments.get_environment("nope")
    if isinstance(res.error, cycle_sdk.NotFoundError): ...       # inspect it as a value
    try:
        env = res.unwrap()                                         # or have it raised
    except cycle_sdk.NotFoundError as exc:
        print(exc.code, exc.title)

    APIError                          every error a call can end with; what unwrap()/iter_* raise
    ├── APIStatusError                the API answered with an error status
    │   ├── BadRequestError           400
    │   ├── AuthenticationError       401
    │   ├── PermissionDeniedError     403
    │   ├── NotFoundError             404
    │   ├── ConflictError             409
    │   ├── UnprocessableEntityError  422
    │   ├── RateLimitError            429
    │   └── InternalServerError       >= 500
    ├── APIConnectionError            0.network_error, 0.client_closed
    │   └── APITimeoutError           0.timeout
    └── SDKError                      the SDK's other local codes (0.no_api_key, ...)
        ├── APIResponseValidationError  0.parse_error, 0.unexpected_status
        └── JobFailedError            0.job_failed (jobs.wait(check=True))

`APIError(status=..., code=..., ...)` builds the class its status and code call for.
Other exceptions are for programming errors: bad configuration (ConfigurationError),
arguments that cannot be encoded (TypeError/ValueError), and reading `.value` of an Err
or `.error` of an Ok (ResultAccessError).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, overload

from ._printable import printable

# Codes of the errors made on the client side (the API's own codes look like "404.environment").
NETWORK_ERROR = "0.network_error"
TIMEOUT = "0.timeout"
CLIENT_CLOSED = "0.client_closed"
PARSE_ERROR = "0.parse_error"
UNEXPECTED_STATUS = "0.unexpected_status"
BODY_TOO_LARGE = "0.body_too_large"
NO_API_KEY = "0.no_api_key"
NO_REFRESH_TOKEN = "0.no_refresh_token"
JOB_FAILED = "0.job_failed"
JOB_WAIT_TIMEOUT = "0.job_wait_timeout"
JOB_WAIT_STOPPED = "0.job_wait_stopped"
INVALID_JOB = "0.invalid_job"
PAGE_REPEATED = "0.page_repeated"
TOO_MANY_PAGES = "0.too_many_pages"

_FIELDS = ("status", "code", "title", "detail", "source", "method", "path", "retry_after", "extra")


class CycleError(Exception):
    """Root of every exception the SDK raises on purpose."""


class ConfigurationError(CycleError, ValueError):
    """The client cannot be used as configured (e.g. no API key), with a hint how to fix it."""


class APIError(CycleError):
    """One error, in Cycle's error shape, plus what request it answered.

    `status` is the HTTP status (0 when no response arrived). `code` is Cycle's error code
    (`"404.environment"`) or one of the SDK's own `0.*` codes. `extra` is the rest of the
    API's error object. Never holds a secret. Immutable, and equal to another APIError of
    the same class with the same fields.
    """

    status: int
    code: str
    title: str
    detail: str | None
    source: str | None
    method: str | None
    path: str | None
    retry_after: float | None
    extra: Mapping[str, Any] | None
    _origin: Self | None = None

    @overload
    def __new__(cls, error: APIError, /) -> Self: ...
    @overload
    def __new__(
        cls,
        *,
        status: int,
        code: str,
        title: str,
        detail: str | None = None,
        source: str | None = None,
        method: str | None = None,
        path: str | None = None,
        retry_after: float | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> Self: ...
    def __new__(cls, *args: Any, **fields: Any) -> Self:
        if cls is APIError:  # the root picks the class its status and code call for
            source = args[0] if args else None
            chosen = type(source) if isinstance(source, APIError) else error_class(fields["status"], fields["code"])
            return super().__new__(chosen)  # type: ignore[return-value]
        return super().__new__(cls)

    @overload
    def __init__(self, error: APIError, /) -> None: ...
    @overload
    def __init__(
        self,
        *,
        status: int,
        code: str,
        title: str,
        detail: str | None = None,
        source: str | None = None,
        method: str | None = None,
        path: str | None = None,
        retry_after: float | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None: ...
    def __init__(self, *args: Any, **fields: Any) -> None:
        # `APIError(err)` (and `APIResultError(err)`, as before) is a copy of err.
        if args:
            (error,) = args
            if not isinstance(error, APIError) or fields:
                raise TypeError("APIError() takes one APIError to copy, or keyword fields")
            fields = error._fields()
        for name in ("status", "code", "title"):
            if name not in fields:
                raise TypeError(f"APIError() missing keyword argument {name!r}")
        set_field = object.__setattr__
        for name in _FIELDS:
            set_field(self, name, fields.pop(name, None))
        if fields:
            raise TypeError(f"APIError() got unexpected keyword arguments {sorted(fields)}")
        super().__init__(str(self))

    def _fields(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in _FIELDS}

    def __setattr__(self, name: str, value: Any) -> None:
        # Immutable like a value; Python's own exception attributes (__traceback__,
        # __notes__, ...) stay settable.
        if name in _FIELDS:
            raise AttributeError(f"{type(self).__name__} is immutable: cannot set {name!r}")
        super().__setattr__(name, value)

    def __str__(self) -> str:
        # The fields hold what the server sent, as sent; the message shows control characters,
        # bidi overrides and lone surrogates as visible escapes (a traceback prints it raw).
        text = f"{self.code}: {self.title}"
        if self.detail:
            text += f" ({self.detail})"
        if self.method and self.path:
            text += f" [{self.method} {self.path}]"
        return printable(text)

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{name}={getattr(self, name)!r}"
            for name in _FIELDS
            if name != "extra" and (name in ("status", "code", "title") or getattr(self, name) is not None)
        )
        return f"{type(self).__name__}({shown})"

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, APIError)
        return self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash((type(self), *(getattr(self, name) for name in _FIELDS[:-1])))

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self._fields()))

    @property
    def error(self) -> Self:
        """The error value: for one raised by `unwrap()`, the very object the Err holds (`res.error`).
        Code written for `except APIResultError as e: e.error` keeps working."""
        return self._origin or self

    @property
    def status_code(self) -> int:
        """`status`, under openai-python's name."""
        return self.status

    @property
    def message(self) -> str:
        """`str(error)`, under openai-python's name."""
        return str(self)

    def _raisable(self) -> Self:
        """A fresh copy to raise: the value an Err holds (possibly cached, possibly shared by
        threads) never collects a traceback or a chained exception."""
        copy = type(self)(self)
        copy._origin = self
        return copy


class APIStatusError(APIError):
    """The API answered with an error status (`status`); `code` is the API's own."""


class BadRequestError(APIStatusError):
    """400."""


class AuthenticationError(APIStatusError):
    """401: the API key or token is missing, wrong or expired."""


class PermissionDeniedError(APIStatusError):
    """403: not allowed, or the hub (`X-Hub-Id`) is wrong."""


class NotFoundError(APIStatusError):
    """404."""


class ConflictError(APIStatusError):
    """409."""


class UnprocessableEntityError(APIStatusError):
    """422: the input was refused; `detail` and `source` say which field."""


class RateLimitError(APIStatusError):
    """429; `retry_after` holds the seconds the API asked for, if it did."""


class InternalServerError(APIStatusError):
    """A status of 500 or more."""


class APIConnectionError(APIError):
    """No response arrived: `0.network_error` (refused, DNS, reset, TLS...) or `0.client_closed`."""


class APITimeoutError(APIConnectionError):
    """`0.timeout`: connect, read or total time exceeded."""


class SDKError(APIError):
    """An error the SDK found itself (a `0.*` code other than network and timeout)."""


class APIResponseValidationError(SDKError):
    """`0.parse_error` / `0.unexpected_status`: the response is not what the operation defines."""


class JobFailedError(SDKError):
    """`0.job_failed`: `jobs.wait(check=True)` saw the job end in `error` or `expired`;
    `detail` is the job's error message."""


# Kept for code written before the hierarchy: `except APIResultError` catches what it did.
APIResultError = APIError

_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}
_BY_LOCAL_CODE: dict[str, type[APIError]] = {
    NETWORK_ERROR: APIConnectionError,
    CLIENT_CLOSED: APIConnectionError,
    TIMEOUT: APITimeoutError,
    PARSE_ERROR: APIResponseValidationError,
    UNEXPECTED_STATUS: APIResponseValidationError,
    JOB_FAILED: JobFailedError,
}


def error_class(status: int, code: str) -> type[APIError]:
    """The class for an error: SDK-local `0.*` codes by code, the API's errors by status."""
    if code.startswith("0.") or not status:
        return _BY_LOCAL_CODE.get(code, SDKError)
    if status >= 500:
        return InternalServerError
    return _BY_STATUS.get(status, APIStatusError)


def _rebuild(cls: type[APIError], fields: dict[str, Any]) -> APIError:
    return cls(**fields)


class ResultAccessError(CycleError, AttributeError):
    """`.value` read on an Err, or `.error` on an Ok: says what the result was, and how to check.

    An AttributeError, so `hasattr(res, "value")` and `getattr(res, "value", None)` behave
    as before. `code` and `title` are the Err's (None on an Ok).
    """

    def __init__(self, message: str, *, name: str, code: str | None = None, title: str | None = None) -> None:
        super().__init__(message, name=name)
        self.code = code
        self.title = title


__all__ = [
    "BODY_TOO_LARGE",
    "CLIENT_CLOSED",
    "INVALID_JOB",
    "JOB_FAILED",
    "JOB_WAIT_STOPPED",
    "JOB_WAIT_TIMEOUT",
    "NETWORK_ERROR",
    "NO_API_KEY",
    "NO_REFRESH_TOKEN",
    "PAGE_REPEATED",
    "PARSE_ERROR",
    "TIMEOUT",
    "TOO_MANY_PAGES",
    "UNEXPECTED_STATUS",
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIResultError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ConfigurationError",
    "ConflictError",
    "CycleError",
    "InternalServerError",
    "JobFailedError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "ResultAccessError",
    "SDKError",
    "UnprocessableEntityError",
    "error_class",
]


# Tracebacks and reprs name the public path (`cycle_sdk.NotFoundError`), not this module.
def _publish() -> None:
    for name in __all__:
        value = globals()[name]
        if isinstance(value, type) and name == value.__name__:
            value.__module__ = "cycle_sdk"


_publish()
