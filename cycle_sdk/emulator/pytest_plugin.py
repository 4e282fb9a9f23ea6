"""pytest plugin: the `cycle_emulator` fixture, a fresh emulator per test.

    pytest_plugins = ["cycle_sdk.emulator.pytest_plugin"]      # in a top-level conftest.py
    # or, in a nested conftest.py (pytest only allows pytest_plugins at the top level):
    from cycle_sdk.emulator.pytest_plugin import (  # noqa: F401
        cycle_emulator, cycle_emulator_clock, cycle_emulator_config, pytest_configure,
    )

    def test_list(cycle_emulator):
        r = httpx.get(f"{cycle_emulator.url}/v1/environments", headers=cycle_emulator.headers)

    @pytest.mark.cycle_emulator(job_speed=0.01, token_ttl=1)
    def test_fast_jobs(cycle_emulator): ...

Configure it, typed, by overriding the `cycle_emulator_config` fixture (in a conftest.py or a test
module), and per test with the marker, whose keyword arguments are the `EmulatorConfig` fields (the
keyword arguments of `run_emulator`, documented there); an unknown one is a usage error naming the
valid ones:

    @pytest.fixture
    def cycle_emulator_config() -> EmulatorConfig:
        return EmulatorConfig(job_speed=0.01, max_body=1024)

Its clock is the `cycle_emulator_clock` fixture's (default None: the system clock); override that
fixture to run a test's emulator on a fake clock, and move it from the test:

    @pytest.fixture
    def cycle_emulator_clock() -> FakeClock:
        return FakeClock()

    def test_token_expiry(cycle_emulator, cycle_emulator_clock):
        ...
        cycle_emulator_clock.advance(3600)

Jobs default to 0.05 s per phase here (`DEFAULT_TEST_JOB_SPEED`).
`@pytest.mark.cycle_emulator(api="scheduler")` serves the Scheduler API instead (`api="internal"`:
the Internal API, on loopback TCP unless `uds=` names a socket path).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Final

import pytest

from ._clock import EmulatorClock
from ._config import EmulatorConfig
from ._server import Emulator, run_emulator

DEFAULT_TEST_JOB_SPEED: Final = 0.05


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "cycle_emulator(**options): EmulatorConfig fields (run_emulator's keyword arguments) for the "
        "cycle_emulator fixture of this test",
    )


@pytest.fixture
def cycle_emulator_config() -> EmulatorConfig:
    """The `cycle_emulator` fixture's settings; override this fixture to change them (typed)."""
    return EmulatorConfig(job_speed=DEFAULT_TEST_JOB_SPEED)


@pytest.fixture
def cycle_emulator_clock() -> EmulatorClock | None:
    """The `cycle_emulator` fixture's clock (None: the system clock); override this fixture to
    return a `FakeClock`, and request it in the test to move it."""
    return None


@pytest.fixture
def cycle_emulator(
    request: pytest.FixtureRequest,
    cycle_emulator_config: EmulatorConfig,
    cycle_emulator_clock: EmulatorClock | None,
) -> Iterator[Emulator]:
    """A running emulator (handle: url, api_key, hub_id, headers and the test controls), made from
    `cycle_emulator_config` with the test's `@pytest.mark.cycle_emulator(...)` options laid over
    it, on `cycle_emulator_clock`."""
    config = cycle_emulator_config
    marker = request.node.get_closest_marker("cycle_emulator")
    if marker is not None:
        if marker.args:
            raise pytest.UsageError("@pytest.mark.cycle_emulator takes keyword arguments only")
        fields = {f.name for f in dataclasses.fields(EmulatorConfig)}
        unknown = sorted(set(marker.kwargs) - fields)
        if unknown:
            raise pytest.UsageError(
                f"@pytest.mark.cycle_emulator: unknown option(s) {', '.join(unknown)}; "
                f"the options are: {', '.join(sorted(fields))}"
            )
        config = dataclasses.replace(config, **marker.kwargs)
    with run_emulator(config, clock=cycle_emulator_clock) as emulator:
        yield emulator


__all__ = ["DEFAULT_TEST_JOB_SPEED", "cycle_emulator", "cycle_emulator_config", "pytest_configure"]
