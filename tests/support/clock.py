"""A fake clock for the SDK's `clock=` and the emulator's: sleeps return at once and move its time on.

    clock = FakeClock()
    client = cycle_sdk.Client(..., clock=clock)   # cache lifetimes, retry waits, job polls run on it
    clock.advance(2.0)                            # two seconds pass, without waiting
    run_emulator(clock=clock)                     # an emulator whose jobs and tokens run on the same time

It is the emulator's public `cycle_sdk.emulator.FakeClock`. `time()` is a wall-clock reading on
the same scale as `monotonic()`, so a job polled by a fake-clock client moves one poll delay per poll.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING

from cycle_sdk.emulator import FakeClock

if TYPE_CHECKING:
    from cycle_sdk.emulator import Emulator

__all__ = ["HANG_GUARD", "FakeClock", "HeldClock", "shared_with_emulator"]

# The one real-time bound tests put on a wait for something that happens by itself (a thread's
# call returning, a notification arriving): it turns a hang into a failure, so it is generous, and
# nothing is asserted about how long the wait took.
HANG_GUARD = 60.0


@contextlib.contextmanager
def shared_with_emulator(emu: Emulator) -> Iterator[FakeClock]:
    """A fake clock for a test's client that an already running emulator also runs on, while it is
    open (an emulator started with `clock=` needs no swap)."""
    fake = FakeClock()
    real = emu.state.clock
    emu.state.clock = fake
    try:
        yield fake
    finally:
        emu.state.clock = real


class HeldClock(FakeClock):
    """A fake clock whose async sleeps last until `release()`: run an emulator on it and a request
    its latency fault holds is held for as long as the test needs (while it checks what a held
    request does), then answered at once, instead of for real seconds.

        clock = HeldClock()
        with run_emulator(clock=clock) as emu:
            emu.add_fault("latency", latency=2)
            ...                   # requests are held here, however long this takes
            clock.release()       # and answered now

    Stopping the emulator still ends a held sleep (its latency faults answer 503 then)."""

    def __init__(self) -> None:
        super().__init__()
        self._hold = threading.Lock()
        self._released = False
        self._held: list[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = []

    def release(self) -> None:
        """End every held sleep, and hold none from now on."""
        with self._hold:
            self._released = True
            held, self._held = self._held, []
        for loop, event in held:
            if not loop.is_closed():
                loop.call_soon_threadsafe(event.set)

    async def async_sleep(self, seconds: float, /) -> None:
        event = asyncio.Event()
        with self._hold:
            if not self._released:
                self._held.append((asyncio.get_running_loop(), event))
            else:
                event.set()
        await event.wait()
        await super().async_sleep(seconds)
