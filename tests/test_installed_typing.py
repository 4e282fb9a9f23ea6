"""Editors see what users see: the README's python blocks type-check against the SDK as installed.

- From the built wheel, installed into a fresh venv outside the checkout: pyright in its default
  mode (what VS Code's Pylance runs, `reportPrivateImportUsage` on) and mypy --strict, over every
  README block, in a folder with no configuration of theirs.
- From the dev venv (`make install`, setuptools' compat editable mode): the same checkers, run
  from an activated `.venv` in a folder outside the checkout, find `cycle_sdk` and its generated
  packages (the default editable mode's import hook is invisible to both).

The wheel's dependencies come from the release tests' wheelhouse (filled once, offline after).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from generator import release
from tests.test_release import _clean_env, wheelhouse  # noqa: F401  (the fixture, shared)

pytestmark = pytest.mark.slow  # a wheel build, a venv and four type-checker runs

ROOT = Path(__file__).parents[1]
BIN = Path(sys.executable).parent
README_BLOCKS = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), re.S)
# Reads the packages `make generate` writes after the install, and a namespace's declared type.
DEV_SCRIPT = """\
import cycle_sdk
from cycle_sdk._generated.models import Environment
from cycle_sdk.params import GetEnvironmentsFilterParam

res = cycle_sdk.environments.get_environment("id")
if res.ok is True:
    env: Environment = res.value.data
live: GetEnvironmentsFilterParam = {"state": "live"}
"""


def _blocks_into(folder: Path) -> list[str]:
    names = []
    for index, block in enumerate(README_BLOCKS, 1):
        names.append(f"readme_block{index}.py")
        (folder / names[-1]).write_text(block, encoding="utf-8")
    return names


def _errors(output: str) -> list[str]:
    return [line for line in output.splitlines() if re.search(r"\berror\b", line)]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory, wheelhouse: Path) -> Path:  # noqa: F811
    """The python of a fresh venv holding only the wheel and its dependencies."""
    base = tmp_path_factory.mktemp("installed")
    wheel = next(p for p in release.build(base / "dist", release.source_date_epoch()) if p.suffix == ".whl")
    venv.create(base / "venv", with_pip=True)
    python = base / "venv" / "bin" / "python"
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--no-index", "--find-links", str(wheelhouse), str(wheel)],
        capture_output=True,
        text=True,
        env=_clean_env(),
    )
    assert install.returncode == 0, install.stderr[-3000:]
    return python


def test_readme_blocks_pass_pyright_default_mode_against_the_wheel(installed: Path, tmp_path: Path) -> None:
    assert README_BLOCKS
    _blocks_into(tmp_path)
    run = subprocess.run(
        [str(BIN / "pyright"), "--verbose", "--pythonpath", str(installed), str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    # The wheel's copy is on the search path, the checkout is not.
    search = [line.strip() for line in run.stdout.split("Search paths:", 1)[1].split("Found ", 1)[0].splitlines()]
    assert any(path.startswith(str(installed.parents[1])) and path.endswith("site-packages") for path in search)
    assert str(ROOT) not in search, search
    assert run.returncode == 0 and _errors(run.stdout) == [], run.stdout[-4000:]


def test_readme_blocks_pass_mypy_strict_against_the_wheel(installed: Path, tmp_path: Path) -> None:
    _blocks_into(tmp_path)
    mypy = [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "-v"]
    run = subprocess.run(
        [*mypy, "--python-executable", str(installed), "."],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    parsed = re.search(r"Parsing (\S+)/cycle_sdk/__init__\.py \(cycle_sdk\)", run.stderr)
    assert parsed is not None and parsed.group(1).startswith(str(installed.parents[1])), parsed
    assert run.returncode == 0 and _errors(run.stdout) == [], run.stdout[-4000:]


def _activated() -> dict[str, str]:
    """The environment of a shell with .venv activated (what an editor's terminal has)."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "MYPYPATH")}
    env.update(PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}", VIRTUAL_ENV=str(BIN.parent))
    return env


@pytest.mark.parametrize("checker", ["pyright", "mypy"])
def test_the_dev_install_is_visible_to_type_checkers_outside_the_checkout(checker: str, tmp_path: Path) -> None:
    (tmp_path / "script.py").write_text(DEV_SCRIPT, encoding="utf-8")
    command = [str(BIN / "pyright")] if checker == "pyright" else [str(BIN / "mypy"), "--strict"]
    run = subprocess.run([*command, "script.py"], capture_output=True, text=True, cwd=tmp_path, env=_activated())
    assert run.returncode == 0 and _errors(run.stdout) == [], run.stdout[-3000:] + run.stderr[-2000:]
