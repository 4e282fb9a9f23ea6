"""A fast loopback HTTP/1.1 server for the benchmarks, run in its own process.

    python -m benchmarks.server [--pages 100]      # prints "PORT <n>" when ready

Canned bodies, built once (benchmarks.documents), served from an asyncio Protocol with
keep-alive; every client side of a comparison talks to the same server. Routes:

    GET /v1/environments/<id>                  one environment document
    GET /v1/jobs/<id>                          one job document
    GET /v1/environments?page[number]=N&page[size]=S
                                               a page of S environments (N <= --pages; ids follow
                                               on from page to page), then []
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from urllib.parse import parse_qsl, urlsplit

from benchmarks import documents

_OK = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n"
_ERROR = b"HTTP/1.1 %d Error\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n"
_NOT_FOUND = b'{"error":{"status":404,"code":"404.not_found","title":"not found"}}'


class Routes:
    def __init__(self, pages: int) -> None:
        self.pages = pages
        self.environment = documents.encode(documents.one("environments"))
        self.job = documents.encode(documents.one("jobs"))
        self._pages: dict[tuple[int, int], bytes] = {}
        self._empty = documents.encode({"data": []})

    def page(self, number: int, size: int) -> bytes:
        if number > self.pages or number < 1:
            return self._empty
        body = self._pages.get((number, size))
        if body is None:
            if len(self._pages) > 4:  # a few kept: a paginating client asks for each page once
                self._pages.clear()
            body = self._pages[(number, size)] = documents.page_body("environments", size, start=(number - 1) * size)
        return body

    def answer(self, method: str, target: str) -> tuple[int, bytes]:
        url = urlsplit(target)
        path = url.path
        if method == "GET" and path.startswith("/v1/environments/"):
            return 200, self.environment
        if method == "GET" and path.startswith("/v1/jobs/"):
            return 200, self.job
        if method == "GET" and path == "/v1/environments":
            query = dict(parse_qsl(url.query))
            return 200, self.page(int(query.get("page[number]", 1)), int(query.get("page[size]", 100)))
        return 404, _NOT_FOUND


class HTTP(asyncio.Protocol):
    def __init__(self, routes: Routes) -> None:
        self.routes = routes
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.buffer[:end].decode("latin-1")
            lines = head.split("\r\n")
            length = 0
            close = False
            for line in lines[1:]:
                name, _, value = line.partition(":")
                name = name.strip().lower()
                if name == "content-length":
                    length = int(value.strip() or 0)
                elif name == "connection" and value.strip().lower() == "close":
                    close = True
            if len(self.buffer) < end + 4 + length:
                return
            self.buffer = self.buffer[end + 4 + length :]
            method, target, _ = lines[0].split(" ", 2)
            status, body = self.routes.answer(method, target)
            assert self.transport is not None
            if status == 200:
                self.transport.write((_OK % len(body)) + body)
            else:
                head_out = (
                    f"HTTP/1.1 {status} Error\r\ncontent-type: application/json\r\ncontent-length: {len(body)}\r\n\r\n"
                )
                self.transport.write(head_out.encode() + body)
            if close:
                self.transport.close()
                return


async def serve(pages: int, port: int) -> None:
    routes = Routes(pages)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: HTTP(routes), "127.0.0.1", port, backlog=1024)
    print(f"PORT {server.sockets[0].getsockname()[1]}", flush=True)
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=100)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.pages, args.port))


if __name__ == "__main__":
    main()
