"""The default transports: made on first use, and TLS set up only for https.

httpx builds its SSL context (loading the CA bundle, ~25 ms) when a client is constructed,
whatever the URLs it will see. These transports defer that to the first https request, so
constructing a client is cheap and plain-HTTP use (the emulator, loopback services) never
pays for TLS. Routing is by scheme: a plain `http://` request cannot negotiate TLS, so its
pool is made without certificate loading; `https://` requests get a normally verifying pool.

httpx mounts proxies from the environment (HTTP_PROXY, HTTPS_PROXY, ALL_PROXY, NO_PROXY) only
when a client is given no transport, so when any of them is set the SDK gives none and
httpx's own default transport and proxy mounts apply.
"""

from __future__ import annotations

import os
import threading
from typing import Any

import httpx


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
        self._pools = _Pools(httpx.HTTPTransport, {"limits": limits})

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
