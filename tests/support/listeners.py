"""A change made for a notification listener once it has subscribed, not on a timer.

A change made before a listener's socket is subscribed is not delivered to it, so a test that
starts a listener (a README block, the CLI in a subprocess) needs its change made after that.
The emulator subscribes a socket before its handshake ends and wakes `wait_until` when it does,
so the change waits on that instead of being repeated every so often until one lands:

    with change_once_subscribed(emu, make_environment):
        ...start the listener and read what it prints...
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator

from cycle_sdk.emulator import Emulator

__all__ = ["SUBSCRIBE_GUARD", "change_once_subscribed"]

# How long a listener may take to subscribe (a CLI in a subprocess starts Python first): a hang
# guard that fails the test, never a timing.
SUBSCRIBE_GUARD = 120.0


def connections(emu: Emulator) -> int:
    """Notification sockets `emu` has subscribed so far (each before its handshake ends)."""
    return emu.state.notifications.connections


@contextlib.contextmanager
def change_once_subscribed(emu: Emulator, change: Callable[[], object]) -> Iterator[None]:
    """Run `change()` in a thread as soon as a notification socket opened after entering this
    block has subscribed to `emu` (enter it before starting the listener). Raises what `change`
    raised, or TimeoutError when no listener subscribed, once the block has ended cleanly."""

    before = connections(emu)
    ended = threading.Event()
    failures: list[BaseException] = []

    def run() -> None:
        try:
            emu.wait_until(lambda: ended.is_set() or connections(emu) > before, timeout=SUBSCRIBE_GUARD)
            if connections(emu) > before:
                change()
        except BaseException as exc:  # raised in the test's thread, below
            failures.append(exc)

    thread = threading.Thread(target=run, name="change-once-subscribed", daemon=True)
    thread.start()
    try:
        yield
    finally:
        ended.set()
        emu.state.announce_activity()  # wakes the wait when no listener ever subscribed
        thread.join(SUBSCRIBE_GUARD)
    if failures:
        raise failures[0]
