"""`api_key_auth`, `password_auth`, `refresh_auth`, token storage, auto refresh."""

from __future__ import annotations

import asyncio
import os
import stat
import threading
import time
from pathlib import Path
from urllib.parse import parse_qsl

import pytest

import cycle_sdk
from cycle_sdk import FileStorage, MemoryStorage, Token
from tests.support.documents import document
from tests.support.fault_server import FaultServer, Reply

HUB_DOC = document("GET", "/v1/hubs/current")
ENVS = {"data": []}


def _token_reply(n: int = 1) -> Reply:
    return Reply(
        200,
        {"access_token": f"access-{n}", "refresh_token": f"refresh-{n}", "expires_in": 7200, "token_type": "bearer"},
    )


def _form(server: FaultServer) -> dict[str, str]:
    return dict(parse_qsl(server.requests[-1].body.decode()))


def _token_posts(server: FaultServer) -> int:
    return sum(1 for r in server.requests if r.method == "POST" and r.path == "/oauth/token")


def test_api_key_auth_checks_the_key_and_stores_it(server: FaultServer) -> None:
    server.script("GET", "/v1/hubs/current", Reply(200, HUB_DOC))
    storage = MemoryStorage()
    with cycle_sdk.Client(team="HUB", base_url=server.url, storage=storage) as client:
        res = client.auth.api_key_auth(secret="good-key")
        assert res.ok is True
        assert res.value.access_token == "good-key" and res.value.expires_at is None and res.value.kind == "api_key"
        assert server.requests[-1].headers["authorization"] == "Bearer good-key"
        assert storage.read() == res.value
        server.script("GET", "/v1/environments", Reply(200, ENVS))
        assert client.environments.get_environments().ok
        assert server.requests[-1].headers["authorization"] == "Bearer good-key"


def test_api_key_auth_rejected_key_is_not_stored(server: FaultServer) -> None:
    server.script(
        "GET",
        "/v1/hubs/current",
        Reply(401, {"error": {"status": 401, "code": "401.auth-invalid", "title": "Invalid"}}),
    )
    storage = MemoryStorage()
    with cycle_sdk.Client(team="HUB", base_url=server.url, storage=storage) as client:
        res = client.auth.api_key_auth(secret="bad-key")
        assert res.ok is False and res.error.code == "401.auth-invalid"
        assert storage.read() is None


def test_password_and_refresh_grants(server: FaultServer) -> None:
    server.script("POST", "/oauth/token", _token_reply(1), _token_reply(2))
    storage = MemoryStorage()
    with cycle_sdk.Client(base_url=server.url, storage=storage) as client:
        before = time.time()
        res = client.auth.password_auth(username="u@example.com", password="pw")
        assert res.ok is True
        assert server.requests[-1].headers["content-type"] == "application/x-www-form-urlencoded"
        assert _form(server) == {"grant_type": "password", "username": "u@example.com", "password": "pw"}
        token = res.value
        assert token.kind == "oauth" and token.refresh_token == "refresh-1"
        assert token.expires_at is not None and before + 7199 <= token.expires_at <= time.time() + 7201
        assert storage.read() == token
        refreshed = client.auth.refresh_auth()
        assert refreshed.ok is True and refreshed.value.access_token == "access-2"
        assert _form(server) == {"grant_type": "refresh_token", "refresh_token": "refresh-1"}
        assert storage.read() == refreshed.value


def test_token_url_is_held_in_settings(server: FaultServer) -> None:
    server.script("POST", "/custom/token", _token_reply())
    with cycle_sdk.Client(base_url="http://127.0.0.1:9", token_url=f"{server.url}/custom/token") as client:
        assert client.auth.password_auth(username="u", password="p").ok


def test_oauth_error_is_normalized(server: FaultServer) -> None:
    server.script("POST", "/oauth/token", Reply(400, {"error": "invalid_grant", "error_description": "bad password"}))
    with cycle_sdk.Client(base_url=server.url) as client:
        res = client.auth.password_auth(username="u", password="wrong")
    assert res.ok is False
    assert (res.error.status, res.error.code, res.error.detail) == (400, "400.invalid_grant", "bad password")


def test_refresh_without_token_is_an_err(server: FaultServer) -> None:
    with cycle_sdk.Client(base_url=server.url) as client:
        res = client.auth.refresh_auth()
    assert res.ok is False and res.error.code == "0.no_refresh_token"
    assert server.requests == []


def _expired() -> Token:
    return Token(access_token="old", kind="oauth", refresh_token="r0", expires_at=time.time() - 5)


