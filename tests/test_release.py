"""Publishable versions, wheels that are what they say, reproducible builds, and `make release`
against a real package index.

The slow tests work in scratch copies of the project with its generated packages (no .git,
no .venv), released as `make bump` would (the real CHANGELOG's Unreleased entries make the
checkout itself unreleasable, by design). They start pypiserver on loopback with upload auth
(an htpasswd file), run `make release`'s command against it, then install
`cycle-sdk==<version>` by version from that index into a fresh venv outside the checkout and
call the packaged emulator with it. Dependencies come from a wheelhouse in .venv (filled once
with `pip download`, then reused offline); pip's own configuration is cut off so nothing else
is consulted. Two builds of copies of one tree are compared byte for byte, and a build after a
generation from another spec state is refused.
"""

from __future__ import annotations

import base64
import contextlib
import gzip
import hashlib
import io
import os
import re
import shutil
import socket
import subprocess
import sys
import tarfile
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
import yaml
from packaging.version import Version

import cycle_sdk
from cycle_sdk._base_client import USER_AGENT
from generator import release
from generator.effective import generated_mismatches, load_yaml, recorded_inputs, sha256_of

ROOT = Path(__file__).parents[1]
SHARED = (ROOT.parent / "shared").resolve()
WHEELHOUSE = ROOT / ".venv" / "test-wheelhouse"
USER, PASSWORD = "releaser", "index-pass-4d1f"
# What scratch copies leave out: what git does not track, and what a build writes.
SKIP = shutil.ignore_patterns(
    ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", ".hypothesis", "docs"
)

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


def test_wheel_and_sdist_checks_want_the_license_and_no_tests_in_the_sdist(tmp_path: Path) -> None:
    wheel = tmp_path / "cycle_sdk-0.1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        for name in release.REQUIRED_IN_WHEEL:
            zf.writestr(name, "")
    assert release.wheel_problems(wheel) == ["missing from the wheel: <dist-info>/licenses/LICENSE"]
    sdist = tmp_path / "cycle_sdk-0.1.0.tar.gz"
    with tarfile.open(sdist, "w:gz") as tf:
        for name in ("cycle_sdk-0.1.0/PKG-INFO", "cycle_sdk-0.1.0/tests/test_x.py", "cycle_sdk-0.1.0/cycle_sdk/a.py"):
            tf.addfile(tarfile.TarInfo(name), io.BytesIO(b""))
    assert release.sdist_problems(sdist) == [
        "does not belong in the sdist: cycle_sdk-0.1.0/tests/test_x.py",
        "missing from the sdist: cycle_sdk-0.1.0/LICENSE",
    ]
    assert (ROOT / "LICENSE").read_text().split()[:3] == ["Apache", "License", "Version"]


def _tarball(path: Path, *, names: list[str], mtime: int, uid: int) -> None:
    with tarfile.open(path, "w:gz") as tf:
        for name in names:
            info = tarfile.TarInfo(name)
            data = f"content of {name}".encode()
            info.size, info.mtime, info.uid, info.uname, info.mode = len(data), mtime, uid, f"user{uid}", 0o664
            tf.addfile(info, io.BytesIO(data))


def test_normalised_sdists_of_one_content_are_byte_identical(tmp_path: Path) -> None:
    # As two checkouts give them: other mtimes, owners and order; gzip stamps the time it ran.
    first, second = tmp_path / "a.tar.gz", tmp_path / "b.tar.gz"
    _tarball(first, names=["p/b.py", "p/a.py"], mtime=1_000, uid=1000)
    _tarball(second, names=["p/a.py", "p/b.py"], mtime=2_000, uid=501)
    assert first.read_bytes() != second.read_bytes()
    for sdist in (first, second):
        release.normalise_sdist(sdist, 1_700_000_000)
    assert first.read_bytes() == second.read_bytes()
    with gzip.open(first) as gz:
        assert gz.read(1)  # still a valid gzip
    with tarfile.open(first) as tf:
        members = tf.getmembers()
    assert [(m.name, m.mtime, m.uid, m.uname, m.mode) for m in members] == [
        ("p/a.py", 1_700_000_000, 0, "", 0o644),
        ("p/b.py", 1_700_000_000, 0, "", 0o644),
    ]
    assert first.read_bytes()[4:8] == (1_700_000_000).to_bytes(4, "little")  # the gzip header's time


