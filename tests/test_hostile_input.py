"""Hostile input. No argument reaches another route, every query value round-trips,
and what cannot be encoded is refused before any request, naming the parameter.

The bulk runs `build_request` plus the client's own URL building (httpx's, exactly what goes
on the wire) for every path-parameter position of every operation; a smaller run goes over
real HTTP to the loopback FaultServer, sync and async.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import re
from collections.abc import Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import Any
from urllib.parse import unquote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cycle_sdk
from cycle_sdk._generated.operations import OPERATIONS
from cycle_sdk._request import RequestOptions, RequestSpec
from tests.support.clients import KINDS, TEST_API_KEY, Caller, Callers
from tests.support.fault_server import FaultServer, Reply

PLACEHOLDER = re.compile(r"\{([^}]+)\}")
FILLER = "x"
# What a URL could be broken with: separators, escapes, dot segments, whitespace, controls.
SPECIALS = [*list("/?#%.&=[]+;:@\\ \t\r\n\x00\x7f,'\"<>{}|^`~!$()*"), "%2e", "%2F", "%00", "..", "\u2028", "\ufeff"]
# Any text, with surrogates (which cannot be sent) and URL specials well represented.
ANY_TEXT = st.lists(
    st.one_of(st.sampled_from(SPECIALS), st.characters(exclude_categories=()), st.text(max_size=8)), max_size=12
).map("".join)
NASTY_IDS = [
    "",
    ".",
    "..",
    "...",
    " .. ",
    "\t.\n",
    "a/b",
    "../../v1/account",
    "/",
    "//",
    "a?b=c",
    "a#b",
    "%2e%2e",
    "%2F",
    "%",
    "%zz",
    "a b",
    "a+b",
    "ünï©ødé",
    "日本",
    "\x00",
    "a\x00b",
    "\r\nX-Injected: 1",
    "\ud800",
    "a\udfffb",
    "?",
    "#",
    ";a=b",
    "a\\b",
    "~user",
    "x" * 2000,
]


@dataclass(frozen=True)
class Position:
    """One path parameter of one operation."""

    method: str
    path: str
    names: tuple[str, ...]
    args: tuple[str, ...]  # the method's argument names, which errors use
    index: int
    module: ModuleType
    required: tuple[tuple[str, Any], ...]  # keyword-only arguments that have no default

    @property
    def name(self) -> str:
        return self.names[self.index]

    def build(self, value: object) -> RequestSpec:
        args: list[object] = [FILLER] * len(self.names)
        args[self.index] = value
        spec: RequestSpec = self.module.build_request(*args, **dict(self.required))
        return spec

    def expected_segments(self, value: str) -> list[str]:
        out = []
        for segment in self.path.split("/"):
            found = PLACEHOLDER.fullmatch(segment)
            out.append(segment if found is None else value if found.group(1) == self.name else FILLER)
        return out


def _required(module: ModuleType) -> tuple[tuple[str, Any], ...]:
    values = {"body": {}, "filter": {}}
    return tuple(
        (p.name, values.get(p.name, "v"))
        for p in inspect.signature(module.build_request).parameters.values()
        if p.kind is p.KEYWORD_ONLY and p.default is inspect.Parameter.empty
    )


def _positions() -> Iterator[Position]:
    for entry in OPERATIONS:
        names = tuple(PLACEHOLDER.findall(entry.path))
        if not names:
            continue
        module = importlib.import_module(f"cycle_sdk._generated.{entry.module}")
        positional = [
            p for p in inspect.signature(module.build_request).parameters.values() if p.kind is p.POSITIONAL_OR_KEYWORD
        ]
        assert len(positional) == len(names), entry
        args = tuple(p.name for p in positional)
        for index in range(len(names)):
            yield Position(entry.method, entry.path, names, args, index, module, _required(module))


POSITIONS = list(_positions())


def test_path_parameters_are_positional_in_path_order() -> None:
    """Each generated build_request takes its operation's path parameters positionally, named as
    the path names them (in snake_case) and in the same order: what lets a caller, and the sweeps
    below, pass an ID by position."""
    for entry in OPERATIONS:
        module = importlib.import_module(f"cycle_sdk._generated.{entry.module}")
        positional = [
            p.name
            for p in inspect.signature(module.build_request).parameters.values()
            if p.kind is p.POSITIONAL_OR_KEYWORD
        ]
        expected = [re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower() for name in PLACEHOLDER.findall(entry.path)]
        assert positional == expected, entry


def refused_reason(value: str) -> bool:
    """The documented refusals: empty, a dot segment, NUL, or not encodable (a lone surrogate)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return value == "" or value.strip() in (".", "..") or "\x00" in value


