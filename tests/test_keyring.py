"""KeyringStorage through the real `keyring` API, with an in-memory backend."""

from __future__ import annotations

from collections.abc import Iterator

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError

import cycle_sdk
from cycle_sdk import KeyringStorage, Token
from tests.support.fault_server import FaultServer, Reply


class MemoryKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.secrets.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.secrets[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if (service, username) not in self.secrets:
            raise PasswordDeleteError("not found")
        del self.secrets[(service, username)]


@pytest.fixture
def backend() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    ring = MemoryKeyring()
    keyring.set_keyring(ring)
    yield ring
    keyring.set_keyring(previous)


def test_round_trip_and_idempotent_delete(backend: MemoryKeyring) -> None:
    storage = KeyringStorage(username="me")
    assert isinstance(storage, cycle_sdk.TokenStorage)
    assert storage.read() is None
    token = Token(access_token="SECRET-A", kind="oauth", refresh_token="SECRET-R", expires_at=10.0)
    storage.write(token)
    assert storage.read() == token
    assert list(backend.secrets) == [("cycle_sdk", "me")]
    storage.delete()
    storage.delete()
    assert storage.read() is None
    assert "SECRET" not in repr(storage)


def test_client_uses_keyring_storage(backend: MemoryKeyring, server: FaultServer) -> None:
    server.script("POST", "/oauth/token", Reply(200, {"access_token": "kt", "refresh_token": "kr", "expires_in": 60}))
    with cycle_sdk.Client(base_url=server.url, storage=KeyringStorage(username="u")) as client:
        assert client.auth.password_auth(username="u", password="p").ok
        assert KeyringStorage(username="u").read() == client.settings.storage.read()
