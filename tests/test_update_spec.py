"""`make update-spec NEW=...` moves the SDK to a new API spec state in one step; `make bump`
releases the Unreleased SDK entries alone.

The slow tests run update-spec in a scratch copy of the project (no .git, no .venv, nothing
generated) beside a scratch spec checkout (../shared/cycle-api-spec: links to Cycle's files, where
a test can put a hand-made state), so the real pin, version and CHANGELOG are never touched:
from the 2025-10-22 history state to the current platform.yml, with a hand-made breaking change,
with corrections that no longer apply (refused, then moved out with DROP_STALE), and with an
older state (refused without ALLOW_OLDER). `make bump` is run on a copy of the project's own
CHANGELOG, version and pin.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator import release
from generator.effective import (
    FIXED_UPSTREAM,
    TARGET_GONE,
    StaleCorrection,
    generated_mismatches,
    load_yaml,
    sha256_of,
)
from generator.update_spec import (
    Changes,
    UpdateRefused,
    bump,
    changelog_with_release,
    cut_release,
    moved_overlays,
    update,
)

ROOT = Path(__file__).parents[1]
SHARED = (ROOT.parent / "shared").resolve()
PIN_PATH = "../shared/cycle-api-spec/platform.yml"  # the pin's upstream: fixed, never rewritten
HISTORY = "../shared/cycle-api-spec/history/platform-2025-10-22.yml"
CURRENT = "../shared/cycle-api-spec/platform.yml"
SKIP = shutil.ignore_patterns(
    ".git",
    ".venv",
    "_generated*",
    "build",
    "dist",
    "*.egg-info",
    "cycle_sdk-*",
    "__pycache__",
    ".*_cache",
    ".cache",
    ".hypothesis",
)


# --- fast: the rule, the classes, the CHANGELOG text ------------------------------------


@pytest.mark.parametrize(
    ("version", "breaking", "additive", "expected"),
    [
        ("0.1.0", True, True, "0.2.0"),
        ("0.1.3", True, True, "0.2.0"),
        ("0.1.3", False, True, "0.1.4"),
        ("0.1.3", False, False, "0.1.4"),
        ("1.4.2", True, True, "2.0.0"),
        ("1.4.2", False, True, "1.5.0"),
        ("1.4.2", False, False, "1.4.3"),
        ("2.0.0rc1", False, True, "2.1.0"),
    ],
)
def test_version_bump_rule(version: str, breaking: bool, additive: bool, expected: str) -> None:
    assert bump(version, breaking=breaking, additive=additive) == expected


@pytest.mark.parametrize(
    ("version", "changes", "expected"),
    [
        # An API change the diff calls additive, with a Breaking SDK entry: breaking.
        ("0.1.0", Changes(api_additive=3, sdk_breaking=1, sdk_entries=4), "0.2.0"),
        ("0.1.3", Changes(sdk_entries=2), "0.1.4"),
        ("0.1.3", Changes(sdk_additive=1, sdk_entries=1), "0.1.4"),
        ("1.4.2", Changes(sdk_breaking=1, sdk_entries=1), "2.0.0"),
        ("1.4.2", Changes(sdk_additive=1, sdk_entries=2), "1.5.0"),
        ("1.4.2", Changes(sdk_entries=2), "1.4.3"),
        ("1.4.2", Changes(api_additive=1), "1.5.0"),
    ],
)
def test_the_bump_counts_the_api_changes_and_the_unreleased_sdk_entries(
    version: str, changes: Changes, expected: str
) -> None:
    assert changes.next_version(version) == expected


def test_changelog_section_takes_the_unreleased_entries() -> None:
    text = "# Changelog\n\npreamble\n\n# Unreleased\n\n- a fix\n\n# 0.1.0 (Cycle API spec 2025-10-22)\n\nfirst\n"
    out = changelog_with_release(text, "# 0.2.0 (Cycle API spec 2026-03-26)", "intro", "## API changes: a -> b\n")
    assert out == (
        "# Changelog\n\npreamble\n\n# Unreleased\n\n# 0.2.0 (Cycle API spec 2026-03-26)\n\nintro\n\n"
        "## API changes: a -> b\n\n## SDK changes\n\n- a fix\n\n# 0.1.0 (Cycle API spec 2025-10-22)\n\nfirst\n"
    )


FILES_BUMP_READS = ("CHANGELOG.md", "cycle_sdk/_version.py", "spec/platform.yaml", "pyproject.toml")


def test_bump_on_the_projects_own_files_is_a_minor_release_for_their_breaking_entries(tmp_path: Path) -> None:
    for name in FILES_BUMP_READS:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, tmp_path / name)
    before = (tmp_path / "CHANGELOG.md").read_text()
    entries = release.unreleased_entries(before)
    breaking = [e for e in entries if release.is_breaking_entry(e)]
    assert breaking, "the project's Unreleased section has Breaking entries today"
    version, state = release.sdk_version(tmp_path), release.api_spec_state(tmp_path)
    with pytest.raises(release.ReleaseError, match=f"holds {len(entries)} entries \\({len(breaking)} marked Breaking"):
        release.check_nothing_unreleased(tmp_path)  # what `make release` says today

    assert cut_release(root=tmp_path) == 0
    major, minor = map(int, version.split(".")[:2])
    expected = f"{major}.{minor + 1}.0" if major == 0 else f"{major + 1}.0.0"
    assert release.sdk_version(tmp_path) == expected != version
    after = (tmp_path / "CHANGELOG.md").read_text()
    assert release.unreleased_entries(after) == []
    release.check_nothing_unreleased(tmp_path)
    assert release.check_release_metadata(tmp_path) == (expected, state)  # the heading is there
    section = after.split(f"# {expected} (Cycle API spec {state})\n", 1)[1].split("\n# ", 1)[0]
    assert f"{len(breaking)} marked Breaking" in section and f"so {version} -> {expected}" in section
    assert release.unreleased_entries("# Unreleased\n" + section.split("## SDK changes\n", 1)[1]) == entries
    # Nothing left to release: a second bump is refused and changes nothing.
    with pytest.raises(UpdateRefused, match="nothing to release"):
        cut_release(root=tmp_path)
    assert (tmp_path / "CHANGELOG.md").read_text() == after


def test_stale_corrections_move_to_the_retired_overlay_with_their_comments(tmp_path: Path) -> None:
    corrections = tmp_path / "fix.overlay.yaml"
    corrections.write_text(
        "overlay: 1.0.0\ninfo: {title: t, version: '1'}\n# Why these.\nactions:\n"
        "  - target: $.a\n    update: {x: 1}\n    description: first\n"
        "  # The second one's own comment.\n"
        "  - target: $.b\n    update: {y: 2}\n    description: second\n"
        "  - target: $.c\n    remove: true\n    description: third\n"
    )
    retired = tmp_path / "retired.overlay.yaml"
    retired.write_text(
        "overlay: 1.0.0\ninfo: {title: r, version: '1'}\nactions:\n  - target: $.z\n"
        "    update: {z: 0}\n    description: older\n"
    )
    stale = [
        StaleCorrection(corrections, 1, "$.b", "second", FIXED_UPSTREAM),
        StaleCorrection(corrections, 2, "$.c", "third", TARGET_GONE),
    ]
    texts = moved_overlays(stale, retired)
    kept, moved = yaml.safe_load(texts[corrections]), yaml.safe_load(texts[retired])
    assert [a["description"] for a in kept["actions"]] == ["first"]
    assert [a["description"] for a in moved["actions"]] == ["older", "second", "third"]
    assert "# Why these." in texts[corrections] and "# The second one's own comment." in texts[corrections]
    assert corrections.read_text() != texts[corrections]  # computed, not written


def test_a_new_state_the_pin_could_not_find_is_refused_and_nothing_changes(tmp_path: Path) -> None:
    elsewhere = tmp_path / "platform-2026-04-01.yml"
    elsewhere.write_text((SHARED / "cycle-api-spec" / "platform.yml").read_text())
    before = {name: (ROOT / name).read_text() for name in FILES_BUMP_READS}
    with pytest.raises(UpdateRefused, match="is not where the pin finds its states"):
        update(elsewhere, state=None, spec_config=ROOT / "spec" / "platform.yaml")
    assert {name: (ROOT / name).read_text() for name in FILES_BUMP_READS} == before


# --- slow: the real command in a scratch copy -------------------------------------------


def _spec_checkout(tmp_path: Path) -> Path:
    """tmp_path/shared/cycle-api-spec: links to Cycle's files, where a test can put a new state."""
    checkout = tmp_path / "shared" / "cycle-api-spec"
    (checkout / "history").mkdir(parents=True)
    real = SHARED / "cycle-api-spec"
    for path in [*real.glob("*.yml"), *real.glob("history/*.yml")]:
        (checkout / path.relative_to(real)).symlink_to(path)
    return checkout


