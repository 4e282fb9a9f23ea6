"""What a hostile or broken API sends, for a FaultServer to serve on loopback.

- `TERMINAL_ATTACK`: text that drives a terminal when printed raw: OSC 0 (window title), OSC 52
  (clipboard write), CSI 2J (clear screen), a carriage return, the C1 CSI (U+009B), a bidi
  override (U+202E) and a lone surrogate (no encoder can write it).
- `json_body(obj)`: JSON text as a server may send it (a lone surrogate as its `\\ud800` escape).
- `raw_unsafe(text)`: the characters of `text` that must never reach a terminal raw (found by
  Unicode category, independently of the SDK's own sanitiser).
- `PageIgnorer`: a list route that ignores `page[number]`, sending the same full page each time.
- `EndlessPages`: a list route whose every page is full of new items (it never ends by itself).
"""

from __future__ import annotations

import json
import unicodedata
from typing import Any

from tests.support.fault_server import Recorded, Reply

TERMINAL_ATTACK = "web\x1b]0;pwned\x07\x1b]52;c;ZXZpbA==\x07\x1b[2J\rgone\u009b31mred\u202eevil\ud800!"
# Bidi controls (Cf, but not every Cf: a zero-width joiner in an emoji is harmless).
_BIDI = set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def json_body(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=True).encode()


def raw_unsafe(text: str, *, allow: str = "\n") -> list[str]:
    """Controls (Cc), surrogates (Cs), line/paragraph separators and bidi controls in `text`."""
    return [c for c in text if c not in allow and (unicodedata.category(c) in ("Cc", "Cs", "Zl", "Zp") or c in _BIDI)]


def _page(req: Recorded) -> tuple[int, int]:
    query = dict(req.query)
    return int(query.get("page[number]", "1")), int(query.get("page[size]", "100"))


class PageIgnorer:
    """Always page 1, full: `server.fallback = PageIgnorer(item)`. After `give_up_after` requests it
    answers 500, so code that would read forever ends (with that error) instead of hanging a test."""

    def __init__(self, item: dict[str, Any], *, give_up_after: int = 50) -> None:
        self.item = item
        self.give_up_after = give_up_after
        self.count = 0

    def __call__(self, req: Recorded) -> Reply:
        self.count += 1
        if self.count > self.give_up_after:
            return Reply(500, {"error": {"status": 500, "code": "500.test_runaway", "title": "read forever"}})
        _, size = _page(req)
        return Reply(200, {"data": [{**self.item, "id": f"item-{i}"} for i in range(size)]})


class EndlessPages:
    """Every page full of items no other page has: only a page cap ends a read of it. After
    `give_up_after` requests it answers 500 (see PageIgnorer)."""

    def __init__(self, item: dict[str, Any], *, give_up_after: int = 2000) -> None:
        self.item = item
        self.give_up_after = give_up_after
        self.count = 0

    def __call__(self, req: Recorded) -> Reply:
        self.count += 1
        if self.count > self.give_up_after:
            return Reply(500, {"error": {"status": 500, "code": "500.test_runaway", "title": "read forever"}})
        number, size = _page(req)
        return Reply(200, {"data": [{**self.item, "id": f"p{number}-{i}"} for i in range(size)]})