def test_source_date_epoch_is_the_last_commits_time_unless_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    last_commit = subprocess.run(["git", "log", "-1", "--format=%ct"], cwd=ROOT, capture_output=True, text=True)
    assert release.source_date_epoch() == int(last_commit.stdout)
    with pytest.raises(release.ReleaseError, match="needs SOURCE_DATE_EPOCH or a git checkout"):
        release.source_date_epoch(tmp_path)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert release.source_date_epoch(tmp_path) == 1_700_000_000
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(release.ReleaseError, match="whole seconds"):
        release.source_date_epoch(tmp_path)


def test_make_targets_regenerate_stale_packages_before_using_them() -> None:
    # make's timestamps cannot see a generation from another spec; the packages' own record can.
    for target, then in (("wheel", "generator.release"), ("release", "generator.release"), ("demo", "examples.")):
        plan = subprocess.run(["make", "-n", target], cwd=ROOT, capture_output=True, text=True)
        assert plan.returncode == 0, plan.stderr
        steps = [line for line in plan.stdout.splitlines() if re.search(r" -m (generator|examples)\.", line)]
        assert "-m generator.build --if-stale" in steps[0] and f"-m {then}" in steps[-1], steps
    assert "export SOURCE_DATE_EPOCH" in (ROOT / "Makefile").read_text()


def test_the_generated_packages_record_what_they_were_made_from() -> None:
    for config in sorted((ROOT / "spec").glob("*.yaml")):
        assert generated_mismatches(config) == [], config.name
    recorded = recorded_inputs(ROOT / "cycle_sdk" / "_generated")
    assert recorded is not None
    assert recorded["SPEC_SHA256"] == sha256_of(SHARED / "cycle-api-spec" / "platform.yml")
    assert recorded["SPEC_STATE"] == cycle_sdk.API_SPEC_VERSION
    assert set(recorded["OVERLAYS_SHA256"]) >= {"overlays/corrections/platform.overlay.yaml"}


def _git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args], cwd=repo, check=True, capture_output=True
    )


def test_the_release_workflow_restores_each_pinned_spec_from_the_spec_repositorys_history(tmp_path: Path) -> None:
    checkout, root = tmp_path / "cycle-api-spec", tmp_path / "project"
    checkout.mkdir()
    (root / "spec").mkdir(parents=True)
    _git(checkout, "init", "-q")
    for state in ("one", "two", "three"):
        (checkout / "platform.yml").write_text(f"openapi: 3.1.0\ninfo: {{title: {state}}}\n")
        _git(checkout, "add", "platform.yml")
        _git(checkout, "commit", "-q", "-m", state)
    pinned = hashlib.sha256(b"openapi: 3.1.0\ninfo: {title: two}\n").hexdigest()
    pin = f'name: platform\nupstream: {checkout}/platform.yml\nsha256: {pinned}\nstate: "2025-01-01"\n'
    (root / "spec" / "platform.yaml").write_text(pin)
    assert release.restore_pinned_specs(checkout, root)[0].startswith("platform.yml: restored from commit ")
    assert hashlib.sha256((checkout / "platform.yml").read_bytes()).hexdigest() == pinned
    assert release.restore_pinned_specs(checkout, root) == [
        f"platform.yml: at the pinned state 2025-01-01 (sha256 {pinned[:12]}…)"
    ]
    (root / "spec" / "platform.yaml").write_text(pin.replace(pinned, "f" * 64))
    with pytest.raises(release.ReleaseError, match=r"no version of platform\.yml in .* has the pinned sha256 ffff"):
        release.restore_pinned_specs(checkout, root)
    # A state upstream keeps in history/ is where the build looks next: nothing to restore.
    (checkout / "history").mkdir()
    (checkout / "history" / "platform-2024-01-01.yml").write_text("openapi: 3.1.0\ninfo: {title: zero}\n")
    kept = hashlib.sha256(b"openapi: 3.1.0\ninfo: {title: zero}\n").hexdigest()
    (root / "spec" / "platform.yaml").write_text(pin.replace(pinned, kept))
    assert release.restore_pinned_specs(checkout, root) == [
        "platform.yml: the pinned state 2025-01-01 is history/platform-2024-01-01.yml"
    ]


