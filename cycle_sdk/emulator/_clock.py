"""The emulator's clock: what every time-based part of it reads.

Timestamps, OAuth token and notification token lifetimes, job phases, the internal API's object
cache and the scheduler's claim timeout read `time()`; a latency fault waits with
`async_sleep()`. `run_emulator(clock=...)`, `Emulator(clock=...)` and the pytest plugin's
`cycle_emulator_clock` fixture take one; the default is the system clock.

`FakeClock` also satisfies the SDK's `cycle_sdk.Clock` (`monotonic`, `sleep`, `async_sleep`), so
one fake clock drives a client and the emulator it talks to: a client's job poll sleeps on it,
which moves the emulator's jobs on by as much, and nothing waits for real.

Not on this clock: the server's connection limits (the request-head timeout, keep-alive), which
bound real sockets, and the job ticker's polling interval (jobs are computed from `time()` on
every read; the ticker only announces transitions when nobody reads).
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from typing import Protocol, runtime_checkable

from attrs import frozen

from cycle_sdk._clock import SystemClock as _SdkSystemClock


@runtime_checkable
class EmulatorClock(Protocol):
    """What the emulator asks of a clock: wall-clock seconds since the epoch, and an async wait."""

    def time(self) -> float: ...

    async def async_sleep(self, seconds: float, /) -> None: ...


@frozen
class SystemClock(_SdkSystemClock):
    """The real clock: time.time, plus the SDK's system clock (time.monotonic, time.sleep, asyncio.sleep)."""

    time = staticmethod(time.time)


SYSTEM_CLOCK = SystemClock()


class FakeClock:
    """A clock that moves only when told: `advance(seconds)`, or a sleep, which returns at once
    and moves it on by as long as it was asked to wait (every sleep is recorded in `sleeps`).

        clock = FakeClock()
        with run_emulator(clock=clock, token_ttl=5) as emu:
            client = cycle_sdk.Client(..., base_url=emu.url, clock=clock)
            clock.advance(3600)          # an hour passes: the OAuth token has expired

    `time()` starts at the real time it was made (timestamps look current) and `monotonic()` at 0;
    both move together. Thread safe: the emulator reads it on its server thread.
    """

    def __init__(self, start: float | None = None) -> None:
        self._lock = threading.Lock()
        self._elapsed = 0.0
        self._start = time.time() if start is None else start
        self.sleeps: list[float] = []  # every sleep asked for, in order

    def monotonic(self) -> float:
        with self._lock:
            return self._elapsed

    def time(self) -> float:
        with self._lock:
            return self._start + self._elapsed

    def advance(self, seconds: float) -> None:
        """Move the clock on by `seconds` (negative: back, as a wall clock stepped back would)."""
        if not math.isfinite(seconds):
            raise ValueError(f"advance() takes a finite number of seconds, not {seconds!r}")
        with self._lock:
            self._elapsed += seconds

    def sleep(self, seconds: float, /) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            self._elapsed += max(0.0, seconds)

    async def async_sleep(self, seconds: float, /) -> None:
        self.sleep(seconds)
        await asyncio.sleep(0)  # still a suspension point, as a real sleep is


__all__ = ["SYSTEM_CLOCK", "EmulatorClock", "FakeClock", "SystemClock"]
