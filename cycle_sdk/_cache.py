"""The response cache behind `settings.cache.use`.

- An identical GET (same URL, query, hub and identity) within `refresh` seconds is served
  from memory; concurrent identical GETs share one request (sync: threads; async: tasks).
- Any non-GET through the client empties the cache: Cycle's resources depend on each other
  (an environment's meta counts its containers, deleting an environment takes its
  containers, a task changes states across collections), so no narrower rule is safe. A
  fetch that started before a write or `clear()` is not stored either, so nothing read
  before a mutation is served once the mutation has returned.
- Bounded: at most `max_entries` and `max_bytes` (the memory the cached results hold, measured
  when each is stored), least recently used first out; a result larger than `max_bytes` is not
  kept. Expired entries are dropped as soon as the cache is next used (a lookup or a store), not
  left in memory until their key is asked for again.
"""

from __future__ import annotations

import enum
import gc
import sys
import threading
import types
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define, field

from ._clock import SYSTEM_CLOCK, Clock
from ._result import APIResult

if TYPE_CHECKING:
    import asyncio  # at run time only the async path needs it, and it has it loaded

    from ._request import RequestSpec
    from ._tokens import Token

DEFAULT_CACHE_REFRESH = 1.0
DEFAULT_CACHE_MAX_ENTRIES = 1024
DEFAULT_CACHE_MAX_BYTES = 64 * 1024 * 1024

T = TypeVar("T")


@define
class CacheSettings:
    """`settings.cache`: `use` turns caching on, `refresh` is the lifetime in seconds; at most
    `max_entries` results holding at most `max_bytes` of memory are kept."""

    use: bool = False
    refresh: float = DEFAULT_CACHE_REFRESH
    max_entries: int = DEFAULT_CACHE_MAX_ENTRIES
    max_bytes: int = DEFAULT_CACHE_MAX_BYTES


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


# Shared by every result that refers to them, so not part of what one result holds.
_SHARED = (type, types.ModuleType, types.FunctionType, types.BuiltinFunctionType, enum.Enum)
_IS_SHARED: dict[type, bool] = {}


def held_bytes(value: object) -> int:
    """The memory `value` holds: `sys.getsizeof` of every object it reaches (through containers,
    attributes and slots, as the garbage collector sees them), each counted once. Classes,
    functions, enum members, None and the booleans are shared by every result, so not counted."""
    get_referents, getsizeof = gc.get_referents, sys.getsizeof
    seen = {id(None), id(True), id(False)}
    total = 0
    level = [value]
    while level:  # one level of references at a time: gc.get_referents walks them in C
        fresh = []
        for obj in level:
            key = id(obj)
            if key in seen:
                continue
            seen.add(key)
            cls = type(obj)
            shared = _IS_SHARED.get(cls)
            if shared is None:
                shared = _IS_SHARED[cls] = issubclass(cls, _SHARED)
            if not shared:
                total += getsizeof(obj)
                fresh.append(obj)
        level = get_referents(*fresh)
    return total


@define
class _Flight:
    """One request in flight that identical requests wait on."""

    event: threading.Event = field(factory=threading.Event)
    future: asyncio.Future[Any] | None = None
    result: Any = None


class ResponseCache:
    def __init__(
        self,
        max_entries: int = DEFAULT_CACHE_MAX_ENTRIES,
        *,
        max_bytes: int = DEFAULT_CACHE_MAX_BYTES,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._now = clock.monotonic  # entries expire on this clock's time
        # key -> (expires at, result, the bytes it holds), least recently used first
        self._entries: OrderedDict[Hashable, tuple[float, APIResult[Any], int]] = OrderedDict()
        self._bytes = 0  # the sum of what the entries hold
        self._next_expiry = float("inf")  # no entry expires before this
        # Bumped by every write and clear(): a fetch that started under an older one is not stored.
        self._generation = 0
        self._inflight: dict[Hashable, _Flight] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def held_bytes(self) -> int:
        """The memory the cached results hold, as measured when each was stored."""
        return self._bytes

    def _drop(self, key: Hashable) -> None:
        self._bytes -= self._entries.pop(key)[2]

    def _sweep(self, now: float) -> None:
        """Drop every expired entry, once the earliest expiry has passed. Caller holds the lock."""
        if now < self._next_expiry:
            return
        for key in [k for k, entry in self._entries.items() if entry[0] <= now]:
            self._drop(key)
        self._next_expiry = min((entry[0] for entry in self._entries.values()), default=float("inf"))

    def _lookup(self, key: Hashable, now: float) -> APIResult[Any] | None:
        self._sweep(now)
        entry = self._entries.get(key)
        if entry is None:
            return None
        self._entries.move_to_end(key)
        return entry[1]

    @staticmethod
    def _storable(result: APIResult[Any], ttl: float) -> bool:
        return result.ok is True and ttl > 0

    def _store(self, key: Hashable, generation: int, result: APIResult[Any], ttl: float, size: int) -> None:
        # Caller holds the lock. Only successes are kept, and only if nothing was written or
        # cleared while this fetch was in flight, and only what fits in max_bytes by itself.
        if not self._storable(result, ttl) or self._generation != generation or size > self.max_bytes:
            return
        now = self._now()
        self._sweep(now)
        if key in self._entries:
            self._drop(key)
        expires = now + ttl
        self._entries[key] = (expires, result, size)
        self._bytes += size
        self._next_expiry = min(self._next_expiry, expires)
        while len(self._entries) > self.max_entries or self._bytes > self.max_bytes:
            self._drop(next(iter(self._entries)))

    def _size(self, result: APIResult[Any] | None, ttl: float) -> int:
        # Measured before taking the lock: walking a large page takes a while.
        return held_bytes(result) if result is not None and self._storable(result, ttl) else 0

    def clear(self) -> None:
        with self._lock:
            self._generation += 1
            self._entries.clear()
            self._bytes = 0
            self._next_expiry = float("inf")

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
                size = self._size(result, ttl)
                with self._lock:
                    self._inflight.pop(key, None)
                    if result is not None:
                        self._store(key, generation, result, ttl, size)
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
                size = self._size(result, ttl)
                with self._lock:
                    self._inflight.pop(key, None)
                    if result is not None:
                        self._store(key, generation, result, ttl, size)
                if not future.done():
                    future.set_result(result)


__all__ = [
    "DEFAULT_CACHE_MAX_ENTRIES",
    "DEFAULT_CACHE_REFRESH",
    "CacheKeys",
    "CacheSettings",
    "ResponseCache",
    "cache_applies",
]
