"""The default client behind the seed-style module API (`cycle_sdk.environments...`).

It is built on `cycle_sdk.settings` itself, so changing a setting applies to the next call.
"""

from __future__ import annotations

import atexit
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._client import AsyncClient, Client

_lock = threading.Lock()
_client: Client | None = None
# Every default client made (a new one when `cycle_sdk.settings` is replaced), closed at exit:
# one replaced may still have calls in flight, so it is not closed before.
_made: list[Client] = []


def default_client() -> Client:
    global _client
    import cycle_sdk

    from ._client import Client

    settings = cycle_sdk.settings
    client = _client
    if client is not None and client.settings is settings:
        return client
    with _lock:
        if _client is None or _client.settings is not settings:
            if not _made:
                atexit.register(close_default_clients)
            _client = Client(settings=settings)
            _made.append(_client)
        return _client


def close_default_clients() -> None:
    """Close the default clients' connections (at interpreter exit; `-X dev` warns of open sockets).
    A later module-level call makes a new default client."""
    global _client
    with _lock:
        made = _made[:]
        _made.clear()
        _client = None
    for client in made:
        client.close()


def default_async_client() -> AsyncClient:
    """An AsyncClient on the same settings (one per call site's loop; cheap to make)."""
    import cycle_sdk

    from ._client import AsyncClient

    return AsyncClient(settings=cycle_sdk.settings)


__all__ = ["close_default_clients", "default_async_client", "default_client"]
