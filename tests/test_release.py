"""Publishable versions and `make release` against a real package index.

The slow tests start pypiserver on loopback with upload auth (an htpasswd file), run
`make release`'s command against it, then install `cycle-sdk==<version>` by version from
that index into a fresh venv outside the checkout and call the packaged emulator with it.
Dependencies come from a wheelhouse in .venv (filled once with `pip download`, then
reused offline); pip's own configuration is cut off so nothing else is consulted.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import re
import socket
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.request
import venv
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from email.parser import Parser
from importlib.metadata import version as installed_version
from pathlib import Path

import pytest
from packaging.version import Version

import cycle_sdk
from cycle_sdk._base_client import USER_AGENT
from generator import release

ROOT = Path(__file__).parents[1]
WHEELHOUSE = ROOT / ".venv" / "test-wheelhouse"
USER, PASSWORD = "releaser", "index-pass-4d1f"

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
import cycle_sdk
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


# --- fast: the version and where the API spec state shows ------------------------------


def test_version_is_public_pep440_and_the_installed_one() -> None:
    parsed = Version(cycle_sdk.__version__)
    assert parsed.local is None and str(parsed) == cycle_sdk.__version__
    assert cycle_sdk.__version__ == release.sdk_version()
    # The dev venv's editable install reports the real version (it said 0.0.0 when the
    # version came from a file `make generate` wrote after the install).
    assert installed_version("cycle-sdk") == cycle_sdk.__version__


def test_api_spec_state_is_in_the_user_agent_changelog_and_keywords() -> None:
    state = release.api_spec_state()
    assert state == cycle_sdk.API_SPEC_VERSION
    assert f"cycle-sdk-python/{cycle_sdk.__version__} (cycle-api {state})" == USER_AGENT
    assert release.check_release_metadata() == (cycle_sdk.__version__, state)
    keywords = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["keywords"]
    assert f"cycle-api-{state}" in keywords


@pytest.mark.parametrize("bad", ["0.1.0+api.20260326", "0.1.0+local", "not-a-version", "0.1.0.0.dev"])
def test_release_refuses_an_unpublishable_version(bad: str) -> None:
    with pytest.raises(release.ReleaseError):
        release.check_public_version(bad)


def test_wheel_check_flags_tests_bytecode_missing_markers_and_size(tmp_path: Path) -> None:
    wheel = tmp_path / "cycle_sdk-0.1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        for name in release.REQUIRED_IN_WHEEL[1:]:  # cycle_sdk/py.typed left out
            zf.writestr(name, "")
        zf.writestr("tests/test_x.py", "")
        zf.writestr("cycle_sdk/__pycache__/x.cpython-311.pyc", "")
        zf.writestr("benchmarks/run.py", "")
    problems = release.wheel_problems(wheel)
    assert "missing from the wheel: cycle_sdk/py.typed" in problems
    assert {"tests/test_x.py", "cycle_sdk/__pycache__/x.cpython-311.pyc", "benchmarks/run.py"} == {
        p.split(": ", 1)[1] for p in problems if p.startswith("does not belong")
    }
    with zipfile.ZipFile(wheel, "a") as zf:
        zf.writestr("cycle_sdk/py.typed", "")
        zf.writestr("cycle_sdk/big.bin", os.urandom(release.WHEEL_BUDGET_BYTES), zipfile.ZIP_STORED)
    assert any("over the budget" in p for p in release.wheel_problems(wheel))


def test_build_warnings_are_found_and_file_names_ignored() -> None:
    log = (
        "copying cycle_sdk/_generated/models/container_deprecate_step.py -> build\n"
        "SetuptoolsDeprecationWarning: License classifiers are deprecated.\n"
        "warning: build_py: byte-compiling is disabled, skipping.\n"
        "file cycle_sdk/_generated/VERSION cannot be found\n"
    )
    assert release.build_warnings(log) == [
        "SetuptoolsDeprecationWarning: License classifiers are deprecated.",
        "file cycle_sdk/_generated/VERSION cannot be found",
    ]


# --- slow: a real index ---------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _clean_env(**extra: str) -> dict[str, str]:
    """The environment without pip's configuration (this machine's extra indexes and links)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "TWINE_"))}
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_DISABLE_PIP_VERSION_CHECK="1", **extra)
    return env


