"""Settings and defaults. `cycle_sdk.settings` is one of these; each Client holds its own."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, TypedDict
from urllib.parse import urlsplit

import httpx
from attrs import Attribute, define, field

from ._cache import CacheSettings
from ._exceptions import ConfigurationError
from ._tokens import DEFAULT_REFRESH_MARGIN, MemoryStorage, TokenStorage

DEFAULT_BASE_URL = "https://api.cycle.io"
DEFAULT_TOKEN_PATH = "/oauth/token"
# Connect fast or fail; allow a slow API 30 s between bytes.
DEFAULT_CONNECT = 5.0
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=DEFAULT_CONNECT)
# Wall-clock ceiling for one attempt, body included (a trickling body cannot hold a call forever).
DEFAULT_TOTAL_TIMEOUT = 60.0
DEFAULT_MAX_RETRIES = 2
# Larger bodies become Err(0.body_too_large) instead of filling memory.
DEFAULT_MAX_BODY_SIZE = 32 * 1024 * 1024
DEFAULT_RETRY_AFTER_CAP = 60.0
DEFAULT_BACKOFF_BASE = 0.5
DEFAULT_BACKOFF_CAP = 8.0
DEFAULT_MAX_CONNECTIONS = 100
DEFAULT_PAGE_SIZE = 100

ENV_API_KEY = "CYCLE_API_KEY"
ENV_HUB_ID = "CYCLE_HUB_ID"
ENV_BASE_URL = "CYCLE_BASE_URL"


URL_SCHEMES = ("http", "https")


def url_problem(value: object) -> str | None:
    """What makes `value` unusable as the API's address (None when it is usable)."""
    if not isinstance(value, str):
        return f"must be a str like 'https://api.cycle.io', not {type(value).__name__}"
    if value != value.strip() or any(ch.isspace() or not ch.isprintable() for ch in value):
        return f"{value!r} holds whitespace or control characters"
    if "://" not in value:
        return f"{value!r} has no scheme: write it as 'http://{value}' (or https://)"
    parts = urlsplit(value)
    if parts.scheme.lower() not in URL_SCHEMES:
        return f"{value!r} has the scheme {parts.scheme!r}: the SDK speaks http:// and https://"
    try:
        port = parts.port  # raises on a port that is not a number, or out of range
    except ValueError:
        return f"{value!r} has a port that is not a number from 0 to 65535"
    if not parts.hostname:
        return f"{value!r} names no host (e.g. 'https://api.cycle.io', 'http://127.0.0.1:{port or 8080}')"
    if parts.query or parts.fragment:
        return f"{value!r} has a query or fragment; give the address only"
    return None


def check_url(name: str, value: object) -> None:
    """A base or token URL, checked when set: a ConfigurationError naming the setting and what to write."""
    problem = url_problem(value)
    if problem is not None:
        raise ConfigurationError(f"{name} {problem}")


def _check_url_setting(_instance: object, attribute: Attribute[Any], value: object) -> None:
    if value is not None or attribute.name == "base_url":
        check_url(attribute.name, value)


def to_timeout(value: float | httpx.Timeout) -> httpx.Timeout:
    """The phases a `timeout=` sets (per client or per call, the one rule): `t` seconds means
    connect min(t, 5), read/write/pool t; an httpx.Timeout is taken as it is."""
    return value if isinstance(value, httpx.Timeout) else httpx.Timeout(value, connect=min(value, DEFAULT_CONNECT))


def total_of(value: float | httpx.Timeout | None) -> float | None:
    """The total a `timeout=` sets: `t` seconds means at most t for an attempt, body included;
    an httpx.Timeout (or None) sets none, leaving settings.total_timeout."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


@define(repr=False)
class Settings:
    """Everything a client needs; mutable, read on every call.

    `team` sets the `X-Hub-Id` header (`hub_id` is an alias). `api_key` is never shown
    by repr(). `token_url` is where password_auth/refresh_auth post (default
    base_url + /oauth/token).
    """

    api_key: str | None = None
    team: str | None = None
    base_url: str = field(default=DEFAULT_BASE_URL, validator=_check_url_setting)
    token_url: str | None = field(default=None, validator=_check_url_setting)
    storage: TokenStorage = field(factory=MemoryStorage)
    cache: CacheSettings = field(factory=CacheSettings)
    timeout: httpx.Timeout = field(default=DEFAULT_TIMEOUT, converter=to_timeout)
    # The most one attempt may take, body included (None: no limit, as `timeout=None` sets).
    total_timeout: float | None = DEFAULT_TOTAL_TIMEOUT
    max_retries: int = DEFAULT_MAX_RETRIES
    max_body_size: int = DEFAULT_MAX_BODY_SIZE
    retry_after_cap: float = DEFAULT_RETRY_AFTER_CAP
    auto_refresh: bool = False
    refresh_margin: float = DEFAULT_REFRESH_MARGIN

    @property
    def hub_id(self) -> str | None:
        return self.team

    @hub_id.setter
    def hub_id(self, value: str | None) -> None:
        self.team = value

    @property
    def resolved_token_url(self) -> str:
        return self.token_url or self.base_url.rstrip("/") + DEFAULT_TOKEN_PATH

    @classmethod
    def from_env(cls, environ: Any = None, **overrides: Any) -> Settings:
        """Settings from CYCLE_API_KEY, CYCLE_HUB_ID and CYCLE_BASE_URL, then the overrides."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {
            "api_key": env.get(ENV_API_KEY) or None,
            "team": env.get(ENV_HUB_ID) or None,
            "base_url": env.get(ENV_BASE_URL) or DEFAULT_BASE_URL,
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        if overrides.get("base_url") is None and env.get(ENV_BASE_URL):
            check_url(ENV_BASE_URL, values["base_url"])  # named as the user wrote it
        return cls(**values)

    def __repr__(self) -> str:
        return (
            f"Settings(team={self.team!r}, base_url={self.base_url!r}, "
            f"api_key={'***' if self.api_key else None}, cache={self.cache!r}, "
            f"storage={self.storage!r}, max_retries={self.max_retries!r}, auto_refresh={self.auto_refresh!r})"
        )


