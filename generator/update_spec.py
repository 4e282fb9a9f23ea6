"""`make update-spec NEW=...` and `make bump`: move to a new API spec state, or cut an SDK release.

`make update-spec NEW=path/to/platform.yml [STATE=YYYY-MM-DD] [DROP_STALE=1] [ALLOW_OLDER=1]`,
in one step and only if every check passes (otherwise nothing is changed):
1. builds the pinned and the new effective spec. The pin names its upstream file by a fixed path
   (it is never rewritten) and its state by sha256, so NEW must be that file or one of the spec
   checkout's `history/` states, where the build finds a pinned state by its sha256. A state
   older than the pinned one is refused unless ALLOW_OLDER=1;
2. lists every correction or addition that does not apply to the new spec, each with why:
   upstream now holds the fix, its target is gone, or its target changed. It refuses unless
   DROP_STALE=1, which moves them out of the pin's overlays (into its retired overlay, where
   older states still get them) and notes each in the CHANGELOG section;
3. prints the API diff, each change classed breaking or additive (generator/api_diff.py);
4. generates the SDK from the new spec into a scratch folder; refuses below the pin's floors;
5. then writes: the pin's sha256 and state, the overlays (DROP_STALE), the generated package,
   the version, the `cycle-api-<state>` keyword (platform API) and the CHANGELOG section, which
   takes the entries gathered under "Unreleased".

`make bump` cuts a release of SDK changes alone: the Unreleased entries move into a section
`# <version> (Cycle API spec <state>)` and the version is bumped for them.

Both bump the version by the rule in CHANGELOG.md's preamble, from the API changes and the
Unreleased SDK entries together: while 0.x, anything breaking -> minor, else patch; from 1.0,
breaking -> major, additive (an API addition, an entry marked `New:`) -> minor, else patch. An
SDK entry is breaking when it says "Breaking".
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

from packaging.version import Version

from generator.api_diff import diff, is_breaking, render, surface_of
from generator.build import generate, report
from generator.effective import HISTORY_DIR, ROOT, StaleCorrection, build_effective_spec, load_yaml
from generator.release import (
    api_spec_state,
    changelog_heading,
    is_additive_entry,
    is_breaking_entry,
    sdk_version,
    unreleased_entries,
)

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ACTION = re.compile(r"^  - target:", re.M)


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


@dataclass(frozen=True)
class Changes:
    """What a release holds, as the version rule reads it."""

    api_breaking: int = 0
    api_additive: int = 0
    sdk_breaking: int = 0
    sdk_additive: int = 0
    sdk_entries: int = 0

    def next_version(self, version: str) -> str:
        return bump(
            version,
            breaking=bool(self.api_breaking or self.sdk_breaking),
            additive=bool(self.api_additive or self.api_breaking or self.sdk_additive),
        )

    def why(self) -> str:
        api = f"API changes: {self.api_breaking} breaking, {self.api_additive} additive; "
        sdk = (
            f"Unreleased SDK entries: {self.sdk_entries}, {self.sdk_breaking} marked Breaking, {self.sdk_additive} New"
        )
        return (api if self.api_breaking or self.api_additive else "") + sdk


def sdk_changes(changelog: str) -> Changes:
    entries = unreleased_entries(changelog)
    return Changes(
        sdk_breaking=sum(map(is_breaking_entry, entries)),
        sdk_additive=sum(map(is_additive_entry, entries)),
        sdk_entries=len(entries),
    )


def _set_pin(text: str, *, sha256: str, state: str) -> str:
    """The pin with a new sha256 and state; its upstream path stays as it is."""
    for key, value in (("sha256", sha256), ("state", f'"{state}"')):
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
    section = [heading, "", intro]
    if api_changes.strip():
        section += ["", api_changes.rstrip()]
    if unreleased:
        section += ["", "## SDK changes", "", unreleased]
    out = [*lines[: start + 1], "", *section, "", *lines[end:]]
    return "\n".join(out).rstrip("\n") + "\n"


def _action_blocks(text: str) -> list[tuple[int, int]]:
    """(start, end) character offsets of each `  - target:` action of an overlay file, in order."""
    starts = [m.start() for m in _ACTION.finditer(text)]
    return [(start, starts[i + 1] if i + 1 < len(starts) else len(text)) for i, start in enumerate(starts)]


def moved_overlays(stale: list[StaleCorrection], retired: Path | None) -> dict[Path, str]:
    """The overlay files' new texts with the stale actions taken out (comments and layout kept),
    and appended to the retired overlay when the pin has one."""
    texts: dict[Path, str] = {}
    taken: list[str] = []
    for source in sorted({s.source for s in stale}):
        text = source.read_text()
        blocks = _action_blocks(text)
        if len(blocks) != len(load_yaml(source)["actions"]):
            raise UpdateRefused(f"{source}: cannot tell its actions apart (each must start `  - target:`)")
        drop = sorted({s.index for s in stale if s.source == source}, reverse=True)
        for index in drop:
            start, end = blocks[index]
            taken.insert(0, text[start:end].rstrip("\n") + "\n")
            text = text[:start] + text[end:]
        texts[source] = text
    if retired is not None and taken:
        text = texts.get(retired, retired.read_text())
        texts[retired] = text.rstrip("\n") + "\n" + "".join(taken)
    return texts


def _relative(path: Path) -> str:
    """A path as the project names it: relative to its root (symlinks kept: ../shared may be one)."""
    return os.path.relpath(os.path.abspath(path), ROOT)


def _state_of(new_path: Path, state: str | None) -> str:
    if state is None:
        found = _DATE.search(new_path.name)
        if found is None:
            raise UpdateRefused(f"{new_path.name} has no date in its name: say its API state with STATE=YYYY-MM-DD")
        state = found.group(0)
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", state):
        raise UpdateRefused(f"STATE must be YYYY-MM-DD, got {state!r}")
    return state


def _check_findable(new_path: Path, config: dict[str, object]) -> None:
    """NEW must be where the pin looks: its upstream file, or a state in that file's history/."""
    pinned = Path(os.path.abspath(ROOT / str(config["upstream"])))  # links kept: history/ is beside the link
    new = Path(os.path.abspath(new_path))
    if new != pinned and new.parent != pinned.parent / HISTORY_DIR:
        raise UpdateRefused(
            f"{new_path} is not where the pin finds its states: the pin names {config['upstream']} (a fixed"
            f" path, which CI checks out at the pinned sha256) and looks for earlier states in its {HISTORY_DIR}/."
            " Put the new state there (update the spec checkout), then run this again."
        )


