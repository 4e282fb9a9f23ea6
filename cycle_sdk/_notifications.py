"""`client.hub_notifications.listen()`: the hub notification pipeline as an iterator.

It fetches a short-lived token (`GET /v1/hubs/current/notifications`), opens the WebSocket
(`?token=`), and yields each message as a typed `HubNotification`. When the socket drops it
reconnects with backoff (a fresh token each time) and yields a `Reconnected` marker first, so
the caller knows it may have missed changes and can re-read what it cares about. The first
connection is not retried: when no token can be had or the socket cannot be opened (a dead
server, a wrong base URL), `listen()` raises at once instead of retrying without a word.

    async for note in client.hub_notifications.listen():
        if isinstance(note, Reconnected):
            ...  # resync
        else:
            print(note.topic, note.object.id)

Needs the `websockets` package (`pip install cycle-sdk[notifications]`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any

from attrs import frozen

from ._clock import clock_of
from ._exceptions import APIResultError, ConfigurationError
from ._generated.namespaces.hub_notifications import AsyncHubNotifications as _GeneratedAsync
from ._generated.namespaces.hub_notifications import HubNotifications as _GeneratedSync
from ._result import APIError
from ._retry import backoff, is_transient

if TYPE_CHECKING:
    from ._client import AsyncClient, Client
    from ._generated.models.hub_notification import HubNotification

log = logging.getLogger("cycle_sdk")

# Reconnects back off with the SDK's one backoff (_retry.py), up to a longer cap than a request's.
RECONNECT_BACKOFF_CAP = 30.0
SOCKET_PATH = "/v1/hubs/current/notifications"


@frozen
class Reconnected:
    """Yielded after the socket dropped and a new one is open: changes may have been missed."""

    attempt: int
    reason: str


def _websockets() -> Any:
    try:
        import websockets
    except ImportError as exc:  # pragma: no cover - exercised only without the extra
        raise ConfigurationError(
            "hub notifications need the websockets package (hint: pip install 'cycle-sdk[notifications]')"
        ) from exc
    return websockets


def _socket_url(base_url: str, token: str) -> str:
    from urllib.parse import quote

    scheme, rest = base_url.rstrip("/").split("://", 1)
    ws = "wss" if scheme == "https" else "ws"
    return f"{ws}://{rest}{SOCKET_PATH}?token={quote(token, safe='')}"


def _parse(frame: str | bytes) -> HubNotification | None:
    from ._generated.models.hub_notification import HubNotification

    try:
        data = json.loads(frame)
        return HubNotification.from_dict(data)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        log.debug("skipping a malformed hub notification: %s", type(exc).__name__)
        return None


def failure_reason(exc: BaseException, socket_token: str) -> str:
    """Why a socket failed, without its token: some websockets errors quote the URL, whose query holds it."""
    from ._redact import Redactor

    return Redactor([socket_token])(f"{type(exc).__name__}: {exc}") or type(exc).__name__


def _delay(attempt: int) -> float:
    return backoff(attempt, cap=RECONNECT_BACKOFF_CAP)


class _Reconnects:
    """The reconnect bookkeeping both listen() loops share: how many tries in a row, and why."""

    def __init__(self, max_reconnects: int | None) -> None:
        self.max_reconnects = max_reconnects
        self.attempt = 0
        self.reason = ""
        self.ever_connected = False  # the first connection is not retried: its failure is raised

    def token_failed(self, error: APIError) -> float:
        """Seconds to wait before asking for a token again; raises when retrying cannot help."""
        self.attempt += 1
        if not self.ever_connected or not is_transient(error.status) or self._exhausted():
            raise APIResultError(error)  # e.g. 401/403: reconnecting will not help
        return _delay(self.attempt)

    def connected(self) -> Reconnected | None:
        """The marker to yield for a new socket after a lost one (None on the first)."""
        marker = Reconnected(self.attempt, self.reason) if self.attempt else None
        self.attempt = 0
        self.ever_connected = True
        return marker

    def lost(self, reason: str) -> float:
        """Seconds to wait before reconnecting; raises after `max_reconnects` in a row, or when
        no socket was ever opened."""
        self.reason = reason
        self.attempt += 1
        if not self.ever_connected:
            raise APIResultError(
                APIError(
                    status=0,
                    code="0.network_error",
                    title="Cannot open the hub notification socket",
                    detail=reason,
                    method="GET",
                    path=SOCKET_PATH,
                )
            )
        if self._exhausted():
            raise APIResultError(APIError(status=0, code="0.network_error", title="Socket lost", detail=reason))
        log.debug("hub notification socket lost (%s); reconnect %d", reason, self.attempt)
        return _delay(self.attempt)

    def _exhausted(self) -> bool:
        return self.max_reconnects is not None and self.attempt > self.max_reconnects


class HubNotifications(_GeneratedSync):
    """`client.hub_notifications`: the token operation plus `listen()`."""

    def __init__(self, client: Client) -> None:
        super().__init__(client)
        self._platform_client = client  # listen() reads its base URL at each connect

    def listen(self, *, max_reconnects: int | None = None) -> Iterator[HubNotification | Reconnected]:
        """Yield notifications forever (reconnecting), until the caller stops iterating.

        Raises APIResultError when a token cannot be had (e.g. 401), when the first socket
        cannot be opened (`0.network_error`), or after `max_reconnects` failed reconnects in a row.
        """
        websockets = _websockets()
        from websockets.sync.client import connect

        reconnects = _Reconnects(max_reconnects)
        while True:
            token = self.get_hub_notification_socket_auth(cache=False)
            if token.ok is False:
                clock_of(self._client).sleep(reconnects.token_failed(token.error))
                continue
            secret = token.value.data.token
            try:
                with connect(_socket_url(self._platform_client.settings.base_url, secret)) as socket:
                    marker = reconnects.connected()
                    if marker is not None:
                        yield marker
                    for frame in socket:
                        note = _parse(frame)
                        if note is not None:
                            yield note
                reason = "the server closed the socket"
            except (OSError, websockets.exceptions.WebSocketException) as exc:
                reason = failure_reason(exc, secret)
            clock_of(self._client).sleep(reconnects.lost(reason))


class AsyncHubNotifications(_GeneratedAsync):
    """`async_client.hub_notifications`: the token operation plus `listen()`."""

    def __init__(self, client: AsyncClient) -> None:
        super().__init__(client)
        self._platform_client = client  # listen() reads its base URL at each connect

    async def listen(self, *, max_reconnects: int | None = None) -> AsyncIterator[HubNotification | Reconnected]:
        """`async for` notifications forever (reconnecting); see the sync `listen()`."""
        websockets = _websockets()
        from websockets.asyncio.client import connect

        reconnects = _Reconnects(max_reconnects)
        while True:
            token = await self.get_hub_notification_socket_auth(cache=False)
            if token.ok is False:
                await clock_of(self._client).async_sleep(reconnects.token_failed(token.error))
                continue
            secret = token.value.data.token
            try:
                async with connect(_socket_url(self._platform_client.settings.base_url, secret)) as socket:
                    marker = reconnects.connected()
                    if marker is not None:
                        yield marker
                    async for frame in socket:
                        note = _parse(frame)
                        if note is not None:
                            yield note
                reason = "the server closed the socket"
            except (OSError, websockets.exceptions.WebSocketException) as exc:
                reason = failure_reason(exc, secret)
            await clock_of(self._client).async_sleep(reconnects.lost(reason))


__all__ = ["AsyncHubNotifications", "HubNotifications", "Reconnected", "failure_reason"]
