"""`Ok`/`Err` `.map()` and `.unwrap_or()` on results of real calls against the emulator, sync and
async: `map` transforms a success and passes an error through untouched; `unwrap_or` gives the
value or the default, never raising."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import cycle_sdk
from cycle_sdk.emulator import Emulator, run_emulator


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with run_emulator() as running:
        yield running


def test_map_and_unwrap_or_on_an_ok_and_an_err(emu: Emulator) -> None:
    with cycle_sdk.Client(api_key=emu.api_key, team=emu.hub_id, base_url=emu.url) as client:
        found = client.environments.get_environments()
        missing = client.environments.get_environment("no-such-id")
    assert found.ok is True and missing.ok is False

    count = found.map(lambda doc: len(doc.data))
    assert count == cycle_sdk.Ok(len(found.value.data)) and count.unwrap_or(-1) == len(found.value.data)
    assert found.unwrap_or(None) is found.value

    def never(_: object) -> object:
        raise AssertionError("map() must not call fn on an Err")

    assert missing.map(never) is missing  # the same Err, its error untouched
    assert missing.unwrap_or("none") == "none"
    assert isinstance(missing.error, cycle_sdk.NotFoundError)


async def test_the_same_on_async_results(emu: Emulator) -> None:
    async with cycle_sdk.AsyncClient(api_key=emu.api_key, team=emu.hub_id, base_url=emu.url) as client:
        missing = await client.environments.get_environment("no-such-id")
        found = await client.environments.get_environments()
    assert missing.map(lambda doc: doc.data.name).unwrap_or("unnamed") == "unnamed"
    assert found.map(lambda doc: [env.id for env in doc.data]).unwrap_or([]) == [env.id for env in found.unwrap().data]
