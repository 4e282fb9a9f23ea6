"""Tokens and their storage.

A Token holds what authenticates requests: an API key (no expiry) or an OAuth access
token (2 hours) with its refresh token. Storage is pluggable: anything with
`read()`, `write(token)` and `delete()` (the TokenStorage protocol).
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

from attrs import field, frozen

# Cycle's OAuth access tokens live two hours.
DEFAULT_OAUTH_TTL = 7200.0
# Refresh this long before the expiry, so a token does not expire in flight.
DEFAULT_REFRESH_MARGIN = 60.0
# What an HTTP header value may hold (as h11 checks it): visible ASCII, spaces/tabs only inside.
HEADER_VALUE = re.compile(r"[\x21-\x7e]+(?:[ \t]+[\x21-\x7e]+)*")


def _mask(secret: str | None) -> str:
    return "None" if secret is None else "'***'"


@frozen(repr=False)
class Token:
    """Credentials for requests. Its repr never shows a secret."""

    access_token: str
    kind: Literal["api_key", "oauth"] = "api_key"
    refresh_token: str | None = None
    # Unix time when the access token expires; None for API keys.
    expires_at: float | None = None
    token_type: str = "bearer"
    scope: str | None = field(default=None)

    @classmethod
    def api_key(cls, secret: str) -> Token:
        return cls(access_token=secret, kind="api_key")

    @classmethod
    def from_oauth(cls, payload: dict[str, Any], *, now: float | None = None) -> Token:
        """From an OAuth token response (RFC 6749 section 5.1); 2 hours when expires_in is absent."""
        issued = time.time() if now is None else now
        access_token = payload["access_token"]
        if not isinstance(access_token, str) or not HEADER_VALUE.fullmatch(access_token):
            # Refused here (a parse error) rather than stored, to fail every later request.
            raise ValueError("token response has an access_token that cannot be sent in an HTTP header")
        expires_in = payload.get("expires_in")
        ttl = float(expires_in) if isinstance(expires_in, int | float) else DEFAULT_OAUTH_TTL
        return cls(
            access_token=access_token,
            kind="oauth",
            refresh_token=payload.get("refresh_token"),
            expires_at=issued + ttl,
            token_type=str(payload.get("token_type", "bearer")),
            scope=payload.get("scope"),
        )

    def expires_within(self, seconds: float, *, now: float | None = None) -> bool:
        if self.expires_at is None:
            return False
        return (time.time() if now is None else now) + seconds >= self.expires_at

    @property
    def expired(self) -> bool:
        return self.expires_within(0.0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "access_token": self.access_token,
            "kind": self.kind,
            "refresh_token": self.refresh_token,
            "expires_at": self.expires_at,
            "token_type": self.token_type,
            "scope": self.scope,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Token:
        kind = data.get("kind", "api_key")
        return cls(
            access_token=str(data["access_token"]),
            kind="oauth" if kind == "oauth" else "api_key",
            refresh_token=data.get("refresh_token"),
            expires_at=data.get("expires_at"),
            token_type=str(data.get("token_type", "bearer")),
            scope=data.get("scope"),
        )

    def __repr__(self) -> str:
        return (
            f"Token(kind={self.kind!r}, access_token={_mask(self.access_token)}, "
            f"refresh_token={_mask(self.refresh_token)}, expires_at={self.expires_at!r})"
        )


@runtime_checkable
class TokenStorage(Protocol):
    """Where tokens live between calls (and processes): read, write, delete."""

    def read(self) -> Token | None: ...

    def write(self, token: Token) -> None: ...

    def delete(self) -> None: ...


class MemoryStorage:
    """The default: a token held in memory, thread-safe."""

    def __init__(self, token: Token | None = None) -> None:
        self._token = token
        self._lock = threading.Lock()

    def read(self) -> Token | None:
        with self._lock:
            return self._token

    def write(self, token: Token) -> None:
        with self._lock:
            self._token = token

    def delete(self) -> None:
        with self._lock:
            self._token = None

    def __repr__(self) -> str:
        return f"MemoryStorage(token={'set' if self._token else 'empty'})"


class FileStorage:
    """A JSON file, created 0600 and replaced atomically (no reader sees half a token)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path).expanduser()
        self._lock = threading.Lock()

    def read(self) -> Token | None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            return None  # unreadable or corrupt: as if absent; the next write replaces it
        return Token.from_dict(data) if isinstance(data, dict) and "access_token" in data else None

    def write(self, token: Token) -> None:
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # mkstemp creates the file 0600 before any secret is written to it.
            import tempfile

            fd, tmp = tempfile.mkstemp(prefix=".token-", dir=self.path.parent)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as fh:
                    json.dump(token.to_dict(), fh)
                    fh.flush()
                    os.fsync(fh.fileno())
                os.chmod(tmp, 0o600)
                os.replace(tmp, self.path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise

    def delete(self) -> None:
        with self._lock:
            self.path.unlink(missing_ok=True)

    def __repr__(self) -> str:
        return f"FileStorage({str(self.path)!r})"


__all__ = ["DEFAULT_OAUTH_TTL", "FileStorage", "MemoryStorage", "Token", "TokenStorage"]