def test_the_release_workflow_checks_first() -> None:
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "release.yml").read_text())
    steps = workflow["jobs"]["build"]["steps"]
    spec_checkout = next(s for s in steps if s.get("with", {}).get("path") == "shared/cycle-api-spec")
    assert spec_checkout["with"]["fetch-depth"] == 0  # the pinned state may be an older commit
    runs = [s.get("run", "") for s in steps]
    needles = ("SOURCE_DATE_EPOCH=$(git log -1 --format=%ct)", "--restore-pinned-specs", "make test", "make wheel")
    order = [next(i for i, run in enumerate(runs) if needle in run) for needle in needles]
    assert order == sorted(order), runs
    assert workflow["jobs"]["publish"]["needs"] == "build"


def test_upload_url_reads_a_pypirc_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / ".pypirc").write_text(
        "[distutils]\nindex-servers = local\n\n[local]\nrepository = http://127.0.0.1:9/\nusername = u\n"
    )
    assert release.upload_url("local") == "http://127.0.0.1:9/"
    assert release.upload_url("http://x.test/legacy/") == "http://x.test/legacy/"
    assert release.upload_url("not-configured") is None


# --- slow: scratch copies, builds ------------------------------------------------------


def _copy(dest: Path, *, fresh_mtimes: bool = False) -> Path:
    """A copy of the checkout with its generated packages (another tree: new mtimes if asked),
    ../shared beside it, and the packages regenerated if the checkout's are stale, as any make
    target that uses them would."""
    shutil.copytree(ROOT, dest, ignore=SKIP, copy_function=shutil.copy if fresh_mtimes else shutil.copy2)
    if not (dest.parent / "shared").exists():
        (dest.parent / "shared").symlink_to(SHARED)
    fresh = _in(dest, "generator.build", "--if-stale")
    assert fresh.returncode == 0, fresh.stdout[-3000:]
    return dest


def _build_env(**extra: str) -> dict[str, str]:
    epoch = subprocess.run(["git", "log", "-1", "--format=%ct"], cwd=ROOT, capture_output=True, text=True)
    return {**os.environ, "SOURCE_DATE_EPOCH": epoch.stdout.strip(), **extra}


def _in(proj: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=proj, capture_output=True, text=True, timeout=1200, env=env or _build_env()
    )


def _releasable(proj: Path) -> str:
    """`make bump` in proj: the Unreleased entries become a release section; the new version."""
    bumped = _in(proj, "generator.update_spec", "--bump")
    assert bumped.returncode == 0, bumped.stderr
    return release.sdk_version(proj)


def _built(output: str) -> dict[str, str]:
    """file name -> sha256, as `make wheel` prints them."""
    return dict(re.findall(r"^  (\S+)  sha256 ([0-9a-f]{64})", output, re.M))


@dataclass
class Project:
    path: Path
    version: str


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    proj = _copy(tmp_path_factory.mktemp("release") / "proj")
    return Project(proj, _releasable(proj))


