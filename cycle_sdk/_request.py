"""What a generated endpoint module hands the core: the operation, the encoded request, a parser;
and what a namespace method adds to it: the call's options, one frozen RequestOptions.

Namespace methods (the one calling convention) call an endpoint module's `build_request()`
and send the RequestSpec with its `parse()` and their RequestOptions through their client's
requester.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import httpx
from attrs import define, evolve, field, frozen

from ._redact import REDACTED
from ._tokens import HEADER_VALUE
from ._types import UNSET, Unset
from ._wire import _json_value, _scalar

T = TypeVar("T")
Parser = Callable[[int, Any], T]

# An HTTP header name (RFC 9110 token characters).
HEADER_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# Headers httpx computes from the request itself: set by hand they would misframe it.
FRAMING_HEADERS = frozenset({"content-length", "transfer-encoding", "host"})
# The success statuses that may come without a body.
EMPTY_STATUSES = frozenset({202, 204})
# The methods whose requests carry no body, so `extra_body` has nothing to go into.
BODILESS_METHODS = frozenset({"GET", "HEAD"})


@frozen
class Operation:
    """Facts about one API operation, fixed at generation time: a generated package's
    `operations.py` holds one per operation, and its endpoint modules take theirs from there."""

    method: str
    path: str
    operation_id: str
    namespace: str
    name: str
    success: tuple[int, ...]
    # Whether the namespace has `iter_<name>()`: a GET that takes `page` and lists `data`.
    paginated: bool = False
    tag: str = ""  # the spec's tag (the namespace is its snake_case)
    module: str = ""  # the endpoint module, relative to the generated package (`api.jobs.get_job`)

    @property
    def empty_success(self) -> frozenset[int]:
        """The statuses whose empty body is `Ok(None)`: 202 (Accepted) and 204 (No Content), for
        an operation that defines either. Its methods' return types say `| None`; for any other
        operation an empty body is an error (a 204 an unexpected status)."""
        return EMPTY_STATUSES if EMPTY_STATUSES.intersection(self.success) else frozenset()


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


def _check_team(value: object) -> str | None:
    if value is not None and not isinstance(value, str):
        raise TypeError(f"option 'team' must be a str, not {type(value).__name__}")
    return value


def _check_cache(value: object) -> bool | None:
    if value is not None and not isinstance(value, bool):
        raise TypeError(f"option 'cache' must be a bool, not {type(value).__name__}")
    return value


def _check_timeout(value: object) -> float | httpx.Timeout | Unset | None:
    if value is None or isinstance(value, Unset | httpx.Timeout):
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"option 'timeout' must be seconds, an httpx.Timeout or None, not {type(value).__name__}")
    if not value > 0:
        raise ValueError(f"option 'timeout' must be positive, not {value!r} (None means no timeout)")
    return value


def _check_max_retries(value: object) -> int | None:
    if value is not None:
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"option 'max_retries' must be an int, not {type(value).__name__}")
        if value < 0:
            raise ValueError(f"option 'max_retries' must be 0 or more, not {value!r}")
    return value


def _pairs(value: object, option: str) -> Mapping[Any, Any]:
    if not isinstance(value, Mapping):
        raise TypeError(f"option {option!r} must be a dict, not {type(value).__name__}")
    for key in value:
        if not isinstance(key, str):
            raise TypeError(f"option {option!r} has a key that is not a str: {type(key).__name__}")
    return value


def _to_headers(value: object) -> tuple[tuple[str, str], ...]:
    """`extra_headers` as (name, value) pairs; a value is never quoted back (it may be a secret)."""
    if value is None:
        return ()
    headers = _pairs(value, "extra_headers")
    for name, text in headers.items():
        if not HEADER_NAME.fullmatch(name):
            raise ValueError(f"option 'extra_headers': {name!r} is not an HTTP header name")
        if not isinstance(text, str):
            raise TypeError(f"option 'extra_headers': the value of {name!r} must be a str, not {type(text).__name__}")
        if text and not HEADER_VALUE.fullmatch(text):
            raise ValueError(
                f"option 'extra_headers': the value of {name!r} is not printable ASCII on one line "
                "(hint: a trailing newline or space read from a file?)"
            )
        if name.lower() in FRAMING_HEADERS:
            raise ValueError(f"option 'extra_headers' cannot set {name!r}: httpx computes it from the request")
    return tuple(headers.items())


def _to_query(value: object) -> tuple[tuple[str, str], ...]:
    """`extra_query` as wire pairs: a list value repeats its parameter, None leaves it out."""
    if value is None:
        return ()
    pairs: list[tuple[str, str]] = []
    for name, item in _pairs(value, "extra_query").items():
        where = f"extra_query[{name!r}]"
        items = item if isinstance(item, list | tuple) else [item]
        pairs.extend((name, _scalar(where, one)) for one in items if one is not None)
    return tuple(pairs)


def _to_body(value: object) -> Mapping[str, Any] | None:
    """`extra_body` in its JSON form (models, datetimes and enums turned into JSON values)."""
    if value is None:
        return None
    payload: dict[str, Any] = _json_value(_pairs(value, "extra_body"), "extra_body")
    try:
        json.dumps(payload, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"option 'extra_body' cannot be sent as JSON: {exc}") from None
    return payload


def _header_names(headers: tuple[tuple[str, str], ...]) -> str:
    """`extra_headers` in a repr: the names only, since a value may be a credential."""
    return repr({name: REDACTED for name, _ in headers})


@frozen
class RequestOptions:
    """The per-call options of one call, checked and frozen when the call is made, then carried
    whole through the requester. Every namespace method takes them as keywords:

    - `team`: the hub (X-Hub-Id) of this call; None: the client's `team`.
    - `cache`: True/False to use or skip the response cache for this GET; None: the client's
      `settings.cache.use`.
    - `timeout`: seconds (at most that long for an attempt, body included) or an
      httpx.Timeout (per phase, with the client's total); None: no timeout at all, neither per
      phase nor in total; left out (UNSET): the client's timeout.
    - `max_retries`: retries of a failed attempt; None: the client's `max_retries`.
    - `extra_headers`: headers added to the request; a name the SDK sets too (Accept,
      User-Agent...) takes this value. The credentials header and X-Hub-Id cannot be set
      here (use `api_key=`/`team=`), nor Content-Length, Transfer-Encoding and Host.
    - `extra_query`: query parameters added to the request; a name the operation sets too
      takes this value (all of its occurrences); a list repeats the parameter.
    - `extra_body`: keys merged into the JSON body, over the operation's own; an operation
      without a body sends these alone (not on GET).
    """

    team: str | None = field(default=None, converter=_check_team)
    cache: bool | None = field(default=None, converter=_check_cache)
    timeout: float | httpx.Timeout | Unset | None = field(default=UNSET, converter=_check_timeout)
    max_retries: int | None = field(default=None, converter=_check_max_retries)
    extra_headers: tuple[tuple[str, str], ...] = field(default=None, converter=_to_headers, repr=_header_names)
    extra_query: tuple[tuple[str, str], ...] = field(default=None, converter=_to_query)
    extra_body: Mapping[str, Any] | None = field(default=None, converter=_to_body)

    @classmethod
    def of(
        cls,
        team: str | None = None,
        cache: bool | None = None,
        timeout: float | httpx.Timeout | Unset | None = UNSET,
        max_retries: int | None = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_body: Mapping[str, object] | None = None,
    ) -> RequestOptions:
        """The options of one call, as a method's keywords give them: the one shared
        DEFAULT_OPTIONS when none is given (most calls), else a new RequestOptions."""
        if (
            team is None
            and cache is None
            and timeout is UNSET
            and max_retries is None
            and extra_headers is None
            and extra_query is None
            and extra_body is None
        ):
            return DEFAULT_OPTIONS
        return cls(team, cache, timeout, max_retries, extra_headers, extra_query, extra_body)

    def apply(self, request: RequestSpec) -> RequestSpec:
        """`request` with `extra_query` and `extra_body` merged in (itself when there are none)."""
        if not self.extra_query and self.extra_body is None:
            return request
        params = request.params
        if self.extra_query:
            replaced = {name for name, _ in self.extra_query}
            params = [pair for pair in params if pair[0] not in replaced] + list(self.extra_query)
        body = request.json
        if self.extra_body is not None:
            if request.method in BODILESS_METHODS:
                raise ValueError(f"option 'extra_body' cannot go with {request.method}: it has no request body")
            if request.data is not None:
                raise TypeError("option 'extra_body' merges into JSON bodies; this operation sends a form")
            if body is None:
                body = dict(self.extra_body)
            elif isinstance(body, Mapping):
                body = {**body, **self.extra_body}
            else:
                raise TypeError(f"option 'extra_body' cannot be merged into a JSON {type(body).__name__} body")
        return evolve(request, params=params, json=body)


DEFAULT_OPTIONS = RequestOptions()

__all__ = ["DEFAULT_OPTIONS", "Operation", "Parser", "RequestOptions", "RequestSpec"]
