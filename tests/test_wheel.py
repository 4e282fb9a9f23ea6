"""Issue 8: the wheel installs and works in a fresh venv, without ../shared or this checkout.

Builds the sdist and wheel (`make wheel`'s steps), checks them with twine, installs the
wheel with its `emulator` extra into a new venv, and from a directory outside the project
starts the packaged emulator and makes typed calls with the installed SDK.
"""

from __future__ import annotations

import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]

pytestmark = pytest.mark.slow  # builds and installs wheels

# With no extras: the core imports and works (optional modules load only when used).
BARE_SCRIPT = r"""
import socket, cycle_sdk
from cycle_sdk.models import Job
with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
res = cycle_sdk.Client(api_key="k", base_url=f"http://127.0.0.1:{port}", max_retries=0).jobs.get_job("j1")
assert res.ok is False and res.error.code == "0.network_error", res
try:
    import starlette  # noqa: F401
    raise SystemExit("starlette should not be installed without the emulator extra")
except ImportError:
    pass
print("BARE OK")
"""

SCRIPT = r"""
import sys, cycle_sdk
assert "site-packages" in cycle_sdk.__file__, cycle_sdk.__file__
from importlib.metadata import version
assert version("cycle-sdk") == cycle_sdk.__version__, (version("cycle-sdk"), cycle_sdk.__version__)
from cycle_sdk.models import Environment
from cycle_sdk.emulator import run_emulator
with run_emulator(job_speed=0.02) as emu:
    client = cycle_sdk.Client(api_key=emu.api_key, team=emu.hub_id, base_url=emu.url)
    created = client.environments.create_environment(
        body={"name": "w", "cluster": "c", "about": {"description": ""}, "features": {"legacy_networking": False}}
    )
    assert created.ok is True and isinstance(created.value.data, Environment), created
    task = client.environments.create_environment_job(created.value.data.id, body={"action": "start"})
    job = client.jobs.wait(task, delay=0.02)
    assert job.ok is True and job.value.data.state.current == "completed", job
print("OK", cycle_sdk.__version__, cycle_sdk.API_SPEC_VERSION)
"""


def test_wheel_installs_and_works_in_a_fresh_venv(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(dist), str(ROOT)],
        check=True,
        capture_output=True,
    )
    wheels = list(dist.glob("*.whl"))
    assert len(wheels) == 1 and list(dist.glob("*.tar.gz"))
    check = subprocess.run(
        [sys.executable, "-m", "twine", "check", "--strict", *map(str, dist.iterdir())], capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout + check.stderr

    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    bare = subprocess.run([str(python), "-m", "pip", "install", "-q", str(wheels[0])], capture_output=True, text=True)
    assert bare.returncode == 0, bare.stderr[-2000:]
    run = subprocess.run([str(python), "-c", BARE_SCRIPT], capture_output=True, text=True, cwd=outside, timeout=120)
    assert run.returncode == 0 and "BARE OK" in run.stdout, run.stdout + run.stderr[-3000:]
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", f"{wheels[0]}[emulator]"], capture_output=True, text=True
    )
    assert install.returncode == 0, install.stderr[-2000:]
    run = subprocess.run([str(python), "-c", SCRIPT], capture_output=True, text=True, cwd=outside, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr[-3000:]
    assert run.stdout.startswith("OK 0.1.0+api.")
