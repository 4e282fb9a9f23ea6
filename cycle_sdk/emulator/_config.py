"""Emulator settings (the CLI flags and `run_emulator` keyword arguments map onto these)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

DEFAULT_API_KEY: Final = "emulator-key"
DEFAULT_HUB_ID: Final = "000000000000000000000001"
DEFAULT_USERS: Final = {"user@example.com": "password"}


@dataclass
class EmulatorConfig:
    host: str = "127.0.0.1"
    port: int = 0  # 0: a free port, chosen by the OS
    api_key: str = DEFAULT_API_KEY  # acts for the first user, in every hub
    hub_id: str = DEFAULT_HUB_ID  # created at start unless it exists
    hub_name: str = "Emulator Hub"
    job_speed: float = 0.2  # seconds per job phase: new, queued, then one per step while running
    db_path: str | Path | None = None  # SQLite file; None keeps state in memory
    token_ttl: float = 7200.0  # OAuth access token lifetime (seconds)
    refresh_token_ttl: float = 30 * 24 * 3600.0
    notification_token_ttl: float = 60.0  # lifetime of a hub notification socket token
    users: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_USERS))  # email -> password
    default_page_size: int = 100
    log_level: str = "warning"  # uvicorn's log level

    def __post_init__(self) -> None:
        if self.job_speed < 0:
            raise ValueError("job_speed must be >= 0")
        if not self.users:
            raise ValueError("at least one user is needed")
        if self.default_page_size < 1:
            raise ValueError("default_page_size must be >= 1")
