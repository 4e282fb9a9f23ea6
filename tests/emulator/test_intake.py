"""What the emulator takes in. Input it could not serve again is refused and
never stored, deep JSON is a 400, and bodies have a limit (413; what is over it is dropped, not kept)."""

from __future__ import annotations

import asyncio
import http.client
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from cycle_sdk.emulator import DEFAULT_MAX_BODY, Emulator, run_emulator
from cycle_sdk.emulator.__main__ import parse_args
from cycle_sdk.emulator._intake import discard_body

from .helpers import environment_body
from .rawhttp import address, connect, read_response, request

ENVIRONMENTS = "/v1/environments"
JSON_HEADERS = {"Content-Type": "application/json"}


def post_raw(api: httpx.Client, path: str, text: str) -> httpx.Response:
    """POST a JSON text as written (escapes such as \\ud800 reach the server unchanged)."""
    return api.post(path, content=text.encode(), headers=JSON_HEADERS)


def envelope_error(response: httpx.Response, status: int, code: str) -> dict[str, object]:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["data"] is None and body["error"]["status"] == status and body["error"]["code"] == code
    error: dict[str, object] = body["error"]
    return error


# -- item 8: input that cannot be stored and served again --------------------------------------

UNSERVABLE = [
    ('{"name": "\\ud800"}', "/body/name"),  # a lone high surrogate
    ('{"name": "ok\\udfff"}', "/body/name"),  # a lone low surrogate
    ('{"name": "e", "about": {"description": "\\udc00"}}', "/body/about/description"),
    ('{"name": "e", "\\ud800": "key"}', None),  # in a key
    ('{"name": "e", "version": 1e400}', "/body/version"),  # overflows a double: would be served as Infinity
]


@pytest.mark.parametrize(("text", "source"), UNSERVABLE)
def test_unservable_input_is_refused_and_not_stored(api: httpx.Client, text: str, source: str | None) -> None:
    body = json.loads(text)  # the environment's other required fields, then the hostile part
    fields = {k: v for k, v in environment_body("x").items() if k not in body}
    merged = text[:-1] + ", " + json.dumps(fields)[1:]
    error = envelope_error(post_raw(api, ENVIRONMENTS, merged), 422, "422.invalid-input")
    if source is not None:
        assert error["source"] == source
    listing = api.get(ENVIRONMENTS)
    assert listing.status_code == 200 and listing.json()["data"] == []


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_non_json_constants_are_invalid_syntax(api: httpx.Client, constant: str) -> None:
    response = post_raw(api, ENVIRONMENTS, f'{{"name": "e", "version": {constant}}}')
    envelope_error(response, 400, "400.invalid-syntax")
    assert api.get(ENVIRONMENTS).json()["data"] == []


def test_a_valid_surrogate_pair_is_stored_and_served(api: httpx.Client) -> None:
    text = json.dumps(environment_body("\U0001f600 party"))  # ensure_ascii: sent as a \\ud83d\\ude00 pair
    assert "\\ud83d" in text
    assert post_raw(api, ENVIRONMENTS, text).status_code == 201
    assert [e["name"] for e in api.get(ENVIRONMENTS).json()["data"]] == ["\U0001f600 party"]


def test_a_lone_surrogate_is_never_persisted(tmp_path: Path) -> None:
    db = tmp_path / "state.sqlite"
    with run_emulator(db_path=db) as emu, httpx.Client(base_url=emu.url, headers=emu.headers) as api:
        text = json.dumps(environment_body("NAME")).replace("NAME", "\\ud800")
        envelope_error(post_raw(api, ENVIRONMENTS, text), 422, "422.invalid-input")
        assert api.post(ENVIRONMENTS, json=environment_body("kept")).status_code == 201
    with run_emulator(db_path=db) as emu, httpx.Client(base_url=emu.url, headers=emu.headers) as api:
        listing = api.get(ENVIRONMENTS)
        assert listing.status_code == 200 and [e["name"] for e in listing.json()["data"]] == ["kept"]


def test_control_routes_refuse_unservable_input_too(cycle_emulator: Emulator) -> None:
    with httpx.Client(base_url=f"{cycle_emulator.url}/_emulator") as admin:
        response = admin.post("/hubs", content=b'{"name": "\\ud800"}', headers=JSON_HEADERS)
        assert response.status_code == 422
        users = admin.post("/users", content=b'{"email": "\\ud800@x", "password": "p"}', headers=JSON_HEADERS)
        assert users.status_code == 422
    hubs = httpx.get(f"{cycle_emulator.url}/v1/hubs", headers=cycle_emulator.headers)
    assert hubs.status_code == 200 and [h["id"] for h in hubs.json()["data"]] == [cycle_emulator.hub_id]


