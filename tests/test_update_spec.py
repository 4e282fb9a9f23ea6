"""`make update-spec NEW=...` moves the SDK to a new API spec state in one step.

The slow tests run it in a scratch copy of the project (no .git, no .venv, nothing
generated; ../shared beside it by a symlink), so the real pin, version and CHANGELOG are
never touched: from the 2025-10-22 history spec to the current platform.yml, then with a
hand-made breaking change, then with specs it must refuse.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from generator import release
from generator.effective import load_yaml, sha256_of
from generator.update_spec import bump, changelog_with_release

ROOT = Path(__file__).parents[1]
SHARED = (ROOT.parent / "shared").resolve()
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


def test_changelog_section_takes_the_unreleased_entries() -> None:
    text = "# Changelog\n\npreamble\n\n# Unreleased\n\n- a fix\n\n# 0.1.0 (Cycle API spec 2025-10-22)\n\nfirst\n"
    out = changelog_with_release(text, "# 0.2.0 (Cycle API spec 2026-03-26)", "intro", "## API changes: a -> b\n")
    assert out == (
        "# Changelog\n\npreamble\n\n# Unreleased\n\n# 0.2.0 (Cycle API spec 2026-03-26)\n\nintro\n\n"
        "## API changes: a -> b\n\n## SDK changes\n\n- a fix\n\n# 0.1.0 (Cycle API spec 2025-10-22)\n\nfirst\n"
    )


# --- slow: the real command in a scratch copy -------------------------------------------


def _scratch(tmp_path: Path, *, upstream: str, state: str) -> Path:
    """A copy of the project pinned to upstream at state, version 0.1.0."""
    (tmp_path / "shared").symlink_to(SHARED)
    proj = tmp_path / "proj"
    shutil.copytree(ROOT, proj, ignore=SKIP)
    pin = proj / "spec" / "platform.yaml"
    config = load_yaml(pin)
    text = pin.read_text().replace(config["upstream"], upstream).replace(config["sha256"], sha256_of(proj / upstream))
    pin.write_text(text.replace(f'state: "{config["state"]}"', f'state: "{state}"'))
    pyproject = proj / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace(f'"cycle-api-{config["state"]}"', f'"cycle-api-{state}"'))
    version = proj / "cycle_sdk" / "_version.py"
    version.write_text(version.read_text().replace(release.sdk_version(), "0.1.0"))
    changelog = proj / "CHANGELOG.md"
    changelog.write_text(changelog.read_text().replace("# Unreleased\n", "# Unreleased\n\n- an SDK fix\n", 1))
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
    return {name: (proj / name).read_text() for name in names}


@pytest.mark.slow
def test_update_from_the_history_spec_to_the_current_one(tmp_path: Path) -> None:
    proj = _scratch(tmp_path, upstream=HISTORY, state="2025-10-22")
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
    assert (pin["upstream"], pin["state"]) == (CURRENT, "2026-03-26")
    assert pin["sha256"] == sha256_of(SHARED / "cycle-api-spec" / "platform.yml")
    assert release.check_release_metadata(proj) == ("0.2.0", "2026-03-26")  # version, heading, keyword agree
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
    spec = load_yaml(SHARED / "cycle-api-spec" / "platform.yml")
    change(spec)
    path = tmp_path / "platform-2026-04-01.yml"
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

    proj = _scratch(tmp_path, upstream=CURRENT, state="2026-03-26")
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
def test_spec_whose_corrections_no_longer_apply_is_refused(tmp_path: Path) -> None:
    def change(spec: dict[str, Any]) -> None:
        del spec["components"]["schemas"]["ImageSummary"]  # a correction's target

    proj = _scratch(tmp_path, upstream=CURRENT, state="2026-03-26")
    before = _state_files(proj)
    refused = _update_spec(proj, _handmade(tmp_path, change))
    assert refused.returncode == 1
    assert refused.stderr.startswith("update-spec refused, nothing changed: corrections or additions no longer apply")
    assert "$.components.schemas.ImageSummary" in refused.stderr
    assert _state_files(proj) == before
    assert not (proj / "cycle_sdk" / "_generated").exists()
