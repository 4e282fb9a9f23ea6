"""Running the emulator: in a background thread (tests) or in the foreground (the CLI)."""

from __future__ import annotations

import contextlib
import functools
import os
import socket
import stat
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from ._app import TRANSPORT_KEY, EmulatorApp
from ._config import EmulatorConfig
from ._controls import Controls
from ._spec import ApiSpec, load_spec_document
from ._state import EmulatorState

_START_TIMEOUT = 15.0
_STOP_TIMEOUT = 10.0


@functools.cache
def default_spec(api: str = "platform") -> ApiSpec:
    """An API's effective spec, parsed once per process (every emulator shares it: it is read-only)."""
    return ApiSpec(load_spec_document(api))


class TransportH11Protocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol, also handing the app its connection's transport.

    ASGI gives an app no way to drop a connection without answering; the `reset` fault needs one.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        inner = self.app

        async def app(scope: Any, receive: Any, send: Any) -> None:
            scope.setdefault("extensions", {})[TRANSPORT_KEY] = self.transport
            await inner(scope, receive, send)

        self.app = app


class _Server(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, on_started: Callable[[], None]) -> None:
        super().__init__(config)
        self._on_started = on_started

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            self._on_started()


class Emulator(Controls):
    """A local Cycle API; the controls of `Controls`, plus its address and lifecycle.

    Attributes: `url` (http://host:port, or http://localhost on a unix socket, once started), `uds`
    (the unix socket path, or None), `address` (the URL, or `unix:PATH`), `headers` (what
    authenticates on the served API), `api_key`, `token`, `access_key`, `hub_id`, `config`, `state`.
    """

    def __init__(self, config: EmulatorConfig | None = None, **overrides: Any) -> None:
        if config is not None and overrides:
            raise TypeError("pass an EmulatorConfig or keyword overrides, not both")
        self.config = config if config is not None else EmulatorConfig(**overrides)
        super().__init__(EmulatorState(self.config, spec=default_spec(self.config.api)))
        self.app = EmulatorApp(self.state)
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
        sock.listen(128)
        host, port = sock.getsockname()[:2]
        self.url = f"http://[{host}]:{port}" if family == socket.AF_INET6 else f"http://{host}:{port}"
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
            sock.listen(128)
        except OSError:
            sock.close()
            raise
        self.uds, self.url = path, "http://localhost"
        return sock

    def _unbind(self, sock: socket.socket) -> None:
        sock.close()
        if self.uds is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.uds)

    def _build_server(self, on_started: Callable[[], None]) -> _Server:
        config = uvicorn.Config(
            self.app,
            http=TransportH11Protocol,
            lifespan="on",
            log_level=self.config.log_level,
            access_log=False,
            # Keep-alive long enough that an idle test client does not see its connection vanish.
            timeout_keep_alive=30,
            timeout_graceful_shutdown=2,
        )
        return _Server(config, on_started)

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
            self._server.should_exit = True
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
def run_emulator(config: EmulatorConfig | None = None, **overrides: Any) -> Iterator[Emulator]:
    """Run an emulator on a free loopback port (or `uds`) for the duration of the block.

        with run_emulator(job_speed=0.05) as emu:
            httpx.get(f"{emu.url}/v1/environments", headers=emu.headers)

        with run_emulator(api="internal", uds="/tmp/api.sock", token="t") as emu:
            transport = httpx.HTTPTransport(uds=emu.uds)
            httpx.Client(base_url=emu.url, headers=emu.headers, transport=transport).get("/v1/environment")

    Keyword arguments are `EmulatorConfig` fields (api, uds, api_key, token, access_key, hub_id,
    job_speed, db_path, token_ttl...).
    """
    emulator = Emulator(config, **overrides)
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
