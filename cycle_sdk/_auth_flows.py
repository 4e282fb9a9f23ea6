"""`client.auth` / `cycle_sdk.auth`: authenticate and keep the token in storage.

- api_key_auth(secret=...): checks the key against the API, stores it (no expiry).
- password_auth(username=..., password=...): OAuth 2.0 password grant, stores the token (2 h).
- refresh_auth(): OAuth 2.0 refresh_token grant with the stored refresh token.
Each returns APIResult[Token]; the token's secrets never appear in reprs or errors.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._decode import decode_json
from ._exceptions import NO_REFRESH_TOKEN
from ._result import APIResult, Ok
from ._tokens import Token

if TYPE_CHECKING:
    from ._base_client import AsyncAPIClient, SyncAPIClient
    from ._request import RequestSpec


def _parse_token(status: int, body: bytes) -> Token:
    data = decode_json(body)
    if not isinstance(data, dict) or not isinstance(data.get("access_token"), str):
        raise ValueError("token response has no access_token")
    return Token.from_oauth(data)


def _key_check_request(team: str | None) -> tuple[RequestSpec, Any]:
    # An API key is hub scoped: with a hub, ask for the hub; without, for the account.
    if team:
        from ._generated.api.hubs import get_hub as op
    else:
        from ._generated.api.accounts import get_account as op  # type: ignore[no-redef]
    return op.build_request(), op.parse


def _no_refresh_token(client: SyncAPIClient | AsyncAPIClient) -> APIResult[Token]:
    return client._error(
        client._token_request({}),
        0,
        NO_REFRESH_TOKEN,
        "No refresh token in storage",
        "authenticate with password_auth() first",
    )


def _grant(username: str | None = None, password: str | None = None, **extra: str | None) -> dict[str, str]:
    form = {"grant_type": "password", "username": username, "password": password, **extra}
    return {k: v for k, v in form.items() if v is not None}


class Auth:
    def __init__(self, client: SyncAPIClient) -> None:
        self._client = client

    def api_key_auth(self, *, secret: str, team: str | None = None) -> APIResult[Token]:
        if not isinstance(secret, str) or not secret:
            raise ValueError("api_key_auth needs a non-empty secret (hint: the API key from the Cycle portal)")
        token = Token.api_key(secret)
        hub = team if team is not None else self._client.settings.team
        request, parse = _key_check_request(hub)
        result = self._client._send_with_retries(request, parse, token, hub)
        if result.ok is False:
            return result
        self._client.settings.storage.write(token)
        return Ok(token)

    def password_auth(
        self, *, username: str, password: str, client_id: str | None = None, scope: str | None = None
    ) -> APIResult[Token]:
        return self._token_grant(_grant(username, password, client_id=client_id, scope=scope))

    def refresh_auth(self) -> APIResult[Token]:
        stored = self._client.settings.storage.read()
        if stored is None or stored.refresh_token is None:
            return _no_refresh_token(self._client)
        return self._refresh(stored.refresh_token)

    def logout(self) -> None:
        """Forget the stored token."""
        self._client.settings.storage.delete()

    def _refresh(self, refresh_token: str) -> APIResult[Token]:
        return self._token_grant({"grant_type": "refresh_token", "refresh_token": refresh_token})

    def _token_grant(self, form: dict[str, str]) -> APIResult[Token]:
        result = self._client._send_with_retries(
            self._client._token_request(form), _parse_token, None, self._client.settings.team
        )
        if isinstance(result, Ok):
            self._client.settings.storage.write(result.value)
        return result


class AsyncAuth:
    def __init__(self, client: AsyncAPIClient) -> None:
        self._client = client

    async def api_key_auth(self, *, secret: str, team: str | None = None) -> APIResult[Token]:
        if not isinstance(secret, str) or not secret:
            raise ValueError("api_key_auth needs a non-empty secret (hint: the API key from the Cycle portal)")
        token = Token.api_key(secret)
        hub = team if team is not None else self._client.settings.team
        request, parse = _key_check_request(hub)
        result = await self._client._send_with_retries(request, parse, token, hub)
        if result.ok is False:
            return result
        self._client.settings.storage.write(token)
        return Ok(token)

    async def password_auth(
        self, *, username: str, password: str, client_id: str | None = None, scope: str | None = None
    ) -> APIResult[Token]:
        return await self._token_grant(_grant(username, password, client_id=client_id, scope=scope))

    async def refresh_auth(self) -> APIResult[Token]:
        stored = self._client.settings.storage.read()
        if stored is None or stored.refresh_token is None:
            return _no_refresh_token(self._client)
        return await self._refresh(stored.refresh_token)

    def logout(self) -> None:
        self._client.settings.storage.delete()

    async def _refresh(self, refresh_token: str) -> APIResult[Token]:
        return await self._token_grant({"grant_type": "refresh_token", "refresh_token": refresh_token})

    async def _token_grant(self, form: dict[str, str]) -> APIResult[Token]:
        result = await self._client._send_with_retries(
            self._client._token_request(form), _parse_token, None, self._client.settings.team
        )
        if isinstance(result, Ok):
            self._client.settings.storage.write(result.value)
        return result


__all__ = ["AsyncAuth", "Auth"]
