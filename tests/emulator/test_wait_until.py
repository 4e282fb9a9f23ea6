"""`emu.wait_until(condition)`: what tests wait on instead of polling with sleeps. It returns once
the condition holds, woken by the request or notification socket that makes it hold."""

from __future__ import annotations

import threading

import httpx
import pytest
from websockets.sync.client import connect as ws_connect

from cycle_sdk.emulator import Emulator
from tests.support.clock import HANG_GUARD


def _waiting(emu: Emulator, condition: object) -> tuple[threading.Thread, list[object]]:
    """`emu.wait_until(condition)` in a thread; the list gets "held" or the exception."""
    outcome: list[object] = []

    def wait() -> None:
        try:
            emu.wait_until(condition)  # type: ignore[arg-type]
            outcome.append("held")
        except BaseException as exc:
            outcome.append(exc)

    thread = threading.Thread(target=wait, daemon=True)
    thread.start()
    return thread, outcome


def test_a_request_wakes_a_wait_for_it(cycle_emulator: Emulator) -> None:
    route = ("GET", "/v1/environments")
    before = cycle_emulator.request_count(*route)
    thread, outcome = _waiting(cycle_emulator, lambda: cycle_emulator.request_count(*route) > before)
    response = httpx.get(f"{cycle_emulator.url}/v1/environments", headers=cycle_emulator.headers)
    assert response.status_code == 200
    thread.join(HANG_GUARD)
    assert outcome == ["held"]


def test_a_notification_socket_wakes_a_wait_for_it(cycle_emulator: Emulator) -> None:
    def connections() -> int:
        stats = cycle_emulator.stats()["notifications"]
        assert isinstance(stats, dict)
        return int(stats["connections"])

    before = connections()
    thread, outcome = _waiting(cycle_emulator, lambda: connections() > before)
    token = httpx.get(f"{cycle_emulator.url}/v1/hubs/current/notifications", headers=cycle_emulator.headers)
    with ws_connect(f"{cycle_emulator.ws_url}/v1/hubs/current/notifications?token={token.json()['data']['token']}"):
        thread.join(HANG_GUARD)
        opened = cycle_emulator.state.notifications.open_sockets
    assert outcome == ["held"]
    # Closing it wakes a wait too.
    cycle_emulator.wait_until(lambda: cycle_emulator.state.notifications.open_sockets < opened)


def test_a_condition_that_already_holds_returns_at_once(cycle_emulator: Emulator) -> None:
    cycle_emulator.wait_until(lambda: True, timeout=0)


def test_a_condition_that_never_holds_fails_after_the_guard(cycle_emulator: Emulator) -> None:
    with pytest.raises(TimeoutError, match=r"did not hold within 0\.05 s"):
        cycle_emulator.wait_until(lambda: False, timeout=0.05)