def timeout_settings(timeout: float | httpx.Timeout | None) -> dict[str, Any]:
    """The Settings fields a client's `timeout=` sets: `timeout`, and `total_timeout` for seconds
    (`timeout=5` means the same per client as per call: at most 5 s for an attempt, body included)."""
    if timeout is None:
        return {}
    total = total_of(timeout)
    return {"timeout": timeout} if total is None else {"timeout": timeout, "total_timeout": total}


def service_settings(
    key: str | None, env_var: str, base_url: str, timeout: float | httpx.Timeout | None, max_retries: int | None
) -> Settings:
    """Settings of a service API client (internal, scheduler): a key (or its env var), no hub."""
    values: dict[str, Any] = {"api_key": key or os.environ.get(env_var) or None, "base_url": base_url}
    values.update(timeout_settings(timeout))
    if max_retries is not None:
        values["max_retries"] = max_retries
    return Settings(**values)


class ClientOptions(TypedDict, total=False):
    """The keyword options Client and AsyncClient share (one list, typed once; see settings_from_options).

    Each is optional; left out (or None), the setting comes from the environment
    (CYCLE_API_KEY, CYCLE_HUB_ID, CYCLE_BASE_URL) or its default.
    """

    # The API key, sent as `Authorization: Bearer ...` (never shown by repr()).
    api_key: str | None
    # The hub (team) id, sent as `X-Hub-Id`.
    team: str | None
    # An alias of `team` (used when `team` is not given).
    hub_id: str | None
    # The API's address (default https://api.cycle.io).
    base_url: str | None
    # Where password_auth/refresh_auth post (default base_url + /oauth/token).
    token_url: str | None
    # Where tokens are kept (default: in memory).
    storage: TokenStorage | None
    # True to cache identical GETs for `CacheSettings.refresh` seconds, or the CacheSettings.
    cache: bool | CacheSettings | None
    # Seconds (at most that long for an attempt, body included) or an httpx.Timeout.
    timeout: float | httpx.Timeout | None
    # Retries of a failed attempt (default 2; POST and PATCH only when nothing was sent).
    max_retries: int | None
    # Largest response body in bytes (default 32 MiB); larger is Err `0.body_too_large`.
    max_body_size: int | None
    # Refresh a stored OAuth token shortly before it expires (default False).
    auto_refresh: bool | None


def settings_from_options(options: ClientOptions) -> Settings:
    """The Settings a client's keyword options make (then the environment, then defaults)."""
    values: dict[str, Any] = dict(options)
    hub_id = values.pop("hub_id", None)
    if values.get("team") is None and hub_id is not None:
        values["team"] = hub_id
    values.update(timeout_settings(values.get("timeout")))
    cache = values.pop("cache", None)
    if isinstance(cache, bool):
        values["cache"] = CacheSettings(use=cache)
    elif isinstance(cache, CacheSettings):
        values["cache"] = cache
    return Settings.from_env(**values)


def check_option_names(owner: str, options: Mapping[str, object]) -> None:
    """A misspelled keyword is a TypeError, as for any Python function (`**options` takes any name)."""
    for name in options:
        if name not in ClientOptions.__annotations__:
            raise TypeError(f"{owner}() got an unexpected keyword argument {name!r}")


__all__ = [
    "DEFAULT_BACKOFF_BASE",
    "DEFAULT_BACKOFF_CAP",
    "DEFAULT_BASE_URL",
    "DEFAULT_CONNECT",
    "DEFAULT_MAX_BODY_SIZE",
    "DEFAULT_MAX_CONNECTIONS",
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_PAGE_SIZE",
    "DEFAULT_RETRY_AFTER_CAP",
    "DEFAULT_TIMEOUT",
    "DEFAULT_TOKEN_PATH",
    "DEFAULT_TOTAL_TIMEOUT",
    "ENV_API_KEY",
    "ENV_BASE_URL",
    "ENV_HUB_ID",
    "URL_SCHEMES",
    "ClientOptions",
    "Settings",
    "check_option_names",
    "check_url",
    "service_settings",
    "settings_from_options",
    "timeout_settings",
    "to_timeout",
    "total_of",
    "url_problem",
]
