"""Emulator settings (the CLI flags and `run_emulator` keyword arguments map onto these)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, Literal, get_args

ApiName = Literal["platform", "internal", "scheduler"]
API_NAMES: Final[tuple[ApiName, ...]] = get_args(ApiName)

# Cycle's IDs (the spec's `ID`, `format: objectid`): a MongoDB ObjectID as text, 24 hexadecimal
# digits. Nothing the emulator stores has another.
OBJECT_ID: Final = re.compile(r"[0-9a-fA-F]{24}")

DEFAULT_API_KEY: Final = "emulator-key"
DEFAULT_HUB_ID: Final = "000000000000000000000001"
DEFAULT_USERS: Final = {"user@example.com": "password"}
DEFAULT_INTERNAL_TOKEN: Final = "emulator-token"
DEFAULT_ACCESS_KEY: Final = "emulator-access-key"
DEFAULT_HOST: Final = "127.0.0.1"
DEFAULT_HUB_NAME: Final = "Emulator Hub"
DEFAULT_JOB_SPEED: Final = 0.2
DEFAULT_TOKEN_TTL: Final = 7200.0
DEFAULT_REFRESH_TOKEN_TTL: Final = 30 * 24 * 3600.0
DEFAULT_NOTIFICATION_TOKEN_TTL: Final = 60.0
DEFAULT_PAGE_SIZE: Final = 100
# The largest page[size] answered; a larger one is a 422 naming it. Neither Cycle's spec nor its
# docs give one: chosen (the SDK's own page size), so code that asks for everything at once fails here.
DEFAULT_MAX_PAGE_SIZE: Final = 100
DEFAULT_CLAIM_TIMEOUT: Final = 10.0
DEFAULT_LOG_LEVEL: Final = "warning"
DEFAULT_MAX_BODY: Final = 8 * 1024 * 1024  # bytes; a request body over it gets 413 unread
# Open connections at once (never more than the process's file descriptor limit allows, see _server).
DEFAULT_MAX_CONNECTIONS: Final = 1000
DEFAULT_HEADER_TIMEOUT: Final = 10.0  # seconds a new connection has to send a complete request head


@dataclass
class EmulatorConfig:
    # Which API to serve: Cycle's Platform API, the Internal API of a container (normally on a unix
    # socket, `X-CYCLE-TOKEN` auth) or an environment's Scheduler API (`X-CYCLE-ACCESS-KEY` auth).
    api: ApiName = "platform"
    host: str = DEFAULT_HOST
    port: int = 0  # 0: a free port, chosen by the OS
    uds: str | Path | None = None  # a unix socket path to serve on instead of host:port
    api_key: str = DEFAULT_API_KEY  # platform: acts for the first user, in every hub
    token: str = DEFAULT_INTERNAL_TOKEN  # internal: the CYCLE_API_TOKEN an instance sends as X-CYCLE-TOKEN
    access_key: str = DEFAULT_ACCESS_KEY  # scheduler: the access key of the scheduler's config
    hub_id: str = DEFAULT_HUB_ID  # created at start unless it exists
    hub_name: str = DEFAULT_HUB_NAME
    job_speed: float = DEFAULT_JOB_SPEED  # seconds per job phase: new, queued, then one per step while running
    db_path: str | Path | None = None  # SQLite file; None keeps state in memory
    token_ttl: float = DEFAULT_TOKEN_TTL  # OAuth access token lifetime (seconds)
    refresh_token_ttl: float = DEFAULT_REFRESH_TOKEN_TTL
    notification_token_ttl: float = DEFAULT_NOTIFICATION_TOKEN_TTL  # lifetime of a hub notification socket token
    # Platform: OAuth password grant users; internal: the accepted VPN logins (email -> password).
    users: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_USERS))
    default_page_size: int = DEFAULT_PAGE_SIZE
    max_page_size: int = DEFAULT_MAX_PAGE_SIZE
    claim_timeout: float = DEFAULT_CLAIM_TIMEOUT  # scheduler: seconds a claimed function instance waits to be spawned
    log_level: str = DEFAULT_LOG_LEVEL  # uvicorn's log level
    max_body: int = DEFAULT_MAX_BODY
    # Host names (besides localhost, 127.0.0.1, [::1] and `host`) requests may be addressed to,
    # e.g. a docker-compose service name; "*" turns the Host check off.
    allowed_hosts: tuple[str, ...] = ()
    max_connections: int = DEFAULT_MAX_CONNECTIONS
    header_timeout: float = DEFAULT_HEADER_TIMEOUT
    # Origins (`https://app.example.com`) whose pages may call the API cross-origin, besides pages
    # on this machine (localhost, 127.0.0.1, [::1]); "*" allows every origin.
    cors_origins: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.api not in API_NAMES:
            raise ValueError(f"api must be one of {', '.join(API_NAMES)}, not {self.api!r}")
        if OBJECT_ID.fullmatch(self.hub_id) is None:
            raise ValueError(f"hub_id must be an ID (24 hexadecimal digits), not {self.hub_id!r}")
        if self.job_speed < 0:
            raise ValueError("job_speed must be >= 0")
        if not self.users:
            raise ValueError("at least one user is needed")
        if self.default_page_size < 1:
            raise ValueError("default_page_size must be >= 1")
        if self.max_page_size < self.default_page_size:
            raise ValueError("max_page_size must be >= default_page_size")
        if self.claim_timeout <= 0:
            raise ValueError("claim_timeout must be > 0")
        if self.max_body < 0:
            raise ValueError("max_body must be >= 0")
        if self.max_connections < 1:
            raise ValueError("max_connections must be >= 1")
        if self.header_timeout <= 0:
            raise ValueError("header_timeout must be > 0")
        if isinstance(self.allowed_hosts, str):
            raise TypeError("allowed_hosts must be a sequence of host names, not a string")
        self.allowed_hosts = tuple(self.allowed_hosts)
        if isinstance(self.cors_origins, str):
            raise TypeError("cors_origins must be a sequence of origins, not a string")
        self.cors_origins = tuple(self.cors_origins)


__all__ = [
    "API_NAMES",
    "DEFAULT_ACCESS_KEY",
    "DEFAULT_API_KEY",
    "DEFAULT_CLAIM_TIMEOUT",
    "DEFAULT_HEADER_TIMEOUT",
    "DEFAULT_HOST",
    "DEFAULT_HUB_ID",
    "DEFAULT_HUB_NAME",
    "DEFAULT_INTERNAL_TOKEN",
    "DEFAULT_JOB_SPEED",
    "DEFAULT_LOG_LEVEL",
    "DEFAULT_MAX_BODY",
    "DEFAULT_MAX_CONNECTIONS",
    "DEFAULT_MAX_PAGE_SIZE",
    "DEFAULT_NOTIFICATION_TOKEN_TTL",
    "DEFAULT_PAGE_SIZE",
    "DEFAULT_REFRESH_TOKEN_TTL",
    "DEFAULT_TOKEN_TTL",
    "DEFAULT_USERS",
    "ApiName",
    "OBJECT_ID",
    "EmulatorConfig",
]