# -- item 9: deep JSON ------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [65, 1000, 5000, 100_000])
def test_deeply_nested_json_is_invalid_syntax(api: httpx.Client, depth: int) -> None:
    text = '{"name": "e", "about": ' + "[" * depth + "]" * depth + "}"
    error = envelope_error(post_raw(api, ENVIRONMENTS, text), 400, "400.invalid-syntax")
    assert "nested deeper" in str(error["detail"])
    assert api.get(ENVIRONMENTS).status_code == 200


def test_nesting_within_the_limit_is_checked_normally(api: httpx.Client) -> None:
    text = '{"name": "e", "about": ' + "[" * 60 + "]" * 60 + "}"
    response = post_raw(api, ENVIRONMENTS, text)
    assert response.status_code == 422  # a schema error about `about`, not a crash


# -- item 10: the body limit --------------------------------------------------------------------


def test_the_default_limit_is_8_mib() -> None:
    assert DEFAULT_MAX_BODY == 8 * 1024 * 1024
    assert parse_args([]).max_body == DEFAULT_MAX_BODY
    assert parse_args(["--max-body", "1M"]).max_body == 1024 * 1024
    assert parse_args(["--max-body", "2048"]).max_body == 2048


def test_a_declared_oversize_body_gets_413_without_being_sent(cycle_emulator: Emulator) -> None:
    # Only the head is sent: the answer must come without the server waiting for 100 MB.
    response = request(
        cycle_emulator,
        "POST",
        ENVIRONMENTS,
        headers={**JSON_HEADERS, "Content-Length": str(100 * 1024 * 1024)},
    )
    assert response.status == 413 and response.code == "413.payload-too-large"
    assert response.headers.get("connection") == "close"


def test_an_oversize_body_is_refused_even_unauthenticated(cycle_emulator: Emulator) -> None:
    for path in (ENVIRONMENTS, "/_emulator/stats", "/_emulator/faults", "/oauth/token"):
        response = request(cycle_emulator, "POST", path, headers={"Content-Length": str(200 * 1024 * 1024)}, auth=False)
        assert response.status == 413, path


