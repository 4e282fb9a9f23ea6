"""Decoding a success body into typed models: json.loads + the generated parse.

A large list document becomes tens of thousands of small model objects, each tracked by
Python's cyclic garbage collector, which then runs several generation-0 passes over them
mid-decode (about a third of the time for a 1,000-item page). None of these objects form
cycles, so the collector is paused while a body of DECODE_GC_PAUSE_BYTES or more decodes,
and resumed afterwards if it was on. Threads share one pause (a depth count under a lock).
"""

from __future__ import annotations

import gc
import json
import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

DECODE_GC_PAUSE_BYTES = 64 * 1024

_lock = threading.Lock()
_depth = 0
_resume = False


def _pause() -> None:
    global _depth, _resume
    with _lock:
        if _depth == 0:
            _resume = gc.isenabled()
            gc.disable()
        _depth += 1


def _unpause() -> None:
    global _depth
    with _lock:
        _depth -= 1
        if _depth == 0 and _resume:
            gc.enable()


def decode(status: int, body: bytes, parse: Callable[[int, Any], T]) -> T:
    """json.loads then parse; raises what they raise (the caller turns it into an Err)."""
    if len(body) < DECODE_GC_PAUSE_BYTES:
        return parse(status, json.loads(body))
    _pause()
    try:
        return parse(status, json.loads(body))
    finally:
        _unpause()
