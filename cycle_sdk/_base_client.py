"""The requester under every client: BaseClient, SyncAPIClient and AsyncAPIClient.

One call goes: resolve its options (RequestOptions) against the client's settings, snapshot
the hub and token, maybe serve it from the cache, send it with retries (refreshing an OAuth
token once on a 401), and turn what came back into an APIResult (`_response.py`). Everything
a call can go through (network faults, timeouts, bad bodies, API errors) comes back as an Err;
nothing is raised past `_send` but the TypeError/ValueError of an argument that cannot be sent.

That orchestration is written once, in BaseClient, as generators that do no I/O: they yield
what they need done (`_Exchange` a request, `_Sleep`, `_Grant` a token refresh, run steps
`_Locked` under the refresh lock or `_Cached` through the response cache) and get its outcome
back. SyncAPIClient runs them with blocking I/O (`_run`), AsyncAPIClient with asyncio (`_arun`);
each requester holds only its own I/O.

The pieces a subclass may override, as in openai-python: `_should_retry`, `_retry_delay`,
`_jitter`. How credentials travel is an AuthScheme value each client holds.
"""

from __future__ import annotations

# asyncio loads where used: `import cycle_sdk` for a sync script should not pay ~20 ms for it.
import copy
import logging
import math
import threading
import time
from collections.abc import Callable, Generator
from functools import cached_property, partial
from typing import TYPE_CHECKING, Any, Generic, NamedTuple, Self, TypeAlias, TypeVar, cast, overload

import httpx
from attrs import evolve

from ._body import ACCEPT_ENCODING, BodyReader
from ._cache import CacheKeys, CacheSettings, ResponseCache, cache_applies
from ._clock import SYSTEM_CLOCK, Clock
from ._config import DEFAULT_MAX_CONNECTIONS, Settings, timeout_settings, to_timeout, total_of
from ._decode import decode_json
from ._httpx_private import transport_router
from ._messages import CLIENT_CLOSED_HINT, CLIENT_CLOSED_TITLE
from ._redact import Redactor, SentSecrets
from ._request import (
    DEFAULT_OPTIONS,
    Operation,
    Parser,
    RequestOptions,
    RequestSpec,
    _check_cache,
    _check_max_retries,
    _check_team,
    _check_timeout,
)
from ._response import error, from_exception, read_response
from ._result import CLIENT_CLOSED, NO_API_KEY, NO_RESPONSE, APIResult, Err, Ok, RawResponse, ResponseFacts
from ._retry import TRANSIENT_STATUSES, backoff_delay, is_transient, jitter
from ._tokens import HEADER_VALUE, PLATFORM_AUTH, AuthScheme, Token, TokenStorage
from ._transport import bound_client_transports, call_deadline, default_async_transport, default_transport
from ._types import UNSET, Unset
from ._version import API_SPEC_VERSION, __version__

if TYPE_CHECKING:
    import asyncio

log = logging.getLogger("cycle_sdk")

T = TypeVar("T")
R = TypeVar("R")
# The orchestration's steps: a generator of effects whose outcome is sent back into it.
Steps: TypeAlias = Generator[Any, Any, R]

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
RETRY_STATUSES = TRANSIENT_STATUSES  # the name the requester has always exported
USER_AGENT = f"cycle-sdk-python/{__version__} (cycle-api {API_SPEC_VERSION})"
# What a call with `timeout=None` waits: no phase is bounded, and there is no total.
NO_TIMEOUT = httpx.Timeout(None)
# Failures that leave the request unsent: a POST or PATCH may be retried after them.
UNSENT_ERRORS = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
_TOKEN_OPERATION = Operation("POST", "/oauth/token", "createOauthToken", "tokens", "create_oauth_token", (200,))


# -- the effects the orchestration yields, and what comes back --------------------------


class _Exchange(NamedTuple):
    """Send `request` and read its response, all by `deadline` (monotonic; None: no total)."""

    request: httpx.Request
    deadline: float | None


class _Sleep(NamedTuple):
    seconds: float


class _Grant(NamedTuple):
    """The OAuth refresh grant (a call of its own) with this refresh token."""

    refresh_token: str


class _Locked(NamedTuple):
    """Run `steps` holding the client's refresh lock (one refresh however many callers)."""

    steps: Steps[Any]


class _Cached(NamedTuple):
    """Run `steps` through the response cache under `key` (identical calls share one)."""

    key: tuple[Any, ...]
    ttl: float
    steps: Steps[Any]


# Which method of a requester does each effect.
_HANDLERS = {_Exchange: "_exchange", _Sleep: "_sleep", _Grant: "_grant", _Locked: "_locked", _Cached: "_cached"}


class _Reply(NamedTuple):
    """A response whose body was read (the response itself is closed)."""

    response: httpx.Response
    body: bytes


class _Failed(NamedTuple):
    """An exchange that raised; `sent` if the request may have gone out, `response` if its head came."""

    exc: Exception
    sent: bool
    response: httpx.Response | None


