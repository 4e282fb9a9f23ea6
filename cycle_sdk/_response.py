"""A response (or the exception that stood in for one) into an APIResult, as pure functions.

The requester (`_base_client`) reads a status, headers and body, then hands them here with
the response's facts (status and headers, `ResponseFacts`), which every result made here
carries. No function here does I/O or keeps state: what a caller's secrets are comes in as a
Redactor, or as a function that builds one (only error paths build it: the secrets may come
from a file). Nothing here raises for a hostile response: `read_response` turns whatever
decoding raises into an Err, with what it raised as the Err's cause.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar, cast

import httpx

from ._body import BodyTooLarge, DeadlineExceeded
from ._decode import DecodeError, InvalidJSON
from ._messages import network_error_text
from ._redact import TOO_DEEP, Redactor
from ._request import Parser, RequestSpec
from ._result import (
    BODY_TOO_LARGE,
    NO_RESPONSE,
    PARSE_ERROR,
    TIMEOUT,
    UNEXPECTED_STATUS,
    APIError,
    APIResult,
    Err,
    Ok,
    ResponseFacts,
)

log = logging.getLogger("cycle_sdk")

T = TypeVar("T")
RedactorFactory = Callable[[], Redactor]

# How much of a plain-text error body is read to show its first 200 characters, redacted.
PLAIN_ERROR_READ = 4096


def error(
    request: RequestSpec,
    status: int,
    code: str,
    title: str,
    detail: str | None = None,
    *,
    redactor: Redactor,
    limit: int | None = None,
    response: ResponseFacts = NO_RESPONSE,
    cause: BaseException | None = None,
) -> Err:
    """An Err made by the SDK; `detail` (which may quote the response) is redacted, then cut to `limit`."""
    return Err(
        APIError(
            status=status,
            code=code,
            title=title,
            detail=redactor(detail) if limit is None else redactor.clip(detail, limit),
            method=request.method,
            path=request.path,
        ),
        response=response,
        cause=None if cause is None else clean_cause(cause, redactor),
    )


def from_exception(
    request: RequestSpec, exc: BaseException, *, url: str, redactor: Redactor, response: ResponseFacts = NO_RESPONSE
) -> Err:
    """The Err for an attempt that raised instead of answering (network fault, timeout, huge
    body); `response` holds what had arrived of the response (its status and headers), if any."""
    if isinstance(exc, httpx.TimeoutException | DeadlineExceeded | TimeoutError):
        status, code, title, detail = 0, TIMEOUT, "The request timed out", f"{type(exc).__name__}: {exc}"
    elif isinstance(exc, BodyTooLarge):
        status, code, title, detail = exc.status, BODY_TOO_LARGE, "The response body is too large", str(exc)
    else:
        status, (code, title, detail) = 0, network_error_text(exc, url)
    return error(request, status, code, title, detail, redactor=redactor, response=response, cause=exc)


def clean_cause(exc: BaseException, redactor: Redactor) -> BaseException | None:
    """`exc` fit to keep as an Err's cause: its traceback (and the frames it holds) dropped and
    every secret taken out of its text, along the chain of exceptions behind it. None when its
    text would still show a secret (an exception whose str() does not come from its fields)."""
    seen: set[int] = set()
    node: BaseException | None = exc
    while node is not None and id(node) not in seen:
        seen.add(id(node))
        node.__traceback__ = None
        node.args = tuple(redactor(arg) if isinstance(arg, str) else arg for arg in node.args)
        for name, value in list(getattr(node, "__dict__", {}).items()):
            if isinstance(value, str):
                setattr(node, name, redactor(value))
            elif _shows_secret(value, redactor):
                setattr(node, name, None)  # a value it kept (a decoded document), not its text
        try:
            shown = f"{node}{node!r}"
        except Exception:
            return None
        if redactor(shown) != shown:
            return None
        node = node.__cause__ or node.__context__
    return exc


def _shows_secret(value: object, redactor: Redactor) -> bool:
    try:
        shown = repr(value)
    except Exception:
        return True
    return redactor(shown) != shown


def read_response(
    request: RequestSpec, response: ResponseFacts, body: bytes, parse: Parser[T], redactor: RedactorFactory
) -> APIResult[T]:
    """`from_response` behind one guard: whatever a hostile response makes it raise (an
    overflowing date, an envelope nested past the recursion limit) is an Err, never raised."""
    try:
        return from_response(request, response, body, parse, redactor)
    except Exception as exc:
        return error(
            request,
            response.status,
            PARSE_ERROR,
            "The response could not be read",
            f"{type(exc).__name__}: {exc}",
            redactor=redactor(),
            limit=300,
            response=response,
            cause=exc,
        )


def from_response(
    request: RequestSpec, response: ResponseFacts, body: bytes, parse: Parser[T], redactor: RedactorFactory
) -> APIResult[T]:
    op = request.operation
    status, headers = response.status, response.received
    assert headers is not None  # the facts of a response that was read hold its headers
    # httpx's own "HTTP Request" line is not logged on the direct path; this one says less
    # (the path template, not the URL with IDs and query).
    log.debug("%s %s: HTTP %d", request.method, op.path, status)
    if not 200 <= status < 300:
        return Err(api_error(request, status, headers, body, redactor()), response=response)

    def parse_error(title: str, detail: str, limit: int | None = None, cause: BaseException | None = None) -> Err:
        return error(
            request,
            status,
            PARSE_ERROR,
            title,
            detail,
            redactor=redactor(),
            limit=limit,
            response=response,
            cause=cause,
        )

    empty = not body.strip()
    if empty and (not op.success or status in op.empty_success):
        # Accepted or No Content, where the operation defines either: its methods' return types
        # say `| None` (an operation defined by hand, with no statuses, is untyped).
        return Ok(cast(T, None), response=response)
    if op.success and status not in op.success:
        return error(
            request,
            status,
            UNEXPECTED_STATUS,
            f"Unexpected status {status}",
            f"expected {op.success}",
            redactor=redactor(),
            response=response,
        )
    if empty:
        return parse_error("Empty response body", "expected a JSON document")
    media = headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media and media != "application/json" and not media.endswith("+json"):
        return parse_error("The response is not JSON", f"content-type {media!r}", 100)
    try:
        return Ok(parse(status, body), response=response)
    except (ValueError, RecursionError) as exc:
        if isinstance(exc, InvalidJSON | json.JSONDecodeError | UnicodeDecodeError | RecursionError):
            return parse_error("The response is not valid JSON", str(exc), 200, exc)
        if isinstance(exc, DecodeError):  # names the JSON path: data[3].name: expected string, got integer
            return parse_error("The response does not match the API schema", str(exc), 300, exc)
        return parse_error("The response does not match the API schema", f"{type(exc).__name__}: {exc}", 300, exc)
    except Exception as exc:  # whatever a hostile body makes a model raise is a parse error
        return parse_error("The response does not match the API schema", f"{type(exc).__name__}: {exc}", 300, exc)


def api_error(request: RequestSpec, status: int, headers: httpx.Headers, body: bytes, redact: Redactor) -> APIError:
    """The APIError of a non-2xx response: Cycle's error envelope, an OAuth error, or plain text."""
    retry_after = parse_retry_after(headers.get("retry-after"))
    payload: Any = None
    try:
        payload = json.loads(body) if body else None
    except (ValueError, RecursionError):
        payload = None
    err = payload.get("error") if isinstance(payload, Mapping) else None
    if isinstance(err, Mapping):
        # Every string that came from the body is redacted: an error may echo the request back.
        source, code, title, body_status = (err.get(k) for k in ("source", "code", "title", "status"))
        if not isinstance(code, str) or not code:
            code = f"{status}.error"
        if not isinstance(title, str) or not title:
            title = httpx.codes.get_reason_phrase(status) or "Error"
        return APIError(
            status=body_status if isinstance(body_status, int) and 100 <= body_status <= 599 else status,
            code=redact(code) or code,
            title=redact(title) or title,
            detail=redact(_text(err["detail"])) if err.get("detail") is not None else None,
            source=redact(_text(source)) if source is not None else None,
            method=request.method,
            path=request.path,
            retry_after=retry_after,
            extra=redact.json(err),
        )
    if isinstance(err, str):
        # OAuth 2.0 error body (RFC 6749 5.2): normalized to the same shape.
        err = redact(err) or ""
        return APIError(
            status=status,
            code=f"{status}.{err}",
            title=err.replace("_", " "),
            detail=redact(_text(payload.get("error_description") or "")) or None,
            method=request.method,
            path=request.path,
            retry_after=retry_after,
        )
    # Redacted before it is cut to 200 characters (a secret across the cut is caught whole).
    text = body[:PLAIN_ERROR_READ].decode("utf-8", "replace").strip() if body else None
    return APIError(
        status=status,
        code=f"{status}.http_error",
        title=httpx.codes.get_reason_phrase(status) or f"HTTP {status}",
        detail=redact.clip(text, 200),
        method=request.method,
        path=request.path,
        retry_after=retry_after,
    )


def _text(value: Any) -> str:
    """str() of a value from a response body; a value nested past the recursion limit is not shown."""
    try:
        return value if isinstance(value, str) else str(value)
    except RecursionError:
        return TOO_DEEP


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After in seconds, or as an HTTP date; None when it is neither (or not a number)."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return max(0.0, seconds) if seconds == seconds else None  # NaN is no delay
    try:
        import email.utils

        # A year or zone offset too large for datetime overflows here or in timestamp().
        seconds = email.utils.parsedate_to_datetime(value).timestamp() - time.time()
    except (TypeError, ValueError, OverflowError, IndexError):
        return None
    return max(0.0, seconds)


__all__ = [
    "api_error",
    "clean_cause",
    "error",
    "from_exception",
    "from_response",
    "parse_retry_after",
    "read_response",
]
