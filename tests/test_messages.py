"""Messages a user can act on, sync and async, over real sockets on loopback.

A network error names the host and port and the cause (refused, DNS, reset, closed, TLS);
a call on a closed client is `0.client_closed` with a hint, and sends nothing. Every code
the SDK makes itself is in the README's table.
"""

from __future__ import annotations

import re
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

import cycle_sdk
from cycle_sdk._messages import network_error_text
from tests.support.clients import Callers, free_port, job_doc
from tests.support.fault_server import FaultServer, Reply

ROOT = Path(__file__).parents[1]


def host_port(server: FaultServer) -> str:
    url = httpx.URL(server.url)
    return f"{url.host}:{url.port}"


async def test_refused_names_host_and_port(make: Callers) -> None:
    port = free_port()
    res = await make(base_url=f"http://127.0.0.1:{port}")("jobs.get_job", "j1")
    assert res.ok is False and res.error.code == "0.network_error"
    assert f"Connection refused by 127.0.0.1:{port}" in res.error.title
    assert "base_url" in res.error.title  # what to check
    assert f"127.0.0.1:{port}" in str(res.error)


async def test_dns_failure_names_the_host(make: Callers) -> None:
    res = await make(base_url="http://no-such-host.invalid:8443")("jobs.get_job", "j1", timeout=30.0)
    assert res.ok is False and res.error.code == "0.network_error", res
    assert "DNS lookup failed for no-such-host.invalid:8443" in res.error.title


async def test_reset_names_host_and_port(server: FaultServer, make: Callers) -> None:
    server.script("GET", "/v1/jobs/j1", Reply(action="reset"))
    res = await make()("jobs.get_job", "j1")
    assert res.ok is False and res.error.code == "0.network_error"
    assert f"Connection to {host_port(server)} was reset" in res.error.title, res.error


async def test_closed_without_response_names_host_and_port(server: FaultServer, make: Callers) -> None:
    server.script("GET", "/v1/jobs/j1", Reply(action="close"))
    res = await make()("jobs.get_job", "j1")
    assert res.ok is False and res.error.code == "0.network_error"
    assert f"{host_port(server)} closed the connection" in res.error.title, res.error


@pytest.fixture
def plain_listener() -> Iterator[str]:
    """A loopback port that answers any connection with plain-text HTTP at once and closes:
    a TLS client talking to it gets a record that is not TLS."""
    sock = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        while True:
            conn, _ = sock.accept()
            with conn:
                if stop.is_set():
                    return
                conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{sock.getsockname()[1]}"
    finally:
        stop.set()
        socket.create_connection(sock.getsockname()).close()  # wakes the accept, which sees stop
        thread.join(5)
        sock.close()


async def test_tls_failure_names_host_and_port(plain_listener: str, make: Callers) -> None:
    res = await make(base_url=f"https://{plain_listener}")("jobs.get_job", "j1")
    assert res.ok is False and res.error.code == "0.network_error", res
    assert f"TLS failed with {plain_listener}" in res.error.title, res.error


async def test_call_on_a_closed_client_is_client_closed(server: FaultServer, make: Callers) -> None:
    server.script("GET", "/v1/jobs/j1", Reply(200, job_doc("j1")))
    caller = make(max_retries=2)
    assert (await caller("jobs.get_job", "j1")).ok is True
    await caller.close()
    seen = server.count
    res = await caller("jobs.get_job", "j1")
    assert res.ok is False
    err = res.error
    assert (err.code, err.title) == ("0.client_closed", "The client is closed")
    assert err.detail is not None and err.detail.startswith("hint:") and "new client" in err.detail
    assert type(err) is cycle_sdk.APIConnectionError
    assert server.count == seen  # nothing sent
    assert caller.delays == []  # and not retried


async def test_a_closed_httpx_client_of_the_caller_is_client_closed(server: FaultServer, kind: str) -> None:
    server.script("GET", "/v1/jobs/j1", Reply(200, job_doc("j1")))
    if kind == "sync":
        http = httpx.Client()
        http.close()
        res = cycle_sdk.Client(api_key="k", base_url=server.url, http_client=http).jobs.get_job("j1")
    else:
        ahttp = httpx.AsyncClient()
        await ahttp.aclose()
        res = await cycle_sdk.AsyncClient(api_key="k", base_url=server.url, http_client=ahttp).jobs.get_job("j1")
    assert res.ok is False and res.error.code == "0.client_closed"
    assert server.count == 0


def test_httpx_closed_client_error_maps_to_client_closed() -> None:
    # A client closed while a call was already under way: httpx raises this RuntimeError.
    closed = RuntimeError("Cannot send a request, as the client has been closed.")
    code, title, detail = network_error_text(closed, "https://api.cycle.io/v1/jobs")
    assert (code, title) == ("0.client_closed", "The client is closed") and detail.startswith("hint:")
    code, title, _ = network_error_text(httpx.ConnectError("boom"), "https://api.cycle.io/v1/jobs")
    assert (code, title) == ("0.network_error", "Network error talking to api.cycle.io:443")


def test_every_sdk_code_is_in_the_readme_table() -> None:
    """Each `0.*` code the hand-written SDK can return is a row of the README's table."""
    package = ROOT / "cycle_sdk"
    # Parts below the package only: a checkout in a folder named "emulator" must not hide every file.
    sources = [
        p
        for p in package.rglob("*.py")
        if not p.parent.name.startswith("_generated") and "emulator" not in p.relative_to(package).parts
    ]
    codes = {code for path in sources for code in re.findall(r"\"(0\.[a-z_]+)\"", path.read_text())}
    assert {"0.network_error", "0.client_closed", "0.job_failed", "0.no_refresh_token"} <= codes
    readme = (ROOT / "README.md").read_text()
    rows = {
        code for line in readme.splitlines() if line.startswith("| `0.") for code in re.findall(r"`(0\.[a-z_]+)`", line)
    }
    assert codes <= rows, sorted(codes - rows)
