"""`make release [INDEX=...]`: build, check and upload the sdist and the wheel.

Checks, in order, before anything is uploaded:
- the version (`cycle_sdk/_version.py`) is a public PEP 440 version: no local segment,
  which package indexes refuse;
- CHANGELOG.md has the release's heading, `# <version> (Cycle API spec <state>)`, and
  nothing under "Unreleased" (`make bump` moves those entries into the release's section and
  sets the version they call for), and pyproject.toml's keywords carry `cycle-api-<state>`;
- each generated package is what its pin makes (spec/*.yaml): the spec's sha256 and the
  overlays' it records are the pin's, and the generator that wrote it is this one;
- the sdist and wheel build (`python -m build --no-isolation`) reproducibly: every timestamp is
  SOURCE_DATE_EPOCH (the last commit's time unless set), and the sdist's tar is normalised
  (order, owners, modes, gzip header), so two builds of one commit are byte-identical;
- both pass `twine check --strict`; the wheel holds only what runs (no tests, benchmarks,
  examples, bytecode), has its `py.typed` markers and LICENSE, and stays within
  WHEEL_BUDGET_BYTES; the sdist has LICENSE and no tests (they run from the repository: they
  need its conftest, tests/support/ and the Cycle specs beside it).

Then twine uploads both files to INDEX: a URL (`--repository-url`) or a repository name
from ~/.pypirc (`--repository`); without INDEX, twine's own default (PyPI, or
TWINE_REPOSITORY_URL). Credentials are twine's too: TWINE_USERNAME/TWINE_PASSWORD,
keyring or ~/.pypirc. `--no-upload` stops after the checks (`make wheel`); with it, entries under
"Unreleased" are a note, not a refusal (a wheel to install before a release is made), unless
`--as-release` (`make wheel RELEASE=1`, what the release workflow runs) asks for every check.
`--restore-pinned-specs DIR` puts each pinned spec file of a git checkout of the spec
repository at its pinned state (found by sha256 in its history), as the release workflow does.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tomllib
import urllib.request
import zipfile
from pathlib import Path

from packaging.version import InvalidVersion, Version

from generator.effective import ROOT, generated_mismatches, in_history, load_yaml

# The wheel was 5.8 MB when the budget was set (all 3 APIs' generated code, decoders and specs).
WHEEL_BUDGET_BYTES = 3_500_000  # the msgspec decoder took it from 6.5 MB to 2.9 MB: keep that
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
LICENSE_FILE = "LICENSE"  # Apache-2.0, as pyproject.toml's `license` and Cycle's spec
# Paths that must never ship in the sdist (below its top folder): the tests run from the repository.
UNNEEDED_IN_SDIST = re.compile(r"^[^/]+/(tests?|benchmarks|examples)/|(^|/)__pycache__/|\.pyc$")


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


def unreleased_entries(changelog: str) -> list[str]:
    """The entries (`- ...`, continuation lines joined) under CHANGELOG.md's "# Unreleased" heading."""
    lines = changelog.splitlines()
    if "# Unreleased" not in lines:
        return []
    start = lines.index("# Unreleased") + 1
    end = next((i for i in range(start, len(lines)) if lines[i].startswith("# ")), len(lines))
    entries: list[str] = []
    for line in lines[start:end]:
        if line.startswith("- "):
            entries.append(line[2:].strip())
        elif entries and line.startswith("  ") and line.strip():
            entries[-1] += " " + line.strip()
    return entries


def is_breaking_entry(entry: str) -> bool:
    """An SDK entry marked breaking (`Breaking:` anywhere in it, as the CHANGELOG preamble says)."""
    return re.search(r"\bBreaking\b", entry) is not None


def is_additive_entry(entry: str) -> bool:
    """An SDK entry marked new (`New:`): what a 1.x minor release is for."""
    return re.search(r"\bNew\b:", entry) is not None


def check_nothing_unreleased(root: Path = ROOT) -> None:
    entries = unreleased_entries((root / "CHANGELOG.md").read_text())
    if entries:
        breaking = sum(map(is_breaking_entry, entries))
        raise ReleaseError(
            f"CHANGELOG.md's Unreleased section holds {len(entries)} entries ({breaking} marked Breaking):"
            " they are not in any release. `make bump` moves them into a release section and sets the version"
            " they call for; review, commit, then release."
        )


def check_generated_matches_pins(root: Path = ROOT) -> None:
    """Refuse generated code that is not what the pins make (another spec state, other overlays)."""
    problems = [p for config in sorted((root / "spec").glob("*.yaml")) for p in generated_mismatches(config, root)]
    if problems:
        raise ReleaseError(
            "the generated code is not what the pins say, so the wheel would not be what it says:\n  "
            + "\n  ".join(problems)
            + "\n(hint: `make generate`; `make wheel` and `make release` regenerate it themselves)"
        )


