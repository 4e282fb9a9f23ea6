"""Fixtures of the emulator tests: real HTTP on loopback against `cycle_sdk.emulator`.

The plugin's fixture is imported rather than named in `pytest_plugins`: pytest refuses
`pytest_plugins` in a conftest below the rootdir once the whole suite is collected.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from cycle_sdk.emulator import Emulator
from cycle_sdk.emulator.pytest_plugin import (
    cycle_emulator,
    cycle_emulator_clock,
    cycle_emulator_config,
    pytest_configure,
)

__all__ = ["api", "cycle_emulator", "cycle_emulator_clock", "cycle_emulator_config", "pytest_configure"]


@pytest.fixture
def api(cycle_emulator: Emulator) -> Iterator[httpx.Client]:
    """An HTTP client on the emulator, authenticated with its API key in its default hub."""
    with httpx.Client(base_url=cycle_emulator.url, headers=cycle_emulator.headers, timeout=10) as client:
        yield client