def test_auto_refresh_once_for_many_threads(server: FaultServer) -> None:
    held = threading.Event()  # the refresh's answer waits until every thread has called
    server.script("POST", "/oauth/token", Reply(200, _token_reply(1).body, gate=held))
    server.script("GET", "/v1/environments", Reply(200, ENVS))
    with cycle_sdk.Client(base_url=server.url, storage=MemoryStorage(_expired()), auto_refresh=True) as client:
        results = []
        threads = [
            threading.Thread(target=lambda: results.append(client.environments.get_environments())) for _ in range(20)
        ]
        for t in threads:
            t.start()
        server.wait_until(lambda requests: _token_posts(server) >= 1)
        held.set()
        for t in threads:
            t.join()
        assert all(r.ok for r in results) and len(results) == 20
        assert _token_posts(server) == 1
        assert {r.headers["authorization"] for r in server.requests if r.path == "/v1/environments"} == {
            "Bearer access-1"
        }


async def test_auto_refresh_exactly_once_for_50_concurrent_requests(server: FaultServer) -> None:
    # Every gathered call starts (and finds the token stale) before the loop handles any I/O.
    server.script("POST", "/oauth/token", Reply(200, _token_reply(1).body))
    server.script("GET", "/v1/environments", Reply(200, ENVS))
    async with cycle_sdk.AsyncClient(
        base_url=server.url, storage=MemoryStorage(_expired()), auto_refresh=True
    ) as client:
        results = await asyncio.gather(*(client.environments.get_environments() for _ in range(50)))
    assert all(r.ok for r in results)
    assert _token_posts(server) == 1


def test_auto_refresh_is_opt_in(server: FaultServer) -> None:
    server.script("GET", "/v1/environments", Reply(200, ENVS))
    with cycle_sdk.Client(base_url=server.url, storage=MemoryStorage(_expired())) as client:
        client.environments.get_environments()
        assert _token_posts(server) == 0
        assert server.requests[-1].headers["authorization"] == "Bearer old"


def test_file_storage_is_0600_atomic_and_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "token.json"
    storage = FileStorage(path)
    assert storage.read() is None
    token = Token(access_token="a", kind="oauth", refresh_token="r", expires_at=123.0)
    storage.write(token)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert storage.read() == token
    storage.write(Token.api_key("k2"))
    assert storage.read() == Token.api_key("k2")
    assert [p.name for p in path.parent.iterdir()] == ["token.json"]  # no temp files left behind
    storage.delete()
    assert storage.read() is None and not path.exists()
    path.write_text("{corrupt")
    assert storage.read() is None


def test_custom_storage_protocol(server: FaultServer) -> None:
    class DictStorage:
        def __init__(self) -> None:
            self.data: dict[str, Token] = {}

        def read(self) -> Token | None:
            return self.data.get("t")

        def write(self, token: Token) -> None:
            self.data["t"] = token

        def delete(self) -> None:
            self.data.clear()

    storage = DictStorage()
    assert isinstance(storage, cycle_sdk.TokenStorage)
    server.script("POST", "/oauth/token", _token_reply())
    with cycle_sdk.Client(base_url=server.url, storage=storage) as client:
        assert client.auth.password_auth(username="u", password="p").ok
        assert storage.data["t"].access_token == "access-1"
        client.auth.logout()
        assert storage.data == {}


def test_token_repr_hides_secrets() -> None:
    token = Token(access_token="SECRET-A", kind="oauth", refresh_token="SECRET-R", expires_at=1.0)
    assert "SECRET" not in repr(token) and "SECRET" not in str(token)


def test_module_level_auth(server: FaultServer, monkeypatch: pytest.MonkeyPatch) -> None:
    server.script("GET", "/v1/hubs/current", Reply(200, HUB_DOC))
    server.script("GET", "/v1/environments", Reply(200, ENVS))
    monkeypatch.setattr(cycle_sdk, "settings", cycle_sdk.Settings(base_url=server.url, team="HUB"))
    assert cycle_sdk.auth.api_key_auth(secret="module-key").ok
    assert cycle_sdk.environments.get_environments().ok
    assert server.requests[-1].headers["authorization"] == "Bearer module-key"


async def test_async_auth_flows(server: FaultServer) -> None:
    server.script("POST", "/oauth/token", _token_reply(1), _token_reply(2))
    async with cycle_sdk.AsyncClient(base_url=server.url) as client:
        first = await client.auth.password_auth(username="u", password="p")
        second = await client.auth.refresh_auth()
    assert first.ok and second.ok
    assert client.settings.storage.read() == second.value
