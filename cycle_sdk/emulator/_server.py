"""Running the emulator: in a background thread (tests) or in the foreground (the CLI)."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import socket
import stat
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Final

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from ._app import TRANSPORT_KEY, EmulatorApp
from ._clock import SYSTEM_CLOCK, EmulatorClock
from ._config import (
    DEFAULT_ACCESS_KEY,
    DEFAULT_API_KEY,
    DEFAULT_CLAIM_TIMEOUT,
    DEFAULT_HEADER_TIMEOUT,
    DEFAULT_HOST,
    DEFAULT_HUB_ID,
    DEFAULT_HUB_NAME,
    DEFAULT_INTERNAL_TOKEN,
    DEFAULT_JOB_SPEED,
    DEFAULT_LOG_LEVEL,
    DEFAULT_MAX_BODY,
    DEFAULT_MAX_CONNECTIONS,
    DEFAULT_MAX_PAGE_SIZE,
    DEFAULT_NOTIFICATION_TOKEN_TTL,
    DEFAULT_PAGE_SIZE,
    DEFAULT_REFRESH_TOKEN_TTL,
    DEFAULT_TOKEN_TTL,
    DEFAULT_USERS,
    ApiName,
    EmulatorConfig,
)
from ._controls import Controls
from ._spec import ApiSpec, load_spec_document
from ._state import EmulatorState

_START_TIMEOUT = 15.0
_STOP_TIMEOUT = 10.0
_KEEP_ALIVE = 30.0
# File descriptors kept free of connections (the database, logs, the listening socket...).
_RESERVED_FDS: Final = 64
_LISTEN_BACKLOG: Final = 128
_ACCEPT_BURST: Final = _RESERVED_FDS // 4
_ACCEPT_EXHAUSTED: Final = "socket.accept() out of system resource"
_REFUSAL: Final = b"HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
logger = logging.getLogger("cycle_sdk.emulator")


@functools.cache
def default_spec(api: str = "platform") -> ApiSpec:
    """An API's effective spec, parsed once per process (every emulator shares it: it is read-only)."""
    return ApiSpec(load_spec_document(api))


def connection_cap(max_connections: int) -> int:
    """`max_connections`, lowered to what the process's file descriptor limit leaves room for."""
    try:
        import resource

        soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    except (ImportError, OSError, ValueError):  # pragma: no cover - no rlimits on this platform
        return max_connections
    if soft == resource.RLIM_INFINITY:
        return max_connections
    return max(1, min(max_connections, soft - _RESERVED_FDS))


class Conditions:
    """One log line when a condition starts, none while it lasts (not one per connection)."""

    def __init__(self) -> None:
        self._active: set[str] = set()

    def start(self, key: str, message: str, *args: object) -> None:
        if key not in self._active:
            self._active.add(key)
            logger.warning(message, *args)

    def end(self, key: str) -> None:
        self._active.discard(key)


class ConnectionLimits:
    """The server's connection cap and header timeout, shared by its connections.

    At the cap, a new connection closes the oldest one still waiting for a request head (idle, or
    trickling one in), so a flood of half-open connections cannot lock real clients out; only when
    every connection is busy with a request is the new one refused (503, closed).
    """

    def __init__(self, *, max_connections: int, header_timeout: float) -> None:
        self.max_connections = connection_cap(max_connections)
        self.header_timeout = header_timeout
        self.waiting: dict[TransportH11Protocol, None] = {}  # oldest first
        self.conditions = Conditions()


class _Config(uvicorn.Config):
    def __init__(self, app: Any, *, limits: ConnectionLimits, **kwargs: Any) -> None:
        super().__init__(app, **kwargs)
        self.limits = limits


