"""Namespaces, settings (team/hub, env vars, base_url), the seed-style module API."""

from __future__ import annotations

import asyncio
import inspect

import httpx
import pytest

import cycle_sdk
from cycle_sdk._generated.operations import OPERATIONS
from tests.conftest import API_KEY
from tests.support.fault_server import FaultServer, Reply

ENV_DOC = {"data": []}
ENV_BODY = {"name": "e", "cluster": "c", "about": {"description": ""}, "features": {"legacy_networking": False}}


def test_namespaces_come_from_tags_and_operation_ids() -> None:
    with cycle_sdk.Client(api_key="k") as client:
        for name in ("environments", "services_load_balancer", "api_keys", "ips", "two_factor_auth", "jobs"):
            assert hasattr(client, name), name
        assert callable(client.environments.get_environment)
        assert callable(client.environments.iter_get_environments)
        # Every operation is reachable as client.<namespace>.<name>, sync and async.
        aclient = cycle_sdk.AsyncClient(api_key="k")
        try:
            for entry in OPERATIONS:
                assert callable(getattr(getattr(client, entry.namespace), entry.name)), entry
                assert callable(getattr(getattr(aclient, entry.namespace), entry.name)), entry
        finally:
            asyncio.run(aclient.aclose())


def test_team_sets_hub_header_and_per_call_override(server: FaultServer) -> None:
    server.script("GET", "/v1/environments", Reply(200, ENV_DOC))
    with cycle_sdk.Client(api_key=API_KEY, hub_id="hub-alias", base_url=server.url) as client:
        assert client.team == "hub-alias"
        client.environments.get_environments()
        assert server.requests[-1].headers["x-hub-id"] == "hub-alias"
        client.environments.get_environments(team="per-call")
        assert server.requests[-1].headers["x-hub-id"] == "per-call"
        client.team = "changed"
        client.environments.get_environments()
        assert server.requests[-1].headers["x-hub-id"] == "changed"
        assert server.requests[-1].headers["authorization"] == f"Bearer {API_KEY}"


def test_environment_variables_are_honoured(server: FaultServer, monkeypatch: pytest.MonkeyPatch) -> None:
    server.script("GET", "/v1/environments", Reply(200, ENV_DOC))
    monkeypatch.setenv("CYCLE_API_KEY", "env-key-123")
    monkeypatch.setenv("CYCLE_HUB_ID", "env-hub")
    monkeypatch.setenv("CYCLE_BASE_URL", server.url)
    with cycle_sdk.Client() as client:
        assert client.environments.get_environments().ok
    req = server.requests[-1]
    assert req.headers["authorization"] == "Bearer env-key-123"
    assert req.headers["x-hub-id"] == "env-hub"


def test_default_base_url() -> None:
    with cycle_sdk.Client(api_key="k") as client:
        assert client.settings.base_url == "https://api.cycle.io"


