"""The README's Layout is the layout: every hand-written module and every test folder is in it."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).parents[1]


def _layout() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("\n## Layout\n")
    return text[start : text.index("\n## ", start + 1)]


def _row(first_cell: str) -> str:
    return next(line for line in _layout().splitlines() if line.startswith(f"| {first_cell} |"))


def test_every_hand_written_module_of_the_package_is_in_the_layout() -> None:
    named = {Path(name).name for name in re.findall(r"`([\w/.]+\.py)`", _layout())}
    modules = {path.name for path in (ROOT / "cycle_sdk").glob("*.py")}
    assert modules - named == set(), "README Layout does not name these cycle_sdk modules"
    package_row = set(re.findall(r"`([\w]+\.py)`", _row("`cycle_sdk/`")))
    assert package_row <= modules, "README Layout names modules that do not exist"


def test_the_tests_are_laid_out_as_the_readme_says() -> None:
    row = _row("`tests/`")
    folders = set(re.findall(r"`tests/(\w+)/`", row))
    present = {p.name for p in (ROOT / "tests").iterdir() if p.is_dir() and not p.name.startswith(("_", "."))}
    assert folders == present
    # The rest: one file per concern of the SDK runtime, beside the folders.
    loose = [p.name for p in (ROOT / "tests").glob("*.py") if p.name not in ("__init__.py", "conftest.py")]
    assert loose and all(re.fullmatch(r"test_\w+\.py", name) for name in loose), loose
