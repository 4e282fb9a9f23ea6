"""`python -m cycle_sdk.emulator`: one line on stdout, serves, stops cleanly on SIGTERM and SIGINT."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from .helpers import environment_body

pytestmark = pytest.mark.slow  # starts emulator processes

LINE = re.compile(r"^Cycle API emulator listening on (http://127\.0\.0\.1:\d+)\n$")


@contextmanager
def emulator_process(*args: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    command = [sys.executable, "-m", "cycle_sdk.emulator", "--port", "0", *args]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        match = LINE.match(line)
        assert match, f"unexpected first line {line!r}; stderr: {process.stderr.read() if process.stderr else ''}"
        yield process, match.group(1)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_cli_serves_until_signalled(stop: signal.Signals) -> None:
    hub = "0123456789abcdef01234567"
    with emulator_process("--api-key", "k", "--hub", hub, "--job-speed", "0.01") as (process, url):
        headers = {"Authorization": "Bearer k", "X-Hub-Id": hub}
        assert httpx.get(f"{url}/v1/hubs/current", headers=headers).json()["data"]["id"] == hub
        process.send_signal(stop)
        out, err = process.communicate(timeout=15)
    assert process.returncode == 0, err
    assert out == ""  # the listening line was the only stdout
    assert hub in err and "'k'" in err  # details go to stderr


def test_cli_users_and_persistence(tmp_path: pytest.TempPathFactory) -> None:
    db = f"{tmp_path}/state.sqlite"
    with emulator_process("--db", db, "--user", "ops@example.com:pw") as (process, url):
        form = {"grant_type": "password", "username": "ops@example.com", "password": "pw"}
        assert httpx.post(f"{url}/oauth/token", data=form).status_code == 200
        headers = {"Authorization": "Bearer emulator-key", "X-Hub-Id": "000000000000000000000001"}
        assert httpx.post(f"{url}/v1/environments", headers=headers, json=environment_body("kept")).status_code == 201
        process.terminate()
        process.communicate(timeout=15)
    with emulator_process("--db", db) as (process, url):
        names = [e["name"] for e in httpx.get(f"{url}/v1/environments", headers=headers).json()["data"]]
        assert names == ["kept"]
        process.terminate()
        process.communicate(timeout=15)


def test_cli_rejects_bad_arguments() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "cycle_sdk.emulator", "--user", "no-colon"], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 2 and "EMAIL:PASSWORD" in result.stderr
