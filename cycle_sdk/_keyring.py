"""Token storage in the operating system's keyring (`pip install 'cycle-sdk[keyring]'`).

    client = cycle_sdk.Client(storage=cycle_sdk.KeyringStorage(username="me@example.com"))

The token is kept as one JSON secret under a service name (default "cycle_sdk"), so it
never touches the file system in clear text where the OS keyring is encrypted.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

from ._exceptions import ConfigurationError
from ._tokens import Token

DEFAULT_KEYRING_SERVICE = "cycle_sdk"


def _keyring() -> Any:
    try:
        import keyring
    except ImportError as exc:
        raise ConfigurationError(
            "KeyringStorage needs the keyring package (hint: pip install 'cycle-sdk[keyring]')"
        ) from exc
    return keyring


class KeyringStorage:
    """A TokenStorage in the OS keyring: read, write, delete."""

    def __init__(self, *, username: str = "default", service: str = DEFAULT_KEYRING_SERVICE) -> None:
        self._keyring = _keyring()
        self.service = service
        self.username = username

    def read(self) -> Token | None:
        raw = self._keyring.get_password(self.service, self.username)
        if not raw:
            return None
        try:
            return Token.from_dict(json.loads(raw))
        except (ValueError, RecursionError):
            return None  # not a token this storage wrote: as if absent

    def write(self, token: Token) -> None:
        self._keyring.set_password(self.service, self.username, json.dumps(token.to_dict()))

    def delete(self) -> None:
        # Nothing stored is fine: deleting is idempotent.
        with contextlib.suppress(self._keyring.errors.PasswordDeleteError):
            self._keyring.delete_password(self.service, self.username)

    def __repr__(self) -> str:
        return f"KeyringStorage(service={self.service!r}, username={self.username!r})"


__all__ = ["DEFAULT_KEYRING_SERVICE", "KeyringStorage"]