def update(
    new_path: Path, *, state: str | None, spec_config: Path, drop_stale: bool = False, allow_older: bool = False
) -> int:
    config = load_yaml(spec_config)
    state = _state_of(new_path, state)
    old_state = str(config["state"])
    _check_findable(new_path, config)
    if state < old_state and not allow_older:
        raise UpdateRefused(
            f"state {state} is older than the pinned {old_state}: going back needs ALLOW_OLDER=1 (--allow-older)"
        )

    old = build_effective_spec(spec_config)  # finds the pinned state by its sha256
    new = build_effective_spec(spec_config, new_path)
    if new.sha256 == old.sha256:
        raise UpdateRefused(f"{new_path} is the pinned spec already (sha256 {new.sha256[:16]}…)")
    if new.report.stale:
        print(f"corrections and additions that do not apply to {state}: {len(new.report.stale)}")
        for correction in new.report.stale:
            print(f"  [{correction.why}] {correction}")
        if not drop_stale:
            raise UpdateRefused(
                f"{len(new.report.stale)} correction(s) or addition(s) no longer apply to the new spec (listed"
                " above, each with why): review them, then rerun with DROP_STALE=1 (--drop-stale) to move them"
                " to the retired overlay and note it in the CHANGELOG, or edit overlays/ by hand"
            )

    added, removed, changed = diff(surface_of(old.spec), surface_of(new.spec))
    lines = added + removed + changed
    breaking = [line for line in lines if is_breaking(line)]
    print(f"API changes {old_state} -> {state}: {len(breaking)} breaking, {len(lines) - len(breaking)} additive")
    for line in lines:
        print(f"  [breaking] {line.removeprefix('BREAKING: ')}" if is_breaking(line) else f"  [additive] {line}")

    stale = new.report.stale
    retired = [ROOT / rel for rel in config.get("retired_overlays", [])]
    overlay_texts = moved_overlays(stale, retired[0] if retired else None) if drop_stale else {}
    originals = {path: path.read_text() for path in overlay_texts}
    package = str(config.get("package", "cycle_sdk._generated"))
    target = ROOT.joinpath(*package.split("."))
    scratch = Path(tempfile.mkdtemp(prefix="cycle_update_"))
    done = False
    try:
        # The overlays first (the generated package records their sha256), put back if refused.
        for path, text in overlay_texts.items():
            path.write_text(text)
        new = build_effective_spec(spec_config, new_path) if overlay_texts else new
        new.pinned = True
        new.config = {**config, "state": state, "sha256": new.sha256}
        started = time.monotonic()
        cov = generate(new, scratch / "pkg", package=package)
        coverage = report(new, cov, time.monotonic() - started)
        print("\n".join(coverage))
        below = [line for line in coverage if line.startswith("COVERAGE BELOW FLOOR")]
        if below:
            raise UpdateRefused("the new spec falls below the coverage floors:\n  " + "\n  ".join(below))

        changelog = (ROOT / "CHANGELOG.md").read_text()
        changes = replace(sdk_changes(changelog), api_breaking=len(breaking), api_additive=len(lines) - len(breaking))
        version = sdk_version()
        new_version = changes.next_version(version)
        platform = config["name"] == "platform"
        spec_state = state if platform else api_spec_state()
        intro = (
            f"Cycle {config['name']} API spec {old_state} -> {state} (`{_relative(new_path)}`, sha256"
            f" `{new.sha256[:8]}…`). {changes.why()}: so {version} -> {new_version} (rule in the preamble)."
        )
        api_changes = render(old.upstream.name, new_path.name, added, removed, changed)
        if overlay_texts:
            api_changes += "\n### Corrections dropped (they no longer apply)\n\n" + "".join(
                f"- [{correction.why}] {correction}\n" for correction in stale
            )
            api_changes += "\nThey moved to the retired overlay, which older states still get.\n" if retired else ""
        # Every new text is ready before the first write.
        writes: dict[Path, str] = {
            spec_config: _set_pin(spec_config.read_text(), sha256=new.sha256, state=state),
            ROOT / "cycle_sdk" / "_version.py": _set_version(
                (ROOT / "cycle_sdk" / "_version.py").read_text(), new_version
            ),
            ROOT / "CHANGELOG.md": changelog_with_release(
                changelog, changelog_heading(new_version, spec_state), intro, api_changes
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
        done = True
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        if not done:
            for path, text in originals.items():
                path.write_text(text)
    print(f"updated: {config['name']} API spec {old_state} -> {state}; cycle-sdk {version} -> {new_version}")
    print(
        "review `git diff` (spec/, overlays/, cycle_sdk/_version.py, pyproject.toml, CHANGELOG.md), make test, commit."
    )
    return 0


def cut_release(*, root: Path = ROOT) -> int:
    """`make bump`: the Unreleased entries become the next release's section, the version bumped for them."""
    changelog_path = root / "CHANGELOG.md"
    changelog = changelog_path.read_text()
    changes = sdk_changes(changelog)
    if not changes.sdk_entries:
        raise UpdateRefused("CHANGELOG.md's Unreleased section is empty: there is nothing to release")
    version, state = sdk_version(root), api_spec_state(root)
    new_version = changes.next_version(version)
    intro = f"SDK changes only; the Cycle API spec is still {state}. {changes.why()}: so {version} -> {new_version}."
    writes = {
        root / "cycle_sdk" / "_version.py": _set_version((root / "cycle_sdk" / "_version.py").read_text(), new_version),
        changelog_path: changelog_with_release(changelog, changelog_heading(new_version, state), intro, ""),
    }
    for path, text in writes.items():
        path.write_text(text)
    print(f"cycle-sdk {version} -> {new_version}: {changes.why()} (rule in CHANGELOG.md's preamble)")
    print(
        "review `git diff` (cycle_sdk/_version.py, CHANGELOG.md), commit, tag v" + new_version + ", then make release."
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("new", type=Path, nargs="?", help="the new upstream spec file (omit with --bump)")
    parser.add_argument("--state", default=None, help="its API state, YYYY-MM-DD (default: the date in its name)")
    parser.add_argument("--spec-config", type=Path, default=ROOT / "spec" / "platform.yaml")
    parser.add_argument("--drop-stale", action="store_true", help="move corrections that no longer apply out")
    parser.add_argument("--allow-older", action="store_true", help="accept a state older than the pinned one")
    parser.add_argument("--bump", action="store_true", help="cut a release of the Unreleased SDK entries alone")
    args = parser.parse_args(argv)
    try:
        if args.bump:
            if args.new is not None:
                parser.error("--bump takes no spec file")
            return cut_release()
        if args.new is None:
            parser.error("the new spec file is required (or --bump)")
        return update(
            args.new,
            state=args.state or None,
            spec_config=args.spec_config.resolve(),
            drop_stale=args.drop_stale,
            allow_older=args.allow_older,
        )
    except UpdateRefused as exc:
        print(f"{'bump' if args.bump else 'update-spec'} refused, nothing changed: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