class TransportH11Protocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol, also handing the app its connection's transport, with a
    connection cap and a request-head timeout (see `ConnectionLimits`).

    ASGI gives an app no way to drop a connection without answering; the `reset` fault needs one.
    """

    def __init__(self, config: uvicorn.Config, *args: Any, **kwargs: Any) -> None:
        super().__init__(config, *args, **kwargs)
        self.limits = config.limits if isinstance(config, _Config) else None
        self._head_timer: asyncio.TimerHandle | None = None
        inner = self.app

        async def app(scope: Any, receive: Any, send: Any) -> None:
            scope.setdefault("extensions", {})[TRANSPORT_KEY] = self.transport
            await inner(scope, receive, send)

        self.app = app

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        limits = self.limits
        if limits is None:
            return
        if len(self.connections) > limits.max_connections:
            oldest = next(iter(limits.waiting), None)
            if oldest is None:
                limits.conditions.start(
                    "busy", "%d connections, all busy with requests: refusing new ones (503)", limits.max_connections
                )
                transport.write(_REFUSAL)
                transport.close()
                return
            limits.conditions.start(
                "cap",
                "connection limit of %d reached: closing the longest-waiting idle connections for new ones",
                limits.max_connections,
            )
            oldest.close_waiting()
        self._await_head(limits.header_timeout)

    def connection_lost(self, exc: Exception | None) -> None:
        self._head_received()
        super().connection_lost(exc)
        if self.limits is not None and len(self.connections) < self.limits.max_connections * 0.9:
            self.limits.conditions.end("cap")
            self.limits.conditions.end("busy")

    def data_received(self, data: bytes) -> None:
        # The first bytes of a head after an idle keep-alive: the rest must follow within
        # header_timeout (the idle wait itself was the keep-alive's).
        timer = self._head_timer
        if self.limits is not None and timer is not None:
            deadline = self.loop.time() + self.limits.header_timeout
            if timer.when() > deadline:
                timer.cancel()
                self._head_timer = self.loop.call_at(deadline, self._head_timed_out)
        super().data_received(data)

    def handle_events(self) -> None:
        cycle = self.cycle
        super().handle_events()
        if self.cycle is not cycle:
            self._head_received()
        self._idle_check()

    def handle_websocket_upgrade(self, event: h11.Request) -> None:
        self._head_received()
        super().handle_websocket_upgrade(event)

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._idle_check()

    def _idle_check(self) -> None:
        """Between requests (h11 idle both ways), wait for the next head: the keep-alive timer closes
        a silent connection, this one a connection that trickles its next request in (`data_received`
        shortens it to header_timeout from the first byte)."""
        if self.limits is None or self._head_timer is not None or self.transport.is_closing():
            return
        if self.conn.our_state is h11.IDLE and self.conn.their_state is h11.IDLE:
            self._await_head(self.timeout_keep_alive + self.limits.header_timeout)

    def _await_head(self, timeout: float) -> None:
        if self.limits is None:
            return
        self._head_received()
        self.limits.waiting[self] = None
        self._head_timer = self.loop.call_later(timeout, self._head_timed_out)

    def _head_received(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None
        if self.limits is not None:
            self.limits.waiting.pop(self, None)

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if self.limits is not None:
            self.limits.conditions.start(
                "slow", "closing connections that sent no complete request head within %gs", self.limits.header_timeout
            )
        self.close_waiting()

    def close_waiting(self) -> None:
        """Close this connection, which has no request in progress."""
        self._head_received()
        if not self.transport.is_closing():
            self.transport.close()


class _Server(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, on_started: Callable[[], None], on_stopping: Callable[[], None]) -> None:
        super().__init__(config)
        self._on_started = on_started
        self._on_stopping = on_stopping
        self._conditions = config.limits.conditions if isinstance(config, _Config) else Conditions()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        asyncio.get_running_loop().set_exception_handler(self._loop_exception)
        await super().startup(sockets)
        for sock in sockets or ():
            sock.listen(_LISTEN_BACKLOG)
        if self.started:
            self._on_started()

    async def main_loop(self) -> None:
        # uvicorn's loop, woken by `exit_now()` as well as every 0.1 s (uvicorn only polls
        # should_exit): a background emulator stops at once, not on the next tick.
        self._wake = asyncio.Event()
        self._loop = asyncio.get_running_loop()
        counter = 0
        should_exit = await self.on_tick(counter)
        while not should_exit:
            counter = (counter + 1) % 864000
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), 0.1)
            should_exit = await self.on_tick(counter)

    def exit_now(self) -> None:
        """Stop serving, from another thread: should_exit, and the main loop woken to see it."""
        self.should_exit = True
        loop, wake = self._loop, self._wake
        if loop is not None and wake is not None:
            with contextlib.suppress(RuntimeError):  # the loop has closed already
                loop.call_soon_threadsafe(wake.set)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        self._on_stopping()
        if self.server_state.connections or self.server_state.tasks:
            await super().shutdown(sockets)  # tells each connection, gives them 0.1 s, waits for tasks
            return
        # Nothing open: uvicorn's shutdown without its 0.1 s for connections to see it.
        for server in self.servers:
            server.close()
        for sock in sockets or ():
            sock.close()
        if not self.force_exit:
            await self.lifespan.shutdown()

    def _loop_exception(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        # asyncio reports every failed accept with a traceback, many times a second: one line per
        # episode instead (accepting resumes by itself once descriptors are free).
        if context.get("message") == _ACCEPT_EXHAUSTED:
            self._conditions.start(
                "accept", "out of file descriptors, new connections wait (%s)", context.get("exception")
            )
            return
        loop.default_exception_handler(context)


class Emulator(Controls):
    """A local Cycle API; the controls of `Controls`, plus its address and lifecycle.

    Attributes: `url` (http://host:port, or http://localhost on a unix socket, once started), `uds`
    (the unix socket path, or None), `address` (the URL, or `unix:PATH`), `headers` (what
    authenticates on the served API), `api_key`, `token`, `access_key`, `hub_id`, `clock`,
    `config`, `state`.

    `clock`: what every time-based part reads (timestamps, token lifetimes, jobs, notification
    tokens, latency faults); default the system clock. A `FakeClock` moves only when told, and one
    shared with a client (`Client(clock=...)`) drives both.
    """

    def __init__(self, config: EmulatorConfig | None = None, *, clock: EmulatorClock | None = None) -> None:
        self.config = config if config is not None else EmulatorConfig()
        if clock is not None and not isinstance(clock, EmulatorClock):
            raise TypeError(
                "clock must have time() and async_sleep() (an EmulatorClock, e.g. FakeClock), "
                f"not {type(clock).__name__}"
            )
        state = EmulatorState(self.config, spec=default_spec(self.config.api), clock=clock or SYSTEM_CLOCK)
        super().__init__(state)
        self.app = EmulatorApp(self.state)
        self.limits = ConnectionLimits(
            max_connections=self.config.max_connections, header_timeout=self.config.header_timeout
        )
        self.url = ""
        self.uds: str | None = None
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None
        self._started = threading.Event()

    @property
    def api_key(self) -> str:
        return self.config.api_key

    @property
    def clock(self) -> EmulatorClock:
        """The clock every time-based part of this emulator reads."""
        return self.state.clock

    @property
    def token(self) -> str:
        """The Internal API's token (what an instance finds in CYCLE_API_TOKEN)."""
        return self.config.token

    @property
    def access_key(self) -> str:
        """The Scheduler API's access key."""
        return self.config.access_key

    @property
    def hub_id(self) -> str:
        return self.config.hub_id

    @property
    def headers(self) -> dict[str, str]:
        """Headers that authenticate on the served API: on the platform, the configured API key in
        the default hub; `X-CYCLE-TOKEN` on the internal API; `X-CYCLE-ACCESS-KEY` on the scheduler."""
        if self.config.api == "internal":
            return {"X-CYCLE-TOKEN": self.token}
        if self.config.api == "scheduler":
            return {"X-CYCLE-ACCESS-KEY": self.access_key}
        return {"Authorization": f"Bearer {self.api_key}", "X-Hub-Id": self.hub_id}

    @property
    def ws_url(self) -> str:
        return "ws" + self.url.removeprefix("http")

    @property
    def address(self) -> str:
        """Where it listens: the URL, or `unix:PATH` on a unix socket."""
        return f"unix:{self.uds}" if self.uds is not None else self.url

    def _bind(self) -> socket.socket:
        if self.config.uds is not None:
            return self._bind_unix(os.fspath(self.config.uds))
        family = socket.AF_INET6 if ":" in self.config.host else socket.AF_INET
        # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only on connections of such sockets, and
        # without it every response waits ~40 ms for a delayed ACK.
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.config.host, self.config.port))
        sock.listen(_LISTEN_BACKLOG)
        host, port = sock.getsockname()[:2]
        self.url = f"http://[{host}]:{port}" if family == socket.AF_INET6 else f"http://{host}:{port}"
        self.app.guard.bind(host, port)
        return sock

    def _bind_unix(self, path: str) -> socket.socket:
        """A unix socket at `path` (a stale socket file there is replaced; any other file is an error)."""
        with contextlib.suppress(FileNotFoundError):
            if not stat.S_ISSOCK(os.stat(path).st_mode):
                raise FileExistsError(f"{path} exists and is not a socket")
            os.unlink(path)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.bind(path)
            sock.listen(_LISTEN_BACKLOG)
        except OSError:
            sock.close()
            raise
        self.uds, self.url = path, "http://localhost"
        self.app.guard.bind(None, None)
        return sock

    def _unbind(self, sock: socket.socket) -> None:
        sock.close()
        if self.uds is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.uds)

    def _build_server(self, on_started: Callable[[], None]) -> _Server:
        config = _Config(
            self.app,
            limits=self.limits,
            http=TransportH11Protocol,
            lifespan="on",
            log_level=self.config.log_level,
            access_log=False,
            # Keep-alive long enough that an idle test client does not see its connection vanish.
            timeout_keep_alive=int(_KEEP_ALIVE),
            timeout_graceful_shutdown=2,
            # How many connections asyncio accepts per wake-up: a burst must fit in the reserved
            # descriptors, as connections closed for the cap free theirs only on the next loop turn.
            # (asyncio also listen()s with it; `startup` restores the kernel's queue length.)
            backlog=_ACCEPT_BURST,
        )
        return _Server(config, on_started, self.app.begin_shutdown)

    # -- background thread ------------------------------------------------------------------

    def start(self) -> Emulator:
        """Serve on a background thread; returns once requests are accepted."""
        if self._thread is not None:
            raise RuntimeError("the emulator is already running")
        self._socket = self._bind()
        self._started.clear()
        self._server = self._build_server(self._started.set)
        sockets = [self._socket]
        server = self._server
        self._thread = threading.Thread(target=lambda: server.run(sockets=sockets), name="cycle-emulator", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + _START_TIMEOUT
        while not self._started.wait(0.01):
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the emulator did not start")
        return self

    def stop(self) -> None:
        """Stop serving (closing notification sockets), and close the database."""
        if self._server is not None:
            self.drop_notification_sockets()
            self._server.exit_now()
        if self._thread is not None:
            self._thread.join(_STOP_TIMEOUT)
        if self._socket is not None:
            self._unbind(self._socket)
        self._server = self._thread = self._socket = None
        self.state.store.close()

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- foreground -------------------------------------------------------------------------

    def serve(self, announce: Callable[[str], None] | None = None) -> None:
        """Serve on this thread until SIGINT/SIGTERM; `announce(address)` is called once listening
        (the URL, or `unix:PATH` on a unix socket)."""
        sock = self._bind()
        server = self._build_server(lambda: (announce or _announce)(self.address))
        try:
            server.run(sockets=[sock])
        finally:
            self._unbind(sock)
            self.state.store.close()


def _announce(address: str) -> None:
    print(f"Cycle API emulator listening on {address}", flush=True)


@contextlib.contextmanager
def run_emulator(
    config: EmulatorConfig | None = None,
    *,
    api: ApiName = "platform",
    host: str = DEFAULT_HOST,
    port: int = 0,
    uds: str | Path | None = None,
    api_key: str = DEFAULT_API_KEY,
    token: str = DEFAULT_INTERNAL_TOKEN,
    access_key: str = DEFAULT_ACCESS_KEY,
    hub_id: str = DEFAULT_HUB_ID,
    hub_name: str = DEFAULT_HUB_NAME,
    job_speed: float = DEFAULT_JOB_SPEED,
    db_path: str | Path | None = None,
    token_ttl: float = DEFAULT_TOKEN_TTL,
    refresh_token_ttl: float = DEFAULT_REFRESH_TOKEN_TTL,
    notification_token_ttl: float = DEFAULT_NOTIFICATION_TOKEN_TTL,
    users: Mapping[str, str] | None = None,
    default_page_size: int = DEFAULT_PAGE_SIZE,
    max_page_size: int = DEFAULT_MAX_PAGE_SIZE,
    claim_timeout: float = DEFAULT_CLAIM_TIMEOUT,
    log_level: str = DEFAULT_LOG_LEVEL,
    max_body: int = DEFAULT_MAX_BODY,
    allowed_hosts: Sequence[str] = (),
    max_connections: int = DEFAULT_MAX_CONNECTIONS,
    header_timeout: float = DEFAULT_HEADER_TIMEOUT,
    cors_origins: Sequence[str] = (),
    clock: EmulatorClock | None = None,
) -> Iterator[Emulator]:
    """Run an emulator on a free loopback port (or `uds`) for the duration of the block.

        with run_emulator(job_speed=0.05) as emu:
            httpx.get(f"{emu.url}/v1/environments", headers=emu.headers)

        with run_emulator(api="internal", uds="/tmp/api.sock", token="t") as emu:
            transport = httpx.HTTPTransport(uds=emu.uds)
            httpx.Client(base_url=emu.url, headers=emu.headers, transport=transport).get("/v1/environment")

    Pass a whole `config`, or these keywords (the `EmulatorConfig` fields), not both; `clock`
    goes with either:

    - `api`: "platform" (Cycle's Platform API), "internal" (a container's Internal API,
      `X-CYCLE-TOKEN` auth) or "scheduler" (an environment's Scheduler API, `X-CYCLE-ACCESS-KEY`).
    - `host`, `port`: where to listen (port 0: a free one; the URL is `emu.url`).
    - `uds`: a unix socket path to serve on instead of host:port.
    - `api_key`: the platform API key (acts for the first user, in every hub).
    - `token`: the internal API's token; `access_key`: the scheduler API's access key.
    - `hub_id`, `hub_name`: the hub made at start (unless it exists in `db_path`).
    - `job_speed`: seconds per job phase (new, queued, then one per step while running); 0: at once.
    - `db_path`: a SQLite file keeping state across runs; None keeps it in memory.
    - `token_ttl`, `refresh_token_ttl`: OAuth access and refresh token lifetimes, in seconds.
    - `notification_token_ttl`: lifetime of a hub notification socket token, in seconds.
    - `users`: email -> password, for the OAuth password grant (default: user@example.com:password).
    - `default_page_size`: items per page when a request gives no `page[size]`.
    - `max_page_size`: the largest `page[size]` answered (100); a larger one is a 422 naming it.
    - `claim_timeout`: scheduler, seconds a claimed function instance waits to be spawned.
    - `log_level`: uvicorn's log level ("warning").
    - `max_body`: the largest request body in bytes (8 MiB); a larger one gets 413 without being read.
    - `allowed_hosts`: Host names requests may use besides localhost, 127.0.0.1, [::1] and `host`
      (e.g. a docker-compose service name); "*" turns the Host check off.
    - `max_connections`: open connections at once (lowered to fit the file descriptor limit).
    - `header_timeout`: seconds a connection has to send a complete request head.
    - `cors_origins`: origins whose pages may call the API cross-origin (CORS), besides pages on
      this machine (localhost, 127.0.0.1, [::1], any port); "*" allows every origin.
    - `clock`: what every time-based part reads (see `Emulator`); default the system clock. A
      `FakeClock` moves only when told: `clock.advance(3600)` expires a 5-second token at once.
    """
    options = EmulatorConfig(
        api=api,
        host=host,
        port=port,
        uds=uds,
        api_key=api_key,
        token=token,
        access_key=access_key,
        hub_id=hub_id,
        hub_name=hub_name,
        job_speed=job_speed,
        db_path=db_path,
        token_ttl=token_ttl,
        refresh_token_ttl=refresh_token_ttl,
        notification_token_ttl=notification_token_ttl,
        users=dict(users) if users is not None else dict(DEFAULT_USERS),
        default_page_size=default_page_size,
        max_page_size=max_page_size,
        claim_timeout=claim_timeout,
        log_level=log_level,
        max_body=max_body,
        allowed_hosts=tuple(allowed_hosts),
        max_connections=max_connections,
        header_timeout=header_timeout,
        cors_origins=tuple(cors_origins),
    )
    if config is not None and options != EmulatorConfig():
        raise TypeError("run_emulator: pass an EmulatorConfig or keyword arguments, not both")
    emulator = Emulator(config if config is not None else options, clock=clock)
    emulator.start()
    try:
        yield emulator
    finally:
        emulator.stop()


def print_details(emulator: Emulator) -> None:
    """The CLI's details line, on stderr (stdout carries only the `listening on` line)."""
    where = emulator.config.db_path or "memory"
    api = emulator.config.api
    if api == "internal":
        what = f"internal API, token {emulator.token!r}"
    elif api == "scheduler":
        what = f"scheduler API, access key {emulator.access_key!r}"
    else:
        what = f"api key {emulator.api_key!r}"
    print(f"hub {emulator.hub_id}, {what}, state in {where}", file=sys.stderr, flush=True)


__all__ = [
    "Conditions",
    "ConnectionLimits",
    "Emulator",
    "TransportH11Protocol",
    "connection_cap",
    "default_spec",
    "print_details",
    "run_emulator",
]
