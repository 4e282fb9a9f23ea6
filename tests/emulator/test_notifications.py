"""The hub notification pipeline: a token over HTTP, then a WebSocket streaming the hub's changes."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from cycle_sdk.emulator import Emulator, FakeClock, run_emulator
from tests.support.clock import HANG_GUARD

from .helpers import container_body, environment_body

PIPELINE = "/v1/hubs/current/notifications"


@pytest.fixture
async def aapi(cycle_emulator: Emulator) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=cycle_emulator.url, headers=cycle_emulator.headers, timeout=10) as client:
        yield client


async def socket_token(api: httpx.AsyncClient, **headers: str) -> str:
    response = await api.get(PIPELINE, headers=headers)
    assert response.status_code == 200, response.text
    return str(response.json()["data"]["token"])


async def pipeline(emu: Emulator, token: str, origin: str | None = None) -> ClientConnection:
    return await connect(f"{emu.ws_url}{PIPELINE}?token={token}", origin=origin)  # type: ignore[arg-type]


async def next_message(ws: ClientConnection, timeout: float = HANG_GUARD) -> dict[str, Any]:
    return dict(json.loads(await asyncio.wait_for(ws.recv(), timeout)))  # the bound is a hang guard


async def messages_until(ws: ClientConnection, topic: str, about: str | None = None) -> list[dict[str, Any]]:
    """Every message up to the first of `topic` (about the item `about`, if given)."""
    received: list[dict[str, Any]] = []
    while not received or received[-1]["topic"] != topic or about not in (None, received[-1]["object"]["id"]):
        received.append(await next_message(ws))
    return received


async def test_changes_are_streamed(cycle_emulator: Emulator, aapi: httpx.AsyncClient) -> None:
    image = cycle_emulator.put_resource("images")
    async with await pipeline(cycle_emulator, await socket_token(aapi)) as ws:
        env = (await aapi.post("/v1/environments", json=environment_body("n"))).json()["data"]
        created = await next_message(ws)
        assert created == {
            "topic": "environment.created",
            "object": {"id": env["id"], "state": "new"},  # live once the platform initialized it
            "context": {
                "hub_id": cycle_emulator.hub_id,
                "account_id": None,
                "environments": [env["id"]],
                "dns_zones": None,
                "clusters": ["production"],
                "containers": None,
            },
        }
        await aapi.patch(f"/v1/environments/{env['id']}", json={"name": "renamed"})
        await messages_until(ws, "environment.updated")  # after its initialization job's

        container = (await aapi.post("/v1/containers", json=container_body("web", env["id"], str(image["id"])))).json()[
            "data"
        ]
        created = (await messages_until(ws, "container.created"))[-1]
        assert created["context"]["containers"] == [container["id"]]
        assert created["context"]["environments"] == [env["id"]]

        job = (await aapi.post(f"/v1/containers/{container['id']}/tasks", json={"action": "start"})).json()["data"]
        job_id = job["job"]["id"]
        topics = [(m["topic"], m["object"]["id"]) for m in await messages_until(ws, "job.completed", job_id)]
        assert [t for t in topics if t[0].startswith("job.") and t[1] == job_id] == [
            ("job.new", job_id),
            ("job.queued", job_id),
            ("job.running", job_id),
            ("job.completed", job_id),
        ]
        assert ("container.state_changed", container["id"]) in topics  # -> starting
        after = await messages_until(ws, "container.state_changed", container["id"])  # -> running, once done
        assert after[-1]["object"] == {"id": container["id"], "state": "running"}


async def test_deletion_is_a_state_change(cycle_emulator: Emulator, aapi: httpx.AsyncClient) -> None:
    env = (await aapi.post("/v1/environments", json=environment_body("short-lived"))).json()["data"]
    async with await pipeline(cycle_emulator, await socket_token(aapi)) as ws:
        await aapi.delete(f"/v1/environments/{env['id']}")
        states: list[str] = []
        while "deleted" not in states:
            message = await next_message(ws)
            if message["topic"] == "environment.state_changed":
                states.append(message["object"]["state"])
        assert states == ["deleting", "deleted"]


async def test_only_the_tokens_hub_is_streamed(cycle_emulator: Emulator, aapi: httpx.AsyncClient) -> None:
    other = cycle_emulator.create_hub("Other")
    async with await pipeline(cycle_emulator, await socket_token(aapi, **{"X-Hub-Id": other})) as ws:
        await aapi.post("/v1/environments", json=environment_body("in the default hub"))
        await aapi.post("/v1/environments", json=environment_body("in the other hub"), headers={"X-Hub-Id": other})
        message = await next_message(ws)
        assert message["context"]["hub_id"] == other and message["topic"] == "environment.created"


@pytest.mark.parametrize("origin", ["http://evil.example", "null", "http://localhost:1"])
async def test_a_page_of_another_origin_cannot_open_the_socket(
    cycle_emulator: Emulator, aapi: httpx.AsyncClient, origin: str
) -> None:
    """The socket checks Origin as the control routes do, even with a valid token
    (a browser sends no preflight for a WebSocket, only its page's Origin)."""
    with pytest.raises(InvalidStatus) as refused:
        await pipeline(cycle_emulator, await socket_token(aapi), origin=origin)
    assert refused.value.response.status_code == 403
    assert cycle_emulator.stats()["notifications"]["connections"] == 0
    # Its own origin, or none (a program, not a page), opens it.
    async with await pipeline(cycle_emulator, await socket_token(aapi), origin=cycle_emulator.url):
        pass
    async with await pipeline(cycle_emulator, await socket_token(aapi)):
        pass


async def test_a_bad_token_is_refused(cycle_emulator: Emulator) -> None:
    with pytest.raises(InvalidStatus) as refused:
        await pipeline(cycle_emulator, "forged")
    assert refused.value.response.status_code == 403


async def test_tokens_are_short_lived() -> None:
    clock = FakeClock()
    with run_emulator(clock=clock, notification_token_ttl=60) as emu:
        async with httpx.AsyncClient(base_url=emu.url, headers=emu.headers) as aapi:
            token, late = await socket_token(aapi), await socket_token(aapi)
            clock.advance(59.9)
            async with await pipeline(emu, token):
                pass
            clock.advance(0.2)
            with pytest.raises(InvalidStatus):
                await pipeline(emu, late)


async def test_dropped_sockets_can_reconnect(cycle_emulator: Emulator, aapi: httpx.AsyncClient) -> None:
    first = await pipeline(cycle_emulator, await socket_token(aapi))
    second = await pipeline(cycle_emulator, await socket_token(aapi))
    assert cycle_emulator.stats()["notifications"]["open_sockets"] == 2  # subscribed before the handshake ends
    assert cycle_emulator.drop_notification_sockets() == 2
    for ws in (first, second):
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), HANG_GUARD)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1012

    async with await pipeline(cycle_emulator, await socket_token(aapi)) as ws:
        await aapi.post("/v1/environments", json=environment_body("after reconnect"))
        assert (await next_message(ws))["topic"] == "environment.created"
    assert cycle_emulator.stats()["notifications"]["connections"] == 3
    assert cycle_emulator.request_count("WEBSOCKET", PIPELINE) == 3
