"""Every use the SDK makes of httpx's and httpcore's private attributes, in one place.

Two private hooks are worth their cost, and each has a public fallback:

- `transport_router(http)`: httpx.Client._transport_for_url, the router from a URL to the
  transport (mounts, proxies from the environment). The SDK sends through it directly on a
  client it made itself (see `_base_client._Connection`); without it, httpx's send() is used.
- `set_network_backend(transport, wrap)`: wraps the network backend of an
  httpx.HTTPTransport's connection pool (httpx.HTTPTransport._pool, httpcore's
  ConnectionPool._network_backend), so every socket read, write and connect sees the call's
  total deadline (`_transport.DeadlineBackend`). httpx has no public way to pass a network
  backend. Without it the total timeout is enforced between body chunks only.
- `client_transports(http)`: httpx.Client._transport and ._mounts, the transports httpx made
  for a client the SDK made (when proxies are configured), to give them the same backend.

tests/test_httpx_private.py fails loudly when an httpx or httpcore release moves either.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx


def transport_router(http: httpx.Client | httpx.AsyncClient) -> Callable[[httpx.URL], Any] | None:
    """httpx's URL -> transport router of `http`, or None when this httpx has none."""
    route = getattr(http, "_transport_for_url", None)
    return route if callable(route) else None


def client_transports(http: httpx.Client) -> list[Any]:
    """The transports of `http`: its default one and its mounts (proxies from the environment)."""
    found = [getattr(http, "_transport", None), *getattr(http, "_mounts", {}).values()]
    return [t for t in found if t is not None]


def set_network_backend(transport: httpx.HTTPTransport | httpx.AsyncHTTPTransport, wrap: Callable[[Any], Any]) -> bool:
    """Replace the network backend of `transport`'s pool by `wrap(backend)`; False if it cannot."""
    pool = getattr(transport, "_pool", None)
    backend = getattr(pool, "_network_backend", None)
    if pool is None or backend is None:
        return False
    pool._network_backend = wrap(backend)
    return True


__all__ = ["client_transports", "set_network_backend", "transport_router"]