@pytest.mark.slow
def test_two_builds_of_one_tree_are_byte_identical(project: Project, tmp_path: Path) -> None:
    # Another copy of the same tree: every file has another mtime, the folder another name.
    other = _copy(tmp_path / "other", fresh_mtimes=True)
    assert _releasable(other) == project.version
    builds = []
    for proj, dist in ((project.path, tmp_path / "dist-a"), (other, tmp_path / "dist-b")):
        done = _in(proj, "generator.release", "--no-upload", "--dist", str(dist))  # `make wheel`
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        builds.append({p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in dist.iterdir()})
        assert _built(done.stdout) == builds[-1]
    assert builds[0] == builds[1]
    assert sorted(builds[0]) == [f"cycle_sdk-{project.version}-py3-none-any.whl", f"cycle_sdk-{project.version}.tar.gz"]


@pytest.mark.slow
def test_unreleased_entries_are_a_note_for_make_wheel_and_a_refusal_for_a_release(tmp_path: Path) -> None:
    proj = _copy(tmp_path / "proj")  # the real CHANGELOG, Unreleased entries and all
    assert release.unreleased_entries((proj / "CHANGELOG.md").read_text())
    as_release = _in(proj, "generator.release", "--no-upload", "--as-release", "--dist", str(tmp_path / "refused"))
    assert as_release.returncode == 1 and not (tmp_path / "refused").exists()
    assert as_release.stderr.startswith("release: CHANGELOG.md's Unreleased section holds")
    # `make wheel` without RELEASE=1: a checked wheel to install before a release, and a note.
    built = _in(proj, "generator.release", "--no-upload", "--dist", str(tmp_path / "dist"))
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    assert len(_built(built.stdout)) == 2
    assert "note: not releasable as " in built.stderr and "`make bump`" in built.stderr


@pytest.mark.slow
def test_a_build_after_a_generation_from_another_state_is_refused_then_regenerated(tmp_path: Path) -> None:
    proj = _copy(tmp_path / "proj")
    _releasable(proj)
    other = SHARED / "cycle-api-spec" / "history" / "platform-2025-12-23.yml"
    generated = _in(proj, "generator.build", "--spec", str(other))  # `make generate SPEC=...`
    assert generated.returncode == 0, generated.stdout[-3000:]
    refused = _in(proj, "generator.release", "--no-upload", "--dist", str(tmp_path / "dist"))
    assert refused.returncode == 1 and not (tmp_path / "dist").exists()
    assert refused.stderr.startswith("release: the generated code is not what the pins say")
    pin = load_yaml(proj / "spec" / "platform.yaml")
    assert (
        f"cycle_sdk._generated was generated from the platform spec of state 2025-12-23 (sha256"
        f" {sha256_of(other)[:12]}…), but the pin (platform.yaml) is state {pin['state']}"
    ) in refused.stderr
    # What `make wheel` does first: regenerate what is stale (the platform API only), then build.
    again = _in(proj, "generator.build", "--if-stale")
    assert again.returncode == 0, again.stdout[-3000:]
    assert again.stdout.startswith("regenerating: cycle_sdk._generated was generated from the platform spec")
    assert "== internal API" not in again.stdout
    built = _in(proj, "generator.release", "--no-upload", "--dist", str(tmp_path / "dist"))
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]


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


def _release(index: Index, proj: Path, dist: Path, password: str = PASSWORD) -> subprocess.CompletedProcess[str]:
    # `make release INDEX=...` runs exactly this command (with the Makefile's SOURCE_DATE_EPOCH).
    epoch = _build_env()["SOURCE_DATE_EPOCH"]
    env = _clean_env(TWINE_USERNAME=USER, TWINE_PASSWORD=password, SOURCE_DATE_EPOCH=epoch)
    return _in(proj, "generator.release", "--index", index.url, "--dist", str(dist), env=env)


