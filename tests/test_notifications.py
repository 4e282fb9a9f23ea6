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
from tests.support.clock import HANG_GUARD, FakeClock
from tests.support.listeners import connections

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


async def test_async_listen_yields_typed_notifications_and_reconnects(emu: Emulator) -> None:
    clock = FakeClock()  # the reconnect backoff runs on it: no real wait before reconnecting
    async with cycle_sdk.AsyncClient(api_key=emu.api_key, team=emu.hub_id, base_url=emu.url, clock=clock) as client:
        stream = client.hub_notifications.listen()
        received: list[Any] = []
        arrived: asyncio.Queue[Any] = asyncio.Queue()

        async def consume() -> None:
            async for note in stream:
                received.append(note)
                arrived.put_nowait(note)
                # One change after the reconnect (a change makes several notifications: an
                # environment's creation starts its initialization job and service containers).
                if isinstance(note, HubNotification) and any(isinstance(n, cycle_sdk.Reconnected) for n in received):
                    return

        async def next_note(wanted: type[Any]) -> Any:
            while not isinstance(note := await asyncio.wait_for(arrived.get(), HANG_GUARD), wanted):
                pass
            return note

        before = connections(emu)
        consumer = asyncio.ensure_future(consume())
        # Subscribed: a change made from now on is delivered (one made earlier would not be).
        await asyncio.to_thread(emu.wait_until, lambda: connections(emu) > before)
        created = await client.environments.create_environment(body=ENV_BODY)
        assert created.ok is True
        first = await next_note(HubNotification)
        while getattr(first.object, "id", None) != created.value.data.id:  # the change this test made
            first = await next_note(HubNotification)
        assert first.topic.startswith("environment")
        # Drop the socket: the stream reconnects, says so, and keeps delivering.
        assert emu.drop_notification_sockets() >= 1
        await next_note(cycle_sdk.Reconnected)  # yielded once the new socket is open (so subscribed)
        assert len(clock.sleeps) >= 1  # it backed off (on the clock) before reconnecting
        await client.environments.create_environment(body=ENV_BODY)
        await asyncio.wait_for(consumer, HANG_GUARD)
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

    before = connections(emu)
    thread = threading.Thread(target=consume, daemon=True)
    thread.start()
    emu.wait_until(lambda: connections(emu) > before)  # this listener's own socket is subscribed
    assert client.environments.create_environment(body=ENV_BODY).ok
    note = notes.get(timeout=HANG_GUARD)
    assert isinstance(note, HubNotification) and note.topic.startswith("environment")
    thread.join(HANG_GUARD)
    assert not thread.is_alive()


def test_bad_key_raises_instead_of_reconnecting_forever(emu: Emulator) -> None:
    with (
        cycle_sdk.Client(api_key="wrong", team=emu.hub_id, base_url=emu.url) as client,
        pytest.raises(cycle_sdk.APIResultError) as info,
    ):
        next(iter(client.hub_notifications.listen()))
    assert info.value.status == 401