class _Answer(NamedTuple, Generic[T]):
    """What an attempt ends with: its result and, when a response was read, its facts and body."""

    result: APIResult[T]
    facts: ResponseFacts | None
    body: bytes | None

    def raw(self) -> APIResult[RawResponse[T]] | APIResult[T]:
        """The answer of `with_raw_response`: Ok of the response as received, or the Err of no response."""
        if self.facts is None or self.body is None:
            return self.result
        return Ok(RawResponse(self.body, self.result, response=self.facts), response=self.facts)


class _Call(NamedTuple):
    """One call's options resolved against the client's settings (read once, at the call)."""

    request: RequestSpec  # with extra_query and extra_body merged in
    hub: str | None
    timeout: httpx.Timeout
    total: float | None  # the most one attempt may take, body included; None: no limit
    retries: int
    headers: tuple[tuple[str, str], ...]  # extra_headers


class _Connection:
    """The httpx client a requester sends with. One the SDK made itself (`owned`) is sent
    through its transport directly, skipping what httpx.Client.send adds around it.

    Client.send runs an auth flow, redirect and event-hook loops, and a cookie jar; on a
    client the SDK made itself none of them can do anything (no auth, hooks or cookies are
    set on it, redirects are not followed), yet they cost about half of httpx's own time
    per call. The transport is still chosen by httpx (mounts, proxies from the environment),
    and its errors are the same httpx exceptions. A caller's own httpx client keeps the
    full send(), so its hooks, auth and cookies apply.
    """

    def __init__(self, http: Any, *, owned: bool) -> None:
        self.http = http
        self.owned = owned
        self.build_request: Callable[..., httpx.Request] = http.build_request
        route = transport_router(http)
        # The transport router, or None for a caller's own client (or an httpx without one).
        self.route: Callable[[httpx.URL], Any] | None = route if owned else None
        # As the client would send them, name case included (multi_items() lowercases names).
        self.default_headers = tuple((k.decode("latin-1"), v.decode("latin-1")) for k, v in http.headers.raw)

    def transport_for(self, request: httpx.Request) -> Any:
        if self.http.is_closed:
            raise RuntimeError("Cannot send a request, as the client has been closed.")
        assert self.route is not None
        return self.route(request.url)


def parse_json(status: int, body: bytes) -> Any:
    """The parser `send()` uses when given none: the JSON document as Python values, strictly
    (NaN, Infinity and numbers past a double's range are a parse error)."""
    return decode_json(body)


def _sendable(request: object, parse: object, options: object) -> None:
    """`send()`'s arguments, checked before anything is sent (a TypeError naming the argument)."""
    if not isinstance(request, RequestSpec):
        raise TypeError(
            f"send() takes a RequestSpec, not {type(request).__name__} "
            "(hint: RequestSpec(Operation(method, path, ...), path, params, json=body))"
        )
    if parse is not None and not callable(parse):
        raise TypeError(f"argument 'parse' must be a callable (status, body) -> value, not {type(parse).__name__}")
    if not isinstance(options, RequestOptions):
        raise TypeError(
            f"argument 'options' must be a RequestOptions, not {type(options).__name__} "
            "(hint: options=RequestOptions(cache=False))"
        )


def _cached_properties(cls: type) -> set[str]:
    return {name for klass in cls.__mro__ for name, value in vars(klass).items() if isinstance(value, cached_property)}


