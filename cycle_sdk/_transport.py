"""The default transports: made on first use, and TLS set up only for https.

httpx builds its SSL context (loading the CA bundle, ~25 ms) when a client is constructed,
whatever the URLs it will see. These transports defer that to the first https request, so
constructing a client is cheap and plain-HTTP use (the emulator, loopback services) never
pays for TLS. Routing is by scheme: a plain `http://` request cannot negotiate TLS, so its
pool is made without certificate loading; `https://` requests get a normally verifying pool.

httpx mounts proxies from the environment (HTTP_PROXY, HTTPS_PROXY, ALL_PROXY, NO_PROXY) only
when a client is given no transport, so when any of them is set the SDK gives none and
httpx's own default transport and proxy mounts apply.

The sync transports read the call's total deadline (`call_deadline`, set by the requester
around each attempt) on every socket connect, read and write: each waits at most until the
deadline, so no phase of a response (a trickled status line, endless `100 Continue`
responses, a slow body) can hold a call past its total timeout. httpx's timeouts are per
operation and would let each byte restart the clock.
"""

from __future__ import annotations

import os
import threading
import time
from contextvars import ContextVar
from typing import Any

import httpcore
import httpx

from ._httpx_private import client_transports, set_network_backend

# The monotonic time by which the current attempt must be over (None: no total timeout).
call_deadline: ContextVar[float | None] = ContextVar("cycle_sdk_call_deadline", default=None)


def _left(timeout: float | None, exc: type[Exception]) -> float | None:
    """`timeout` shortened to what is left of the call's total; `exc` once nothing is left."""
    deadline = call_deadline.get()
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise exc("the call's total timeout was exceeded")
    return left if timeout is None or timeout > left else timeout


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _left(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _left(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None) -> Any:
        timeout = _left(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._stream.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class DeadlineBackend(httpcore.NetworkBackend):
    """httpcore's network backend, with every socket operation bounded by `call_deadline`."""

    def __init__(self, backend: httpcore.NetworkBackend) -> None:
        self._backend = backend

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.NetworkStream:
        timeout = _left(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._backend.connect_tcp(host, port, timeout, local_address, socket_options))

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Any = None
    ) -> httpcore.NetworkStream:
        timeout = _left(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._backend.connect_unix_socket(path, timeout, socket_options))

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


def with_deadline(transport: httpx.HTTPTransport) -> httpx.HTTPTransport:
    """`transport` (one the SDK made) with its sockets bounded by the call's total deadline."""
    set_network_backend(transport, DeadlineBackend)
    return transport


def bound_client_transports(http: httpx.Client) -> None:
    """Give the transports httpx made for a client the SDK made (proxies configured) the deadline."""
    for transport in client_transports(http):
        if isinstance(transport, httpx.HTTPTransport):
            with_deadline(transport)


def deadline_transport(**options: Any) -> httpx.HTTPTransport:
    return with_deadline(httpx.HTTPTransport(**options))


class _Pools:
    """One pool per scheme, each created once (thread-safe) on first use."""

    def __init__(self, factory: Any, options: dict[str, Any]) -> None:
        self._factory = factory
        self._options = options
        self._pools: dict[str, Any] = {}
        self._lock = threading.Lock()

    def get(self, scheme: str) -> Any:
        pool = self._pools.get(scheme)
        if pool is None:
            with self._lock:
                pool = self._pools.get(scheme)
                if pool is None:
                    verify = scheme == "https"
                    pool = self._pools[scheme] = self._factory(verify=verify, **self._options)
        return pool

    def created(self) -> list[Any]:
        with self._lock:
            return list(self._pools.values())


class LazyTransport(httpx.BaseTransport):
    def __init__(self, *, limits: httpx.Limits) -> None:
        self._pools = _Pools(deadline_transport, {"limits": limits})

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        transport: httpx.HTTPTransport = self._pools.get(request.url.scheme)
        return transport.handle_request(request)

    def close(self) -> None:
        for pool in self._pools.created():
            pool.close()


class AsyncLazyTransport(httpx.AsyncBaseTransport):
    def __init__(self, *, limits: httpx.Limits) -> None:
        self._pools = _Pools(httpx.AsyncHTTPTransport, {"limits": limits})

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        transport: httpx.AsyncHTTPTransport = self._pools.get(request.url.scheme)
        return await transport.handle_async_request(request)

    async def aclose(self) -> None:
        for pool in self._pools.created():
            await pool.aclose()


_PROXY_VARIABLES = frozenset({"http_proxy", "https_proxy", "all_proxy"})


def proxies_in_environment() -> bool:
    return any(value and name.lower() in _PROXY_VARIABLES for name, value in os.environ.items())


def default_transport(limits: httpx.Limits) -> LazyTransport | None:
    """The transport for a client the SDK makes: None (httpx's default) when proxies are configured."""
    return None if proxies_in_environment() else LazyTransport(limits=limits)


def default_async_transport(limits: httpx.Limits) -> AsyncLazyTransport | None:
    return None if proxies_in_environment() else AsyncLazyTransport(limits=limits)


__all__ = [
    "AsyncLazyTransport",
    "DeadlineBackend",
    "LazyTransport",
    "bound_client_transports",
    "call_deadline",
    "deadline_transport",
    "default_async_transport",
    "default_transport",
    "proxies_in_environment",
    "with_deadline",
]
