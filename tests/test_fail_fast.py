"""Mistakes at the edges fail where they are made, in Python's words: a base URL that cannot be
one is refused when it is set (not as "Network error talking to ?" on every call), and the
default client behind the module-level API is closed when the interpreter exits."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import cycle_sdk
from cycle_sdk.internal import InternalClient
from cycle_sdk.scheduler import SchedulerClient

ROOT = Path(__file__).parents[1]

BAD_URLS = [
    ("127.0.0.1:8080", "has no scheme: write it as 'http://127.0.0.1:8080'"),
    ("localhost:8080", "has no scheme: write it as 'http://localhost:8080'"),
    ("api.cycle.io", "has no scheme: write it as 'http://api.cycle.io'"),
    ("ftp://api.cycle.io", "has the scheme 'ftp': the SDK speaks http:// and https://"),
    ("ws://127.0.0.1:8080", "has the scheme 'ws'"),
    ("http://", "names no host"),
    ("http://:8080", "names no host"),
    ("http://127.0.0.1:port", "has a port that is not a number"),
    ("http://127.0.0.1:99999", "has a port that is not a number"),
    (" https://api.cycle.io", "holds whitespace or control characters"),
    ("https://api.cycle.io\n", "holds whitespace or control characters"),
    ("https://api.cycle.io/?hub=1", "has a query or fragment"),
    ("", "has no scheme"),
]


@pytest.mark.parametrize(("url", "problem"), BAD_URLS)
def test_a_base_url_that_is_not_one_is_refused_at_construction(url: str, problem: str) -> None:
    for make in (cycle_sdk.Client, cycle_sdk.AsyncClient):
        with pytest.raises(cycle_sdk.ConfigurationError) as refused:
            make(api_key="k", base_url=url)
        assert str(refused.value).startswith(f"base_url {url!r} ") and problem in str(refused.value)
        assert isinstance(refused.value, ValueError)  # what a caller catching ValueError expects


@pytest.mark.parametrize(("url", "problem"), BAD_URLS[:4])
def test_the_service_clients_and_a_later_assignment_are_checked_too(url: str, problem: str) -> None:
    with pytest.raises(cycle_sdk.ConfigurationError, match=r"^base_url .*" + problem.split(":")[0]):
        SchedulerClient(base_url=url, access_key="k")
    with pytest.raises(cycle_sdk.ConfigurationError, match=r"^base_url "):
        InternalClient(base_url=url, token="t")
    settings = cycle_sdk.Settings()
    with pytest.raises(cycle_sdk.ConfigurationError, match=r"^base_url "):
        settings.base_url = url
    assert settings.base_url == cycle_sdk.DEFAULT_BASE_URL  # nothing changed
    with pytest.raises(cycle_sdk.ConfigurationError, match=r"^token_url "):
        cycle_sdk.Settings(token_url=url)


def test_a_bad_cycle_base_url_is_named_as_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CYCLE_BASE_URL", "127.0.0.1:8080")
    with pytest.raises(cycle_sdk.ConfigurationError, match=r"^CYCLE_BASE_URL '127\.0\.0\.1:8080' has no scheme"):
        cycle_sdk.Client(api_key="k")
    # An explicit base_url wins over the variable, so the variable is not in the way.
    assert cycle_sdk.Client(api_key="k", base_url="http://127.0.0.1:8080").settings.base_url.startswith("http://")


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8080", "https://api.cycle.io", "HTTPS://API.CYCLE.IO/", "http://[::1]:80/prefix"]
)
def test_usable_base_urls_are_taken_as_given(url: str) -> None:
    assert cycle_sdk.Client(api_key="k", base_url=url).settings.base_url == url


# --- the default client at exit -------------------------------------------------------------

EXIT_SCRIPT = """
import cycle_sdk
from cycle_sdk.emulator import run_emulator

with run_emulator() as emu:
    cycle_sdk.settings.api_key = emu.api_key
    cycle_sdk.settings.team = emu.hub_id
    cycle_sdk.settings.base_url = emu.url
    assert cycle_sdk.environments.get_environments().ok is True
    print("called")
"""


@pytest.mark.slow  # a subprocess
def test_the_default_client_is_closed_at_interpreter_exit() -> None:
    # -X dev shows a ResourceWarning for a client (and its sockets) left open; -W error makes any
    # warning fail the run.
    run = subprocess.run(
        [sys.executable, "-X", "dev", "-W", "error::ResourceWarning", "-c", EXIT_SCRIPT],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert run.returncode == 0 and run.stdout.strip() == "called", run.stderr[-3000:]
    assert "ResourceWarning" not in run.stderr and "unclosed" not in run.stderr, run.stderr[-3000:]
