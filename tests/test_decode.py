"""The requester decodes with the collector as the caller set it: a large body decodes with
automatic collection running (holding it off deferred the work to one larger, slower collection
over the whole result at the caller's next allocations), and the caller's GC state is untouched,
whatever the parse does or raises. Over real HTTP, through `client.send` and a generated method."""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator
from typing import Any

import pytest

import cycle_sdk
from benchmarks import documents
from cycle_sdk._decode import decode_json
from tests.support.fault_server import FaultServer, Reply

BIG = json.dumps({"data": ["x" * 100] * 2000}).encode()  # 200 kB: past any "large body" line
JSON = {"content-type": "application/json"}
BLOB = cycle_sdk.Operation("GET", "/v1/blob", "getBlob", "blobs", "get_blob", (200,))


@pytest.fixture(autouse=True)
def _gc_state() -> Iterator[None]:
    enabled, threshold = gc.isenabled(), gc.get_threshold()
    yield
    gc.set_threshold(*threshold)
    if enabled:
        gc.enable()


def _send(client: cycle_sdk.Client, server: FaultServer, body: bytes, parse: Any = None) -> Any:
    server.clear()
    server.script("GET", "/v1/blob", Reply(200, body, headers=JSON))
    return client.send(cycle_sdk.RequestSpec(BLOB, "/v1/blob", []), parse=parse)


def _state_during(client: cycle_sdk.Client, server: FaultServer, body: bytes) -> tuple[bool, tuple[int, ...]]:
    seen: list[tuple[bool, tuple[int, ...]]] = []

    def parse(status: int, data: bytes) -> Any:
        seen.append((gc.isenabled(), gc.get_threshold()))
        return len(data)

    assert _send(client, server, body, parse).value == len(body)
    return seen[0]


def test_a_large_body_decodes_with_the_callers_collector_settings(
    client: cycle_sdk.Client, server: FaultServer
) -> None:
    before = (gc.isenabled(), gc.get_threshold())
    assert _state_during(client, server, BIG) == before
    assert _state_during(client, server, b'{"data": 1}') == before
    assert (gc.isenabled(), gc.get_threshold()) == before


def test_young_collections_run_while_a_large_page_is_decoded(client: cycle_sdk.Client, server: FaultServer) -> None:
    body = documents.page_body("environments", 300)
    server.script("GET", "/v1/environments", Reply(200, body, headers=JSON))
    assert client.environments.get_environments().ok is True  # the decoder is built: what follows is the call
    gc.collect()
    collections: list[int] = []

    def seen(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            collections.append(info["generation"])

    gc.callbacks.append(seen)
    try:
        page = client.environments.get_environments().unwrap()
    finally:
        gc.callbacks.remove(seen)
    assert len(page.data) == 300
    # Tens of thousands of tracked objects made: the collector ran on them as they were made,
    # many times over (a paused decode leaves at most the one or two the HTTP exchange makes).
    assert len(collections) >= 10


def test_a_caller_who_turns_gc_off_during_a_decode_keeps_it_off(client: cycle_sdk.Client, server: FaultServer) -> None:
    def parse(status: int, data: bytes) -> Any:
        gc.disable()
        return None

    assert _send(client, server, BIG, parse).ok is True
    assert gc.isenabled() is False


def test_a_caller_who_sets_thresholds_during_a_decode_keeps_them(client: cycle_sdk.Client, server: FaultServer) -> None:
    def parse(status: int, data: bytes) -> Any:
        gc.set_threshold(1234, 7, 7)
        return None

    assert _send(client, server, BIG, parse).ok is True
    assert gc.get_threshold() == (1234, 7, 7)


def test_errors_leave_the_collector_as_it_was(client: cycle_sdk.Client, server: FaultServer) -> None:
    before = gc.get_threshold()

    def boom(status: int, data: bytes) -> Any:
        raise KeyError("id")

    failed = _send(client, server, BIG, boom)
    assert failed.ok is False and failed.error.code == "0.parse_error" and failed.error.detail == "KeyError: 'id'"
    not_json = _send(client, server, b"{" + BIG, lambda s, d: decode_json(d))
    assert not_json.ok is False and not_json.error.code == "0.parse_error"
    assert gc.get_threshold() == before
    assert gc.isenabled()
