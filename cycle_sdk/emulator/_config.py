"""Emulator settings (the CLI flags and `run_emulator` keyword arguments map onto these)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, Literal, get_args

ApiName = Literal["platform", "internal", "scheduler"]
API_NAMES: Final[tuple[ApiName, ...]] = get_args(ApiName)

DEFAULT_API_KEY: Final = "emulator-key"
DEFAULT_HUB_ID: Final = "000000000000000000000001"
DEFAULT_USERS: Final = {"user@example.com": "password"}
DEFAULT_INTERNAL_TOKEN: Final = "emulator-token"
DEFAULT_ACCESS_KEY: Final = "emulator-access-key"


@dataclass
class EmulatorConfig:
    # Which API to serve: Cycle's Platform API, the Internal API of a container (normally on a unix
    # socket, `X-CYCLE-TOKEN` auth) or an environment's Scheduler API (`X-CYCLE-ACCESS-KEY` auth).
    api: ApiName = "platform"
    host: str = "127.0.0.1"
    port: int = 0  # 0: a free port, chosen by the OS
    uds: str | Path | None = None  # a unix socket path to serve on instead of host:port
    api_key: str = DEFAULT_API_KEY  # platform: acts for the first user, in every hub
    token: str = DEFAULT_INTERNAL_TOKEN  # internal: the CYCLE_API_TOKEN an instance sends as X-CYCLE-TOKEN
    access_key: str = DEFAULT_ACCESS_KEY  # scheduler: the access key of the scheduler's config
    hub_id: str = DEFAULT_HUB_ID  # created at start unless it exists
    hub_name: str = "Emulator Hub"
    job_speed: float = 0.2  # seconds per job phase: new, queued, then one per step while running
    db_path: str | Path | None = None  # SQLite file; None keeps state in memory
    token_ttl: float = 7200.0  # OAuth access token lifetime (seconds)
    refresh_token_ttl: float = 30 * 24 * 3600.0
    notification_token_ttl: float = 60.0  # lifetime of a hub notification socket token
    # Platform: OAuth password grant users; internal: the accepted VPN logins (email -> password).
    users: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_USERS))
    default_page_size: int = 100
    claim_timeout: float = 10.0  # scheduler: seconds a claimed function instance waits to be spawned
    log_level: str = "warning"  # uvicorn's log level

    def __post_init__(self) -> None:
        if self.api not in API_NAMES:
            raise ValueError(f"api must be one of {', '.join(API_NAMES)}, not {self.api!r}")
        if self.job_speed < 0:
            raise ValueError("job_speed must be >= 0")
        if not self.users:
            raise ValueError("at least one user is needed")
        if self.default_page_size < 1:
            raise ValueError("default_page_size must be >= 1")
        if self.claim_timeout <= 0:
            raise ValueError("claim_timeout must be > 0")
