"""Connections. A cap below the file descriptor limit, a
request-head timeout (slowloris), one log line per condition, and a quiet shutdown."""

from __future__ import annotations

import re
import resource
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import httpx
import pytest

from cycle_sdk.emulator import Emulator, run_emulator
from cycle_sdk.emulator import _server as emulator_server
from tests.support.clock import HANG_GUARD, HeldClock

from .helpers import wait_for
from .rawhttp import address, connect, read_response

LINE = re.compile(r"listening on (http://127\.0\.0\.1:\d+)")
HEADERS = {"Authorization": "Bearer emulator-key", "X-Hub-Id": "000000000000000000000001"}


@contextmanager
def emulator_process(*args: str, nofile: int | None = None) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """`python -m cycle_sdk.emulator` in a subprocess, optionally under a lowered RLIMIT_NOFILE."""

    def limit() -> None:
        if nofile is not None:
            resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))

    command = [sys.executable, "-m", "cycle_sdk.emulator", "--port", "0", *args]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=limit)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        match = LINE.search(line)
        assert match, f"unexpected first line {line!r}"
        yield process, match.group(1)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


@pytest.mark.slow  # an emulator process and 400 connections
def test_a_flood_of_idle_connections_under_a_low_fd_limit() -> None:
    flood = 400  # well over the child's 256 descriptors
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < flood + 200:  # this process needs the descriptors for its side of the flood
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, flood + 1024), hard))
    with emulator_process(nofile=256) as (process, url), ExitStack() as stack:
        host_port = address(url)
        for _ in range(flood):
            stack.enter_context(socket.create_connection(host_port, timeout=10))
        # Real requests are served while the half-open connections stay open.
        for _ in range(3):
            response = httpx.get(f"{url}/v1/environments", headers=HEADERS, timeout=10)
            assert response.status_code == 200
        process.terminate()
        _, err = process.communicate(timeout=20)
    assert "Traceback" not in err and "Too many open files" not in err, err[:2000]
    assert err.count("connection limit") == 1, err  # one line for the condition, not one per accept
    assert len(err.splitlines()) < 10, err


def test_a_connection_that_trickles_its_request_head_is_closed() -> None:
    with run_emulator(header_timeout=0.5) as emu, connect(emu) as conn:
        head = f"GET /v1/environments HTTP/1.1\r\nHost: {emu.url.removeprefix('http://')}\r\nX-Pad: "
        conn.sendall(head.encode())
        closed = False
        # One byte every 0.1 s would take 100 s for these 1,000; the server must hang up long before.
        for _ in range(1000):
            try:
                conn.sendall(b"a")
            except OSError:
                closed = True
                break
            conn.settimeout(0.1)
            try:
                if conn.recv(1024) == b"":
                    closed = True
                    break
            except TimeoutError:
                continue
            except OSError:
                closed = True
                break
        assert closed


def test_a_keep_alive_connection_that_trickles_its_next_head_is_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    # A keep-alive of a day: a close that waited for it (not header_timeout from the next head's
    # first byte) would come long after the loop below has given up, so no clock is read.
    monkeypatch.setattr(emulator_server, "_KEEP_ALIVE", 86400.0)
    with run_emulator(header_timeout=0.5) as emu, connect(emu) as conn:
        host = emu.url.removeprefix("http://")
        conn.sendall(f"GET /_emulator/health HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
        assert read_response(conn).status == 200
        # The next head, one byte per 0.1 s read wait (the slow peer): closed after header_timeout.
        conn.sendall(f"GET /_emulator/health HTTP/1.1\r\nHost: {host}\r\nX-Pad: ".encode())
        closed = False
        for _ in range(1000):  # a hang guard: 1,000 bytes take at least 100 s
            try:
                conn.sendall(b"a")
                conn.settimeout(0.1)
                if conn.recv(1024) == b"":
                    closed = True
                    break
            except TimeoutError:
                continue
            except OSError:
                closed = True
                break
        assert closed


def test_websocket_upgrades_check_the_host(cycle_emulator: Emulator) -> None:
    token = httpx.get(f"{cycle_emulator.url}/v1/hubs/current/notifications", headers=cycle_emulator.headers)
    secret = token.json()["data"]["token"]
    with connect(cycle_emulator) as conn:
        conn.sendall(
            (
                f"GET /v1/hubs/current/notifications?token={secret} HTTP/1.1\r\n"
                f"Host: rebind.evil.example:{address(cycle_emulator.url)[1]}\r\n"
                "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
            ).encode()
        )
        assert read_response(conn).status == 403  # the handshake is refused


def test_an_idle_new_connection_is_closed() -> None:
    with run_emulator(header_timeout=0.3) as emu, connect(emu, timeout=30) as conn:
        assert conn.recv(1024) == b""  # closed by the server (the wait is bounded by the socket timeout)


def test_at_the_cap_idle_connections_make_room_for_new_ones() -> None:
    with run_emulator(max_connections=4) as emu, ExitStack() as stack:
        idle = [stack.enter_context(connect(emu)) for _ in range(4)]
        with httpx.Client(base_url=emu.url, headers=emu.headers, timeout=10) as api:
            assert api.get("/v1/environments").status_code == 200
        idle[0].settimeout(10)
        assert idle[0].recv(1024) == b""  # the oldest idle one was closed for it


def test_at_the_cap_with_every_connection_busy_new_ones_get_503() -> None:
    clock = HeldClock()  # the latency fault holds both requests until released, not for 2 real seconds
    with run_emulator(max_connections=2, clock=clock) as emu:
        emu.add_fault("latency", latency=2, path="/v1/environments", count=2)
        results: list[int] = []

        def slow() -> None:
            results.append(httpx.get(f"{emu.url}/v1/environments", headers=emu.headers, timeout=20).status_code)

        threads = [threading.Thread(target=slow) for _ in range(2)]
        for thread in threads:
            thread.start()
        emu.wait_until(lambda: emu.request_count("GET", "/v1/environments") == 2)
        with connect(emu) as conn:
            conn.sendall(f"GET /_emulator/health HTTP/1.1\r\nHost: {emu.url.removeprefix('http://')}\r\n\r\n".encode())
            assert read_response(conn).status == 503
        clock.release()
        for thread in threads:
            thread.join(HANG_GUARD)
        assert results == [200, 200]


@pytest.mark.slow  # an emulator process
def test_shutdown_during_a_latency_fault_is_quiet() -> None:
    with emulator_process() as (process, url):
        fault = {"kind": "latency", "latency": 30, "path": "/v1/environments"}
        assert httpx.post(f"{url}/_emulator/faults", json=fault).status_code == 201
        outcome: list[object] = []

        def waiting() -> None:
            try:
                outcome.append(httpx.get(f"{url}/v1/environments", headers=HEADERS, timeout=30).status_code)
            except httpx.HTTPError as error:
                outcome.append(error)

        thread = threading.Thread(target=waiting)
        thread.start()
        stats = f"{url}/_emulator/stats"
        wait_for(lambda: httpx.get(stats).json()["requests"].get("GET /v1/environments") == 1)
        process.terminate()
        _, err = process.communicate(timeout=20)
        thread.join(30)
    assert process.returncode == 0
    assert "Traceback" not in err and "CancelledError" not in err and "Exception in ASGI" not in err, err
    # Answered "shutting down" at once: after the fault's 30 s it would have been a 200.
    assert outcome == [503]
