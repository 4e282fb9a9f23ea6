"""`make update-spec NEW=path/to/platform.yml [STATE=YYYY-MM-DD]`: move the SDK to a new API spec state.

In one step, and only if every check passes (otherwise nothing is changed):
1. builds the current (pinned) and the new effective spec; refuses if a correction or
   addition no longer applies to the new spec (its target is gone);
2. prints the API diff, each change classed breaking or additive (generator/api_diff.py);
3. generates the SDK from the new spec into a scratch folder; refuses if coverage falls
   below the pin's floors;
4. then writes: the pin (upstream path, sha256, state), the generated package, the
   version bump, the `cycle-api-<state>` keyword (platform API) and the CHANGELOG section.

Version rule (also in CHANGELOG.md's preamble): while 0.x, breaking -> minor, anything
else -> patch; from 1.0, breaking -> major, additive -> minor, no SDK-visible change -> patch.
The state is STATE=, or else the date (YYYY-MM-DD) in the new file's name.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

from packaging.version import Version

from generator.api_diff import diff, is_breaking, render, surface_of
from generator.build import generate, report
from generator.effective import ROOT, build_effective_spec, load_yaml

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class UpdateRefused(Exception):
    """A check failed; the project is as it was."""


def bump(version: str, *, breaking: bool, additive: bool) -> str:
    """The next version by the documented rule (pre-release and dev parts are dropped)."""
    major, minor, patch = (*Version(version).release, 0, 0)[:3]
    if major == 0:
        return f"0.{minor + 1}.0" if breaking else f"0.{minor}.{patch + 1}"
    if breaking:
        return f"{major + 1}.0.0"
    return f"{major}.{minor + 1}.0" if additive else f"{major}.{minor}.{patch + 1}"


def _relative(path: Path) -> str:
    """The pin's upstream path, relative to the project root like the others (symlinks kept: ../shared may be one)."""
    return os.path.relpath(os.path.abspath(path), ROOT)


def _set_pin(text: str, *, upstream: str, sha256: str, state: str) -> str:
    for key, value in (("upstream", upstream), ("sha256", sha256), ("state", f'"{state}"')):
        text, count = re.subn(rf"^{key}:.*$", f"{key}: {value}", text, count=1, flags=re.M)
        if count != 1:
            raise UpdateRefused(f"the pin has no `{key}:` line")
    return text


def _set_version(text: str, version: str) -> str:
    text, count = re.subn(r'^__version__ = "[^"]+"', f'__version__ = "{version}"', text, count=1, flags=re.M)
    if count != 1:
        raise UpdateRefused('cycle_sdk/_version.py has no `__version__ = "..."` line')
    return text


def _set_keyword(text: str, old_state: str, state: str) -> str:
    old, new = f'"cycle-api-{old_state}"', f'"cycle-api-{state}"'
    if old not in text:
        raise UpdateRefused(f"pyproject.toml keywords lack {old} (the current API spec state)")
    return text.replace(old, new, 1)


def changelog_with_release(text: str, heading: str, intro: str, api_changes: str) -> str:
    """The changelog with a release section after "# Unreleased", which moves into it and is left empty."""
    lines = text.splitlines()
    try:
        start = lines.index("# Unreleased")
    except ValueError:
        start = next(i for i, line in enumerate(lines) if line.startswith("# ") and i > 0)
        lines[start:start] = ["# Unreleased", ""]
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("# ")), len(lines))
    unreleased = "\n".join(lines[start + 1 : end]).strip()
    section = [heading, "", intro, "", api_changes.rstrip()]
    if unreleased:
        section += ["", "## SDK changes", "", unreleased]
    out = [*lines[: start + 1], "", *section, "", *lines[end:]]
    return "\n".join(out).rstrip("\n") + "\n"


