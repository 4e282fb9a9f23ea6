"""The requester under every client: BaseClient, SyncAPIClient and AsyncAPIClient.

One call goes: check the per-call options, snapshot the hub and token, maybe serve it from
the cache, send it with retries (refreshing an OAuth token once on a 401), and turn what
came back into an APIResult (`_response.py`). Everything a call can go through (network
faults, timeouts, bad bodies, API errors) comes back as an Err; nothing is raised past `_send`.

The pieces a subclass may override, as in openai-python: `_should_retry`, `_retry_delay`,
`_jitter`. How credentials travel is an AuthScheme value each client holds.
"""

from __future__ import annotations

# asyncio loads where used: `import cycle_sdk` for a sync script should not pay ~20 ms for it.
import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Self, TypeVar

import httpx

from ._body import ACCEPT_ENCODING, BodyReader
from ._cache import CacheKeys, ResponseCache, cache_applies
from ._clock import SYSTEM_CLOCK, Clock
from ._config import DEFAULT_MAX_CONNECTIONS, Settings, check_call_options, to_timeout, total_of
from ._httpx_private import transport_router
from ._messages import CLIENT_CLOSED_HINT, CLIENT_CLOSED_TITLE
from ._redact import Redactor, SentSecrets
from ._request import Operation, Parser, RequestSpec
from ._response import error, from_exception, read_response
from ._result import CLIENT_CLOSED, NO_API_KEY, APIResult, Err, Ok
from ._retry import TRANSIENT_STATUSES, backoff_delay, is_transient, jitter
from ._tokens import HEADER_VALUE, PLATFORM_AUTH, AuthScheme, Token, TokenStorage
from ._transport import bound_client_transports, call_deadline, default_async_transport, default_transport
from ._version import API_SPEC_VERSION, __version__

if TYPE_CHECKING:
    import asyncio

log = logging.getLogger("cycle_sdk")

T = TypeVar("T")

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
RETRY_STATUSES = TRANSIENT_STATUSES  # the name the requester has always exported
USER_AGENT = f"cycle-sdk-python/{__version__} (cycle-api {API_SPEC_VERSION})"
_TOKEN_OPERATION = Operation("POST", "/oauth/token", "createOauthToken", "tokens", "create_oauth_token", (200,))


