"""The response cache behind `settings.cache.use`.

- An identical GET (same URL, query, hub and identity) within `refresh` seconds is served
  from memory; concurrent identical GETs share one request (sync: threads; async: tasks).
- Any non-GET through the client empties the cache: Cycle's resources depend on each other
  (an environment's meta counts its containers, deleting an environment takes its
  containers, a task changes states across collections), so no narrower rule is safe. A
  fetch that started before a write or `clear()` is not stored either, so nothing read
  before a mutation is served once the mutation has returned.
- Bounded: at most `max_entries`, least recently used first out.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define, field

from ._clock import SYSTEM_CLOCK, Clock
from ._result import APIResult

if TYPE_CHECKING:
    import asyncio  # at run time only the async path needs it, and it has it loaded

    from ._auth import Token
    from ._request import RequestSpec

DEFAULT_CACHE_REFRESH = 1.0
DEFAULT_CACHE_MAX_ENTRIES = 1024

T = TypeVar("T")


@define
class CacheSettings:
    """`settings.cache`: `use` turns caching on, `refresh` is the lifetime in seconds."""

    use: bool = False
    refresh: float = DEFAULT_CACHE_REFRESH
    max_entries: int = DEFAULT_CACHE_MAX_ENTRIES


def cache_applies(request: RequestSpec, cache: bool | None, settings: CacheSettings) -> bool:
    """Whether a call goes through the cache: GETs of the API only, `cache=` over `settings.use`."""
    if request.method != "GET" or request.url is not None:
        return False
    return settings.use if cache is None else cache


class CacheKeys:
    """The key of a cached response: what was asked (path, query), of which hub, by whom (a
    fingerprint of the token, never the token) and of which API (base URL)."""

    _MAX_FINGERPRINTS = 64

    def __init__(self) -> None:
        self._fingerprints: dict[str, str] = {}

    def key(self, request: RequestSpec, token: Token | None, hub: str | None, base_url: str) -> tuple[Any, ...]:
        return (request.path, tuple(request.params), hub, self.fingerprint(token), base_url)

    def fingerprint(self, token: Token | None) -> str:
        """An identity for a token that does not contain the token."""
        if token is None:
            return "-"
        fp = self._fingerprints.get(token.access_token)
        if fp is None:
            if len(self._fingerprints) > self._MAX_FINGERPRINTS:
                self._fingerprints.clear()
            import hashlib

            fp = hashlib.sha256(token.access_token.encode()).hexdigest()[:16]
            self._fingerprints[token.access_token] = fp
        return fp


@define
class _Flight:
    """One request in flight that identical requests wait on."""

    event: threading.Event = field(factory=threading.Event)
    future: asyncio.Future[Any] | None = None
    result: Any = None


class ResponseCache:
    def __init__(self, max_entries: int = DEFAULT_CACHE_MAX_ENTRIES, *, clock: Clock = SYSTEM_CLOCK) -> None:
        self.max_entries = max_entries
        self._now = clock.monotonic  # entries expire on this clock's time
        self._entries: OrderedDict[Hashable, tuple[float, APIResult[Any]]] = OrderedDict()
        # Bumped by every write and clear(): a fetch that started under an older one is not stored.
        self._generation = 0
        self._inflight: dict[Hashable, _Flight] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def _lookup(self, key: Hashable, now: float) -> APIResult[Any] | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry[0] <= now:
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return entry[1]

    def _store(self, key: Hashable, generation: int, result: APIResult[Any], ttl: float) -> None:
        # Caller holds the lock. Only successes are kept, and only if nothing was written or
        # cleared while this fetch was in flight.
        if result.ok is False or ttl <= 0 or self._generation != generation:
            return
        self._entries[key] = (self._now() + ttl, result)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._generation += 1
            self._entries.clear()

    def fetch(self, key: tuple[Any, ...], ttl: float, load: Callable[[], APIResult[T]]) -> APIResult[T]:
        """Serve `key` from cache, or load it once."""
        while True:
            with self._lock:
                hit = self._lookup(key, self._now())
                if hit is not None:
                    return hit
                flight = self._inflight.get(key)
                leader = flight is None
                if flight is None:
                    flight = self._inflight[key] = _Flight()
                generation = self._generation
            if not leader:
                flight.event.wait()
                if flight.result is not None:
                    return flight.result  # type: ignore[no-any-return]
                continue  # the leader failed without a result: try again
            result: APIResult[T] | None = None
            try:
                result = load()
                return result
            finally:
                with self._lock:
                    self._inflight.pop(key, None)
                    if result is not None:
                        self._store(key, generation, result, ttl)
                flight.result = result
                flight.event.set()

    async def fetch_async(
        self, key: tuple[Any, ...], ttl: float, load: Callable[[], Awaitable[APIResult[T]]]
    ) -> APIResult[T]:
        import asyncio

        while True:
            with self._lock:
                hit = self._lookup(key, self._now())
                if hit is not None:
                    return hit
                flight = self._inflight.get(key)
                leader = flight is None or flight.future is None
                if flight is None or flight.future is None:
                    flight = self._inflight[key] = _Flight(future=asyncio.get_running_loop().create_future())
                generation = self._generation
            future = flight.future
            assert future is not None
            if not leader:
                # shield: a cancelled waiter must not cancel the shared future.
                result_or_none = await asyncio.shield(future)
                if result_or_none is not None:
                    return result_or_none  # type: ignore[no-any-return]
                continue
            result: APIResult[T] | None = None
            try:
                result = await load()
                return result
            finally:
                with self._lock:
                    self._inflight.pop(key, None)
                    if result is not None:
                        self._store(key, generation, result, ttl)
                if not future.done():
                    future.set_result(result)
