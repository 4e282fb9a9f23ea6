"""HTTP/1.1 over a plain socket, for requests an HTTP client will not send (a lying Content-Length,
a foreign Host, a body that never comes)."""

from __future__ import annotations

import json
import socket
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from cycle_sdk.emulator import Emulator


@dataclass
class RawResponse:
    status: int
    headers: dict[str, str]  # lower-cased names
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def code(self) -> str:
        return str(self.json()["error"]["code"])


def address(url: str) -> tuple[str, int]:
    target = urlsplit(url)
    assert target.hostname is not None and target.port is not None
    return target.hostname, target.port


def connect(emu: Emulator, timeout: float = 10.0) -> socket.socket:
    return socket.create_connection(address(emu.url), timeout=timeout)


def read_response(conn: socket.socket) -> RawResponse:
    """One response (Content-Length framed, as the emulator sends them)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            raise ConnectionError(f"closed before a response head: {data!r}")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return RawResponse(int(lines[0].split()[1]), headers, body)


def request(
    emu: Emulator,
    method: str,
    target: str,
    *,
    headers: dict[str, str] | None = None,
    body: bytes = b"",
    host: str | None = None,
    auth: bool = True,
) -> RawResponse:
    """Send one request byte for byte (Connection: close) and read the answer."""
    all_headers = {"Host": host if host is not None else urlsplit(emu.url).netloc}
    if auth:
        all_headers.update(emu.headers)
    all_headers.update(headers or {})
    if body and "Content-Length" not in all_headers and "Transfer-Encoding" not in all_headers:
        all_headers["Content-Length"] = str(len(body))
    all_headers.setdefault("Connection", "close")
    head = f"{method} {target} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in all_headers.items()) + "\r\n"
    with connect(emu) as conn:
        conn.sendall(head.encode("latin-1") + body)
        return read_response(conn)
