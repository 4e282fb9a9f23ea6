"""`make bench` stands on its own: nothing under benchmarks/ imports the test suite. The tests may
import the benchmarks' fixture documents (benchmarks/instances.py, documents.py), never the other
way round, so a benchmark measures the SDK and not a test helper, and tests/ can change freely.

Read from the source (AST): every import statement, at module level or inside a function, and
the Python programs the benchmarks hand to child processes as strings (`python -c ...`)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

BENCHMARKS = Path(__file__).parents[1] / "benchmarks"
# An import statement at the start of a line of a program held in a string.
_IMPORT_LINE = re.compile(r"^\s*(?:from\s+([\w.]+)\s+import|import\s+([\w.]+))", re.MULTILINE)


def _imported(tree: ast.AST) -> list[str]:
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            names += [a or b for a, b in _IMPORT_LINE.findall(node.value)]
    return names


def test_benchmarks_import_nothing_from_tests() -> None:
    files = sorted(BENCHMARKS.glob("*.py"))
    assert len(files) > 5, "benchmarks/ not found"
    found = {
        f"{path.name}: {name}"
        for path in files
        for name in _imported(ast.parse(path.read_text(encoding="utf-8")))
        if name == "tests" or name.startswith("tests.")
    }
    assert found == set()


def test_the_check_sees_each_kind_of_import() -> None:
    source = (
        "from tests.support.fault_server import FaultServer\n"
        "def f():\n    import tests.support.clock\n"
        "PROGRAM = 'import sys\\nfrom tests.support import x\\n'\n"
    )
    assert {n for n in _imported(ast.parse(source)) if n.startswith("tests")} == {
        "tests.support.fault_server",
        "tests.support.clock",
        "tests.support",
    }