def source_date_epoch(root: Path = ROOT) -> int:
    """Every timestamp of the build: SOURCE_DATE_EPOCH if set, else the last commit's time."""
    given = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if given:
        if not given.isdigit():
            raise ReleaseError(f"SOURCE_DATE_EPOCH must be whole seconds since 1970, got {given!r}")
        return int(given)
    found = subprocess.run(["git", "log", "-1", "--format=%ct"], cwd=root, capture_output=True, text=True)
    if found.returncode != 0 or not found.stdout.strip().isdigit():
        raise ReleaseError("a reproducible build needs SOURCE_DATE_EPOCH or a git checkout (the last commit's time)")
    return int(found.stdout.strip())


def normalise_sdist(sdist: Path, epoch: int) -> None:
    """Rewrite the sdist so that it depends on its files' contents only: members sorted by name,
    every mtime the epoch, owners root/root without names, modes 0644 or 0755, no PAX times,
    and a gzip header without file name and with the epoch as its time. (setuptools takes
    mtimes, owners and order from the disk, and gzip stamps the current time.)"""
    members: list[tuple[tarfile.TarInfo, bytes | None]] = []
    with tarfile.open(sdist, "r:gz") as src:
        for member in src.getmembers():
            content = src.extractfile(member) if member.isfile() else None
            members.append((member, content.read() if content is not None else None))
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as dst:
        for member, data in sorted(members, key=lambda pair: pair[0].name):
            member.mtime = epoch
            member.uid = member.gid = 0
            member.uname = member.gname = ""
            member.mode = 0o755 if member.isdir() or member.mode & 0o111 else 0o644
            member.pax_headers = {}
            dst.addfile(member, io.BytesIO(data) if data is not None else None)
    with sdist.open("wb") as out, gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=epoch) as gz:
        gz.write(raw.getvalue())


def sdist_problems(sdist: Path) -> list[str]:
    """What is wrong with a built sdist's contents (empty when it is fine)."""
    with tarfile.open(sdist, "r:gz") as tf:
        names = tf.getnames()
    top = names[0].split("/", 1)[0] if names else ""
    problems = [f"does not belong in the sdist: {name}" for name in names if UNNEEDED_IN_SDIST.search(name)]
    if f"{top}/{LICENSE_FILE}" not in names:
        problems.append(f"missing from the sdist: {top}/{LICENSE_FILE}")
    return problems


def wheel_problems(wheel: Path) -> list[str]:
    """What is wrong with a built wheel's contents or size (empty when it is fine)."""
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
    problems = [f"does not belong in the wheel: {name}" for name in names if UNNEEDED_IN_WHEEL.search(name)]
    problems += [f"missing from the wheel: {name}" for name in REQUIRED_IN_WHEEL if name not in names]
    if not any(name.endswith(f".dist-info/licenses/{LICENSE_FILE}") for name in names):
        problems.append(f"missing from the wheel: <dist-info>/licenses/{LICENSE_FILE}")
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


def _run(cmd: list[str], what: str, env: dict[str, str] | None = None) -> str:
    """stdout + stderr of cmd, which must succeed."""
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise ReleaseError(f"{what} failed:\n{(proc.stdout + proc.stderr)[-4000:]}")
    return proc.stdout + proc.stderr


def build(outdir: Path, epoch: int) -> list[Path]:
    """The sdist and the wheel in outdir (emptied first), reproducible, twine-checked and inspected."""
    shutil.rmtree(outdir, ignore_errors=True)
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(epoch)}
    # The build's own scratch folders in the tree (build/, *.egg-info) would carry one build's
    # leftovers into the next one's sdist file list.
    for leftover in [ROOT / "build", *ROOT.glob("*.egg-info")]:
        shutil.rmtree(leftover, ignore_errors=True)
    cmd = [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(outdir), str(ROOT)]
    log = _run(cmd, "build", env=env)
    noise = build_warnings(log)
    if noise:
        raise ReleaseError("the build warned (fix the cause, do not hide it):\n  " + "\n  ".join(noise))
    files = sorted(outdir.iterdir())
    wheels = [f for f in files if f.suffix == ".whl"]
    sdists = [f for f in files if f.name.endswith(".tar.gz")]
    if len(wheels) != 1 or len(sdists) != 1:
        raise ReleaseError(f"expected one wheel and one sdist in {outdir}, got {[f.name for f in files]}")
    normalise_sdist(sdists[0], epoch)
    _run([sys.executable, "-m", "twine", "check", "--strict", *map(str, files)], "twine check --strict")
    problems = wheel_problems(wheels[0]) + sdist_problems(sdists[0])
    if problems:
        raise ReleaseError("the sdist and wheel are not fit to publish:\n  " + "\n  ".join(problems))
    return files


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def upload_url(index: str) -> str | None:
    """An index's upload address: INDEX itself, or the `repository` of its ~/.pypirc section
    (read by twine's own config reader); None when ~/.pypirc does not say."""
    if "://" in index:
        return index
    from twine.exceptions import InvalidConfiguration
    from twine.utils import DEFAULT_CONFIG_FILE, get_repository_from_config

    try:
        return str(get_repository_from_config(DEFAULT_CONFIG_FILE, index)["repository"])
    except (InvalidConfiguration, KeyError, TypeError):
        return None  # twine will say what is wrong with the name


