"""Run the real `cycle` console script in a subprocess."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError

CYCLE = Path(sys.executable).with_name("cycle")
# Generous: a loaded machine can take seconds to start a Python process.
RUN_TIMEOUT = 120


def cli_env(url: str, api_key: str | None, hub: str | None, config_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CYCLE_")}
    env["CYCLE_BASE_URL"] = url
    env["CYCLE_CONFIG_DIR"] = str(config_dir)
    env["COLUMNS"] = "100"
    if api_key is not None:
        env["CYCLE_API_KEY"] = api_key
    if hub is not None:
        env["CYCLE_HUB_ID"] = hub
    return env


def run(
    *args: str, env: dict[str, str], input: str | None = None, script: Path = CYCLE
) -> subprocess.CompletedProcess[str]:
    assert script.exists(), f"the console script is not installed at {script} (pip install -e .)"
    return subprocess.run(
        [str(script), *args],
        env=env,
        input=input if input is not None else "",
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )


ENV_TEST_KEYRING = "CYCLE_TEST_KEYRING_FILE"
# Set to 1 where a zsh must be there (CI installs one): its absence fails the zsh test, not skips it.
ENV_REQUIRE_ZSH = "CYCLE_SDK_REQUIRE_ZSH"


def zsh_or_skip() -> str:
    """The path of a real zsh. Without one the test is skipped, saying so (pytest's summary lists
    skips with their reason), unless $CYCLE_SDK_REQUIRE_ZSH is 1: then it fails."""
    zsh = shutil.which("zsh")
    if zsh is not None:
        return zsh
    if os.environ.get(ENV_REQUIRE_ZSH) == "1":
        pytest.fail(f"no zsh on PATH, and {ENV_REQUIRE_ZSH}=1 requires one (install zsh)")
    pytest.skip("no zsh on PATH: the generated zsh completion was NOT checked in a real zsh (install zsh to check it)")


class FileKeyring(KeyringBackend):
    """A keyring backend in a JSON file ($CYCLE_TEST_KEYRING_FILE), so that the console script in
    a subprocess uses the real `keyring` API against a store the test can read. Selected with
    PYTHON_KEYRING_BACKEND=tests.cli.support.FileKeyring."""

    priority = 1  # type: ignore[assignment]

    def _load(self) -> dict[str, str]:
        path = Path(os.environ[ENV_TEST_KEYRING])
        return dict(json.loads(path.read_text())) if path.exists() else {}

    def _save(self, data: dict[str, str]) -> None:
        Path(os.environ[ENV_TEST_KEYRING]).write_text(json.dumps(data))

    def get_password(self, service: str, username: str) -> str | None:
        return self._load().get(f"{service}/{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        self._save({**self._load(), f"{service}/{username}": password})

    def delete_password(self, service: str, username: str) -> None:
        data = self._load()
        if data.pop(f"{service}/{username}", None) is None:
            raise PasswordDeleteError("not found")
        self._save(data)
