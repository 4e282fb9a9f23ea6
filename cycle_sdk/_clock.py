"""The clock behind every wait the SDK makes by itself: cache lifetimes, retry backoff, job
polling and timeouts, notification reconnects.

A client takes `clock=` (default: the system clock), so a test can pass a fake one whose
sleeps return at once and move its time on, instead of sleeping for real. Socket and
per-attempt deadlines stay on the real monotonic clock: they bound real I/O.
"""

from __future__ import annotations

import time
from typing import Protocol, cast

from attrs import frozen


class Clock(Protocol):
    """What the SDK asks of a clock: seconds on a monotonic scale, and waiting (sync and async)."""

    def monotonic(self) -> float: ...

    def sleep(self, seconds: float, /) -> None: ...

    async def async_sleep(self, seconds: float, /) -> None: ...


@frozen
class SystemClock:
    """The real clock: time.monotonic, time.sleep and asyncio.sleep."""

    # The C functions themselves, not wrappers: a cache hit reads the clock on every call.
    monotonic = staticmethod(time.monotonic)
    sleep = staticmethod(time.sleep)

    async def async_sleep(self, seconds: float) -> None:
        import asyncio  # loaded by the async paths that call this; sync scripts do not pay for it

        await asyncio.sleep(seconds)


SYSTEM_CLOCK = SystemClock()


def clock_of(client: object) -> Clock:
    """The clock of a namespace's client (the requester holds it); the system clock for a
    requester without one. Namespaces know their client only as a requester, so they ask here."""
    return cast(Clock, getattr(client, "_clock", SYSTEM_CLOCK))


__all__ = ["SYSTEM_CLOCK", "Clock", "SystemClock", "clock_of"]
