"""The decode path leaves the collector alone: a large body decodes with automatic collection
running as the caller set it (holding it off deferred the work to one larger, slower collection
over the whole result at the caller's next allocations), and the caller's GC state is untouched."""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator
from typing import Any

import pytest

from benchmarks import documents
from cycle_sdk._decode import InvalidJSON, decode, decode_json
from cycle_sdk._generated.api.environments.get_environments import parse as parse_environments

BIG = json.dumps({"data": ["x" * 100] * 2000}).encode()


@pytest.fixture(autouse=True)
def _gc_state() -> Iterator[None]:
    enabled, threshold = gc.isenabled(), gc.get_threshold()
    yield
    gc.set_threshold(*threshold)
    if enabled:
        gc.enable()


def _state_during(body: bytes) -> tuple[bool, tuple[int, ...]]:
    seen: list[tuple[bool, tuple[int, ...]]] = []

    def parse(status: int, data: Any) -> Any:
        seen.append((gc.isenabled(), gc.get_threshold()))
        return data

    decode(200, body, parse)
    return seen[0]


def test_a_large_body_decodes_with_the_callers_collector_settings() -> None:
    before = (gc.isenabled(), gc.get_threshold())
    assert _state_during(BIG) == before
    assert _state_during(b'{"data": 1}') == before
    assert (gc.isenabled(), gc.get_threshold()) == before


def test_young_collections_run_while_a_large_page_is_decoded() -> None:
    body = documents.page_body("environments", 300)
    decode(200, body, parse_environments)  # the decoder is built: what follows is the decode alone
    gc.collect()
    collections: list[int] = []

    def seen(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            collections.append(info["generation"])

    gc.callbacks.append(seen)
    try:
        page = decode(200, body, parse_environments)  # as the requester decodes a response
    finally:
        gc.callbacks.remove(seen)
    assert len(page.data) == 300
    assert 0 in collections  # tens of thousands of tracked objects made: the collector ran on them


def test_a_caller_who_turns_gc_off_during_a_decode_keeps_it_off() -> None:
    def parse(status: int, data: Any) -> Any:
        gc.disable()
        return data

    decode(200, BIG, parse)
    assert gc.isenabled() is False


def test_a_caller_who_sets_thresholds_during_a_decode_keeps_them() -> None:
    def parse(status: int, data: Any) -> Any:
        gc.set_threshold(1234, 7, 7)
        return data

    decode(200, BIG, parse)
    assert gc.get_threshold() == (1234, 7, 7)


def test_errors_leave_the_collector_as_it_was() -> None:
    before = gc.get_threshold()

    def boom(status: int, data: Any) -> Any:
        raise KeyError("id")

    with pytest.raises(KeyError):
        decode(200, BIG, boom)
    with pytest.raises(InvalidJSON):
        decode(200, b"{" + BIG, lambda s, d: decode_json(d))
    assert gc.get_threshold() == before
    assert gc.isenabled()
