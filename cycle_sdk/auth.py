"""Authentication on the default client (`cycle_sdk.settings`), in the seed style:

    import cycle_sdk
    res = cycle_sdk.auth.api_key_auth(secret="...")
    if res.ok is False:
        raise SystemExit(res.error)

Per-client: `client.auth.api_key_auth(...)`, `await async_client.auth.password_auth(...)`.
"""

from __future__ import annotations

from ._default import default_client
from ._result import APIResult
from ._tokens import DEFAULT_OAUTH_TTL, FileStorage, MemoryStorage, Token, TokenStorage


def api_key_auth(*, secret: str, team: str | None = None) -> APIResult[Token]:
    """Check the API key against the API and write it to `settings.storage`."""
    return default_client().auth.api_key_auth(secret=secret, team=team)


def password_auth(
    *, username: str, password: str, client_id: str | None = None, scope: str | None = None
) -> APIResult[Token]:
    """OAuth 2.0 password grant against `settings.token_url`; the token (2 h) goes to storage."""
    return default_client().auth.password_auth(username=username, password=password, client_id=client_id, scope=scope)


def refresh_auth() -> APIResult[Token]:
    """OAuth 2.0 refresh_token grant with the stored refresh token."""
    return default_client().auth.refresh_auth()


def logout() -> None:
    """Delete the stored token."""
    default_client().auth.logout()


__all__ = [
    "DEFAULT_OAUTH_TTL",
    "FileStorage",
    "MemoryStorage",
    "Token",
    "TokenStorage",
    "api_key_auth",
    "logout",
    "password_auth",
    "refresh_auth",
]