@pytest.fixture(scope="module")
def wire_client() -> Iterator[cycle_sdk.Client]:
    # Never sends: only its URL building (base_url + path, through httpx) is used.
    with cycle_sdk.Client(api_key="k", base_url="http://127.0.0.1:9") as client:
        yield client


def check_route(client: cycle_sdk.Client, position: Position, value: str) -> None:
    """The request reaches exactly the intended route, or is refused naming the parameter."""
    try:
        spec = position.build(value)
    except (ValueError, TypeError) as exc:
        assert repr(position.args[position.index]) in str(exc), (position.path, value, exc)
        assert refused_reason(value), f"{position.path}: {value!r} refused without cause: {exc}"
        return
    assert not refused_reason(value), f"{position.path}: {value!r} should have been refused"
    request = client._http.build_request(**client._prepare(None, client._resolve(spec, RequestOptions())))
    raw_path = request.url.raw_path.decode("ascii").split("?", 1)[0]
    assert request.url.fragment == ""
    assert [unquote(s, errors="strict") for s in raw_path.split("/")] == position.expected_segments(value), (
        position.path,
        value,
        raw_path,
    )


def test_nasty_ids_in_every_path_parameter_position(wire_client: cycle_sdk.Client) -> None:
    for position in POSITIONS:
        for value in NASTY_IDS:
            check_route(wire_client, position, value)


@pytest.mark.slow
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=ANY_TEXT)
def test_any_string_in_every_path_parameter_position(wire_client: cycle_sdk.Client, value: str) -> None:
    for position in POSITIONS:
        check_route(wire_client, position, value)


@pytest.mark.parametrize("value", [None, 1.5, b"id", bytearray(b"id"), object(), True, ["a"], {"a": 1}, ("a",)])
def test_wrong_types_in_every_path_parameter_position(value: object) -> None:
    for position in POSITIONS:
        with pytest.raises(TypeError, match=re.escape(repr(position.args[position.index]))):
            position.build(value)


def test_int_ids_are_encoded_like_strings() -> None:
    position = next(p for p in POSITIONS if p.path == "/v1/jobs/{jobId}")
    assert position.build(42).path == position.build("42").path == "/v1/jobs/42"


# -- over real HTTP ----------------------------------------------------------------------------