@pytest.fixture(scope="module")
def released(index: Index, project: Project, tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    dist = tmp_path_factory.mktemp("dist")
    done = _release(index, project.path, dist)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"uploaded cycle-sdk {project.version}" in done.stdout
    return sorted(dist.iterdir())


@pytest.mark.slow
def test_release_uploads_a_checked_sdist_and_wheel(index: Index, project: Project, released: list[Path]) -> None:
    assert sorted(p.name for p in index.packages.iterdir()) == sorted(p.name for p in released)
    wheel = next(p for p in released if p.suffix == ".whl")
    assert release.wheel_problems(wheel) == []
    check = subprocess.run(
        [sys.executable, "-m", "twine", "check", "--strict", *map(str, released)], capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout + check.stderr
    with zipfile.ZipFile(wheel) as zf:
        meta = Parser().parsestr(zf.read(f"cycle_sdk-{project.version}.dist-info/METADATA").decode())
        assert f"cycle_sdk-{project.version}.dist-info/licenses/LICENSE" in zf.namelist()
    assert meta["Version"] == project.version and Version(meta["Version"]).local is None
    assert release.sdist_problems(next(p for p in released if p.name.endswith(".tar.gz"))) == []
    assert f"cycle-api-{cycle_sdk.API_SPEC_VERSION}" in meta["Keywords"].split(",")
    assert meta["License-Expression"] == "Apache-2.0"
    # The README's install section states the wheel's size.
    stated = re.search(r"The wheel is about\s+([0-9.]+) MB", (ROOT / "README.md").read_text())
    assert stated is not None
    assert abs(float(stated.group(1)) * 1e6 - wheel.stat().st_size) < 0.3e6, wheel.stat().st_size


@pytest.mark.slow
def test_install_by_version_from_the_index_and_call_the_emulator(
    index: Index, project: Project, released: list[Path], wheelhouse: Path, tmp_path: Path
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
            f"cycle-sdk[emulator]=={project.version}",
        ],
        capture_output=True,
        text=True,
        cwd=outside,
        env=_clean_env(),
        timeout=600,
    )
    assert install.returncode == 0, install.stdout[-3000:] + install.stderr[-3000:]
    assert f"{index.url}/packages/cycle_sdk-{project.version}" in install.stdout  # from the index
    run = subprocess.run([python, "-c", SCRIPT], capture_output=True, text=True, cwd=outside, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr[-3000:]
    assert run.stdout.split() == ["OK", project.version, cycle_sdk.API_SPEC_VERSION]


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


def _upload(index: str, version: str, files: list[Path], monkeypatch: pytest.MonkeyPatch) -> str:
    """`make release`'s upload step for already built files; the ReleaseError's text."""
    monkeypatch.setenv("TWINE_USERNAME", USER)
    monkeypatch.setenv("TWINE_PASSWORD", PASSWORD)
    with pytest.raises(release.ReleaseError) as refused:
        release.upload(files, version, index)
    return str(refused.value)


@pytest.mark.slow
def test_uploading_the_same_version_twice_fails_clearly(
    index: Index, project: Project, released: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    message = _upload(index.url, project.version, released, monkeypatch)
    assert message.startswith(f"cycle-sdk {project.version} is already on {index.url} (cycle_sdk-")
    assert "Bump the version (`make bump`" in message
    assert sorted(p.name for p in index.packages.iterdir()) == sorted(p.name for p in released)


@pytest.mark.slow
def test_the_same_version_through_a_pypirc_name_fails_as_clearly(
    index: Index, project: Project, released: list[Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # twine finds the name's address in ~/.pypirc; so does the check before uploading.
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / ".pypirc").write_text(
        f"[distutils]\nindex-servers = loopback\n\n[loopback]\nrepository = {index.url}\n"
    )
    message = _upload("loopback", project.version, released, monkeypatch)
    assert message.startswith(f"cycle-sdk {project.version} is already on loopback (cycle_sdk-")
    assert "Bump the version (`make bump`" in message and "400" not in message
    assert sorted(p.name for p in index.packages.iterdir()) == sorted(p.name for p in released)


@pytest.mark.slow
def test_upload_with_a_wrong_password_is_refused(project: Project, tmp_path: Path) -> None:
    with _running_index(tmp_path / "index") as index:
        refused = _release(index, project.path, tmp_path / "dist", password="not-the-password")
        assert refused.returncode == 1
        assert refused.stderr.startswith(f"release: upload to {index.url} failed") and "403" in refused.stderr
        assert list(index.packages.iterdir()) == []