def _runtime_requirements() -> list[str]:
    """The wheel's dependencies with its `emulator` extra, at the dev venv's versions."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = [r.split(">")[0].split("=")[0].split("<")[0].split("[")[0].strip() for r in project["dependencies"]]
    names += [r.split(">")[0].split("=")[0].split("<")[0].strip() for r in project["optional-dependencies"]["emulator"]]
    return sorted(f"{name}=={installed_version(name)}" for name in dict.fromkeys(names))


@pytest.fixture(scope="module")
def wheelhouse() -> Path:
    """Wheels of the runtime dependencies; downloaded once per dev venv, offline after."""
    wanted = "\n".join(_runtime_requirements())
    stamp = WHEELHOUSE / "requirements.txt"
    if not (stamp.exists() and stamp.read_text() == wanted):
        WHEELHOUSE.mkdir(parents=True, exist_ok=True)
        got = subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "-q",
                "--only-binary=:all:",
                "-d",
                str(WHEELHOUSE),
                *wanted.split(),
            ],
            capture_output=True,
            text=True,
        )
        assert got.returncode == 0, "could not fill the test wheelhouse:\n" + got.stderr[-3000:]
        stamp.write_text(wanted)
    assert not list(WHEELHOUSE.glob("cycle_sdk*"))
    return WHEELHOUSE


@dataclass
class Index:
    url: str
    packages: Path


@contextlib.contextmanager
def _running_index(base: Path) -> Iterator[Index]:
    """pypiserver on loopback: uploads need the htpasswd user, no fallback to PyPI."""
    packages = base / "packages"
    packages.mkdir(parents=True)
    # htpasswd's {SHA} form, which pypiserver checks with passlib (not imported here: it warns on 3.11).
    digest = base64.b64encode(hashlib.sha1(PASSWORD.encode()).digest()).decode()
    (base / "htpasswd").write_text(f"{USER}:{{SHA}}{digest}\n")
    port = _free_port()
    log = (base / "server.log").open("w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pypiserver",
            "run",
            "-i",
            "127.0.0.1",
            "-p",
            str(port),
            "-P",
            str(base / "htpasswd"),
            "-a",
            "update",
            "--disable-fallback",
            str(packages),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/simple/", timeout=5):
                    break
            except (urllib.error.URLError, ConnectionError):
                assert proc.poll() is None, (base / "server.log").read_text()
                assert time.monotonic() < deadline, "pypiserver did not start"
                time.sleep(0.2)
        yield Index(url, packages)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Index]:
    with _running_index(tmp_path_factory.mktemp("index")) as running:
        yield running


def _release(index: Index, dist: Path, password: str = PASSWORD) -> subprocess.CompletedProcess[str]:
    # `make release INDEX=...` runs exactly this command.
    return subprocess.run(
        [sys.executable, "-m", "generator.release", "--index", index.url, "--dist", str(dist)],
        cwd=ROOT,
        env=_clean_env(TWINE_USERNAME=USER, TWINE_PASSWORD=password),
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture(scope="module")
def released(index: Index, tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    dist = tmp_path_factory.mktemp("dist")
    done = _release(index, dist)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"uploaded cycle-sdk {cycle_sdk.__version__}" in done.stdout
    return sorted(dist.iterdir())


@pytest.mark.slow
def test_release_uploads_a_checked_sdist_and_wheel(index: Index, released: list[Path]) -> None:
    assert sorted(p.name for p in index.packages.iterdir()) == sorted(p.name for p in released)
    wheel = next(p for p in released if p.suffix == ".whl")
    assert release.wheel_problems(wheel) == []
    check = subprocess.run(
        [sys.executable, "-m", "twine", "check", "--strict", *map(str, released)], capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout + check.stderr
    with zipfile.ZipFile(wheel) as zf:
        meta = Parser().parsestr(zf.read(f"cycle_sdk-{cycle_sdk.__version__}.dist-info/METADATA").decode())
    assert meta["Version"] == cycle_sdk.__version__ and Version(meta["Version"]).local is None
    assert f"cycle-api-{cycle_sdk.API_SPEC_VERSION}" in meta["Keywords"].split(",")
    assert meta["License-Expression"] == "Apache-2.0"
    # The README's install section states the wheel's size.
    stated = re.search(r"The wheel is about ([0-9.]+) MB", (ROOT / "README.md").read_text())
    assert stated is not None
    assert abs(float(stated.group(1)) * 1e6 - wheel.stat().st_size) < 0.3e6, wheel.stat().st_size


@pytest.mark.slow
def test_install_by_version_from_the_index_and_call_the_emulator(
    index: Index, released: list[Path], wheelhouse: Path, tmp_path: Path
) -> None:
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = str(env_dir / "bin" / "python")
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    install = subprocess.run(
        [
            python,
            "-m",
            "pip",
            "install",
            "--index-url",
            f"{index.url}/simple/",
            "--find-links",
            str(wheelhouse),
            f"cycle-sdk[emulator]=={cycle_sdk.__version__}",
        ],
        capture_output=True,
        text=True,
        cwd=outside,
        env=_clean_env(),
        timeout=600,
    )
    assert install.returncode == 0, install.stdout[-3000:] + install.stderr[-3000:]
    assert f"{index.url}/packages/cycle_sdk-{cycle_sdk.__version__}" in install.stdout  # from the index
    run = subprocess.run([python, "-c", SCRIPT], capture_output=True, text=True, cwd=outside, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr[-3000:]
    assert run.stdout.split() == ["OK", cycle_sdk.__version__, cycle_sdk.API_SPEC_VERSION]


@pytest.mark.slow
def test_bare_install_without_extras_works(released: list[Path], wheelhouse: Path, tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = str(env_dir / "bin" / "python")
    wheel = next(p for p in released if p.suffix == ".whl")
    bare = subprocess.run(
        [python, "-m", "pip", "install", "-q", "--no-index", "--find-links", str(wheelhouse), str(wheel)],
        capture_output=True,
        text=True,
        env=_clean_env(),
    )
    assert bare.returncode == 0, bare.stderr[-2000:]
    run = subprocess.run([python, "-c", BARE_SCRIPT], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert run.returncode == 0 and "BARE OK" in run.stdout, run.stdout + run.stderr[-3000:]


def _upload(index: Index, files: list[Path], monkeypatch: pytest.MonkeyPatch, password: str = PASSWORD) -> str:
    """`make release`'s upload step for already built files; the ReleaseError's text."""
    monkeypatch.setenv("TWINE_USERNAME", USER)
    monkeypatch.setenv("TWINE_PASSWORD", password)
    with pytest.raises(release.ReleaseError) as refused:
        release.upload(files, cycle_sdk.__version__, index.url)
    return str(refused.value)


@pytest.mark.slow
def test_uploading_the_same_version_twice_fails_clearly(
    index: Index, released: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    message = _upload(index, released, monkeypatch)
    assert message.startswith(f"cycle-sdk {cycle_sdk.__version__} is already on {index.url} (cycle_sdk-")
    assert "Bump __version__" in message
    assert sorted(p.name for p in index.packages.iterdir()) == sorted(p.name for p in released)


@pytest.mark.slow
def test_upload_with_a_wrong_password_is_refused(tmp_path: Path) -> None:
    with _running_index(tmp_path / "index") as index:
        refused = _release(index, tmp_path / "dist", password="not-the-password")
        assert refused.returncode == 1
        assert refused.stderr.startswith(f"release: upload to {index.url} failed") and "403" in refused.stderr
        assert list(index.packages.iterdir()) == []
