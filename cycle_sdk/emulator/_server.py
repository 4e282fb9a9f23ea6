"""Running the emulator: in a background thread (tests) or in the foreground (the CLI)."""

from __future__ import annotations

import contextlib
import functools
import socket
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
def default_spec() -> ApiSpec:
    """The effective spec, parsed once per process (every emulator shares it: it is read-only)."""
    return ApiSpec(load_spec_document())


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

    Attributes: `url` (http://host:port, once started), `api_key`, `hub_id`, `config`, `state`.
    """

    def __init__(self, config: EmulatorConfig | None = None, **overrides: Any) -> None:
        if config is not None and overrides:
            raise TypeError("pass an EmulatorConfig or keyword overrides, not both")
        self.config = config if config is not None else EmulatorConfig(**overrides)
        super().__init__(EmulatorState(self.config, spec=default_spec()))
        self.app = EmulatorApp(self.state)
        self.url = ""
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None
        self._started = threading.Event()

    @property
    def api_key(self) -> str:
        return self.config.api_key

    @property
    def hub_id(self) -> str:
        return self.config.hub_id

    @property
    def headers(self) -> dict[str, str]:
        """Headers authenticating as the configured API key in the default hub."""
        return {"Authorization": f"Bearer {self.api_key}", "X-Hub-Id": self.hub_id}

    @property
    def ws_url(self) -> str:
        return "ws" + self.url.removeprefix("http")

    def _bind(self) -> socket.socket:
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
            self._socket.close()
        self._server = self._thread = self._socket = None
        self.state.store.close()

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- foreground -------------------------------------------------------------------------

    def serve(self, announce: Callable[[str], None] | None = None) -> None:
        """Serve on this thread until SIGINT/SIGTERM; `announce(url)` is called once listening."""
        sock = self._bind()
        server = self._build_server(lambda: (announce or _announce)(self.url))
        try:
            server.run(sockets=[sock])
        finally:
            sock.close()
            self.state.store.close()


def _announce(url: str) -> None:
    print(f"Cycle API emulator listening on {url}", flush=True)


@contextlib.contextmanager
def run_emulator(config: EmulatorConfig | None = None, **overrides: Any) -> Iterator[Emulator]:
    """Run an emulator on a free loopback port for the duration of the block.

        with run_emulator(job_speed=0.05) as emu:
            httpx.get(f"{emu.url}/v1/environments", headers=emu.headers)

    Keyword arguments are `EmulatorConfig` fields (api_key, hub_id, job_speed, db_path, token_ttl...).
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
    print(f"hub {emulator.hub_id}, api key {emulator.api_key!r}, state in {where}", file=sys.stderr, flush=True)