class BaseClient:
    """What sync and async share: settings, the checks and headers of a call, the retry policy
    (the override points), and the Err of a call that failed (through _response.py)."""

    _settings: Settings
    _cache: ResponseCache
    _build_request: Callable[..., httpx.Request]
    # For an httpx client the SDK made itself: its transport router and default headers (see
    # `_adopt_http`). None for a caller's own httpx client, which goes through send().
    _route: Callable[[httpx.URL], Any] | None = None
    _default_headers: tuple[tuple[str, str], ...] = ()
    _api_key_token: Token | None = None

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

    def clear_cache(self) -> None:
        """Drop every cached response (reads in flight are not stored either)."""
        self._cache.clear()

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

    def _headers(self, token: Token | None, hub: str | None, request: RequestSpec) -> dict[str, str]:
        headers = {"Accept": "application/json", "Accept-Encoding": ACCEPT_ENCODING, "User-Agent": USER_AGENT}
        if token is not None and request.url is None:
            self._sent_secrets.remember(token.access_token)
            scheme = self._auth_scheme
            headers[scheme.header] = scheme.prefix + token.access_token
        hub_header = self._auth_scheme.hub_header
        if hub and hub_header:
            headers[hub_header] = hub
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

    def _from_exception(self, request: RequestSpec, exc: BaseException) -> Err:
        return from_exception(request, exc, url=self._url(request), redactor=self._redactor())

    def _closed(self, request: RequestSpec) -> Err | None:
        """A call on a closed client: its own code and a hint, before any I/O or retry."""
        http = getattr(self, "_http", None)  # the sync or async subclass's httpx client
        if http is not None and http.is_closed:
            return self._error(request, 0, CLIENT_CLOSED, CLIENT_CLOSED_TITLE, CLIENT_CLOSED_HINT)
        return None

    def _read_response(
        self, request: RequestSpec, status: int, headers: httpx.Headers, body: bytes, parse: Parser[T]
    ) -> APIResult[T]:
        return read_response(request, status, headers, body, parse, self._redactor)

    def _prepare(
        self, request: RequestSpec, token: Token | None, team: str | None, timeout: float | httpx.Timeout | None
    ) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "method": request.method,
            "url": self._url(request),
            "params": request.params or None,
            "headers": self._headers(token, team, request),
        }
        if request.json is not None:
            kwargs["json"] = request.json
        if request.data is not None:
            kwargs["data"] = request.data
        kwargs["timeout"] = self._settings.timeout if timeout is None else to_timeout(timeout)
        return kwargs

    def _adopt_http(self, http: httpx.Client | httpx.AsyncClient, *, owned: bool) -> None:
        """Take the httpx client to send with. One the SDK made itself (`owned`) is sent through
        its transport directly, skipping what httpx.Client.send adds around it.

        Client.send runs an auth flow, redirect and event-hook loops, and a cookie jar; on a
        client the SDK made itself none of them can do anything (no auth, hooks or cookies are
        set on it, redirects are not followed), yet they cost about half of httpx's own time
        per call. The transport is still chosen by httpx (mounts, proxies from the environment),
        and its errors are the same httpx exceptions. A caller's own httpx client keeps the
        full send(), so its hooks, auth and cookies apply.
        """
        self._build_request = http.build_request
        route = transport_router(http)
        if not owned or route is None:  # a caller's client, or an httpx without the router: send()
            return
        self._route = route
        # As the client would send them, name case included (multi_items() lowercases names).
        self._default_headers = tuple((k.decode("latin-1"), v.decode("latin-1")) for k, v in http.headers.raw)

    def _http_request(
        self, request: RequestSpec, token: Token | None, team: str | None, timeout: float | httpx.Timeout | None
    ) -> httpx.Request:
        kwargs = self._prepare(request, token, team, timeout)
        if self._route is None:
            return self._build_request(**kwargs)
        # What build_request would merge in from a client with no params, cookies or base URL:
        # its default headers (ours win) and its timeout, as the extension transports read.
        ours: dict[str, str] = kwargs["headers"]
        taken = {name.lower() for name in ours}
        kwargs["headers"] = [item for item in self._default_headers if item[0].lower() not in taken]
        kwargs["headers"].extend(ours.items())
        kwargs["extensions"] = {"timeout": kwargs.pop("timeout").as_dict()}
        return httpx.Request(**kwargs)

    def _deadline(self, timeout: float | httpx.Timeout | None) -> float:
        return time.monotonic() + self._total(timeout)

    def _total(self, timeout: float | httpx.Timeout | None) -> float:
        """The total of one attempt: the call's `timeout` in seconds, else settings.total_timeout."""
        total = total_of(timeout)
        return self._settings.total_timeout if total is None else total

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
        self._owns_http = http_client is None
        limits = httpx.Limits(max_connections=DEFAULT_MAX_CONNECTIONS, max_keepalive_connections=20)
        self._http = http_client or httpx.Client(
            transport=transport or default_transport(limits), limits=limits, follow_redirects=False
        )
        if http_client is None and transport is None:
            bound_client_transports(self._http)
        self._adopt_http(self._http, owned=self._owns_http)
        self._refresh_lock = threading.Lock()

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _refresh_grant(self, refresh_token: str) -> APIResult[Token]:
        from ._auth_flows import Auth

        return Auth(self)._refresh(refresh_token)

    # -- the requester -------------------------------------------------------------

    def _send(
        self,
        request: RequestSpec,
        parse: Parser[T],
        *,
        team: str | None = None,
        cache: bool | None = None,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
    ) -> APIResult[T]:
        check_call_options(team, cache, timeout, max_retries)
        # One snapshot per call: the hub and token read here make the header and the cache key.
        team = self._hub(team)
        token = self._current_token()
        missing = self._closed(request)  # an Err is falsy: no `or` here
        if missing is None:
            missing = self._missing_auth(request, token)
        if missing is not None:
            return missing
        if self._needs_refresh(token):
            token = self._refresh_if_stale(token)
        if cache_applies(request, cache, self._settings.cache):
            key = self._cache_keys.key(request, token, team, self._settings.base_url)
            ttl = self._settings.cache.refresh
            return self._cache.fetch(
                key, ttl, lambda: self._send_authed(request, parse, token, team, timeout, max_retries)
            )
        result = self._send_authed(request, parse, token, team, timeout, max_retries)
        if request.method != "GET":
            self._cache.clear()  # resources depend on each other: see _cache.py
        return result

    def _send_authed(
        self,
        request: RequestSpec,
        parse: Parser[T],
        token: Token | None,
        team: str | None,
        timeout: float | httpx.Timeout | None,
        max_retries: int | None,
    ) -> APIResult[T]:
        result = self._send_with_retries(request, parse, token, team, timeout, max_retries)
        if self._can_refresh_after_401(token, result):
            # One refresh (shared by concurrent callers), then one retry.
            fresh = self._refresh_if_stale(token, force=True)
            if fresh is not None and token is not None and fresh.access_token != token.access_token:
                result = self._send_with_retries(request, parse, fresh, team, timeout, max_retries)
        return result

    def _send_with_retries(
        self,
        request: RequestSpec,
        parse: Parser[T],
        token: Token | None,
        team: str | None,
        timeout: float | httpx.Timeout | None,
        max_retries: int | None,
    ) -> APIResult[T]:
        unsendable = self._check_headers(token, team, request)
        if unsendable is not None:
            return unsendable
        retries = self._settings.max_retries if max_retries is None else max_retries
        attempt = 0
        while True:
            result, sent = self._attempt(request, parse, token, team, timeout)
            if result.ok is True or attempt >= retries:
                return result
            status = result.error.status or None
            if not self._should_retry(request.method, status=status, sent=sent):
                return result
            attempt += 1
            # No wait between attempts is longer than the call's total timeout (a Retry-After of
            # a day on a `timeout=5` call waits 5 s, not retry_after_cap).
            delay = min(self._retry_delay(attempt, result.error.retry_after), self._total(timeout))
            self._log_retry(request, attempt, delay, result.error.code)
            self._clock.sleep(delay)

    def _attempt(
        self,
        request: RequestSpec,
        parse: Parser[T],
        token: Token | None,
        team: str | None,
        timeout: float | httpx.Timeout | None,
    ) -> tuple[APIResult[T], bool]:
        """One try. Returns the result and whether the request may have reached the server."""
        sent = False
        try:
            http_request = self._http_request(request, token, team, timeout)
            deadline = self._deadline(timeout)
            # Every socket operation of this attempt ends by the deadline (see _transport.py).
            bound = call_deadline.set(deadline)
            try:
                response = self._dispatch(http_request)
                sent = True
                try:
                    body = self._read_body(response, deadline)
                finally:
                    response.close()
            finally:
                call_deadline.reset(bound)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            return self._from_exception(request, exc), False
        except Exception as exc:
            return self._from_exception(request, exc), True
        return self._read_response(request, response.status_code, response.headers, body, parse), sent

    def _dispatch(self, http_request: httpx.Request) -> httpx.Response:
        """Send one request; the response is streamed (the caller reads and closes it)."""
        if self._route is None:
            return self._http.send(http_request, stream=True)
        if self._http.is_closed:
            raise RuntimeError("Cannot send a request, as the client has been closed.")
        transport: httpx.BaseTransport = self._route(http_request.url)
        response = transport.handle_request(http_request)
        response.request = http_request
        return response

    def _read_body(self, response: httpx.Response, deadline: float) -> bytes:
        body = BodyReader(response, limit=self._settings.max_body_size, deadline=deadline)
        for chunk in response.iter_raw() if body.raw else response.iter_bytes():
            body.feed(chunk)
        return body.finish()

    def _refresh_if_stale(self, seen: Token | None, *, force: bool = False) -> Token | None:
        """Refresh the stored token once, however many threads find it stale at the same time."""
        with self._refresh_lock:
            current = self._settings.storage.read()
            if current is None or current.refresh_token is None:
                return current
            if seen is not None and current.access_token != seen.access_token:
                return current  # another thread refreshed it already
            if not force and not current.expires_within(self._settings.refresh_margin):
                return current
            result = self._refresh_grant(current.refresh_token)
            return result.value if isinstance(result, Ok) else current


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
        self._owns_http = http_client is None
        # Everything made here: a new event loop can get a new pool (see _enter_loop).
        self._renewable = http_client is None and transport is None
        self._http = http_client or self._new_http(transport)
        self._adopt_http(self._http, owned=self._owns_http)
        self._refresh_lock_obj: asyncio.Lock | None = None
        # The event loop of the calls in flight (see _enter_loop) and how many there are.
        self._loop_lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._calls_in_loop = 0
        # At most DEFAULT_MAX_CONNECTIONS requests in flight on a pool the SDK made (None for a
        # caller's own httpx client, whose limits are its own): callers beyond the pool wait on
        # this semaphore instead of in httpx's pool queue, which costs O(waiters) per request.
        self._slots: asyncio.Semaphore | None = None

    def _enter_loop(self) -> None:
        """Refuse a call from a second event loop while another loop's calls are in flight.

        The connection pool, the refresh lock and the cache's shared futures belong to one
        loop; used from two at once, calls hung or failed thousands of times. So this raises
        one RuntimeError at the call instead. After every call of one loop has ended, another
        loop may use the client."""
        import asyncio

        loop = asyncio.get_running_loop()
        with self._loop_lock:
            if self._loop is not loop:
                if self._calls_in_loop:
                    raise RuntimeError(
                        "this AsyncClient is in use by another event loop (in another thread?); "
                        "an AsyncClient serves one event loop at a time: make one AsyncClient per loop"
                    )
                if self._loop is not None:
                    self._move_to_new_loop()
                self._loop = loop
                if self._owns_http:
                    self._slots = asyncio.Semaphore(DEFAULT_MAX_CONNECTIONS)
            self._calls_in_loop += 1

    @staticmethod
    def _new_http(transport: httpx.AsyncBaseTransport | None = None) -> httpx.AsyncClient:
        limits = httpx.Limits(max_connections=DEFAULT_MAX_CONNECTIONS, max_keepalive_connections=20)
        return httpx.AsyncClient(
            transport=transport or default_async_transport(limits), limits=limits, follow_redirects=False
        )

    def _move_to_new_loop(self) -> None:
        """The previous loop's calls have all ended: leave its connections and lock behind (they
        cannot be used, or closed, from another loop; the previous loop is usually closed)."""
        self._refresh_lock_obj = None
        if self._renewable:
            self._http = self._new_http()
            self._adopt_http(self._http, owned=True)

    def _leave_loop(self) -> None:
        with self._loop_lock:
            self._calls_in_loop -= 1

    @property
    def _refresh_lock(self) -> asyncio.Lock:
        # Created lazily: an asyncio.Lock binds to the loop that first uses it.
        if self._refresh_lock_obj is None:
            import asyncio

            self._refresh_lock_obj = asyncio.Lock()
        return self._refresh_lock_obj

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def _refresh_grant(self, refresh_token: str) -> APIResult[Token]:
        from ._auth_flows import AsyncAuth

        return await AsyncAuth(self)._refresh(refresh_token)

    async def _send(
        self,
        request: RequestSpec,
        parse: Parser[T],
        *,
        team: str | None = None,
        cache: bool | None = None,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
    ) -> APIResult[T]:
        check_call_options(team, cache, timeout, max_retries)
        self._enter_loop()
        try:
            return await self._send_checked(request, parse, team, cache, timeout, max_retries)
        finally:
            self._leave_loop()

    async def _send_checked(
        self,
        request: RequestSpec,
        parse: Parser[T],
        team: str | None,
        cache: bool | None,
        timeout: float | httpx.Timeout | None,
        max_retries: int | None,
    ) -> APIResult[T]:
        # One snapshot per call: the hub and token read here make the header and the cache key.
        team = self._hub(team)
        token = self._current_token()
        missing = self._closed(request)  # an Err is falsy: no `or` here
        if missing is None:
            missing = self._missing_auth(request, token)
        if missing is not None:
            return missing
        if self._needs_refresh(token):
            token = await self._refresh_if_stale(token)
        if cache_applies(request, cache, self._settings.cache):
            key = self._cache_keys.key(request, token, team, self._settings.base_url)
            ttl = self._settings.cache.refresh
            return await self._cache.fetch_async(
                key, ttl, lambda: self._send_authed(request, parse, token, team, timeout, max_retries)
            )
        result = await self._send_authed(request, parse, token, team, timeout, max_retries)
        if request.method != "GET":
            self._cache.clear()  # resources depend on each other: see _cache.py
        return result

    async def _send_authed(
        self,
        request: RequestSpec,
        parse: Parser[T],
        token: Token | None,
        team: str | None,
        timeout: float | httpx.Timeout | None,
        max_retries: int | None,
    ) -> APIResult[T]:
        result = await self._send_with_retries(request, parse, token, team, timeout, max_retries)
        if self._can_refresh_after_401(token, result):
            fresh = await self._refresh_if_stale(token, force=True)
            if fresh is not None and token is not None and fresh.access_token != token.access_token:
                result = await self._send_with_retries(request, parse, fresh, team, timeout, max_retries)
        return result

    async def _send_with_retries(
        self,
        request: RequestSpec,
        parse: Parser[T],
        token: Token | None,
        team: str | None,
        timeout: float | httpx.Timeout | None,
        max_retries: int | None,
    ) -> APIResult[T]:
        unsendable = self._check_headers(token, team, request)
        if unsendable is not None:
            return unsendable
        self._enter_loop()  # auth calls come in here directly
        try:
            return await self._retrying(request, parse, token, team, timeout, max_retries)
        finally:
            self._leave_loop()

    async def _retrying(
        self,
        request: RequestSpec,
        parse: Parser[T],
        token: Token | None,
        team: str | None,
        timeout: float | httpx.Timeout | None,
        max_retries: int | None,
    ) -> APIResult[T]:
        retries = self._settings.max_retries if max_retries is None else max_retries
        attempt = 0
        while True:
            result, sent = await self._attempt(request, parse, token, team, timeout)
            if result.ok is True or attempt >= retries:
                return result
            status = result.error.status or None
            if not self._should_retry(request.method, status=status, sent=sent):
                return result
            attempt += 1
            # No wait between attempts is longer than the call's total timeout (a Retry-After of
            # a day on a `timeout=5` call waits 5 s, not retry_after_cap).
            delay = min(self._retry_delay(attempt, result.error.retry_after), self._total(timeout))
            self._log_retry(request, attempt, delay, result.error.code)
            await self._clock.async_sleep(delay)

    async def _attempt(
        self,
        request: RequestSpec,
        parse: Parser[T],
        token: Token | None,
        team: str | None,
        timeout: float | httpx.Timeout | None,
    ) -> tuple[APIResult[T], bool]:
        import asyncio

        sent = maybe_sent = False
        try:
            http_request = self._http_request(request, token, team, timeout)
            deadline = self._deadline(timeout)
            # The whole attempt, response head included, ends by the deadline: httpx's own
            # timeouts are per socket operation, so a byte at a time would restart them.
            async with asyncio.timeout(deadline - time.monotonic()):
                slots = self._slots
                if slots is not None:
                    await slots.acquire()  # waiting for a slot counts against the total, like the pool
                try:
                    maybe_sent = True
                    response = await self._dispatch(http_request)
                    sent = True
                    try:
                        body = await self._read_body(response, deadline)
                    finally:
                        await response.aclose()
                finally:
                    if slots is not None:
                        slots.release()
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            return self._from_exception(request, exc), False
        except Exception as exc:
            return self._from_exception(request, exc), maybe_sent
        return self._read_response(request, response.status_code, response.headers, body, parse), sent

    async def _dispatch(self, http_request: httpx.Request) -> httpx.Response:
        if self._route is None:
            return await self._http.send(http_request, stream=True)
        if self._http.is_closed:
            raise RuntimeError("Cannot send a request, as the client has been closed.")
        transport: httpx.AsyncBaseTransport = self._route(http_request.url)
        response = await transport.handle_async_request(http_request)
        response.request = http_request
        return response

    async def _read_body(self, response: httpx.Response, deadline: float) -> bytes:
        body = BodyReader(response, limit=self._settings.max_body_size, deadline=deadline)
        async for chunk in response.aiter_raw() if body.raw else response.aiter_bytes():
            body.feed(chunk)
        return body.finish()

    async def _refresh_if_stale(self, seen: Token | None, *, force: bool = False) -> Token | None:
        async with self._refresh_lock:
            current = self._settings.storage.read()
            if current is None or current.refresh_token is None:
                return current
            if seen is not None and current.access_token != seen.access_token:
                return current
            if not force and not current.expires_within(self._settings.refresh_margin):
                return current
            result = await self._refresh_grant(current.refresh_token)
            return result.value if isinstance(result, Ok) else current


__all__ = ["IDEMPOTENT_METHODS", "RETRY_STATUSES", "USER_AGENT", "AsyncAPIClient", "BaseClient", "SyncAPIClient"]
