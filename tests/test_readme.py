"""Issue 8: every `python` code block of the README runs, against the bundled emulator.

Placeholders (YOUR_API_KEY, YOUR_HUB_ID) become the emulator's; CYCLE_BASE_URL points the
clients at it; HOME is a temporary folder (the token-file example writes under ~).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

import cycle_sdk
from cycle_sdk.emulator import Emulator, run_emulator

README = Path(__file__).parents[1] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
# Shell blocks marked ```sh runnable: run with bash (errexit, pipefail) by test_readme_shell_block_runs.
SHELL_BLOCKS = re.findall(r"```sh runnable\n(.*?)```", README.read_text(), re.S)


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with run_emulator(job_speed=0.05) as emulator:
        yield emulator


def test_readme_has_the_classic_flows() -> None:
    text = "\n".join(BLOCKS)
    for needle in (
        "api_key_auth",
        "settings.team",
        "get_environments",
        "res.ok",
        "cache.use",
        "FileStorage",
        "jobs.wait",
    ):
        assert needle in text, needle
    assert len(BLOCKS) >= 6


@pytest.mark.parametrize("index", range(len(BLOCKS)), ids=lambda i: f"block{i + 1}")
def test_readme_block_runs(index: int, emu: Emulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("CYCLE_BASE_URL", emu.url)
    monkeypatch.delenv("CYCLE_API_KEY", raising=False)
    monkeypatch.delenv("CYCLE_HUB_ID", raising=False)
    monkeypatch.setattr(cycle_sdk, "settings", cycle_sdk.Settings.from_env())
    code = BLOCKS[index].replace("YOUR_API_KEY", emu.api_key).replace("YOUR_HUB_ID", emu.hub_id)
    # Blocks that listen for notifications need something to happen in the hub meanwhile.
    stop = threading.Event()

    def make_changes() -> None:
        with cycle_sdk.Client(api_key=emu.api_key, team=emu.hub_id, base_url=emu.url) as client:
            body = {
                "name": "bg",
                "cluster": "c",
                "about": {"description": ""},
                "features": {"legacy_networking": False},
            }
            while not stop.wait(0.2):
                client.environments.create_environment(body=body)

    changer = threading.Thread(target=make_changes, daemon=True)
    if "listen()" in code:
        changer.start()
    try:
        exec(compile(code, f"README.md block {index + 1}", "exec"), {"__name__": "__readme__"})
    finally:
        stop.set()
        if changer.is_alive():
            changer.join(5)


def test_readme_has_runnable_shell_blocks() -> None:
    text = "\n".join(SHELL_BLOCKS)
    for needle in ("cycle auth login", "--filter", "--all", "--body", "--wait", "--output table"):
        assert needle in text, needle
    assert len(SHELL_BLOCKS) >= 4


@pytest.mark.slow
@pytest.mark.parametrize("index", range(len(SHELL_BLOCKS)), ids=lambda i: f"sh{i + 1}")
def test_readme_shell_block_runs(index: int, emu: Emulator, tmp_path: Path) -> None:
    """A block runs in bash with `set -euo pipefail`, the venv's `cycle` first on PATH, in a fresh
    folder, with CYCLE_API_KEY/CYCLE_HUB_ID set (the README's alternative to `cycle auth login`)."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("CYCLE_")}
    env.update(
        HOME=str(tmp_path),
        CYCLE_CONFIG_DIR=str(tmp_path / "config"),
        CYCLE_BASE_URL=emu.url,
        CYCLE_API_KEY=emu.api_key,
        CYCLE_HUB_ID=emu.hub_id,
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
    )
    code = SHELL_BLOCKS[index].replace("YOUR_API_KEY", emu.api_key).replace("YOUR_HUB_ID", emu.hub_id)
    proc = subprocess.run(
        ["bash", "-c", "set -euo pipefail\n" + code],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, f"README sh block {index + 1} failed:\n{proc.stdout}\n{proc.stderr}"
    for comment in re.findall(r"^# (cycle: error \S+: .*?)\(hint: \.\.\.\)$", code, re.M):
        assert comment.strip() in proc.stderr  # a shown error line is the one printed
