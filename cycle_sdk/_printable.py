"""Text from a server made safe to show on a terminal: the one output sanitiser.

Data the API sends is returned as sent by the Python API (it is data). What the SDK and the
`cycle` command print themselves (an error's `str()`, the job progress display, every line the
command line writes) goes through here first, so server data cannot drive the terminal: no
escape sequence (window title, clipboard write, clear screen), no carriage return over a line,
no bidi override reordering what is shown, and no lone surrogate that would crash the write.

`printable(text)` writes each unsafe character as a visible escape (ESC as `\\x1b`, U+202E as
`\\u202e`); `json_text(text)` does the same inside JSON text, as JSON `\\u` escapes.
"""

from __future__ import annotations

import re
from functools import cache

# C0 controls (ESC, BEL, CR, LF...), DEL, C1 controls (CSI U+009B, OSC U+009D...), the bidi
# controls (marks, embeddings, overrides, isolates), the line and paragraph separators, and
# lone surrogates (which no encoder can write).
_UNSAFE = "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]"
# In JSON text that json.dumps wrote, the unsafe characters it leaves as they are (it escapes C0
# itself): each can only be inside a string there, where a \\u escape is the same value.
_UNSAFE_IN_JSON = "[\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]"


# Compiled at first use, not at import: the client imports this module (its errors print through
# it) and a set spanning the surrogates takes re about 0.7 ms to compile, each.
@cache
def _pattern(source: str) -> re.Pattern[str]:
    return re.compile(source)


def has_unsafe(text: str) -> bool:
    """Whether `text` holds a character printable() would escape."""
    return _pattern(_UNSAFE).search(text) is not None


_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    named = _NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def _json_escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def printable(text: str) -> str:
    """`text` with every unsafe character written as a visible escape (`\\x1b`, `\\u202e`, `\\n`)."""
    unsafe = _pattern(_UNSAFE)
    return unsafe.sub(_escape, text) if unsafe.search(text) else text


def json_text(text: str) -> str:
    """JSON text (as json.dumps writes it) with the unsafe characters it left raw written as `\\uXXXX`
    escapes: the same JSON value, safe on a terminal and encodable whatever it holds."""
    unsafe = _pattern(_UNSAFE_IN_JSON)
    return unsafe.sub(_json_escape, text) if unsafe.search(text) else text


__all__ = ["has_unsafe", "json_text", "printable"]
