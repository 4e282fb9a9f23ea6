"""A scriptable HTTP/1.1 server on loopback for wire-format and fault tests.

It speaks raw HTTP over asyncio sockets (in a background thread), so a test can make it
do what a well-behaved framework never would: reset mid-body, stall, truncate, lie
about Content-Length. Every request is recorded as received, raw target included.

Actions (`Reply.action`):
- respond: a normal response (Content-Length unless given in `headers`);
- reset: RST instead of any response; reset_mid_body: half the body, then RST;
- stall: half the body, then nothing for `lasts` seconds (default: until the server stops), then FIN;
- close: FIN instead of any response;
- truncate: the head (with any Content-Length given in `headers`) and the body, then FIN;
- trickle: the body one byte every `interval` seconds;
- trickle_head: the status line and headers one byte every `interval` seconds, then the body;
- continue_forever: `HTTP/1.1 100 Continue` every `interval` seconds, never a final response;
- stream: `stream_bytes` of filler with Content-Length; stream_chunked: the same, chunked
  (no Content-Length, so the client only learns the size by reading).

    with FaultServer() as server:
        server.script("GET", "/v1/jobs/x", Reply(200, {"data": {...}}))
        ...
        server.requests[-1].target   # '/v1/jobs/x?filter%5Bstate%5D=live'
        server.wait_until(lambda requests: len(requests) >= 2)   # without sleeping, bounded by a guard
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import struct
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit


@dataclass
class Reply:
    """What to answer. `action` picks a misbehaviour; the default is a normal response."""

    status: int = 200
    body: Any = None  # dict/list -> JSON; bytes/str -> as is
    headers: dict[str, str] = field(default_factory=dict)
    action: str = "respond"  # see the module docstring
    delay: float = 0.0  # seconds before answering
    gate: threading.Event | None = None  # answer only once the test sets it (a call held in flight)
    stream_bytes: int = 0  # for action="stream"/"stream_chunked": how many bytes of filler JSON
    interval: float = 0.01  # for action="trickle": seconds between bytes
    lasts: float = 3600.0  # for action="stall": how long nothing is sent before the connection closes
    times: int | None = None  # reply this many times, then fall through to the next script

    def encoded_body(self) -> bytes:
        if self.body is None:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode()
        return json.dumps(self.body).encode()


@dataclass
class Recorded:
    method: str
    target: str  # raw request target, still percent-encoded
    headers: dict[str, str]
    body: bytes
    raw_headers: list[tuple[str, str]] = field(default_factory=list)  # as sent: order, case, repeats

    @property
    def path(self) -> str:
        return urlsplit(self.target).path

    @property
    def raw_query(self) -> str:
        return urlsplit(self.target).query

    @property
    def query(self) -> list[tuple[str, str]]:
        return parse_qsl(self.raw_query, keep_blank_values=True)

    @property
    def segments(self) -> list[str]:
        return [unquote(s) for s in self.path.split("/")[1:]]


Handler = Callable[[Recorded], Reply]
# How long wait_until waits before failing: a hang guard, never reached when the test is right.
WAIT_GUARD = 30.0


class FaultServer:
    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.connections = 0
        self.count = 0  # requests received, recorded or not
        self.record = True  # False: keep no Recorded (a load test measures the client's memory)
        self._scripts: dict[tuple[str, str], deque[Reply]] = {}
        self.fallback: Handler = lambda req: Reply(200, {"data": None})
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.base_events.Server | None = None
        self._thread: threading.Thread | None = None
        self._arrived = threading.Condition()
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def script(self, method: str, path: str, *replies: Reply) -> None:
        """Queue replies for METHOD PATH (path without query); the last one repeats."""
        self._scripts.setdefault((method.upper(), path), deque()).extend(replies)

    def clear(self) -> None:
        """Forget every script and recorded request (a test may loop over cases on one server)."""
        self._scripts.clear()
        self.requests.clear()

    def wait_until(self, condition: Callable[[list[Recorded]], bool], guard: float = WAIT_GUARD) -> None:
        """Block until `condition(self.requests)` holds, checked as each request arrives (a call may
        give up before the server has read its request). Fails after `guard` seconds."""
        with self._arrived:
            if not self._arrived.wait_for(lambda: condition(self.requests), timeout=guard):
                raise AssertionError(f"the server never saw what the test waited for ({len(self.requests)} requests)")

    def _pick(self, req: Recorded) -> Reply:
        queue = self._scripts.get((req.method, req.path))
        if not queue:
            return self.fallback(req)
        while len(queue) > 1 and queue[0].times is not None and queue[0].times <= 0:
            queue.popleft()  # used up before a later reply was queued behind it
        reply = queue[0]
        if reply.times is not None:
            reply.times -= 1
            if reply.times <= 0 and len(queue) > 1:
                queue.popleft()
        elif len(queue) > 1:
            queue.popleft()
        return reply

    # -- lifecycle ---------------------------------------------------------------------

    def __enter__(self) -> FaultServer:
        ready = threading.Event()

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop

            async def start() -> None:
                self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
                self.port = self._server.sockets[0].getsockname()[1]
                ready.set()

            loop.run_until_complete(start())
            loop.run_forever()
            loop.close()

        self._thread = threading.Thread(target=run, name="fault-server", daemon=True)
        self._thread.start()
        ready.wait(5)
        return self

    def __exit__(self, *exc: object) -> None:
        loop = self._loop
        if loop is None:
            return

        async def stop() -> None:
            if self._server is not None:
                self._server.close()
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    task.cancel()

        asyncio.run_coroutine_threadsafe(stop(), loop).result(5)
        loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(5)

    # -- protocol ----------------------------------------------------------------------

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, target, _ = lines[0].split(" ", 2)
                headers = {}
                raw_headers = []
                for line in lines[1:]:
                    if ":" in line:
                        k, v = line.split(":", 1)
                        headers[k.strip().lower()] = v.strip()
                        raw_headers.append((k.strip(), v.strip()))
                length = int(headers.get("content-length", "0") or 0)
                body = await reader.readexactly(length) if length else b""
                req = Recorded(method, target, headers, body, raw_headers=raw_headers)
                with self._arrived:
                    self.count += 1
                    if self.record:
                        self.requests.append(req)
                    self._arrived.notify_all()
                reply = self._pick(req)
                if reply.gate is not None:
                    await asyncio.to_thread(reply.gate.wait, WAIT_GUARD)
                if reply.delay:
                    # A slow peer, as are the trickles and stalls below: what tests assert is the
                    # call's outcome (e.g. 0.timeout where the reply would have come), never a time.
                    await asyncio.sleep(reply.delay)
                if not await self._answer(reply, writer):
                    return
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            pass
        finally:
            with contextlib.suppress(Exception):
                writer.close()

    @staticmethod
    def _rst(writer: asyncio.StreamWriter) -> None:
        sock = writer.get_extra_info("socket")
        if sock is not None:
            # SO_LINGER 0: close() sends RST, which the client sees as a connection reset.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        writer.transport.abort()

    async def _answer(self, reply: Reply, writer: asyncio.StreamWriter) -> bool:
        """Write the reply; False when the connection is finished."""
        body = reply.encoded_body()
        if reply.action == "reset":
            self._rst(writer)
            return False
        if reply.action == "close":
            writer.close()
            return False
        headers = {"content-type": "application/json", **{k.lower(): v for k, v in reply.headers.items()}}
        if reply.action == "stream":
            headers["content-length"] = str(reply.stream_bytes)
        elif reply.action == "stream_chunked":
            headers["transfer-encoding"] = "chunked"
        else:
            headers.setdefault("content-length", str(len(body)))
        reason = "OK" if reply.status < 400 else "Error"
        head = f"HTTP/1.1 {reply.status} {reason}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
        if reply.action == "continue_forever":
            while True:
                writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
                await writer.drain()
                await asyncio.sleep(reply.interval)
        if reply.action == "trickle_head":
            for byte in head.encode("latin-1"):
                writer.write(bytes([byte]))
                await writer.drain()
                await asyncio.sleep(reply.interval)
        else:
            writer.write(head.encode("latin-1"))
        if reply.action == "stream":
            chunk = b" " * 65536
            left = reply.stream_bytes
            while left > 0:
                part = chunk[: min(left, len(chunk))]
                writer.write(part)
                left -= len(part)
                await writer.drain()
            return True
        if reply.action == "stream_chunked":
            chunk = b" " * 65536
            left = reply.stream_bytes
            while left > 0:
                part = chunk[: min(left, len(chunk))]
                writer.write(b"%x\r\n%s\r\n" % (len(part), part))
                left -= len(part)
                await writer.drain()
            writer.write(b"0\r\n\r\n")
            await writer.drain()
            return True
        if reply.action == "truncate":
            writer.write(body)
            await writer.drain()
            writer.close()
            return False
        if reply.action == "trickle":
            for i in range(len(body)):
                writer.write(body[i : i + 1])
                await writer.drain()
                await asyncio.sleep(reply.interval)
            return True
        if reply.action == "reset_mid_body":
            writer.write(body[: len(body) // 2])
            await writer.drain()
            await asyncio.sleep(0.05)  # lets the half body reach the client before the RST discards it
            self._rst(writer)
            return False
        if reply.action == "stall":
            writer.write(body[: len(body) // 2])
            await writer.drain()
            await asyncio.sleep(reply.lasts)
            return False
        writer.write(body)
        await writer.drain()
        return True