def _scratch(tmp_path: Path, *, pinned: str, state: str) -> Path:
    """A copy of the project pinned to the state in `pinned` (found by its sha256), version 0.1.0."""
    _spec_checkout(tmp_path)
    proj = tmp_path / "proj"
    shutil.copytree(ROOT, proj, ignore=SKIP)
    pin = proj / "spec" / "platform.yaml"
    config = load_yaml(pin)
    assert config["upstream"] == PIN_PATH
    text = pin.read_text().replace(config["sha256"], sha256_of(proj / pinned))
    pin.write_text(text.replace(f'state: "{config["state"]}"', f'state: "{state}"'))
    pyproject = proj / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace(f'"cycle-api-{config["state"]}"', f'"cycle-api-{state}"'))
    version = proj / "cycle_sdk" / "_version.py"
    version.write_text(version.read_text().replace(release.sdk_version(), "0.1.0"))
    changelog = proj / "CHANGELOG.md"
    text = changelog.read_text()
    start, end = text.index("# Unreleased\n"), text.index("\n# ", text.index("# Unreleased\n") + 1)
    changelog.write_text(text[:start] + "# Unreleased\n\n- an SDK fix\n" + text[end:])  # one entry, not breaking
    return proj


def _update_spec(proj: Path, new: str | Path, *extra: str) -> subprocess.CompletedProcess[str]:
    # `make update-spec NEW=... STATE=...` runs exactly this.
    return subprocess.run(
        [sys.executable, "-m", "generator.update_spec", str(new), *extra],
        cwd=proj,
        capture_output=True,
        text=True,
        timeout=900,
    )