def unencodable(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


@dataclass
class Wire:
    """One loopback server with a sync and an async client, for hypothesis tests over the wire."""

    server: FaultServer
    sync: cycle_sdk.Client
    aio: cycle_sdk.AsyncClient
    loop: asyncio.AbstractEventLoop

    def send(self, kind: str, spec: RequestSpec) -> Any:
        parse = lambda status, data: data  # noqa: E731
        if kind == "sync":
            return self.sync._send(spec, parse)
        return self.loop.run_until_complete(self.aio._send(spec, parse))

    def call(self, kind: str, dotted: str, *args: Any, **kwargs: Any) -> Any:
        namespace, name = dotted.split(".")
        client = self.sync if kind == "sync" else self.aio
        result = getattr(getattr(client, namespace), name)(*args, **kwargs)
        return result if kind == "sync" else self.loop.run_until_complete(result)


@pytest.fixture(scope="module")
def wire() -> Iterator[Wire]:
    loop = asyncio.new_event_loop()
    with FaultServer() as server, cycle_sdk.Client(api_key="k", base_url=server.url, max_retries=0) as sync:
        aio = cycle_sdk.AsyncClient(api_key="k", base_url=server.url, max_retries=0)
        try:
            yield Wire(server, sync, aio, loop)
        finally:
            loop.run_until_complete(aio.aclose())
            loop.close()


NOT_FOUND = Reply(404, {"error": {"status": 404, "code": "404.x", "title": "no"}})
# Over the wire: a one-parameter route and the deepest route there is.
WIRE_POSITIONS = [
    next(p for p in POSITIONS if (p.method, p.path) == ("GET", "/v1/jobs/{jobId}")),
    *[p for p in POSITIONS if len(p.names) == max(len(q.names) for q in POSITIONS)][:3],
]


@settings(max_examples=80, deadline=None, database=None)
@given(value=ANY_TEXT, position=st.sampled_from(WIRE_POSITIONS), kind=st.sampled_from(KINDS))
def test_any_string_id_over_real_http(wire: Wire, value: str, position: Position, kind: str) -> None:
    """The server sees exactly the intended route (raw target, decoded per segment)."""
    wire.server.clear()
    wire.server.fallback = lambda req: NOT_FOUND
    try:
        spec = position.build(value)
    except ValueError as exc:
        assert repr(position.args[position.index]) in str(exc) and refused_reason(value)
        return
    res = wire.send(kind, spec)
    assert res.ok is False and res.error.status == 404, res
    (request,) = wire.server.requests
    assert request.method == position.method
    assert ["", *request.segments] == position.expected_segments(value)
    assert request.raw_query == "" or bool(position.required)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("value", [v for v in NASTY_IDS if not refused_reason(v)])
def test_nasty_ids_through_the_namespace_methods(wire: Wire, kind: str, value: str) -> None:
    wire.server.clear()
    wire.server.fallback = lambda req: NOT_FOUND
    wire.call(kind, "jobs.get_job", value)
    wire.call(kind, "environments.get_environment", value, include=["creators"])
    job, env = wire.server.requests
    assert job.segments == ["v1", "jobs", value] and job.raw_query == ""
    assert env.segments == ["v1", "environments", value] and env.query == [("include", "creators")]


@settings(max_examples=100, deadline=None, database=None)
@given(value=ANY_TEXT, kind=st.sampled_from(KINDS))
def test_query_values_round_trip(wire: Wire, value: str, kind: str) -> None:
    """&, =, [, ], #, +, %, unicode and control characters come out as they went in."""
    wire.server.clear()
    wire.server.fallback = lambda req: Reply(200, {"data": []})
    try:
        wire.call(
            kind,
            "environments.get_environments",
            filter={"search": value, "state": "live"},
            page={"number": 2, "size": 5},
        )
        wire.call(kind, "tls.lookup_tls_certificate", domain=value)
    except ValueError as exc:
        assert "'filter'" in str(exc) or "'domain'" in str(exc)
        assert unencodable(value)  # only text that cannot be encoded is refused
        assert wire.server.requests == []
        return
    assert not unencodable(value)
    listing, lookup = wire.server.requests
    assert listing.query == [
        ("filter[search]", value),
        ("filter[state]", "live"),
        ("page[number]", "2"),
        ("page[size]", "5"),
    ]
    assert lookup.query == [("domain", value)]
    assert "#" not in listing.target and " " not in listing.target


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("value", ["a&b=c", "x[y]=z", "#frag", "ü€😀", "\x00\x01\x1f\x7f", "a+b%20c", "\r\n", "", " "])
def test_query_value_examples_round_trip(wire: Wire, kind: str, value: str) -> None:
    wire.server.clear()
    wire.server.fallback = lambda req: Reply(200, {"data": []})
    res = wire.call(kind, "environments.get_environments", filter={"search": value})
    assert res.ok is True
    assert wire.server.requests[-1].query == [("filter[search]", value)]


# -- wrong types ---------------------------------------------------------------------------------


def _wrong_calls() -> list[tuple[str, tuple[Any, ...], dict[str, Any], type[Exception], str]]:
    env = "environments.get_environments"
    create = "environments.create_environment"
    return [
        ("jobs.get_job", (None,), {}, TypeError, "'job_id'"),
        ("jobs.get_job", (b"id",), {}, TypeError, "'job_id'"),
        ("jobs.get_job", ("",), {}, ValueError, "'job_id'"),
        ("jobs.get_job", ("\ud800",), {}, ValueError, "'job_id'"),
        (env, (), {"filter": "state=live"}, TypeError, "'filter'"),
        (env, (), {"filter": {"state": object()}}, TypeError, "'filter'"),
        (env, (), {"filter": {1: "live"}}, TypeError, "'filter'"),
        (env, (), {"filter": {"search": "\udc80"}}, ValueError, "'filter'"),
        (env, (), {"page": ["number", 1]}, TypeError, "'page'"),
        (env, (), {"include": 5}, TypeError, "'include'"),
        (env, (), {"include": [None]}, TypeError, "'include'"),
        (env, (), {"sort": b"-id"}, TypeError, "'sort'"),
        (env, (), {"meta": {"a": 1}}, TypeError, "'meta'"),
        ("tls.lookup_tls_certificate", (), {"domain": ["a.com"]}, TypeError, "'domain'"),
        (create, (), {"body": 42}, TypeError, "body"),
        (create, (), {"body": "name=web"}, TypeError, "body"),
        (create, (), {"body": {"name": {"a", "b"}}}, TypeError, "body"),
        (create, (), {"body": {"name": object()}}, TypeError, "body"),
        (create, (), {"body": {"name": float("nan")}}, ValueError, "body"),
        (create, (), {"body": {"name": "\ud800"}}, ValueError, "body"),
        ("tokens.create_oauth_token", (), {"body": {"grant_type": object()}}, TypeError, "body"),
        ("jobs.get_job", ("j1",), {"team": 5}, TypeError, "'team'"),
        ("jobs.get_job", ("j1",), {"team": "hub\r\nX-Injected: 1"}, ValueError, "'team'"),
        ("jobs.get_job", ("j1",), {"team": "hüb"}, ValueError, "'team'"),
        ("jobs.get_job", ("j1",), {"cache": "yes"}, TypeError, "'cache'"),
        ("jobs.get_job", ("j1",), {"timeout": "5"}, TypeError, "'timeout'"),
        ("jobs.get_job", ("j1",), {"timeout": -1}, ValueError, "'timeout'"),
        ("jobs.get_job", ("j1",), {"max_retries": "2"}, TypeError, "'max_retries'"),
        ("jobs.get_job", ("j1",), {"max_retries": -1}, ValueError, "'max_retries'"),
    ]


async def test_wrong_types_are_refused_before_any_request(server: FaultServer, make: Callers) -> None:
    caller: Caller = make(max_retries=2)
    for dotted, args, kwargs, error, name in _wrong_calls():
        with pytest.raises(error, match=re.escape(name)):
            await caller(dotted, *args, **kwargs)
    assert server.requests == [] and server.connections == 0


async def test_hub_set_on_the_client_is_checked_too(server: FaultServer, make: Callers) -> None:
    caller = make(team="hub\nX-Injected: 1")
    with pytest.raises(ValueError, match="'team'"):
        await caller("jobs.get_job", "j1")
    assert server.connections == 0


@pytest.mark.parametrize("bad_key", [TEST_API_KEY + "\n", TEST_API_KEY + "\r\nX-Injected: 1", "sk-\x1b[2J-key", " "])
async def test_a_key_that_cannot_be_sent_is_an_err_like_a_missing_key(
    server: FaultServer, make: Callers, bad_key: str
) -> None:
    """One channel for one kind of mistake: a key no header can carry is Err `0.no_api_key`, as no
    key is, not an exception; nothing is sent and the key is not quoted."""
    missing = await make(api_key=None)("jobs.get_job", "j1")
    caller = make(api_key=bad_key)
    refused = await caller("jobs.get_job", "j1")
    assert refused.ok is False and missing.ok is False
    assert type(refused.error) is type(missing.error) and refused.error.code == missing.error.code == "0.no_api_key"
    assert refused.error.detail is not None and "HTTP header" in refused.error.detail
    checked = caller.client.auth.api_key_auth(secret=bad_key)
    result = await checked if inspect.isawaitable(checked) else checked
    assert result.ok is False and result.error.code == "0.no_api_key"
    for text in (str(refused), repr(refused), str(result.error), repr(result.error)):
        assert TEST_API_KEY not in text
    assert server.connections == 0
