"""Shared fixtures: a scriptable loopback server and clients pointed at it.

`make test` runs the suite in parallel (pytest-xdist, `-n auto --dist loadfile`): each worker is
a process of its own, and runs whole test files, in no set order. A test fits when it follows
these rules (`.venv/bin/python -m pytest -n 2 tests/your_test.py tests/another.py` tries it):

- Servers per test, module or worker, started by a fixture: `FaultServer()`, `run_emulator()`,
  the `cycle_emulator` fixture, `LoadServer`. Never one started at import time or shared between
  processes, and never a fixed port: bind port 0 and read the port back (every server here does);
  for a port nothing listens on, `tests.support.clients.free_port()`.
- Files only under `tmp_path` / `tmp_path_factory` (per worker): never into the checkout (no
  `build/`, `dist/`, `.cache/`) or the home folder. A subprocess gets HOME and CYCLE_CONFIG_DIR
  under tmp_path (`tests/cli/support.py:cli_env`). (The type-checker tests share the checkout's
  `.mypy_cache`, which mypy writes file by file, atomically.)
- No order: a test passes alone (`pytest tests/x.py::test_y`) and after whatever its worker ran
  before it; it never relies on another test having run first (or not).
- Shared state of the process (os.environ, `cycle_sdk.settings`, `sys.path`) only through
  `monkeypatch`, which puts it back.
- A file's tests run on one worker, in order, so a module-scoped fixture (an emulator, one build,
  one type-checker run) is made once. Files run side by side: two files never use one resource
  of the checkout at once. (Only tests/test_release.py builds in it, `build/`, `*.egg-info` and
  the sdist's `cycle_sdk-<version>/`; tests/test_update_spec.py copies it, leaving those out.)
  Why files and not `xdist_group` marks: pytest 9.2 ignores the mark's grouping silently
  (pytest-xdist issue #1386).
- No wall clock: workers share the cores with each other and with whatever else runs, so nothing
  may depend on how long something takes. Use the fake clock (`tests/support/clock.py`: the
  SDK's `clock=`, the emulator's jobs); a real timeout in a test is a hang guard, long enough
  never to fire on a loaded machine, and never asserted on.
- The fast layer is `-m "not slow"` (under a minute on 2 cores): mark `slow` what starts a
  subprocess, builds, runs a type checker or load, or sweeps every operation or model; keep a
  small sample of such a sweep in the fast layer.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Iterator

import pytest

import cycle_sdk
from tests.support.clients import KINDS, Callers
from tests.support.fault_server import FaultServer

API_KEY = "sk-test-SECRET-1234567890"
HUB = "hub-test"


def pytest_report_header(config: pytest.Config) -> str:
    zsh = shutil.which("zsh")
    if zsh is None:
        return "zsh: none on PATH, so the zsh completion test is skipped (install zsh to run it)"
    return f"zsh: {zsh} (the zsh completion test runs in it)"


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with FaultServer() as srv:
        yield srv


@pytest.fixture
def client(server: FaultServer) -> Iterator[cycle_sdk.Client]:
    with cycle_sdk.Client(api_key=API_KEY, team=HUB, base_url=server.url, max_retries=0) as c:
        yield c


@pytest.fixture
async def aclient(server: FaultServer) -> AsyncIterator[cycle_sdk.AsyncClient]:
    async with cycle_sdk.AsyncClient(api_key=API_KEY, team=HUB, base_url=server.url, max_retries=0) as c:
        yield c


@pytest.fixture(params=KINDS)
def kind(request: pytest.FixtureRequest) -> str:
    """Run a test once with a sync Client and once with an AsyncClient."""
    return str(request.param)


@pytest.fixture
async def make(server: FaultServer, kind: str) -> AsyncIterator[Callers]:
    callers = Callers(kind, server.url)
    yield callers
    await callers.close()
