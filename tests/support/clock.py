"""A fake clock for the SDK's `clock=`: sleeps return at once and move its time on instead.

    clock = FakeClock()
    client = cycle_sdk.Client(..., clock=clock)   # cache lifetimes, retry waits, job polls run on it
    clock.advance(2.0)                            # two seconds pass, without waiting
    emu.state.clock = clock.time                  # an emulator's jobs progress on the same time

`time()` is a wall-clock reading on the same scale (for the emulator, whose jobs are a pure
function of its clock), so a job polled by a fake-clock client moves one poll delay per poll.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cycle_sdk.emulator import Emulator


class FakeClock:
    def __init__(self) -> None:
        self._now = 0.0
        self._wall_start = time.time()
        self._lock = threading.Lock()
        self.sleeps: list[float] = []  # every sleep asked for, in order

    def monotonic(self) -> float:
        return self._now

    def time(self) -> float:
        return self._wall_start + self._now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += seconds

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            self._now += max(0.0, seconds)

    async def async_sleep(self, seconds: float) -> None:
        self.sleep(seconds)
        await asyncio.sleep(0)  # still a suspension point, as a real sleep is


@contextlib.contextmanager
def shared_with_emulator(emu: Emulator) -> Iterator[FakeClock]:
    """A fake clock for a test's client that the emulator's jobs also run on, while it is open."""
    fake = FakeClock()
    real = emu.state.clock
    emu.state.clock = fake.time
    try:
        yield fake
    finally:
        emu.state.clock = real
