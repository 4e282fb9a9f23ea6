"""Run the real `cycle` console script in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

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
