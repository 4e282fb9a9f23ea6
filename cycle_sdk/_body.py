"""Reading a response body within `max_body_size` and the call's deadline.

The limit holds for the decoded body, and memory stays bounded by it even when the body is
compressed: httpx inflates each network chunk whole (one 64 KiB chunk of a gzip bomb is about
64 MiB), so the SDK inflates gzip and deflate itself, at most 64 KiB at a time and never more
than the limit still allows. That holds for a chain of them too (`gzip, gzip`: every layer is
bounded by the limit), up to MAX_ENCODINGS layers. A longer chain, or any other coding (the
SDK asks for gzip and deflate only), is refused as a decoding error (`0.network_error`).
"""

from __future__ import annotations

import time
import zlib

import httpx

# What the SDK sends as Accept-Encoding: the encodings BodyReader inflates itself.
ACCEPT_ENCODING = "gzip, deflate"
_WBITS = {"gzip": zlib.MAX_WBITS | 16, "x-gzip": zlib.MAX_WBITS | 16, "deflate": zlib.MAX_WBITS}
# The most content codings one response may stack; no server needs more than one.
MAX_ENCODINGS = 3
# The most output one inflate step makes: what each layer holds in memory at once.
_STEP = 64 * 1024


class BodyTooLarge(Exception):
    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status  # a response did arrive: its status decides retries, not "no response"


class DeadlineExceeded(Exception):
    pass


class _Layer:
    """One content coding being undone, with the decoded bytes it has made so far."""

    def __init__(self, coding: str) -> None:
        self.coding = coding
        self.wbits = _WBITS[coding]
        self.inflater = zlib.decompressobj(self.wbits)
        self.first = True
        self.size = 0

    def step(self, data: bytes, max_length: int) -> tuple[bytes, bytes]:
        """Inflate at most `max_length` bytes from `data`: (output, input not yet used)."""
        try:
            out = self.inflater.decompress(data, max_length)
        except zlib.error as exc:
            if self.first and self.wbits == zlib.MAX_WBITS:
                # "deflate" sent without its zlib header, as some servers do (httpx does the same).
                self.first = False
                self.inflater = zlib.decompressobj(-zlib.MAX_WBITS)
                return self.step(data, max_length)
            name = "gzip" if self.wbits & 16 else "deflate"
            raise httpx.DecodingError(f"the response body is not valid {name}: {exc}") from exc
        self.first = False
        return out, self.inflater.unconsumed_tail


def _codings(response: httpx.Response) -> list[str]:
    """The content codings to undo, outermost (applied last, listed last) first."""
    listed = [
        value.strip().lower()
        for value in response.headers.get_list("content-encoding", split_commas=True)
        if value.strip().lower() not in ("", "identity")
    ]
    if len(listed) > MAX_ENCODINGS:
        raise httpx.DecodingError(f"the response has {len(listed)} content encodings; at most {MAX_ENCODINGS} are read")
    unknown = [coding for coding in listed if coding not in _WBITS]
    if unknown:
        raise httpx.DecodingError(
            f"unsupported Content-Encoding {unknown[0][:40]!r} (the SDK asks for {ACCEPT_ENCODING} only)"
        )
    return listed[::-1]


class BodyReader:
    """Collects one response body. Feed it the chunks of `response.iter_raw()` when `raw` is
    True (the network bytes: decoded here), else those of `response.iter_bytes()`."""

    def __init__(self, response: httpx.Response, *, limit: int, deadline: float) -> None:
        self._limit = limit
        self._deadline = deadline
        self._status = response.status_code
        declared = response.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > limit:
            raise BodyTooLarge(f"Content-Length {declared} exceeds max_body_size {limit}", self._status)
        # A response made in memory (httpx.MockTransport, a test double) is read and decoded already.
        decoded = response.is_stream_consumed
        self._layers = [] if decoded else [_Layer(coding) for coding in _codings(response)]
        self.raw = not decoded
        self._chunks: list[bytes] = []
        self._size = 0

    def feed(self, chunk: bytes) -> None:
        self._push(0, chunk)
        if time.monotonic() > self._deadline:
            raise DeadlineExceeded("total time for the response exceeded")

    def finish(self) -> bytes:
        for level, layer in enumerate(self._layers):
            self._push(level + 1, layer.inflater.flush(), layer)
        return b"".join(self._chunks)

    def _push(self, level: int, data: bytes, source: _Layer | None = None) -> None:
        """Hand `data` (the output of layer `level - 1`) on to layer `level`, or keep it."""
        if source is not None:
            self._count(source, len(data))
        if level == len(self._layers):
            self._add(data)
            return
        layer = self._layers[level]
        while data:
            # At most one byte past what the limit allows: enough to tell it is exceeded.
            out, tail = layer.step(data, min(_STEP, self._limit - layer.size + 1))
            if out:
                self._count(layer, len(out))
                self._push(level + 1, out)
            if not out and tail == data:
                break  # no progress (cannot happen with max_length >= 1; never loop forever)
            data = tail

    def _count(self, layer: _Layer, size: int) -> None:
        layer.size += size
        if layer.size > self._limit:
            raise BodyTooLarge(f"body exceeds max_body_size {self._limit} (decoding {layer.coding})", self._status)

    def _add(self, data: bytes) -> None:
        self._size += len(data)
        if self._size > self._limit:
            raise BodyTooLarge(f"body exceeds max_body_size {self._limit}", self._status)
        if data:
            self._chunks.append(data)


__all__ = ["ACCEPT_ENCODING", "MAX_ENCODINGS", "BodyReader", "BodyTooLarge", "DeadlineExceeded"]
