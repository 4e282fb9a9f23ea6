"""`make release [INDEX=...]`: build, check and upload the sdist and the wheel.

Checks, in order, before anything is uploaded:
- the version (`cycle_sdk/_version.py`) is a public PEP 440 version: no local segment,
  which package indexes refuse;
- CHANGELOG.md has the release's heading, `# <version> (Cycle API spec <state>)`, and
  pyproject.toml's keywords carry `cycle-api-<state>` (the state in the wheel's metadata);
- the sdist and wheel build (`python -m build --no-isolation`) and pass `twine check --strict`;
- the wheel holds only what runs (no tests, benchmarks, examples, bytecode), has its
  `py.typed` markers, and stays within WHEEL_BUDGET_BYTES.

Then twine uploads both files to INDEX: a URL (`--repository-url`) or a repository name
from ~/.pypirc (`--repository`); without INDEX, twine's own default (PyPI, or
TWINE_REPOSITORY_URL). Credentials are twine's too: TWINE_USERNAME/TWINE_PASSWORD,
keyring or ~/.pypirc. `--no-upload` stops after the checks (`make wheel`).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tomllib
import urllib.request
import zipfile
from pathlib import Path

from packaging.version import InvalidVersion, Version

from generator.effective import ROOT, load_yaml

# The wheel was 5.8 MB when the budget was set (all 3 APIs' generated code, decoders and specs).
WHEEL_BUDGET_BYTES = 7_000_000
DEFAULT_INDEX_TIMEOUT = 15.0  # seconds, for reading an index's file listing
# Paths that must never ship in the wheel: only the package's run-time code does.
UNNEEDED_IN_WHEEL = re.compile(r"(^|/)(tests?|benchmarks|examples|generator|__pycache__)/|\.pyc$|(^|/)conftest\.py$")
REQUIRED_IN_WHEEL = (
    "cycle_sdk/py.typed",
    "cycle_sdk/_generated/py.typed",
    "cycle_sdk/_generated_internal/py.typed",
    "cycle_sdk/_generated_scheduler/py.typed",
    "cycle_sdk/_generated/spec.json",
)


class ReleaseError(Exception):
    """A check failed: nothing was uploaded."""


def sdk_version(root: Path = ROOT) -> str:
    """`__version__` as written in cycle_sdk/_version.py (read as text: the package may not be generated yet)."""
    found = re.search(r'^__version__ = "([^"]+)"', (root / "cycle_sdk" / "_version.py").read_text(), re.M)
    if found is None:
        raise ReleaseError('cycle_sdk/_version.py has no `__version__ = "..."` line')
    return found.group(1)


def api_spec_state(root: Path = ROOT) -> str:
    """The Platform API spec state the SDK is pinned to (spec/platform.yaml `state`)."""
    return str(load_yaml(root / "spec" / "platform.yaml")["state"])


def changelog_heading(version: str, state: str) -> str:
    return f"# {version} (Cycle API spec {state})"


def spec_keyword(state: str) -> str:
    return f"cycle-api-{state}"


def check_public_version(version: str) -> Version:
    try:
        parsed = Version(version)
    except InvalidVersion as exc:
        raise ReleaseError(f"version {version!r} is not PEP 440") from exc
    if parsed.local is not None:
        raise ReleaseError(f"version {version!r} has a local segment (+{parsed.local}): package indexes refuse it")
    if str(parsed) != version:
        raise ReleaseError(f"version {version!r} is not in normal form (write {parsed})")
    return parsed


def check_release_metadata(root: Path = ROOT) -> tuple[str, str]:
    """(version, spec state) after checking the version, the CHANGELOG heading and the keyword."""
    version, state = sdk_version(root), api_spec_state(root)
    check_public_version(version)
    heading = changelog_heading(version, state)
    if heading not in (root / "CHANGELOG.md").read_text().splitlines():
        raise ReleaseError(f"CHANGELOG.md has no heading {heading!r} for this release")
    keywords = tomllib.loads((root / "pyproject.toml").read_text())["project"].get("keywords", [])
    if spec_keyword(state) not in keywords:
        raise ReleaseError(f"pyproject.toml keywords lack {spec_keyword(state)!r} (the API spec state)")
    return version, state


def wheel_problems(wheel: Path) -> list[str]:
    """What is wrong with a built wheel's contents or size (empty when it is fine)."""
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
    problems = [f"does not belong in the wheel: {name}" for name in names if UNNEEDED_IN_WHEEL.search(name)]
    problems += [f"missing from the wheel: {name}" for name in REQUIRED_IN_WHEEL if name not in names]
    size = wheel.stat().st_size
    if size > WHEEL_BUDGET_BYTES:
        problems.append(f"wheel is {size:,} bytes, over the budget of {WHEEL_BUDGET_BYTES:,} (generator/release.py)")
    return problems


