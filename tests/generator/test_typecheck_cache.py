"""`make typecheck-generated` is skipped when its key matches the last pass: the key must change
with everything the check depends on, and only with that (generator/typecheck_generated.py).

Run on a small scratch project laid out like this one, so each input can be changed alone.
"""

from __future__ import annotations

import ast
import shutil
import sys
from pathlib import Path

import pytest

from generator.effective import NOT_GENERATOR_INPUTS
from generator.typecheck_generated import KEY_FILE, ROOT, SKIPPED_CHECK, compute_key, contract_closure, main

FILES = {
    # the generated package imports the contract layer...
    "cycle_sdk/_generated/__init__.py": "from cycle_sdk._decode import check\n",
    "cycle_sdk/_generated/models/job.py": "from ..types import UNSET\n",
    "cycle_sdk/_generated/types.py": "UNSET = None\n",
    "cycle_sdk/_generated/spec.json": "{}\n",
    # ...which imports further hand-written modules, relatively and for type checking only
    "cycle_sdk/_decode.py": "from ._types import Unset\n\ndef check() -> None: ...\n",
    "cycle_sdk/_types.py": (
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from cycle_sdk import _clock\nclass Unset: ...\n"
    ),
    "cycle_sdk/_clock.py": "class Clock: ...\n",
    # hand-written modules the generated code cannot reach
    "cycle_sdk/__init__.py": "from ._client import Client\n",
    "cycle_sdk/_client.py": "class Client: ...\n",
    "cycle_sdk/cli/__init__.py": "\n",
    # the build's inputs and the checkers' configs
    "spec/platform.yaml": "upstream: platform.yml\n",
    "overlays/corrections/platform.yaml": "actions: []\n",
    "generator/build.py": "\n",
    "generator/config.yaml": "{}\n",
    "generator/templates/model.py.jinja": "{{ model }}\n",
    "generator/templates/sub/part.jinja": "\n",
    "generator/mypy-generated.ini": "[mypy]\n",
    "generator/pyright-generated.json": "{}\n",
    "../shared/cycle-api-spec/platform.yml": "openapi: 3.0.0\n",
    # a tool beside the generator that the build never imports
    "generator/timing.py": "\n",
}
NOT_IN_KEY = ["cycle_sdk/__init__.py", "cycle_sdk/_client.py", "cycle_sdk/cli/__init__.py", "generator/timing.py"]
IN_KEY = [name for name in FILES if name not in NOT_IN_KEY]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    for name, text in FILES.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_the_contract_closure_follows_relative_and_type_checking_imports(project: Path) -> None:
    closure = contract_closure(project, {"cycle_sdk._decode"})
    assert [p.relative_to(project).as_posix() for p in closure] == [
        "cycle_sdk/_clock.py",
        "cycle_sdk/_decode.py",
        "cycle_sdk/_types.py",
    ]


@pytest.mark.parametrize("name", IN_KEY)
def test_a_change_to_anything_checked_against_changes_the_key(project: Path, name: str) -> None:
    before = compute_key(project)
    assert compute_key(project) == before  # stable while nothing changes
    path = project / name
    path.write_text(path.read_text() + "# changed\n")
    assert compute_key(project) != before


def test_a_new_generated_file_changes_the_key(project: Path) -> None:
    before = compute_key(project)
    (project / "cycle_sdk/_generated/models/new.py").write_text("\n")
    assert compute_key(project) != before


@pytest.mark.parametrize("name", NOT_IN_KEY)
def test_code_neither_the_generated_code_nor_the_build_reaches_keeps_the_key(project: Path, name: str) -> None:
    before = compute_key(project)
    (project / name).write_text("class Changed: ...\n")
    assert compute_key(project) == before


def _generator_imports(module: str, seen: set[str]) -> set[str]:
    """The generator modules `module` imports, at any depth and wherever in it (ast, not run):
    `import generator.x`, `from generator.x import y`, `from generator import x`, `from . import x`."""
    path = ROOT / (module.replace(".", "/") + ".py")
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
        if isinstance(node, ast.ImportFrom):
            base = ".".join(filter(None, ["generator", node.module])) if node.level == 1 else node.module or ""
            names = [base, *(f"{base}.{a.name}" for a in node.names)]  # a name may be a module
        for name in names:
            is_module = (ROOT / (name.replace(".", "/") + ".py")).is_file()
            if name.startswith("generator.") and is_module and name not in seen:
                seen.add(name)
                _generator_imports(name, seen)
    return seen


def test_the_build_imports_none_of_the_tools_left_out_of_its_digest_and_the_key() -> None:
    """A tool in NOT_GENERATOR_INPUTS changes neither the generated code's recorded generator
    digest nor this key: true only while `make generate` never imports it."""
    imported = {f"{name.replace('.', '/')}.py" for name in _generator_imports("generator.build", set())}
    assert {"generator/effective.py", "generator/pysource.py"} <= imported  # the walk follows imports
    assert imported & NOT_GENERATOR_INPUTS == set()


def test_another_checker_version_changes_the_key(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = compute_key(project)
    site = tmp_path / "site"
    (site / "mypy-99.0.dist-info").mkdir(parents=True)  # what an installed distribution leaves
    monkeypatch.setattr(sys, "path", [*sys.path, str(site)])
    assert compute_key(project) != before


@pytest.mark.slow  # mypy and pyright in subprocesses
def test_a_pass_is_remembered_and_a_failure_is_not(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`make typecheck-generated` on a one-module generated package: the checkers run and the key
    is kept; the next run is skipped; a type error fails and forgets the key; fixed, it runs again."""
    root = tmp_path / "project"
    module = root / "cycle_sdk" / "_generated" / "__init__.py"
    module.parent.mkdir(parents=True)
    (root / "cycle_sdk" / "__init__.py").write_text("")
    module.write_text("COUNT: int = 1\n")
    (root / "generator").mkdir()
    for config in ("mypy-generated.ini", "pyright-generated.json"):
        shutil.copy(ROOT / "generator" / config, root / "generator" / config)
    (root / ".venv").symlink_to(ROOT / ".venv")  # pyright's config names the venv beside it
    key_file = root / KEY_FILE

    assert main([], root=root) == 0
    assert "mypy --config-file" in capsys.readouterr().out and key_file.is_file()
    assert main([], root=root) == 0
    assert SKIPPED_CHECK in capsys.readouterr().out
    module.write_text('COUNT: int = "one"\n')
    assert main([], root=root) != 0
    assert not key_file.exists()
    module.write_text("COUNT: int = 2\n")
    assert main([], root=root) == 0
    assert SKIPPED_CHECK not in capsys.readouterr().out and key_file.is_file()