def test_a_chunked_body_over_the_limit_is_dropped_then_answered_413() -> None:
    """Past the limit nothing more is kept: the rest is read and dropped, and once the client has
    sent it all the answer is a clean 413 (Connection: close), not a reset."""
    with run_emulator(max_body=4096) as emu, connect(emu) as conn:
        head = (
            f"POST {ENVIRONMENTS} HTTP/1.1\r\nHost: {emu.url.removeprefix('http://')}\r\n"
            f"Authorization: Bearer {emu.api_key}\r\nX-Hub-Id: {emu.hub_id}\r\n"
            "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        )
        conn.sendall(head.encode())
        chunk = b"x" * 1024
        for _ in range(1024):  # 1 MiB, 256 times the limit
            conn.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        conn.sendall(b"0\r\n\r\n")
        response = read_response(conn)
        assert response.status == 413 and response.code == "413.payload-too-large"
        assert response.headers.get("connection") == "close"
        assert conn.recv(1) == b""  # then an orderly close
    assert emu.list_resources("environments") == []


@pytest.mark.parametrize("framing", ["chunked", "content-length"])
def test_a_client_that_sends_its_whole_body_before_reading_gets_the_413(framing: str) -> None:
    """http.client writes the whole body, then reads: closing on its unread body used to reset the
    connection under it (ConnectionResetError / BrokenPipeError instead of the answer)."""
    size = 16 * 1024 * 1024

    def chunks() -> Iterator[bytes]:
        for _ in range(size // 65536):
            yield b" " * 65536

    with run_emulator(max_body=65536) as emu:
        host, port = address(emu.url)
        conn = http.client.HTTPConnection(host, port, timeout=60)
        headers = {**emu.headers, **JSON_HEADERS}
        try:
            if framing == "chunked":
                conn.request("POST", ENVIRONMENTS, body=chunks(), headers=headers, encode_chunked=True)
            else:
                conn.request("POST", ENVIRONMENTS, body=b" " * size, headers=headers)
            response = conn.getresponse()
            body = json.loads(response.read())
        finally:
            conn.close()
        assert response.status == 413 and body["error"]["code"] == "413.payload-too-large"
        assert emu.list_resources("environments") == []


def test_a_client_waiting_for_100_continue_is_answered_without_sending_its_body(cycle_emulator: Emulator) -> None:
    # Reading on (to drop the body) would make the server send `100 Continue`, inviting the body.
    with connect(cycle_emulator) as conn:
        head = (
            f"POST {ENVIRONMENTS} HTTP/1.1\r\nHost: {cycle_emulator.url.removeprefix('http://')}\r\n"
            f"Authorization: Bearer {cycle_emulator.api_key}\r\nX-Hub-Id: {cycle_emulator.hub_id}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {DEFAULT_MAX_BODY + 1}\r\n"
            "Expect: 100-continue\r\n\r\n"
        )
        conn.sendall(head.encode())
        response = read_response(conn)
    assert response.status == 413 and response.code == "413.payload-too-large"


def test_a_configured_limit_applies_and_smaller_bodies_pass() -> None:
    with run_emulator(max_body=2048) as emu, httpx.Client(base_url=emu.url, headers=emu.headers) as api:
        assert api.post(ENVIRONMENTS, json=environment_body("small")).status_code == 201
        big = environment_body("big", about={"description": "d" * 4096})
        response = api.post(ENVIRONMENTS, json=big)
        envelope_error(response, 413, "413.payload-too-large")
        assert [e["name"] for e in api.get(ENVIRONMENTS).json()["data"]] == ["small"]


def test_control_routes_read_no_body_they_do_not_need(cycle_emulator: Emulator) -> None:
    # A GET that announces a body it never sends: answered at once (the old code waited for it).
    for method, path in (("GET", "/_emulator/stats"), ("GET", "/_emulator/health"), ("DELETE", "/_emulator/stats")):
        response = request(cycle_emulator, method, path, headers={"Content-Length": "1000"}, auth=False)
        assert response.status == 200, (method, path)


def test_control_bodies_have_a_small_limit(cycle_emulator: Emulator) -> None:
    body = json.dumps({"kind": "latency", "path": "/" + "x" * 70_000}).encode()
    response = request(cycle_emulator, "POST", "/_emulator/faults", headers=JSON_HEADERS, body=body, auth=False)
    assert response.status == 413
    assert cycle_emulator.faults() == []


def test_large_bodies_get_the_same_checks(api: httpx.Client) -> None:
    # Over 64 KiB a body is decoded off the event loop: the same answers.
    description = "d" * 100_000
    assert api.post(ENVIRONMENTS, json=environment_body("big", about={"description": description})).status_code == 201
    text = json.dumps(environment_body("NAME", about={"description": description})).replace("NAME", "\\ud800")
    envelope_error(post_raw(api, ENVIRONMENTS, text), 422, "422.invalid-input")
    deep = '{"name": "e", "pad": "' + "p" * 100_000 + '", "about": ' + "[" * 100 + "]" * 100 + "}"
    envelope_error(post_raw(api, ENVIRONMENTS, deep), 400, "400.invalid-syntax")
    assert [e["name"] for e in api.get(ENVIRONMENTS).json()["data"]] == ["big"]


def test_strings_holding_brackets_and_escapes_do_not_count_as_nesting(api: httpx.Client) -> None:
    tricky = "[[[{{{" * 50 + '\\"]]' + "\\\\"
    response = api.post(ENVIRONMENTS, json=environment_body(tricky))
    assert response.status_code == 201 and response.json()["data"]["name"] == tricky


async def test_dropping_a_refused_body_is_bounded_in_bytes_and_time() -> None:
    """`discard_body` (the drop before a 413) stops past its byte limit, and after its timeout when
    the client stops sending: a slow or endless body cannot hold the request."""
    received = 0

    async def endless() -> dict[str, object]:
        nonlocal received
        received += 1
        return {"type": "http.request", "body": b"x" * 1024, "more_body": True}

    await discard_body(endless, {}, started=True, limit=64 * 1024)
    assert 64 <= received <= 66

    async def stalls() -> dict[str, object]:
        await asyncio.Event().wait()  # a client that never sends again
        raise AssertionError("unreachable")

    await asyncio.wait_for(discard_body(stalls, {}, started=True, timeout=0.1), timeout=30)