def _state_files(proj: Path) -> dict[str, str]:
    names = ["spec/platform.yaml", "cycle_sdk/_version.py", "pyproject.toml", "CHANGELOG.md"]
    names += [str(p.relative_to(proj)) for p in sorted((proj / "overlays").glob("*/*.yaml"))]
    return {name: (proj / name).read_text() for name in names}


@pytest.mark.slow
def test_update_from_the_history_spec_to_the_current_one(tmp_path: Path) -> None:
    proj = _scratch(tmp_path, pinned=HISTORY, state="2025-10-22")
    done = _update_spec(proj, CURRENT, "--state", "2026-03-26")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    out = done.stdout
    assert out.startswith("API changes 2025-10-22 -> 2026-03-26: ")
    for line in (
        "  [additive] method `client.external_volumes.create_external_volume()`: new operation createExternalVolume",
        "  [breaking] method `client.attachable_volumes.create_attachable_volume()`: operation createAttachableVolume",
        "  [breaking] `Capability`: enum value(s) removed: attachable-volumes-manage, attachable-volumes-view",
        "  [additive] `Capability`: enum value(s) added: external-volumes-manage, external-volumes-view\n",
        "  [additive] `ContainerNetwork.public`: enum value(s) added: environment-limited\n",
    ):
        assert line in out, line
    assert "updated: platform API spec 2025-10-22 -> 2026-03-26; cycle-sdk 0.1.0 -> 0.2.0" in out

    pin = load_yaml(proj / "spec" / "platform.yaml")
    assert (pin["upstream"], pin["state"]) == (PIN_PATH, "2026-03-26")  # the path stays, the state moves
    assert pin["sha256"] == sha256_of(SHARED / "cycle-api-spec" / "platform.yml")
    assert release.check_release_metadata(proj) == ("0.2.0", "2026-03-26")  # version, heading, keyword agree
    release.check_nothing_unreleased(proj)
    assert generated_mismatches(proj / "spec" / "platform.yaml", proj) == []  # it records the new pin
    assert 'SPEC_STATE = "2026-03-26"' in (proj / "cycle_sdk" / "_generated" / "__init__.py").read_text()
    assert (proj / "cycle_sdk" / "_generated" / "namespaces" / "external_volumes.py").exists()

    changelog = (proj / "CHANGELOG.md").read_text()
    section = changelog.split("# 0.2.0 (Cycle API spec 2026-03-26)\n", 1)[1].split("\n# 0.1.0 ", 1)[0]
    assert "# Unreleased\n\n# 0.2.0 (Cycle API spec 2026-03-26)\n" in changelog
    assert section.startswith(
        "\nCycle platform API spec 2025-10-22 -> 2026-03-26"
        " (`../shared/cycle-api-spec/platform.yml`, sha256 `d05e4d29…`)"
    )
    assert "so 0.1.0 -> 0.2.0" in section
    assert "## API changes: platform-2025-10-22.yml -> platform.yml\n" in section
    assert "- BREAKING: method `client.attachable_volumes.create_attachable_volume()`: operation " in section
    assert "- method `client.external_volumes.create_external_volume()`: new operation " in section
    assert "\n## SDK changes\n\n- an SDK fix\n" in section


def _handmade(tmp_path: Path, change: Any) -> Path:
    """A hand-made later state, in the scratch spec checkout's history/ (where the pin finds states)."""
    spec = load_yaml(SHARED / "cycle-api-spec" / "platform.yml")
    change(spec)
    path = tmp_path / "shared" / "cycle-api-spec" / "history" / "platform-2026-04-01.yml"
    path.write_text(json.dumps(spec))  # JSON is YAML
    return path


