"""Reading a response body within `max_body_size` and the call's deadline.

The limit holds for the decoded body, and memory stays bounded by it even when the body is
compressed: httpx inflates each network chunk whole (one 64 KiB chunk of a gzip bomb is about
64 MiB), so gzip and deflate, the encodings the SDK asks for, are inflated here instead, never
more than the bytes the limit still allows. Any other encoding a server sends anyway is left
to httpx's own decoders.
"""

from __future__ import annotations

import time
import zlib

import httpx

# What the SDK sends as Accept-Encoding: the encodings BodyReader inflates itself.
ACCEPT_ENCODING = "gzip, deflate"
_WBITS = {"gzip": zlib.MAX_WBITS | 16, "x-gzip": zlib.MAX_WBITS | 16, "deflate": zlib.MAX_WBITS}


class BodyTooLarge(Exception):
    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status  # a response did arrive: its status decides retries, not "no response"


class DeadlineExceeded(Exception):
    pass


class BodyReader:
    """Collects one response body. Feed it the chunks of `response.iter_raw()` when `raw` is
    True (identity, gzip or deflate: decoded here), else those of `response.iter_bytes()`."""

    def __init__(self, response: httpx.Response, *, limit: int, deadline: float) -> None:
        self._limit = limit
        self._deadline = deadline
        self._status = response.status_code
        declared = response.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > limit:
            raise BodyTooLarge(f"Content-Length {declared} exceeds max_body_size {limit}", self._status)
        encodings = [
            value.strip().lower()
            for value in response.headers.get_list("content-encoding", split_commas=True)
            if value.strip().lower() not in ("", "identity")
        ]
        # A response made in memory (httpx.MockTransport, a test double) is read and decoded already.
        decoded = response.is_stream_consumed
        self._wbits = _WBITS.get(encodings[0]) if len(encodings) == 1 and not decoded else None
        self._inflater = zlib.decompressobj(self._wbits) if self._wbits is not None else None
        self._first = True
        self.raw = not decoded and (not encodings or self._inflater is not None)
        self._chunks: list[bytes] = []
        self._size = 0

    def feed(self, chunk: bytes) -> None:
        if self._inflater is not None:
            self._inflate(chunk)
        else:
            self._add(chunk)
        if time.monotonic() > self._deadline:
            raise DeadlineExceeded("total time for the response exceeded")

    def finish(self) -> bytes:
        if self._inflater is not None:
            self._add(self._inflater.flush())
        return b"".join(self._chunks)

    def _add(self, data: bytes) -> None:
        self._size += len(data)
        if self._size > self._limit:
            raise BodyTooLarge(f"body exceeds max_body_size {self._limit}", self._status)
        self._chunks.append(data)

    def _inflate(self, data: bytes) -> None:
        while data:
            assert self._inflater is not None
            try:
                # At most one byte past what the limit allows: enough to tell it is exceeded.
                out = self._inflater.decompress(data, self._limit - self._size + 1)
            except zlib.error as exc:
                if self._first and self._wbits == zlib.MAX_WBITS:
                    # "deflate" sent without its zlib header, as some servers do (httpx does the same).
                    self._first = False
                    self._inflater = zlib.decompressobj(-zlib.MAX_WBITS)
                    continue
                raise httpx.DecodingError(f"the response body is not valid {self._encoding}: {exc}") from exc
            self._first = False
            self._add(out)
            tail = self._inflater.unconsumed_tail
            if not out and tail == data:
                break  # no progress (cannot happen with max_length >= 1; never loop forever)
            data = tail

    @property
    def _encoding(self) -> str:
        return "gzip" if self._wbits == zlib.MAX_WBITS | 16 else "deflate"
