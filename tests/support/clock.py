"""A fake clock for the SDK's `clock=` and the emulator's: sleeps return at once and move its time on.

    clock = FakeClock()
    client = cycle_sdk.Client(..., clock=clock)   # cache lifetimes, retry waits, job polls run on it
    clock.advance(2.0)                            # two seconds pass, without waiting
    run_emulator(clock=clock)                     # an emulator whose jobs and tokens run on the same time

It is the emulator's public `cycle_sdk.emulator.FakeClock`. `time()` is a wall-clock reading on
the same scale as `monotonic()`, so a job polled by a fake-clock client moves one poll delay per poll.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

from cycle_sdk.emulator import FakeClock

if TYPE_CHECKING:
    from cycle_sdk.emulator import Emulator

__all__ = ["HANG_GUARD", "FakeClock", "shared_with_emulator"]

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