class BaseClient:
    """What sync and async share: settings, the per-call options, the orchestration of a call
    (as steps the requesters run), the retry policy (the override points), and the Err of a
    call that failed (through _response.py)."""

    _settings: Settings
    _cache: ResponseCache
    _api_key_token: Token | None = None
    # Whether close() closes the connection pool: the client that made it (or was given it), not
    # the clients its with_options made.
    _closes_pool = True

    def __init__(
        self, settings: Settings, *, auth_scheme: AuthScheme = PLATFORM_AUTH, clock: Clock = SYSTEM_CLOCK
    ) -> None:
        self._settings = settings
        # How credentials and the hub travel; the Internal and Scheduler clients pass their own.
        self._auth_scheme = auth_scheme
        # Every wait this client makes by itself (cache lifetimes, retry backoff, job polling).
        self._clock = clock
        self._cache = ResponseCache(settings.cache.max_entries, max_bytes=settings.cache.max_bytes, clock=clock)
        self._cache_keys = CacheKeys()
        # Secrets this client has sent (API keys checked by api_key_auth, tokens replaced by a
        # refresh, passwords): redacted from errors even once they are no longer in settings/storage.
        self._sent_secrets = SentSecrets()

    # -- configuration -------------------------------------------------------------

    @property
    def settings(self) -> Settings:
        return self._settings

    @property
    def team(self) -> str | None:
        return self._settings.team

    @team.setter
    def team(self, value: str | None) -> None:
        self._settings.team = value

    hub_id = team

    @property
    def storage(self) -> TokenStorage:
        return self._settings.storage

    @property
    def _conn(self) -> _Connection:
        """The connection this client sends with (each requester holds its own way)."""
        raise NotImplementedError

    @property
    def _http(self) -> Any:
        """The httpx client this client sends with."""
        return self._conn.http

    @property
    def _route(self) -> Callable[[httpx.URL], Any] | None:
        return self._conn.route

    def clear_cache(self) -> None:
        """Drop every cached response (reads in flight are not stored either)."""
        self._cache.clear()

    def with_options(
        self,
        *,
        team: str | Unset | None = UNSET,
        cache: bool | Unset = UNSET,
        timeout: float | httpx.Timeout | Unset | None = UNSET,
        max_retries: int | Unset = UNSET,
        max_body_size: int | Unset = UNSET,
    ) -> Self:
        """A client like this one with other defaults; what is left out stays as it is.

        It shares this client's connection pool, response cache (a write through either
        empties it for both; entries are keyed by hub and identity), token storage, refresh
        lock and event loop binding; its settings are a copy of this client's, taken now.
        `team=None` sends no hub; `timeout=None` means no timeout at all; `cache` turns its
        use of the shared cache on or off. Closing it leaves the pool open: close the client
        that made the pool.

            slow = client.with_options(timeout=120, max_retries=5)
        """
        changes: dict[str, Any] = {}
        if not isinstance(team, Unset):
            changes["team"] = _check_team(team)
        if not isinstance(cache, Unset):
            if _check_cache(cache) is None:
                raise TypeError("option 'cache' must be a bool, not None")
            changes["cache"] = evolve(self._settings.cache, use=cache)
        if not isinstance(timeout, Unset):
            _check_timeout(timeout)
            changes.update(
                {"timeout": NO_TIMEOUT, "total_timeout": None} if timeout is None else timeout_settings(timeout)
            )
        if not isinstance(max_retries, Unset):
            if _check_max_retries(max_retries) is None:
                raise TypeError("option 'max_retries' must be an int, not None")
            changes["max_retries"] = max_retries
        if not isinstance(max_body_size, Unset):
            if isinstance(max_body_size, bool) or not isinstance(max_body_size, int) or max_body_size < 1:
                raise TypeError(f"option 'max_body_size' must be a positive int, not {max_body_size!r}")
            changes["max_body_size"] = max_body_size
        derived = copy.copy(self)
        for name in _cached_properties(type(self)):  # namespaces and helpers bound to this client
            derived.__dict__.pop(name, None)
        cache_settings: CacheSettings = changes.pop("cache", None) or evolve(self._settings.cache)
        derived._settings = evolve(self._settings, cache=cache_settings, **changes)
        derived._closes_pool = False
        return derived

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self._settings.base_url!r}, team={self._settings.team!r})"

    def _current_token(self) -> Token | None:
        key = self._settings.api_key
        if key:
            # One Token per key (frozen, so it can be shared), not one per call.
            token = self._api_key_token
            if token is None or token.access_token != key:
                token = self._api_key_token = Token.api_key(key)
            return token
        return self._settings.storage.read()

    def _redactor(self) -> Redactor:
        """Redacts every secret in use or sent recently (see _redact.py)."""
        found = [self._settings.api_key] if self._settings.api_key else []
        token = self._settings.storage.read()
        if token is not None:
            found += [s for s in (token.access_token, token.refresh_token) if s]
        return Redactor([*found, *self._sent_secrets.snapshot()])

    def _hub(self, team: str | None) -> str | None:
        """The hub of one call: `team=` if given, else settings.team, read once per call (the
        header, the cache key and the token of a call must agree while settings change)."""
        return self._settings.team if team is None else team

    def _resolve(self, request: RequestSpec, options: RequestOptions) -> _Call:
        """The call's options over the client's settings; an extra header the SDK owns is refused."""
        settings = self._settings
        for name, _ in options.extra_headers:
            if name.lower() in (self._auth_scheme.header.lower(), (self._auth_scheme.hub_header or "").lower()):
                raise ValueError(
                    f"option 'extra_headers' cannot set {name!r}: the SDK sends it "
                    "(hint: pass the key as api_key=, the hub as team=)"
                )
        timeout = options.timeout
        if isinstance(timeout, Unset):
            phases, total = settings.timeout, settings.total_timeout
        elif timeout is None:
            phases, total = NO_TIMEOUT, None
        else:
            phases, total = to_timeout(timeout), total_of(timeout) or settings.total_timeout
        retries = settings.max_retries if options.max_retries is None else options.max_retries
        hub = self._hub(options.team)
        return _Call(options.apply(request), hub, phases, total, retries, options.extra_headers)

    def _headers(self, token: Token | None, call: _Call) -> dict[str, str]:
        headers = {"Accept": "application/json", "Accept-Encoding": ACCEPT_ENCODING, "User-Agent": USER_AGENT}
        if token is not None and call.request.url is None:
            self._sent_secrets.remember(token.access_token)
            scheme = self._auth_scheme
            headers[scheme.header] = scheme.prefix + token.access_token
        hub_header = self._auth_scheme.hub_header
        if call.hub and hub_header:
            headers[hub_header] = call.hub
        for name, value in call.headers:  # the caller's extra headers win over the SDK's
            for same in [key for key in headers if key.lower() == name.lower()]:
                del headers[same]
            headers[name] = value
        return headers

    def _missing_auth(self, request: RequestSpec, token: Token | None) -> Err | None:
        """Fail fast, before any I/O, when there is nothing to authenticate with."""
        if request.url is None and token is None:
            hint = self._auth_scheme.missing_hint
            problem = getattr(self._settings.storage, "problem", None)
            if isinstance(problem, str) and problem:
                hint = f"{problem}; {hint}"  # a token file was there, but unusable
            return self._error(request, 0, NO_API_KEY, "No API key provided", hint)
        return None

    def _check_headers(self, token: Token | None, hub: str | None, request: RequestSpec) -> Err | None:
        """Header values that HTTP cannot carry are refused before any I/O (and before httpx or
        h11 could quote them, secret included, in an exception or a log line). A hub is an
        argument (a ValueError); a key that cannot be sent is reported as a missing one is, an
        Err `0.no_api_key`, without quoting it."""
        if hub and not HEADER_VALUE.fullmatch(hub):
            raise ValueError("option 'team' (the X-Hub-Id header) must be printable ASCII without line breaks")
        if token is not None and request.url is None and not HEADER_VALUE.fullmatch(token.access_token):
            return self._error(
                request,
                0,
                NO_API_KEY,
                "The API key cannot be sent",
                "the API key or stored access token holds characters an HTTP header cannot carry; "
                "hint: a trailing newline or space read from a file or environment variable?",
            )
        return None

    def _url(self, request: RequestSpec) -> str:
        return request.url or self._settings.base_url.rstrip("/") + request.path

    # -- retry policy (override points) ----------------------------------------------

    def _should_retry(self, method: str, *, status: int | None, sent: bool) -> bool:
        """Idempotent requests retry on connect/read faults and 408/429/5xx; POST and PATCH
        only when the connection failed before the request was sent (a task must not run twice)."""
        if not sent:
            return True
        if method not in IDEMPOTENT_METHODS:
            return False
        return is_transient(status)

    def _retry_delay(self, attempt: int, retry_after: float | None) -> float:
        """Seconds before retry number `attempt` (1-based): Retry-After if given (capped), else backoff."""
        if retry_after is not None and retry_after >= 0:
            return min(retry_after, self._settings.retry_after_cap)
        return self._jitter(backoff_delay(attempt))

    def _jitter(self, delay: float) -> float:
        """Spread retries of many clients apart: 75% to 100% of the delay."""
        return jitter(delay)

    # -- responses into results (see _response.py) ---------------------------------

    def _error(
        self,
        request: RequestSpec,
        status: int,
        code: str,
        title: str,
        detail: str | None = None,
        *,
        limit: int | None = None,
    ) -> Err:
        """An Err made here; `detail` (which may quote the response) is redacted, then cut to `limit`."""
        return error(request, status, code, title, detail, redactor=self._redactor(), limit=limit)

    def _closed(self, request: RequestSpec) -> Err | None:
        """A call on a closed client: its own code and a hint, before any I/O or retry."""
        if self._http.is_closed:
            return self._error(request, 0, CLIENT_CLOSED, CLIENT_CLOSED_TITLE, CLIENT_CLOSED_HINT)
        return None

    def _result_of(self, request: RequestSpec, outcome: _Reply | _Failed, parse: Parser[T]) -> _Answer[T]:
        """The result of one exchange, with the facts of its response (_response.py reads it)."""
        response = outcome.response
        facts = None
        if response is not None:
            facts = ResponseFacts(response.status_code, response.headers, self._sent_secrets)
        if isinstance(outcome, _Failed):
            err = from_exception(
                request, outcome.exc, url=self._url(request), redactor=self._redactor(), response=facts or NO_RESPONSE
            )
            return _Answer(err, None, None)
        assert facts is not None and response is not None
        result = read_response(request, facts, outcome.body, parse, self._redactor)
        return _Answer(result, facts, outcome.body)

    def _prepare(self, token: Token | None, call: _Call) -> dict[str, Any]:
        request = call.request
        kwargs: dict[str, Any] = {
            "method": request.method,
            "url": self._url(request),
            "params": request.params or None,
            "headers": self._headers(token, call),
        }
        if request.json is not None:
            kwargs["json"] = request.json
        if request.data is not None:
            kwargs["data"] = request.data
        kwargs["timeout"] = call.timeout
        return kwargs

    def _http_request(self, token: Token | None, call: _Call) -> httpx.Request:
        kwargs = self._prepare(token, call)
        conn = self._conn
        if conn.route is None:
            return conn.build_request(**kwargs)
        # What build_request would merge in from a client with no params, cookies or base URL:
        # its default headers (ours win) and its timeout, as the extension transports read.
        ours: dict[str, str] = kwargs["headers"]
        taken = {name.lower() for name in ours}
        kwargs["headers"] = [item for item in conn.default_headers if item[0].lower() not in taken]
        kwargs["headers"].extend(ours.items())
        kwargs["extensions"] = {"timeout": kwargs.pop("timeout").as_dict()}
        return httpx.Request(**kwargs)

    def _needs_refresh(self, token: Token | None) -> bool:
        return (
            self._settings.auto_refresh
            and token is not None
            and token.refresh_token is not None
            and token.expires_within(self._settings.refresh_margin)
        )

    def _can_refresh_after_401(self, token: Token | None, result: APIResult[Any]) -> bool:
        return (
            result.ok is False
            and result.error.status == 401
            and token is not None
            and token.refresh_token is not None
            and not self._settings.api_key
        )

    def _log_retry(self, request: RequestSpec, attempt: int, delay: float, why: str) -> None:
        # Method and operation path only: never the URL's query, headers or bodies.
        log.debug("retrying %s %s in %.2fs (retry %d): %s", request.method, request.operation.path, delay, attempt, why)

    def _token_request(self, form: dict[str, str]) -> RequestSpec:
        self._sent_secrets.remember(form.get("refresh_token"))
        self._sent_secrets.remember(form.get("password"))
        return RequestSpec(_TOKEN_OPERATION, "/oauth/token", [], data=form, url=self._settings.resolved_token_url)

    # -- the orchestration of a call, shared by sync and async ----------------------

    def _call(self, request: RequestSpec, parse: Parser[T], options: RequestOptions, raw: bool) -> Steps[Any]:
        """One call, start to end: its value is `APIResult[T]`, or `APIResult[RawResponse[T]]` for `raw`."""
        call = self._resolve(request, options)  # a bad option raises here, before anything else
        # One snapshot per call: the hub and token read here make the header and the cache key.
        token = self._current_token()
        early = self._closed(request)  # an Err is falsy: no `or` here
        if early is None:
            early = self._missing_auth(request, token)
        if early is not None:
            return early
        request = call.request
        if self._needs_refresh(token):
            token = yield _Locked(self._refreshing(token, force=False))
        # A raw response is always the API's own: it neither comes from the cache nor fills it.
        if not raw and cache_applies(request, options.cache, self._settings.cache):
            key = (*self._cache_keys.key(request, token, call.hub, self._settings.base_url), call.headers)
            return (yield _Cached(key, self._settings.cache.refresh, self._authed(call, parse, token, raw)))
        result = yield from self._authed(call, parse, token, raw)
        if request.method != "GET":
            self._cache.clear()  # resources depend on each other: see _cache.py
        return result

    def _authed(self, call: _Call, parse: Parser[T], token: Token | None, raw: bool) -> Steps[Any]:
        answer = yield from self._retrying(call, parse, token)
        if self._can_refresh_after_401(token, answer.result):
            # One refresh (shared by concurrent callers), then one retry.
            fresh = yield _Locked(self._refreshing(token, force=True))
            if fresh is not None and token is not None and fresh.access_token != token.access_token:
                answer = yield from self._retrying(call, parse, fresh)
        return answer.raw() if raw else answer.result

    def _retrying(self, call: _Call, parse: Parser[T], token: Token | None) -> Steps[_Answer[T]]:
        """Attempts until one succeeds, may not be retried, or the retries are used up."""
        request = call.request
        unsendable = self._check_headers(token, call.hub, request)
        if unsendable is not None:
            return _Answer(unsendable, None, None)
        attempt = 0
        while True:
            try:
                http_request = self._http_request(token, call)
            except Exception as exc:  # nothing was sent: an Err, as a network fault would be
                return self._result_of(request, _Failed(exc, False, None), parse)
            deadline = None if call.total is None else time.monotonic() + call.total
            outcome: _Reply | _Failed = yield _Exchange(http_request, deadline)
            answer = self._result_of(request, outcome, parse)
            result = answer.result
            if result.ok is True or attempt >= call.retries:
                return answer
            sent = isinstance(outcome, _Reply) or (outcome.sent and not isinstance(outcome.exc, UNSENT_ERRORS))
            if not self._should_retry(request.method, status=result.error.status or None, sent=sent):
                return answer
            attempt += 1
            # No wait between attempts is longer than the call's total timeout (a Retry-After of
            # a day on a `timeout=5` call waits 5 s, not retry_after_cap).
            delay = min(self._retry_delay(attempt, result.error.retry_after), call.total or math.inf)
            self._log_retry(request, attempt, delay, result.error.code)
            yield _Sleep(delay)

    def _refreshing(self, seen: Token | None, *, force: bool) -> Steps[Token | None]:
        """Refresh the stored token once (run under the refresh lock), however many callers
        found it stale at the same time."""
        current = self._settings.storage.read()
        if current is None or current.refresh_token is None:
            return current
        if seen is not None and current.access_token != seen.access_token:
            return current  # another caller refreshed it already
        if not force and not current.expires_within(self._settings.refresh_margin):
            return current
        result: APIResult[Token] = yield _Grant(current.refresh_token)
        return result.value if isinstance(result, Ok) else current

    def _auth_call(self, request: RequestSpec, parse: Parser[T], token: Token | None, hub: str | None) -> Steps[Any]:
        """The steps of an auth flow's own call: with `token` (None: none), retried, no cache."""
        answer = yield from self._retrying(self._resolve(request, RequestOptions(team=hub)), parse, token)
        return answer.result


