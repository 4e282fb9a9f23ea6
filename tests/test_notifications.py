"""The hub notification pipeline end to end against the emulator, sync and async."""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Iterator
from typing import Any

import pytest

import cycle_sdk
from cycle_sdk.emulator import Emulator, run_emulator
from cycle_sdk.models import HubNotification
from tests.support.clock import FakeClock

ENV_BODY = {
    "name": "n",
    "cluster": "production",
    "about": {"description": ""},
    "features": {"legacy_networking": False},
}


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with run_emulator(job_speed=0.05) as emulator:
        yield emulator


def _wait_for_sockets(emu: Emulator, count: int = 1) -> None:
    import time

    deadline = time.monotonic() + 5
    while emu.state.notifications.open_sockets < count and time.monotonic() < deadline:
        time.sleep(0.02)


async def _await_sockets(emu: Emulator, count: int = 1) -> None:
    for _ in range(250):
        if emu.state.notifications.open_sockets >= count:
            return
        await asyncio.sleep(0.02)


async def test_async_listen_yields_typed_notifications_and_reconnects(emu: Emulator) -> None:
    clock = FakeClock()  # the reconnect backoff runs on it: no real wait before reconnecting
    async with cycle_sdk.AsyncClient(api_key=emu.api_key, team=emu.hub_id, base_url=emu.url, clock=clock) as client:
        stream = client.hub_notifications.listen()
        received: list[Any] = []

        async def consume() -> None:
            async for note in stream:
                received.append(note)
                # One change after the reconnect (a change makes several notifications: an
                # environment's creation starts its initialization job and service containers).
                if isinstance(note, HubNotification) and any(isinstance(n, cycle_sdk.Reconnected) for n in received):
                    return

        consumer = asyncio.ensure_future(consume())
        await _await_sockets(emu)
        created = await client.environments.create_environment(body=ENV_BODY)
        assert created.ok is True
        for _ in range(100):
            if received:
                break
            await asyncio.sleep(0.02)
        assert isinstance(received[0], HubNotification) and received[0].topic.startswith("environment")
        # Drop the socket: the stream reconnects, says so, and keeps delivering.
        assert emu.drop_notification_sockets() >= 1
        for _ in range(500):  # until the stream has reconnected and said so (bounded, not timed)
            if any(isinstance(n, cycle_sdk.Reconnected) for n in received):
                break
            await asyncio.sleep(0.01)
        assert len(clock.sleeps) >= 1  # it backed off (on the clock) before reconnecting
        await _await_sockets(emu)
        await client.environments.create_environment(body=ENV_BODY)
        await asyncio.wait_for(consumer, 10)
        kinds = [type(n).__name__ for n in received]
        assert "Reconnected" in kinds and kinds[-1] == "HubNotification"
        await stream.aclose()


def test_sync_listen(emu: Emulator) -> None:
    with cycle_sdk.Client(api_key=emu.api_key, team=emu.hub_id, base_url=emu.url) as client:
        _listen_once(emu, client)


def _listen_once(emu: Emulator, client: cycle_sdk.Client) -> None:
    notes: queue.Queue[Any] = queue.Queue()

    def consume() -> None:
        for note in client.hub_notifications.listen(max_reconnects=3):
            # This test's change (other jobs, an earlier environment's initialization, may come first).
            if isinstance(note, HubNotification) and note.topic.startswith("environment"):
                notes.put(note)
                return

    before = emu.state.notifications.open_sockets
    thread = threading.Thread(target=consume, daemon=True)
    thread.start()
    _wait_for_sockets(emu, before + 1)  # this listener's own socket, not a previous test's
    note = None
    for _ in range(20):  # a change made before the subscription lands is not delivered: make another
        assert client.environments.create_environment(body=ENV_BODY).ok
        try:
            note = notes.get(timeout=0.5)
            break
        except queue.Empty:
            continue
    assert isinstance(note, HubNotification) and note.topic.startswith("environment")
    thread.join(5)


def test_bad_key_raises_instead_of_reconnecting_forever(emu: Emulator) -> None:
    with (
        cycle_sdk.Client(api_key="wrong", team=emu.hub_id, base_url=emu.url) as client,
        pytest.raises(cycle_sdk.APIResultError) as info,
    ):
        next(iter(client.hub_notifications.listen()))
    assert info.value.status == 401
