"""The decode path pauses the garbage collector for large bodies and always restores it."""

from __future__ import annotations

import gc
import json
import threading
from typing import Any

import pytest

from cycle_sdk._decode import DECODE_GC_PAUSE_BYTES, decode

BIG = json.dumps({"data": ["x" * 100] * (DECODE_GC_PAUSE_BYTES // 50)}).encode()


def _gc_state_during(body: bytes) -> bool:
    seen: list[bool] = []

    def parse(status: int, data: Any) -> Any:
        seen.append(gc.isenabled())
        return data

    decode(200, body, parse)
    return seen[0]


def test_large_body_decodes_with_gc_paused_and_restored() -> None:
    assert gc.isenabled()
    assert _gc_state_during(BIG) is False
    assert gc.isenabled()
    assert _gc_state_during(b'{"data": 1}') is True  # small bodies: untouched


def test_gc_stays_off_if_the_caller_turned_it_off() -> None:
    gc.disable()
    try:
        decode(200, BIG, lambda s, d: d)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_errors_restore_gc() -> None:
    def boom(status: int, data: Any) -> Any:
        raise KeyError("id")

    with pytest.raises(KeyError):
        decode(200, BIG, boom)
    with pytest.raises(ValueError):
        decode(200, b"{" + BIG, lambda s, d: d)
    assert gc.isenabled()


def test_concurrent_decodes_share_one_pause() -> None:
    start = threading.Barrier(8)

    def work() -> None:
        start.wait()
        for _ in range(5):
            decode(200, BIG, lambda s, d: d)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert gc.isenabled()
