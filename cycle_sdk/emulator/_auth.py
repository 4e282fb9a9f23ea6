"""Credentials as the real API knows them: API keys, and OAuth access/refresh tokens for users.

- the configured API key acts for the first configured user, in every hub;
- an API key created through the API (`POST /v1/hubs/current/api-keys`) authenticates with its
  `secret`, for its own hub only;
- `POST /oauth/token` issues access tokens (`token_ttl` seconds) and refresh tokens; a refresh grant
  rotates the refresh token (the old one stops working), as OAuth 2.1 recommends.
"""

from __future__ import annotations

import enum
import hashlib
import secrets
import threading
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Principal:
    """Who a request acts for."""

    account_id: str
    email: str
    creator: dict[str, str]  # the CreatorScope stamped on what it creates
    hub_id: str | None = None  # API keys of a hub are limited to it

    def may_use(self, hub_id: str) -> bool:
        return self.hub_id is None or self.hub_id == hub_id


class TokenStatus(enum.Enum):
    VALID = "valid"
    INVALID = "invalid"
    EXPIRED = "expired"


class OAuthFailure(Exception):
    """An OAuth error response (RFC 6749 section 5.2)."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(f"{error}: {description}")
        self.status = status
        self.error = error
        self.description = description

    def to_json(self) -> dict[str, Any]:
        return {"error": self.error, "error_description": self.description}


@dataclass
class _Token:
    principal: Principal
    expires: float


def account_id_for(email: str) -> str:
    """A stable account ID per user, so a persisted database keeps matching the configured users."""
    return hashlib.sha256(email.encode()).hexdigest()[:24]


class AuthManager:
    def __init__(
        self,
        *,
        api_key: str,
        users: Mapping[str, str],
        token_ttl: float,
        refresh_token_ttl: float,
        clock: Callable[[], float],
    ) -> None:
        if not users:
            raise ValueError("at least one user is needed (the configured API key acts for the first)")
        self._lock = threading.Lock()
        self._clock = clock
        self.token_ttl = token_ttl
        self.refresh_token_ttl = refresh_token_ttl
        self._passwords = dict(users)
        self._api_keys: dict[str, Principal] = {}
        self._access: dict[str, _Token] = {}
        self._refresh: dict[str, _Token] = {}
        self.grants: Counter[str] = Counter()
        self.api_key = api_key
        self.set_api_key(api_key, self.principal_for(next(iter(users))))

    # -- principals -------------------------------------------------------------------------

    def principal_for(self, email: str, *, hub_id: str | None = None, api_key_id: str | None = None) -> Principal:
        account_id = account_id_for(email)
        creator = {"id": api_key_id, "type": "api-key"} if api_key_id else {"id": account_id, "type": "account"}
        return Principal(account_id=account_id, email=email, creator=creator, hub_id=hub_id)

    @property
    def users(self) -> dict[str, str]:
        with self._lock:
            return dict(self._passwords)

    def add_user(self, email: str, password: str) -> Principal:
        with self._lock:
            self._passwords[email] = password
        return self.principal_for(email)

    def set_api_key(self, secret: str, principal: Principal) -> None:
        with self._lock:
            self._api_keys[secret] = principal

    def revoke_api_key(self, secret: str) -> None:
        with self._lock:
            self._api_keys.pop(secret, None)

    @property
    def default_principal(self) -> Principal:
        with self._lock:
            return self._api_keys[self.api_key]

    # -- bearer tokens ----------------------------------------------------------------------

    def authenticate(self, token: str) -> tuple[TokenStatus, Principal | None]:
        with self._lock:
            principal = self._api_keys.get(token)
            if principal is not None:
                return TokenStatus.VALID, principal
            issued = self._access.get(token)
            if issued is None:
                return TokenStatus.INVALID, None
            if issued.expires <= self._clock():
                return TokenStatus.EXPIRED, None
            return TokenStatus.VALID, issued.principal

    def expire_access_tokens(self) -> int:
        """Make every issued access token expired (refresh tokens stay valid); returns how many."""
        with self._lock:
            now = self._clock()
            for token in self._access.values():
                token.expires = min(token.expires, now)
            return len(self._access)

    # -- grants -----------------------------------------------------------------------------

    def grant(self, form: Mapping[str, str]) -> dict[str, Any]:
        grant_type = form.get("grant_type", "")
        with self._lock:
            self.grants[grant_type or "(none)"] += 1
        if grant_type == "password":
            principal = self._check_password(form.get("username", ""), form.get("password", ""))
        elif grant_type == "refresh_token":
            principal = self._use_refresh_token(form.get("refresh_token", ""))
        elif not grant_type:
            raise OAuthFailure(400, "invalid_request", "grant_type is required")
        else:
            raise OAuthFailure(400, "unsupported_grant_type", f"grant_type {grant_type!r} is not supported")
        return self._issue(principal)

    def _check_password(self, username: str, password: str) -> Principal:
        if not username or not password:
            raise OAuthFailure(400, "invalid_request", "username and password are required")
        with self._lock:
            expected = self._passwords.get(username)
        if expected is None or not secrets.compare_digest(expected, password):
            raise OAuthFailure(400, "invalid_grant", "invalid username or password")
        return self.principal_for(username)

    def _use_refresh_token(self, refresh_token: str) -> Principal:
        if not refresh_token:
            raise OAuthFailure(400, "invalid_request", "refresh_token is required")
        with self._lock:
            issued = self._refresh.pop(refresh_token, None)
        if issued is None or issued.expires <= self._clock():
            raise OAuthFailure(400, "invalid_grant", "the refresh token is invalid, expired or already used")
        return issued.principal

    def _issue(self, principal: Principal) -> dict[str, Any]:
        access, refresh = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        now = self._clock()
        with self._lock:
            self._access[access] = _Token(principal, now + self.token_ttl)
            self._refresh[refresh] = _Token(principal, now + self.refresh_token_ttl)
        return {
            "access_token": access,
            "token_type": "bearer",
            "expires_in": int(self.token_ttl),
            "refresh_token": refresh,
        }

    def reset(self) -> None:
        with self._lock:
            self._access.clear()
            self._refresh.clear()
            self.grants.clear()
            self._api_keys = {self.api_key: self._api_keys[self.api_key]}


__all__ = ["AuthManager", "OAuthFailure", "Principal", "TokenStatus", "account_id_for"]
