"""pytest plugin: the `cycle_emulator` fixture, a fresh emulator per test.

    pytest_plugins = ["cycle_sdk.emulator.pytest_plugin"]      # in a top-level conftest.py
    # or, in a nested conftest.py (pytest only allows pytest_plugins at the top level):
    from cycle_sdk.emulator.pytest_plugin import cycle_emulator, pytest_configure  # noqa: F401

    def test_list(cycle_emulator):
        r = httpx.get(f"{cycle_emulator.url}/v1/environments", headers=cycle_emulator.headers)

    @pytest.mark.cycle_emulator(job_speed=0.01, token_ttl=1)
    def test_fast_jobs(cycle_emulator): ...

The marker's keyword arguments are `EmulatorConfig` fields; jobs default to 0.05 s per phase here.
`@pytest.mark.cycle_emulator(api="scheduler")` serves the Scheduler API instead (`api="internal"`:
the Internal API, on loopback TCP unless `uds=` names a socket path).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from ._server import Emulator, run_emulator

DEFAULT_TEST_JOB_SPEED = 0.05


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "cycle_emulator(**config): EmulatorConfig fields for the cycle_emulator fixture of this test"
    )


@pytest.fixture
def cycle_emulator(request: pytest.FixtureRequest) -> Iterator[Emulator]:
    """A running emulator (handle: url, api_key, hub_id, headers and the test controls)."""
    settings: dict[str, Any] = {"job_speed": DEFAULT_TEST_JOB_SPEED}
    marker = request.node.get_closest_marker("cycle_emulator")
    if marker is not None:
        settings.update(marker.kwargs)
    with run_emulator(**settings) as emulator:
        yield emulator