@pytest.mark.slow
def test_handmade_breaking_change_is_classed_breaking_and_a_spec_below_the_floors_refused(tmp_path: Path) -> None:
    def change(spec: dict[str, Any]) -> None:
        del spec["paths"]["/v1/environments/{environmentId}"]["delete"]
        spec["components"]["schemas"]["Environment"]["properties"]["name"]["type"] = "integer"
        # An operation whose success schema says nothing: untyped, below the floor of 0.
        spec["paths"]["/v1/probe"] = {
            "get": {
                "operationId": "getProbe",
                "tags": ["Environments"],
                "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {}}}}},
            }
        }

    proj = _scratch(tmp_path, pinned=CURRENT, state="2026-03-26")
    marker = proj / "cycle_sdk" / "_generated" / "marker"
    marker.parent.mkdir()
    marker.write_text("the old generated package")
    before = _state_files(proj)
    refused = _update_spec(proj, _handmade(tmp_path, change))
    assert refused.returncode == 1
    assert "  [breaking] method `client.environments.delete_environment()`: operation " in refused.stdout
    assert "  [breaking] `Environment.name`: type string -> integer (its generated type changes)\n" in refused.stdout
    assert refused.stderr.startswith(
        "update-spec refused, nothing changed: the new spec falls below the coverage floors"
    )
    assert "COVERAGE BELOW FLOOR: untyped_operations: 1 > 0" in refused.stderr
    assert _state_files(proj) == before
    assert marker.read_text() == "the old generated package"


@pytest.mark.slow
def test_corrections_that_no_longer_apply_say_why_and_drop_stale_moves_them_out(tmp_path: Path) -> None:
    lookup = "/v1/dns/tls/certificates/lookup"

    def change(spec: dict[str, Any]) -> None:
        del spec["paths"][lookup]  # a correction's target: gone
        invoice = spec["components"]["schemas"]["Invoice"]  # upstream now holds a correction's fix
        invoice["required"] = ["id", "hub_id", "approved", "charges", "events", "failed_payment_attempts", "state"]

    proj = _scratch(tmp_path, pinned=CURRENT, state="2026-03-26")
    before = _state_files(proj)
    new = _handmade(tmp_path, change)
    refused = _update_spec(proj, new)
    assert refused.returncode == 1, refused.stdout[-3000:]
    assert refused.stderr.startswith("update-spec refused, nothing changed: 2 correction(s) or addition(s) no longer")
    assert "DROP_STALE=1" in refused.stderr
    assert f"  [target gone] platform.overlay.yaml: $.paths['{lookup}'].get.parameters[0].schema (" in refused.stdout
    assert "  [fixed upstream] platform.overlay.yaml: $.components.schemas.Invoice (" in refused.stdout
    assert _state_files(proj) == before
    assert not (proj / "cycle_sdk" / "_generated").exists()

    done = _update_spec(proj, new, "--drop-stale")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    overlays = proj / "overlays" / "corrections"
    active = load_yaml(overlays / "platform.overlay.yaml")["actions"]
    retired = load_yaml(overlays / "platform-retired.overlay.yaml")["actions"]
    for target in (f"$.paths['{lookup}'].get.parameters[0].schema", "$.components.schemas.Invoice"):
        assert target not in [a["target"] for a in active] and target in [a["target"] for a in retired]
    assert len(active) == len(load_yaml(ROOT / "overlays" / "corrections" / "platform.overlay.yaml")["actions"]) - 2
    changelog = (proj / "CHANGELOG.md").read_text()
    assert "### Corrections dropped (they no longer apply)\n" in changelog
    assert "- [fixed upstream] platform.overlay.yaml: $.components.schemas.Invoice (" in changelog
    assert "They moved to the retired overlay, which older states still get." in changelog
    assert release.check_release_metadata(proj)[1] == "2026-04-01"
    assert generated_mismatches(proj / "spec" / "platform.yaml", proj) == []  # recorded after the overlays moved


@pytest.mark.slow
def test_an_older_state_needs_allow_older(tmp_path: Path) -> None:
    proj = _scratch(tmp_path, pinned=CURRENT, state="2026-03-26")
    before = _state_files(proj)
    refused = _update_spec(proj, HISTORY)
    assert refused.returncode == 1
    assert refused.stderr == (
        "update-spec refused, nothing changed: state 2025-10-22 is older than the pinned 2026-03-26:"
        " going back needs ALLOW_OLDER=1 (--allow-older)\n"
    )
    # Allowed, it goes on to the next check: the corrections for volumes 2025-10-22 does not have.
    onward = _update_spec(proj, HISTORY, "--allow-older")
    assert onward.returncode == 1 and "older" not in onward.stderr
    assert "  [target gone] platform-required-bodies.overlay.yaml: $.paths['/v1/infrastructure/external-volumes']" in (
        onward.stdout
    )
    assert _state_files(proj) == before
