"""The decode path holds automatic collection off for large bodies and leaves the caller's GC state alone."""

from __future__ import annotations

import gc
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from cycle_sdk._decode import DECODE_GC_PAUSE_BYTES, InvalidJSON, decode, decode_json

BIG = json.dumps({"data": ["x" * 100] * (DECODE_GC_PAUSE_BYTES // 50)}).encode()


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


def test_large_body_decodes_with_collection_held_off_and_restored() -> None:
    before = gc.get_threshold()
    enabled, threshold = _state_during(BIG)
    assert threshold[0] == 0  # no automatic collection while the models are made
    assert enabled is True  # the caller's switch is not touched
    assert gc.get_threshold() == before
    assert _state_during(b'{"data": 1}') == (True, before)  # small bodies: untouched


def test_a_caller_who_turns_gc_off_during_a_decode_keeps_it_off() -> None:
    # The old pause called gc.disable() and then gc.enable() after the decode, which turned
    # back on a collector that the application (another thread, say) had turned off meanwhile.
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


def test_gc_stays_off_if_the_caller_turned_it_off() -> None:
    gc.disable()
    decode(200, BIG, lambda s, d: d)
    assert not gc.isenabled()


def test_errors_restore_the_thresholds() -> None:
    before = gc.get_threshold()

    def boom(status: int, data: Any) -> Any:
        raise KeyError("id")

    with pytest.raises(KeyError):
        decode(200, BIG, boom)
    with pytest.raises(InvalidJSON):
        decode(200, b"{" + BIG, lambda s, d: decode_json(d))
    assert gc.get_threshold() == before
    assert gc.isenabled()


def test_concurrent_decodes_share_one_pause() -> None:
    before = gc.get_threshold()
    start = threading.Barrier(8)
    during: list[int] = []

    def parse(status: int, data: Any) -> Any:
        during.append(gc.get_threshold()[0])
        return data

    def work() -> None:
        start.wait()
        for _ in range(5):
            decode(200, BIG, parse)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert during == [0] * 40
    assert gc.get_threshold() == before
    assert gc.isenabled()
