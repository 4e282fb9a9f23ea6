"""Tokens and their storage.

A Token holds what authenticates requests: an API key (no expiry) or an OAuth access
token (2 hours) with its refresh token. Storage is pluggable: anything with
`read()`, `write(token)` and `delete()` (the TokenStorage protocol).
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
import stat
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
# A token file is a few hundred bytes; anything larger is not one (a device, a log file).
MAX_TOKEN_FILE_SIZE = 64 * 1024

log = logging.getLogger("cycle_sdk")


@frozen
class AuthScheme:
    """How a client's credentials and hub travel: a value each client holds.

    The platform API takes `Authorization: Bearer <key or token>` and `X-Hub-Id`; the
    Internal and Scheduler APIs take their own token header and have no hub."""

    header: str = "Authorization"
    prefix: str = "Bearer "
    hub_header: str | None = "X-Hub-Id"
    # The hint of the `0.no_api_key` error: where this client's credentials come from.
    missing_hint: str = (
        "hint: pass Client(api_key=...), set cycle_sdk.settings.api_key, "
        "set the CYCLE_API_KEY environment variable, or authenticate with cycle_sdk.auth.api_key_auth()"
    )


PLATFORM_AUTH = AuthScheme()


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
        refresh_token, scope = payload.get("refresh_token"), payload.get("scope")
        if refresh_token is not None and not (isinstance(refresh_token, str) and refresh_token):
            raise ValueError("token response has a refresh_token that is not a string")
        return cls(
            access_token=access_token,
            kind="oauth",
            refresh_token=refresh_token,
            expires_at=issued + ttl,
            token_type=str(payload.get("token_type", "bearer")),
            scope=scope if isinstance(scope, str) else None,
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
    def from_dict(cls, data: Any) -> Token:
        """A Token from what `to_dict` wrote; ValueError naming the first field of a wrong type."""
        if not isinstance(data, dict):
            raise ValueError("it is not a JSON object")
        access_token = data.get("access_token")
        if not isinstance(access_token, str) or not HEADER_VALUE.fullmatch(access_token):
            raise ValueError("field 'access_token' is not a string an HTTP header can carry")
        kind = data.get("kind", "api_key")
        if kind not in ("api_key", "oauth"):
            raise ValueError("field 'kind' is not 'api_key' or 'oauth'")
        refresh_token = data.get("refresh_token")
        if refresh_token is not None and not (isinstance(refresh_token, str) and refresh_token):
            raise ValueError("field 'refresh_token' is not a string or null")
        expires_at = data.get("expires_at")
        if expires_at is not None and not (_is_number(expires_at) and math.isfinite(expires_at)):
            raise ValueError("field 'expires_at' is not a number or null")
        token_type = data.get("token_type", "bearer")
        if not isinstance(token_type, str):
            raise ValueError("field 'token_type' is not a string")
        scope = data.get("scope")
        if scope is not None and not isinstance(scope, str):
            raise ValueError("field 'scope' is not a string or null")
        return cls(
            access_token=access_token,
            kind=kind,
            refresh_token=refresh_token,
            expires_at=None if expires_at is None else float(expires_at),
            token_type=token_type,
            scope=scope,
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


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


# Open a token file without following a symlink at its path, and without waiting on a FIFO.
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)


class FileStorage:
    """A JSON file, created 0600 and replaced atomically (no reader sees half a token).

    Reading is defensive: the path itself must be a regular file, not a symlink (its parent
    directories may be symlinks), of at most 64 KiB, holding a token with fields of the right
    types. Anything else counts as no token; `problem` then says why, and a WARNING on the
    `cycle_sdk` logger names the path and the reason (never the contents), once per change.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path).expanduser()
        self._lock = threading.Lock()
        # Why the last read found no usable token in an existing file (None: fine, or no file).
        self.problem: str | None = None
        self._warned: tuple[Any, ...] | None = None

    def read(self) -> Token | None:
        identity: tuple[Any, ...] = ()
        try:
            fd = os.open(self.path, _OPEN_FLAGS)
        except FileNotFoundError:
            self.problem = None
            return None
        except OSError as exc:
            is_link = self.path.is_symlink()
            return self._reject("it is a symlink" if is_link else f"it cannot be opened ({exc.strerror})", identity)
        try:
            info = os.fstat(fd)
            identity = (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)
            if not stat.S_ISREG(info.st_mode):
                return self._reject("it is not a regular file", identity)
            data = _read_at_most(fd, MAX_TOKEN_FILE_SIZE + 1)
        except OSError as exc:
            return self._reject(f"it cannot be read ({exc.strerror})", identity)
        finally:
            os.close(fd)
        if len(data) > MAX_TOKEN_FILE_SIZE:
            return self._reject(f"it is larger than {MAX_TOKEN_FILE_SIZE // 1024} KiB", identity)
        try:
            parsed = json.loads(data.decode("utf-8"))
        except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
            return self._reject("it is not UTF-8 JSON", identity)
        try:
            token = Token.from_dict(parsed)
        except ValueError as exc:
            return self._reject(str(exc), identity)
        self.problem = None
        return token

    def _reject(self, reason: str, identity: tuple[Any, ...]) -> Token | None:
        self.problem = f"the token file {str(self.path)!r} was ignored: {reason}"
        if self._warned != (reason, identity):
            self._warned = (reason, identity)
            log.warning("ignoring the token file %s: %s", self.path, reason)
        return None

    def write(self, token: Token) -> None:
        with self._lock:
            make_private_dirs(self.path.parent)
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


def make_private_dirs(folder: Path) -> Path:
    """`folder`, and any folders missing above it, made 0700 whatever the umask: a token's folder
    is nobody else's to list or to plant files in. Folders that exist are left as they are."""
    missing = [p for p in (folder, *folder.parents) if not p.exists()]
    for part in reversed(missing):
        try:
            part.mkdir(mode=0o700)
        except FileExistsError:
            continue
        if os.name != "nt":
            os.chmod(part, 0o700)  # mkdir's mode is filtered through the umask
    return folder


def _read_at_most(fd: int, size: int) -> bytes:
    parts: list[bytes] = []
    left = size
    while left > 0:
        part = os.read(fd, left)
        if not part:
            break
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


__all__ = [
    "DEFAULT_OAUTH_TTL",
    "DEFAULT_REFRESH_MARGIN",
    "HEADER_VALUE",
    "PLATFORM_AUTH",
    "AuthScheme",
    "FileStorage",
    "MemoryStorage",
    "Token",
    "TokenStorage",
    "make_private_dirs",
]
