"""The console script with what could hang it, fill its memory or leave its files open to others:
`--body` from a FIFO or a device, a lone surrogate on a real pipe, and `auth login` under umask
000. Each run has a time limit and (on Linux) a 1 GiB address-space limit, so a build that reads
/dev/zero forever fails the test instead of the machine."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from cycle_sdk.cli import EXIT_OK, EXIT_VALIDATION
from cycle_sdk.emulator import Emulator
from tests.cli.support import CYCLE, cli_env
from tests.support.fault_server import FaultServer, Reply
from tests.support.hostile import TERMINAL_ATTACK, json_body, raw_unsafe

pytestmark = pytest.mark.slow

LIMIT_SECONDS = 60


def _limited() -> None:
    if sys.platform == "linux":
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))


def cycle(*args: str, env: dict[str, str], stdin: Any = subprocess.DEVNULL, umask: int = -1) -> Any:
    return subprocess.run(
        [str(CYCLE), *args],
        env=env,
        stdin=stdin,
        capture_output=True,
        text=True,
        timeout=LIMIT_SECONDS,
        check=False,
        preexec_fn=_limited,
        umask=umask,
    )


@pytest.fixture
def fault_env(server: FaultServer, tmp_path: Path) -> dict[str, str]:
    return cli_env(server.url, "sk-test-key-0123456789", None, tmp_path / "config")


def test_a_body_from_a_fifo_or_a_device_is_refused_at_once(
    server: FaultServer, fault_env: dict[str, str], tmp_path: Path
) -> None:
    fifo = tmp_path / "body.fifo"
    os.mkfifo(fifo)  # nothing ever writes to it: opening it to read would wait forever
    for source, kind in ((f"@{fifo}", "a FIFO"), ("@/dev/zero", "a device")):
        proc = cycle("environments", "create-environment", "--body", source, env=fault_env)
        assert proc.returncode == EXIT_VALIDATION, proc.stderr
        assert proc.stderr.startswith("cycle: error 0.invalid_body: Cannot read the body: ")
        assert f"it is {kind}, not a regular file" in proc.stderr and len(proc.stderr.splitlines()) == 1
    with open("/dev/zero", "rb") as zeros:  # `--body - < /dev/zero`: refused at 8 MiB
        proc = cycle("environments", "create-environment", "--body", "-", env=fault_env, stdin=zeros)
    assert proc.returncode == EXIT_VALIDATION, proc.stderr
    assert "stdin: it is larger than 8 MiB" in proc.stderr
    assert server.requests == []


def test_a_key_from_dev_zero_is_refused(fault_env: dict[str, str], server: FaultServer) -> None:
    with open("/dev/zero", "rb") as zeros:
        proc = cycle("auth", "login", env={**fault_env, "CYCLE_API_KEY": ""}, stdin=zeros)
    assert proc.stderr.startswith("cycle: error 0.no_api_key: Cannot read the API key: stdin: it is larger than")
    assert server.requests == []


def test_server_text_through_a_real_pipe(server: FaultServer, fault_env: dict[str, str]) -> None:
    item = {"id": "e1", "name": TERMINAL_ATTACK, "state": {"current": "live"}}
    server.script("GET", "/v1/environments", Reply(200, json_body({"data": [item]})))
    for output in ("table", "json"):
        proc = cycle("environments", "get-environments", "--output", output, env=fault_env)
        assert proc.returncode == EXIT_OK, proc.stderr
        assert raw_unsafe(proc.stdout) == [] and "Traceback" not in proc.stderr
    assert json.loads(proc.stdout)["data"][0]["name"] == TERMINAL_ATTACK


def test_login_under_umask_000_makes_the_config_private(emu: Emulator, tmp_path: Path) -> None:
    config = tmp_path / "home" / "config" / "cycle"
    env = cli_env(emu.url, None, None, config)
    key_file = tmp_path / "key.txt"
    key_file.write_text(emu.api_key + "\n")
    proc = cycle("auth", "login", "--hub", emu.hub_id, "--key-file", str(key_file), env=env, umask=0)
    assert proc.returncode == EXIT_OK, proc.stderr
    for folder in (config, config.parent, config.parent.parent):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
    for name in ("config.json", "token.json"):
        assert stat.S_IMODE((config / name).stat().st_mode) == 0o600, name
    status = cycle("auth", "status", env=env)
    assert status.returncode == EXIT_OK and json.loads(status.stdout)["authenticated"] is True
