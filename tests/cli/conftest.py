from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cycle_sdk.emulator import Emulator, run_emulator
from tests.cli.support import cli_env


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with run_emulator(job_speed=0.05) as emulator:
        yield emulator


@pytest.fixture
def env(emu: Emulator, tmp_path: Path) -> dict[str, str]:
    """The CLI's environment: the emulator's URL, key and hub, a private config directory."""
    return cli_env(emu.url, emu.api_key, emu.hub_id, tmp_path / "config")