def build_warnings(log: str) -> list[str]:
    """Warning lines in a build's output (file-copy lines aside: a module may be named `..._warning.py`)."""
    lines = (line.strip() for line in log.splitlines())
    return [
        line
        for line in lines
        if not line.startswith(("copying ", "adding ", "creating ", "removing "))
        and "byte-compiling is disabled" not in line  # PYTHONDONTWRITEBYTECODE, the caller's choice
        and re.search(r"(?i)warning|deprecat|cannot be found", line)
    ]


def _run(cmd: list[str], what: str) -> str:
    """stdout + stderr of cmd, which must succeed."""
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if proc.returncode != 0:
        raise ReleaseError(f"{what} failed:\n{(proc.stdout + proc.stderr)[-4000:]}")
    return proc.stdout + proc.stderr


def build(outdir: Path) -> list[Path]:
    """The sdist and the wheel in outdir (emptied first), twine-checked and the wheel inspected."""
    shutil.rmtree(outdir, ignore_errors=True)
    log = _run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(outdir), str(ROOT)], "build")
    noise = build_warnings(log)
    if noise:
        raise ReleaseError("the build warned (fix the cause, do not hide it):\n  " + "\n  ".join(noise))
    files = sorted(outdir.iterdir())
    wheels = [f for f in files if f.suffix == ".whl"]
    if len(wheels) != 1 or not any(f.name.endswith(".tar.gz") for f in files):
        raise ReleaseError(f"expected one wheel and one sdist in {outdir}, got {[f.name for f in files]}")
    _run([sys.executable, "-m", "twine", "check", "--strict", *map(str, files)], "twine check --strict")
    problems = wheel_problems(wheels[0])
    if problems:
        raise ReleaseError("the wheel is not fit to publish:\n  " + "\n  ".join(problems))
    return files


def _simple_pages(index: str | None) -> list[str]:
    """Where an index lists cycle-sdk's files (PEP 503), guessed from its upload address."""
    if not index:
        return ["https://pypi.org/simple/cycle-sdk/"]
    if "://" not in index:
        return []  # a ~/.pypirc name: twine alone knows its address
    base = index.rstrip("/")
    if base.endswith("/legacy"):  # PyPI's and TestPyPI's upload endpoint
        base = base.removesuffix("/legacy").replace("://upload.", "://")
    return [f"{base}/simple/cycle-sdk/"]


def already_uploaded(files: list[Path], index: str | None) -> list[str]:
    """Which of files the index already lists (empty when it lists none, or cannot say)."""
    for page in _simple_pages(index):
        try:
            with urllib.request.urlopen(page, timeout=DEFAULT_INDEX_TIMEOUT) as response:
                listing = response.read().decode("utf-8", "replace")
        except (OSError, ValueError):
            continue  # no such project yet, or the index does not answer: twine will say
        return [f.name for f in files if f.name in listing]
    return []


def _refuse_existing(version: str, where: str, present: list[str], detail: str = "") -> ReleaseError:
    return ReleaseError(
        f"cycle-sdk {version} is already on {where} ({', '.join(present) or 'twine says so'}):"
        " an index never takes the same version twice."
        " Bump __version__ in cycle_sdk/_version.py (and its CHANGELOG heading), then release again."
        + (f"\ntwine said:\n{detail[-2000:]}" if detail else "")
    )


def upload(files: list[Path], version: str, index: str | None) -> None:
    """Upload files with twine; a version the index already has is refused, before uploading if it can tell."""
    where = index or "the default index (PyPI)"
    present = already_uploaded(files, index)
    if present:
        raise _refuse_existing(version, where, present)
    cmd = [sys.executable, "-m", "twine", "upload", "--non-interactive", "--disable-progress-bar"]
    if index:
        cmd += ["--repository-url", index] if "://" in index else ["--repository", index]
    proc = subprocess.run([*cmd, *map(str, files)], cwd=ROOT, capture_output=True, text=True)
    out = proc.stdout + proc.stderr
    if proc.returncode == 0:
        return
    # PyPI answers 400 "File already exists", others 409 Conflict or a bare 400.
    present = already_uploaded(files, index)
    if present or "409" in out or "already exists" in out.lower():
        raise _refuse_existing(version, where, present, out)
    raise ReleaseError(f"upload to {where} failed:\n{out[-4000:]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", default=None, help="URL or ~/.pypirc repository name (default: twine's, PyPI)")
    parser.add_argument("--dist", type=Path, default=ROOT / "dist", help="output folder (emptied first)")
    parser.add_argument("--no-upload", action="store_true", help="build and check only")
    args = parser.parse_args(argv)
    try:
        version, state = check_release_metadata()
        files = build(args.dist)
        wheel = next(f for f in files if f.suffix == ".whl")
        print(f"built and checked cycle-sdk {version} (Cycle API spec {state}); wheel {wheel.stat().st_size:,} bytes")
        if not args.no_upload:
            upload(files, version, args.index or None)
            print(f"uploaded cycle-sdk {version} to {args.index or 'the default index'}")
    except ReleaseError as exc:
        print(f"release: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
