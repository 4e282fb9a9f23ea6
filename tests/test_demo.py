"""The README's main job: `make demo` (examples/run_demo.py) runs end to end against the emulator."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # the whole demo, end to end

ROOT = Path(__file__).parents[1]


def test_demo_runs_and_summarizes() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "examples.run_demo"], capture_output=True, text=True, cwd=ROOT, timeout=180
    )
    assert run.returncode == 0, run.stdout + run.stderr
    out = run.stdout
    for step in ("api_key_auth", "create environment", "create container", "start container", "wait for the start job"):
        assert f"✓ {step}" in out, step
    assert "ended completed" in out
    assert "Summary: environment sdk-demo-" in out
    assert "emulator stopped" in out
    assert "completed 100%" in run.stderr  # the progress display
    assert "demo-api-key" not in out  # the token's repr hides the key
