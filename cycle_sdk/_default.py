"""The default client behind the seed-style module API (`cycle_sdk.environments...`).

It is built on `cycle_sdk.settings` itself, so changing a setting applies to the next call.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._client import AsyncClient, Client

_lock = threading.Lock()
_client: Client | None = None


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
            _client = Client(settings=settings)
        return _client


def default_async_client() -> AsyncClient:
    """An AsyncClient on the same settings (one per call site's loop; cheap to make)."""
    import cycle_sdk

    from ._client import AsyncClient

    return AsyncClient(settings=cycle_sdk.settings)


__all__ = ["default_async_client", "default_client"]
