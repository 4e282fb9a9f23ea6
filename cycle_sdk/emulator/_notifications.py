"""The hub notification pipeline: short-lived socket tokens and fan-out of change notifications.

A client asks `GET /v1/hubs/current/notifications` for a token, then opens a WebSocket on the same
path with `?token=...`. Every change in the hub is sent as one JSON text frame shaped as Cycle's
(the spec has no schema for it; this follows Cycle's own API clients):

    {"topic": "environment.created",
     "object": {"id": "...", "state": "live"},
     "context": {"hub_id": "...", "account_id": null, "environments": [...], "dns_zones": null,
                 "clusters": null, "containers": null}}

Publishing is thread safe: the server thread publishes directly, other threads (test controls)
hand the message to the server's event loop.
"""

from __future__ import annotations

import asyncio
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

_DROP: Final = object()  # queued to a socket to make its handler close it


@dataclass(eq=False)  # compared and hashed by identity: one per socket
class Subscription:
    hub_id: str
    queue: asyncio.Queue[Any] = field(default_factory=asyncio.Queue)


class NotificationHub:
    def __init__(
        self, *, token_ttl: float, clock: Callable[[], float], on_change: Callable[[], None] = lambda: None
    ) -> None:
        self._lock = threading.Lock()
        self._clock = clock
        self._on_change = on_change  # called when a socket opens or closes, with no lock held
        self.token_ttl = token_ttl
        self._tokens: dict[str, tuple[str, float]] = {}
        self._subscriptions: set[Subscription] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self.sent = 0
        self.connections = 0

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Called at server start: the loop that owns the sockets' queues."""
        self._loop = loop

    # -- tokens -----------------------------------------------------------------------------

    def issue_token(self, hub_id: str) -> str:
        token = secrets.token_urlsafe(24)
        with self._lock:
            now = self._clock()
            # Forget expired tokens here rather than on a timer: issuing is rare.
            self._tokens = {t: v for t, v in self._tokens.items() if v[1] > now}
            self._tokens[token] = (hub_id, now + self.token_ttl)
        return token

    def hub_for_token(self, token: str) -> str | None:
        with self._lock:
            entry = self._tokens.get(token)
        if entry is None or entry[1] <= self._clock():
            return None
        return entry[0]

    # -- sockets ----------------------------------------------------------------------------

    def subscribe(self, hub_id: str) -> Subscription:
        subscription = Subscription(hub_id)
        with self._lock:
            self._subscriptions.add(subscription)
            self.connections += 1
        self._on_change()
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        with self._lock:
            self._subscriptions.discard(subscription)
        self._on_change()

    @property
    def open_sockets(self) -> int:
        with self._lock:
            return len(self._subscriptions)

    def publish(self, hub_id: str, message: dict[str, Any]) -> None:
        with self._lock:
            targets = [s for s in self._subscriptions if s.hub_id == hub_id]
            self.sent += len(targets)
        for subscription in targets:
            self._deliver(subscription, message)

    def drop_all(self) -> int:
        """Close every open socket (code 1012, service restart); returns how many were open."""
        with self._lock:
            targets = list(self._subscriptions)
        for subscription in targets:
            self._deliver(subscription, _DROP)
        return len(targets)

    @staticmethod
    def is_drop(item: object) -> bool:
        return item is _DROP

    def _deliver(self, subscription: Subscription, item: object) -> None:
        loop = self._loop
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if loop is None or running is loop:
            subscription.queue.put_nowait(item)
        elif not loop.is_closed():
            loop.call_soon_threadsafe(subscription.queue.put_nowait, item)

    def reset(self) -> None:
        with self._lock:
            self._tokens.clear()
            self.sent = 0
            self.connections = 0


__all__ = ["NotificationHub", "Subscription"]