def _simple_pages(index: str | None) -> list[str]:
    """Where an index lists cycle-sdk's files (PEP 503), guessed from its upload address."""
    if not index:
        return ["https://pypi.org/simple/cycle-sdk/"]
    url = upload_url(index)
    if url is None:
        return []
    base = url.rstrip("/")
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
        " Bump the version (`make bump`, after adding its CHANGELOG entries), then release again."
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


def restore_pinned_specs(checkout: Path, root: Path = ROOT) -> list[str]:
    """Each pin's file in a git checkout of the spec repository, at the pinned state.

    The pin names the file by path and its state by sha256: the file is left as it is when it
    matches, else the newest version of it in the checkout's history that matches is written in
    its place; a pin no version matches is refused. (A single checkout of one commit may not
    hold every pin's state: the APIs' specs move separately.)
    """
    checkout = checkout.resolve()
    done: list[str] = []
    for config_path in sorted((root / "spec").glob("*.yaml")):
        config = load_yaml(config_path)
        path = (root / config["upstream"]).resolve()
        if not path.is_relative_to(checkout):
            raise ReleaseError(f"{config_path.name}: {config['upstream']} is not in the checkout {checkout}")
        rel = path.relative_to(checkout).as_posix()
        if path.exists() and sha256_file(path) == config["sha256"]:
            done.append(f"{rel}: at the pinned state {config['state']} (sha256 {config['sha256'][:12]}…)")
            continue
        kept = in_history(path, str(config["sha256"]))
        if kept is not None:  # where the build looks next (generator/effective.py pinned_upstream)
            done.append(f"{rel}: the pinned state {config['state']} is {kept.relative_to(checkout).as_posix()}")
            continue
        log = subprocess.run(
            ["git", "log", "--format=%H", "--", rel], cwd=checkout, capture_output=True, text=True, check=False
        )
        if log.returncode != 0:
            raise ReleaseError(f"{checkout} is not a git checkout with history: {log.stderr.strip()}")
        for commit in log.stdout.split():
            blob = subprocess.run(["git", "show", f"{commit}:{rel}"], cwd=checkout, capture_output=True, check=False)
            if blob.returncode == 0 and hashlib.sha256(blob.stdout).hexdigest() == config["sha256"]:
                path.write_bytes(blob.stdout)
                done.append(f"{rel}: restored from commit {commit[:12]}, the pinned state {config['state']}")
                break
        else:
            raise ReleaseError(
                f"no version of {rel} in {checkout}'s history has the pinned sha256 {config['sha256']}"
                f" ({config_path.name}, state {config['state']}); fetch its full history (fetch-depth: 0)"
            )
    return done


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", default=None, help="URL or ~/.pypirc repository name (default: twine's, PyPI)")
    parser.add_argument("--dist", type=Path, default=ROOT / "dist", help="output folder (emptied first)")
    parser.add_argument("--no-upload", action="store_true", help="build and check only")
    parser.add_argument(
        "--as-release",
        action="store_true",
        help="with --no-upload: refuse what an upload would refuse (Unreleased CHANGELOG entries)",
    )
    parser.add_argument(
        "--restore-pinned-specs",
        type=Path,
        default=None,
        metavar="CHECKOUT",
        help="put each pinned file of this git checkout of the spec repository at its pinned state, then stop",
    )
    args = parser.parse_args(argv)
    try:
        if args.restore_pinned_specs is not None:
            for line in restore_pinned_specs(args.restore_pinned_specs):
                print(line)
            return 0
        version, state = check_release_metadata()
        unreleased_note = None
        try:
            check_nothing_unreleased()
        except ReleaseError as exc:
            if not args.no_upload or args.as_release:
                raise
            unreleased_note = f"not releasable as {version}: {exc}"
        check_generated_matches_pins()
        epoch = source_date_epoch()
        files = build(args.dist, epoch)
        wheel = next(f for f in files if f.suffix == ".whl")
        print(f"built and checked cycle-sdk {version} (Cycle API spec {state}); wheel {wheel.stat().st_size:,} bytes")
        for file in files:
            print(f"  {file.name}  sha256 {sha256_file(file)}  (SOURCE_DATE_EPOCH={epoch})")
        if unreleased_note is not None:
            print(f"note: {unreleased_note}", file=sys.stderr)
        if not args.no_upload:
            upload(files, version, args.index or None)
            print(f"uploaded cycle-sdk {version} to {args.index or 'the default index'}")
    except ReleaseError as exc:
        print(f"release: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