class SyncAPIClient(BaseClient):
    """The synchronous requester every sync client shares (platform, internal, scheduler)."""

    def __init__(
        self,
        *,
        settings: Settings,
        http_client: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
        auth_scheme: AuthScheme = PLATFORM_AUTH,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        super().__init__(settings, auth_scheme=auth_scheme, clock=clock)
        limits = httpx.Limits(max_connections=DEFAULT_MAX_CONNECTIONS, max_keepalive_connections=20)
        http = http_client or httpx.Client(
            transport=transport or default_transport(limits), limits=limits, follow_redirects=False
        )
        if http_client is None and transport is None:
            bound_client_transports(http)
        self._connection = _Connection(http, owned=http_client is None)
        self._closes_pool = http_client is None
        self._refresh_lock = threading.Lock()

    @property
    def _conn(self) -> _Connection:
        return self._connection

    def close(self) -> None:
        if self._closes_pool:
            self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _refresh_grant(self, refresh_token: str) -> APIResult[Token]:
        from ._auth_flows import Auth

        return Auth(self)._refresh(refresh_token)

    # -- the requester -------------------------------------------------------------

    @overload
    def send(self, request: RequestSpec, *, parse: None = None, options: RequestOptions = ...) -> APIResult[Any]: ...
    @overload
    def send(self, request: RequestSpec, *, parse: Parser[T], options: RequestOptions = ...) -> APIResult[T]: ...
    def send(
        self, request: RequestSpec, *, parse: Parser[Any] | None = None, options: RequestOptions = DEFAULT_OPTIONS
    ) -> APIResult[Any]:
        """Send one request through the requester every generated method uses, and answer with
        its APIResult: the same auth, hub, retries, timeouts, cache, token refresh and errors.

        `request` is a RequestSpec: an Operation (its method, path template and success
        statuses), the path with its IDs filled in (percent-encoded), the query as wire pairs,
        and a `json` (or form `data`) body. `parse(status, body)` turns a success body (bytes)
        into the Ok's value; left out, the value is the JSON document as Python values.
        `options` is a RequestOptions (team, cache, timeout, max_retries, extra_*), as every
        method takes them.

            op = cycle_sdk.Operation("GET", "/v1/environments", "getEnvironments", "environments",
                                     "get_environments", (200,))
            res = client.send(cycle_sdk.RequestSpec(op, "/v1/environments", [("page[size]", "5")]))
            if res.ok is True:
                print(res.status, res.value["data"])

        Whatever happens once the request is on its way (network faults, timeouts, error
        statuses, a body `parse` cannot read, or that raises) comes back as an Err, with the
        response's facts and the cause; credentials never appear in it. An argument that cannot
        be sent (not a RequestSpec, a `parse` that is not callable, `options` that are not a
        RequestOptions, `extra_body` on a GET) is a TypeError or ValueError naming it, raised
        before anything is sent, as every method's.
        """
        _sendable(request, parse, options)
        return self._send(request, parse or parse_json, options)

    def _send(self, request: RequestSpec, parse: Parser[T], options: RequestOptions = DEFAULT_OPTIONS) -> APIResult[T]:
        return cast("APIResult[T]", self._run(self._call(request, parse, options, False)))

    def _send_raw(
        self, request: RequestSpec, parse: Parser[T], options: RequestOptions = DEFAULT_OPTIONS
    ) -> APIResult[RawResponse[T]]:
        return cast("APIResult[RawResponse[T]]", self._run(self._call(request, parse, options, True)))

    def _send_with_retries(
        self, request: RequestSpec, parse: Parser[T], token: Token | None, hub: str | None
    ) -> APIResult[T]:
        return cast("APIResult[T]", self._run(self._auth_call(request, parse, token, hub)))

    def _run(self, steps: Steps[R]) -> R:
        """Run the orchestration's steps, doing each effect they yield with blocking I/O."""
        outcome: Any = None
        while True:
            try:
                effect = steps.send(outcome)
            except StopIteration as done:
                return cast(R, done.value)
            outcome = getattr(self, _HANDLERS[type(effect)])(effect)

    def _sleep(self, effect: _Sleep) -> None:
        self._clock.sleep(effect.seconds)

    def _grant(self, effect: _Grant) -> APIResult[Token]:
        return self._refresh_grant(effect.refresh_token)

    def _locked(self, effect: _Locked) -> Any:
        with self._refresh_lock:
            return self._run(effect.steps)

    def _cached(self, effect: _Cached) -> Any:
        return self._cache.fetch(effect.key, effect.ttl, partial(self._run, effect.steps))

    def _exchange(self, effect: _Exchange) -> _Reply | _Failed:
        response = None
        # Every socket operation of this attempt ends by the deadline (see _transport.py).
        bound = call_deadline.set(effect.deadline)
        try:
            response = self._dispatch(effect.request)
            try:
                return _Reply(response, self._read_body(response, effect.deadline))
            finally:
                response.close()
        except Exception as exc:
            return _Failed(exc, True, response)
        finally:
            call_deadline.reset(bound)

    def _dispatch(self, http_request: httpx.Request) -> httpx.Response:
        """Send one request; the response is streamed (the caller reads and closes it)."""
        if self._conn.route is None:
            response: httpx.Response = self._http.send(http_request, stream=True)
            return response
        response = self._conn.transport_for(http_request).handle_request(http_request)
        response.request = http_request
        return response

    def _read_body(self, response: httpx.Response, deadline: float | None) -> bytes:
        body = BodyReader(response, limit=self._settings.max_body_size, deadline=deadline or math.inf)
        for chunk in response.iter_raw() if body.raw else response.iter_bytes():
            body.feed(chunk)
        return body.finish()


class _LoopBinding:
    """What an AsyncClient binds to the event loop of its calls, shared with the clients its
    with_options makes: the loop and how many calls are in flight on it, the connection slots,
    the refresh lock, and the connection (renewed on a new loop when the SDK made it)."""

    def __init__(self, conn: _Connection, *, renewable: bool) -> None:
        self.conn = conn
        self.renewable = renewable
        self.lock = threading.Lock()
        self.loop: asyncio.AbstractEventLoop | None = None
        self.calls = 0
        # At most DEFAULT_MAX_CONNECTIONS requests in flight on a pool the SDK made (None for a
        # caller's own httpx client, whose limits are its own): callers beyond the pool wait on
        # this semaphore instead of in httpx's pool queue, which costs O(waiters) per request.
        self.slots: asyncio.Semaphore | None = None
        self.refresh_lock: asyncio.Lock | None = None


class AsyncAPIClient(BaseClient):
    """The asyncio requester every async client shares (platform, internal, scheduler)."""

    def __init__(
        self,
        *,
        settings: Settings,
        http_client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        auth_scheme: AuthScheme = PLATFORM_AUTH,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        super().__init__(settings, auth_scheme=auth_scheme, clock=clock)
        conn = _Connection(http_client or self._new_http(transport), owned=http_client is None)
        # Everything made here: a new event loop can get a new pool (see _enter_loop).
        self._binding = _LoopBinding(conn, renewable=http_client is None and transport is None)
        self._closes_pool = http_client is None

    @property
    def _conn(self) -> _Connection:
        return self._binding.conn

    def _enter_loop(self) -> None:
        """Refuse a call from a second event loop while another loop's calls are in flight.

        The connection pool, the refresh lock and the cache's shared futures belong to one
        loop; used from two at once, calls hung or failed thousands of times. So this raises
        one RuntimeError at the call instead. After every call of one loop has ended, another
        loop may use the client."""
        import asyncio

        loop = asyncio.get_running_loop()
        binding = self._binding
        with binding.lock:
            if binding.loop is not loop:
                if binding.calls:
                    raise RuntimeError(
                        "this AsyncClient is in use by another event loop (in another thread?); "
                        "an AsyncClient serves one event loop at a time: make one AsyncClient per loop"
                    )
                if binding.loop is not None:
                    self._move_to_new_loop()
                binding.loop = loop
                if binding.conn.owned:
                    binding.slots = asyncio.Semaphore(DEFAULT_MAX_CONNECTIONS)
            binding.calls += 1

    @staticmethod
    def _new_http(transport: httpx.AsyncBaseTransport | None = None) -> httpx.AsyncClient:
        limits = httpx.Limits(max_connections=DEFAULT_MAX_CONNECTIONS, max_keepalive_connections=20)
        return httpx.AsyncClient(
            transport=transport or default_async_transport(limits), limits=limits, follow_redirects=False
        )

    def _move_to_new_loop(self) -> None:
        """The previous loop's calls have all ended: leave its connections and lock behind (they
        cannot be used, or closed, from another loop; the previous loop is usually closed)."""
        binding = self._binding
        binding.refresh_lock = None
        if binding.renewable:
            binding.conn = _Connection(self._new_http(), owned=True)

    def _leave_loop(self) -> None:
        with self._binding.lock:
            self._binding.calls -= 1

    @property
    def _refresh_lock(self) -> asyncio.Lock:
        # Created lazily: an asyncio.Lock binds to the loop that first uses it.
        binding = self._binding
        if binding.refresh_lock is None:
            import asyncio

            binding.refresh_lock = asyncio.Lock()
        return binding.refresh_lock

    async def aclose(self) -> None:
        if self._closes_pool:
            await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def _refresh_grant(self, refresh_token: str) -> APIResult[Token]:
        from ._auth_flows import AsyncAuth

        return await AsyncAuth(self)._refresh(refresh_token)

    # -- the requester -------------------------------------------------------------

    @overload
    async def send(
        self, request: RequestSpec, *, parse: None = None, options: RequestOptions = ...
    ) -> APIResult[Any]: ...
    @overload
    async def send(self, request: RequestSpec, *, parse: Parser[T], options: RequestOptions = ...) -> APIResult[T]: ...
    async def send(
        self, request: RequestSpec, *, parse: Parser[Any] | None = None, options: RequestOptions = DEFAULT_OPTIONS
    ) -> APIResult[Any]:
        """`await client.send(request, parse=..., options=...)`: SyncAPIClient.send on asyncio."""
        _sendable(request, parse, options)
        return await self._send(request, parse or parse_json, options)

    async def _send(
        self, request: RequestSpec, parse: Parser[T], options: RequestOptions = DEFAULT_OPTIONS
    ) -> APIResult[T]:
        return cast("APIResult[T]", await self._in_loop(self._call(request, parse, options, False)))

    async def _send_raw(
        self, request: RequestSpec, parse: Parser[T], options: RequestOptions = DEFAULT_OPTIONS
    ) -> APIResult[RawResponse[T]]:
        return cast("APIResult[RawResponse[T]]", await self._in_loop(self._call(request, parse, options, True)))

    async def _send_with_retries(
        self, request: RequestSpec, parse: Parser[T], token: Token | None, hub: str | None
    ) -> APIResult[T]:
        return cast("APIResult[T]", await self._in_loop(self._auth_call(request, parse, token, hub)))

    async def _in_loop(self, steps: Steps[R]) -> R:
        self._enter_loop()
        try:
            return await self._arun(steps)
        finally:
            self._leave_loop()

    async def _arun(self, steps: Steps[R]) -> R:
        """Run the orchestration's steps, awaiting each effect they yield."""
        outcome: Any = None
        while True:
            try:
                effect = steps.send(outcome)
            except StopIteration as done:
                return cast(R, done.value)
            outcome = await getattr(self, _HANDLERS[type(effect)])(effect)

    async def _sleep(self, effect: _Sleep) -> None:
        await self._clock.async_sleep(effect.seconds)

    async def _grant(self, effect: _Grant) -> APIResult[Token]:
        return await self._refresh_grant(effect.refresh_token)

    async def _locked(self, effect: _Locked) -> Any:
        async with self._refresh_lock:
            return await self._arun(effect.steps)

    async def _cached(self, effect: _Cached) -> Any:
        return await self._cache.fetch_async(effect.key, effect.ttl, partial(self._arun, effect.steps))

    async def _exchange(self, effect: _Exchange) -> _Reply | _Failed:
        import asyncio

        response = None
        sent = False
        deadline = effect.deadline
        try:
            # The whole attempt, response head included, ends by the deadline: httpx's own
            # timeouts are per socket operation, so a byte at a time would restart them.
            async with asyncio.timeout(None if deadline is None else deadline - time.monotonic()):
                slots = self._binding.slots
                if slots is not None:
                    await slots.acquire()  # waiting for a slot counts against the total, like the pool
                try:
                    sent = True
                    response = await self._dispatch(effect.request)
                    try:
                        return _Reply(response, await self._read_body(response, deadline))
                    finally:
                        await response.aclose()
                finally:
                    if slots is not None:
                        slots.release()
        except Exception as exc:
            return _Failed(exc, sent, response)

    async def _dispatch(self, http_request: httpx.Request) -> httpx.Response:
        if self._conn.route is None:
            response: httpx.Response = await self._http.send(http_request, stream=True)
            return response
        response = await self._conn.transport_for(http_request).handle_async_request(http_request)
        response.request = http_request
        return response

    async def _read_body(self, response: httpx.Response, deadline: float | None) -> bytes:
        body = BodyReader(response, limit=self._settings.max_body_size, deadline=deadline or math.inf)
        async for chunk in response.aiter_raw() if body.raw else response.aiter_bytes():
            body.feed(chunk)
        return body.finish()


__all__ = [
    "IDEMPOTENT_METHODS",
    "NO_TIMEOUT",
    "RETRY_STATUSES",
    "USER_AGENT",
    "AsyncAPIClient",
    "BaseClient",
    "SyncAPIClient",
    "parse_json",
]