def test_missing_key_fails_fast_with_hint(server: FaultServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CYCLE_API_KEY", raising=False)
    with cycle_sdk.Client(base_url=server.url) as client:
        res = client.environments.get_environments()
    assert res.ok is False
    assert res.error.code == "0.no_api_key"
    assert "hint:" in (res.error.detail or "")
    assert server.requests == []


async def test_missing_key_fails_fast_async(server: FaultServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CYCLE_API_KEY", raising=False)
    async with cycle_sdk.AsyncClient(base_url=server.url) as client:
        res = await client.environments.get_environments()
    assert res.ok is False and res.error.code == "0.no_api_key"


def test_module_level_settings_drive_the_default_client(server: FaultServer, monkeypatch: pytest.MonkeyPatch) -> None:
    server.script("GET", "/v1/environments", Reply(200, ENV_DOC))
    monkeypatch.setattr(cycle_sdk, "settings", cycle_sdk.Settings(api_key=API_KEY, base_url=server.url))
    cycle_sdk.settings.team = "HUB"
    assert cycle_sdk.environments.get_environments().ok
    assert server.requests[-1].headers["x-hub-id"] == "HUB"
    cycle_sdk.settings.team = "HUB2"  # read on every call
    cycle_sdk.environments.get_environments()
    assert server.requests[-1].headers["x-hub-id"] == "HUB2"


def test_several_hubs_with_own_settings(server: FaultServer) -> None:
    server.script("GET", "/v1/environments", Reply(200, ENV_DOC))
    with (
        cycle_sdk.Client(api_key="ka", team="hub-a", base_url=server.url) as a,
        cycle_sdk.Client(api_key="kb", team="hub-b", base_url=server.url) as b,
    ):
        a.environments.get_environments()
        b.environments.get_environments()
    assert [r.headers["x-hub-id"] for r in server.requests] == ["hub-a", "hub-b"]
    assert [r.headers["authorization"] for r in server.requests] == ["Bearer ka", "Bearer kb"]


def test_api_error_envelope_and_oauth_error_normalized(server: FaultServer, client: cycle_sdk.Client) -> None:
    envelope = {
        "error": {
            "status": 404,
            "code": "404.environment",
            "title": "Not found",
            "detail": "no such env",
            "source": "x",
        },
        "data": None,
    }
    server.script("GET", "/v1/environments/e1", Reply(404, envelope))
    res = client.environments.get_environment("e1")
    assert res.ok is False
    err = res.error
    assert (err.status, err.code, err.title, err.detail, err.source) == (
        404,
        "404.environment",
        "Not found",
        "no such env",
        "x",
    )
    assert (err.method, err.path) == ("GET", "/v1/environments/e1")
    with pytest.raises(cycle_sdk.APIResultError) as info:
        res.unwrap()
    assert info.value.error is err and info.value.code == "404.environment"
    server.script("GET", "/v1/environments/e2", Reply(401, {"error": "invalid_token", "error_description": "expired"}))
    oauth = client.environments.get_environment("e2")
    assert oauth.ok is False
    assert (oauth.error.status, oauth.error.code, oauth.error.detail) == (401, "401.invalid_token", "expired")


def test_retry_after_on_error(server: FaultServer, client: cycle_sdk.Client) -> None:
    server.script(
        "GET",
        "/v1/environments",
        Reply(429, {"error": {"status": 429, "code": "429.rate", "title": "slow"}}, {"Retry-After": "7"}),
    )
    res = client.environments.get_environments()
    assert res.ok is False and res.error.retry_after == 7.0


def test_ok_value_is_typed_document(server: FaultServer, client: cycle_sdk.Client) -> None:
    from cycle_sdk.models import GetEnvironmentsResponse200

    server.script("GET", "/v1/environments", Reply(200, ENV_DOC))
    res = client.environments.get_environments()
    assert res.ok is True
    assert isinstance(res.value, GetEnvironmentsResponse200)
    assert res.value.data == []
    assert res.unwrap() is res.value


# -- direct dispatch: a client the SDK made sends through its transport, not httpx's send() --


def test_sdk_made_client_sends_the_same_headers_as_httpx_send(server: FaultServer) -> None:
    server.script("POST", "/v1/environments", Reply(200, {"data": {}}))
    with (
        httpx.Client() as own,  # a caller's own client: the SDK does not close it
        cycle_sdk.Client(api_key=API_KEY, team="hub", base_url=server.url) as direct,
        cycle_sdk.Client(api_key=API_KEY, team="hub", base_url=server.url, http_client=own) as via_send,
    ):
        assert direct._route is not None and via_send._route is None
        for client in (direct, via_send):
            client.environments.create_environment(body=ENV_BODY)  # what it answers does not matter
    sent_direct, sent_via_send = server.requests[-2:]
    assert sorted(sent_direct.raw_headers) == sorted(sent_via_send.raw_headers)
    assert sent_direct.body == sent_via_send.body and b'"name":"e"' in sent_direct.body
    names = [name.lower() for name, _ in sent_direct.raw_headers]
    assert len(names) == len(set(names))  # the client's defaults and ours merged, not repeated
    assert sent_direct.headers["accept"] == "application/json"
    assert sent_direct.headers["user-agent"].startswith("cycle-sdk-python/")


def test_callers_httpx_client_keeps_its_hooks_and_cookies(server: FaultServer) -> None:
    server.script("GET", "/v1/environments", Reply(200, ENV_DOC, headers={"set-cookie": "seen=1; Path=/"}))
    hooked: list[str] = []
    http = httpx.Client(event_hooks={"request": [lambda request: hooked.append(request.url.path)]})
    with cycle_sdk.Client(api_key=API_KEY, base_url=server.url, http_client=http) as client:
        assert client.environments.get_environments().ok
        assert client.environments.get_environments().ok
    assert hooked == ["/v1/environments", "/v1/environments"]
    assert server.requests[-1].headers["cookie"] == "seen=1"  # httpx's cookie jar, as its send() keeps it
    http.close()


async def test_async_callers_httpx_client_keeps_its_hooks(server: FaultServer) -> None:
    server.script("GET", "/v1/environments", Reply(200, ENV_DOC))
    hooked: list[str] = []

    async def hook(request: httpx.Request) -> None:
        hooked.append(request.url.path)

    async with (
        httpx.AsyncClient(event_hooks={"request": [hook]}) as http,
        cycle_sdk.AsyncClient(api_key=API_KEY, base_url=server.url, http_client=http) as client,
    ):
        assert (await client.environments.get_environments()).ok
    assert hooked == ["/v1/environments"]


def test_proxy_from_environment_still_applies(server: FaultServer, monkeypatch: pytest.MonkeyPatch) -> None:
    # The transport is still picked by httpx: an HTTP_PROXY mount receives the request.
    monkeypatch.setenv("HTTP_PROXY", server.url)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    server.script("GET", "/v1/environments", Reply(200, ENV_DOC))
    with cycle_sdk.Client(api_key=API_KEY, base_url="http://cycle.invalid") as client:
        assert client.environments.get_environments().ok
    assert server.requests[-1].target == "http://cycle.invalid/v1/environments"


async def test_async_proxy_from_environment_still_applies(server: FaultServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", server.url)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    server.script("GET", "/v1/environments", Reply(200, ENV_DOC))
    async with cycle_sdk.AsyncClient(api_key=API_KEY, base_url="http://cycle.invalid") as client:
        assert (await client.environments.get_environments()).ok
    assert server.requests[-1].target == "http://cycle.invalid/v1/environments"


def test_closed_client_sends_nothing(server: FaultServer) -> None:
    server.script("GET", "/v1/environments", Reply(200, ENV_DOC))
    client = cycle_sdk.Client(api_key=API_KEY, base_url=server.url)
    assert client.environments.get_environments().ok
    client.close()
    seen = server.count
    result = client.environments.get_environments()
    assert result.ok is False and result.error.code == "0.client_closed"
    assert "closed" in (result.error.detail or "")
    assert server.count == seen


async def test_async_closed_client_sends_nothing(server: FaultServer) -> None:
    server.script("GET", "/v1/environments", Reply(200, ENV_DOC))
    client = cycle_sdk.AsyncClient(api_key=API_KEY, base_url=server.url)
    assert (await client.environments.get_environments()).ok
    await client.aclose()
    seen = server.count
    result = await client.environments.get_environments()
    assert result.ok is False and result.error.code == "0.client_closed"
    assert "closed" in (result.error.detail or "")
    assert server.count == seen


def test_api_key_token_is_reused_until_the_key_changes(server: FaultServer) -> None:
    server.script("GET", "/v1/environments", Reply(200, ENV_DOC))
    with cycle_sdk.Client(api_key=API_KEY, base_url=server.url) as client:
        first = client._current_token()
        assert first is client._current_token()
        client.settings.api_key = "another-key"
        assert client.environments.get_environments().ok
        assert server.requests[-1].headers["authorization"] == "Bearer another-key"
        assert client._current_token() is not first


@pytest.mark.parametrize("cls", [cycle_sdk.Client, cycle_sdk.AsyncClient])
def test_options_are_one_typed_list_for_both_clients(cls: type[cycle_sdk.BaseClient]) -> None:
    # One source (ClientOptions) for Client and AsyncClient: every option is a named keyword
    # for help() and inspect, and a misspelled one is a TypeError as for any Python function.
    from cycle_sdk._config import ClientOptions

    params = inspect.signature(cls).parameters
    for name in (*ClientOptions.__annotations__, "http_client", "transport", "settings", "clock"):
        assert params[name].kind is inspect.Parameter.KEYWORD_ONLY, name
    assert not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    assert list(params) == [*ClientOptions.__annotations__, "http_client", "transport", "settings", "clock"]
    assert params["timeout"].annotation == "float | httpx.Timeout | None"  # as written, for help()
    with pytest.raises(TypeError, match="unexpected keyword argument 'api_keyy'"):
        cls(api_keyy="k")
    made = cls(api_key="k", hub_id="h", timeout=5, cache=True, max_body_size=10)
    try:
        assert (made.settings.team, made.settings.total_timeout, made.settings.cache.use) == ("h", 5.0, True)
        assert made.settings.max_body_size == 10
    finally:
        if isinstance(made, cycle_sdk.AsyncClient):
            asyncio.run(made.aclose())
        else:
            assert isinstance(made, cycle_sdk.Client)
            made.close()