def update(new_path: Path, *, state: str | None, spec_config: Path) -> int:
    from generator.release import api_spec_state, changelog_heading, sdk_version

    config = load_yaml(spec_config)
    if state is None:
        found = _DATE.search(new_path.name)
        if found is None:
            raise UpdateRefused(f"{new_path.name} has no date in its name: say its API state with STATE=YYYY-MM-DD")
        state = found.group(0)
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", state):
        raise UpdateRefused(f"STATE must be YYYY-MM-DD, got {state!r}")
    old_state = str(config["state"])

    old = build_effective_spec(spec_config)  # also checks the current pin's sha256
    new = build_effective_spec(spec_config, new_path)
    if new.sha256 == old.sha256:
        raise UpdateRefused(f"{new_path} is the pinned spec already (sha256 {new.sha256[:16]}…)")
    if new.report.missing:
        raise UpdateRefused(
            "corrections or additions no longer apply to the new spec (review overlays/ first):\n  "
            + "\n  ".join(new.report.missing)
        )

    added, removed, changed = diff(surface_of(old.spec), surface_of(new.spec))
    lines = added + removed + changed
    breaking = [line for line in lines if is_breaking(line)]
    print(f"API changes {old_state} -> {state}: {len(breaking)} breaking, {len(lines) - len(breaking)} additive")
    for line in lines:
        print(f"  [breaking] {line.removeprefix('BREAKING: ')}" if is_breaking(line) else f"  [additive] {line}")

    # Generate from the new spec under its new pin; nothing in the project is touched yet.
    new.pinned = True
    new.config = {**config, "state": state}
    package = str(config.get("package", "cycle_sdk._generated"))
    target = ROOT.joinpath(*package.split("."))
    scratch = Path(tempfile.mkdtemp(prefix="cycle_update_"))
    try:
        started = time.monotonic()
        cov = generate(new, scratch / "pkg", package=package)
        coverage = report(new, cov, time.monotonic() - started)
        print("\n".join(coverage))
        below = [line for line in coverage if line.startswith("COVERAGE BELOW FLOOR")]
        if below:
            raise UpdateRefused("the new spec falls below the coverage floors:\n  " + "\n  ".join(below))

        version = sdk_version()
        new_version = bump(version, breaking=bool(breaking), additive=bool(lines))
        platform = config["name"] == "platform"
        spec_state = state if platform else api_spec_state()
        intro = (
            f"Cycle {config['name']} API spec {old_state} -> {state} (`{_relative(new_path)}`, sha256 "
            f"`{new.sha256[:8]}…`): {len(breaking)} breaking change(s), so {version} -> {new_version} "
            "(rule in the preamble)."
        )
        api_changes = render(old.upstream.name, new_path.name, added, removed, changed)
        # Every new text is ready before the first write.
        writes: dict[Path, str] = {
            spec_config: _set_pin(
                spec_config.read_text(), upstream=_relative(new_path), sha256=new.sha256, state=state
            ),
            ROOT / "cycle_sdk" / "_version.py": _set_version(
                (ROOT / "cycle_sdk" / "_version.py").read_text(), new_version
            ),
            ROOT / "CHANGELOG.md": changelog_with_release(
                (ROOT / "CHANGELOG.md").read_text(), changelog_heading(new_version, spec_state), intro, api_changes
            ),
        }
        if platform:
            pyproject = ROOT / "pyproject.toml"
            writes[pyproject] = _set_keyword(pyproject.read_text(), old_state, state)
        for path, text in writes.items():
            path.write_text(text)
        if target.exists():
            shutil.rmtree(target)
        shutil.move(str(scratch / "pkg"), str(target))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"updated: {config['name']} API spec {old_state} -> {state}; cycle-sdk {version} -> {new_version}")
    print("review `git diff` (spec/, cycle_sdk/_version.py, pyproject.toml, CHANGELOG.md), run make test, commit.")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("new", type=Path, help="the new upstream spec file")
    parser.add_argument("--state", default=None, help="its API state, YYYY-MM-DD (default: the date in its name)")
    parser.add_argument("--spec-config", type=Path, default=ROOT / "spec" / "platform.yaml")
    args = parser.parse_args(argv)
    try:
        return update(args.new, state=args.state or None, spec_config=args.spec_config.resolve())
    except UpdateRefused as exc:
        print(f"update-spec refused, nothing changed: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
