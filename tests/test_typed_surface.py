"""The surface users call type-checks as documented, in mypy --strict and pyright.

One mypy run and one pyright run over one folder: the snippets of tests/typing/surface/ (a line
marked `# ERROR` must be an error, every other line must not) and every `python` block of the
README (no errors at all), so the README's idioms are checked, not only run.
"""

from __future__ import annotations

import importlib
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # two type-checker subprocesses

ROOT = Path(__file__).parents[1]
SURFACE = ROOT / "tests" / "typing" / "surface"
README_BLOCKS = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
# Package docstrings whose indented examples are checked like the README's blocks.
DOCUMENTED = ("cycle_sdk", "cycle_sdk.auth", "cycle_sdk.params", "cycle_sdk.internal")
CHECKERS = ("mypy", "pyright")


@pytest.fixture(scope="module")
def checked(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, str]]:
    folder = tmp_path_factory.mktemp("surface")
    for snippet in SURFACE.glob("*.py"):
        shutil.copy(snippet, folder / snippet.name)
    for index, block in enumerate(README_BLOCKS, 1):
        (folder / f"readme_block{index}.py").write_text(block)
    for module in DOCUMENTED:
        (folder / f"docstring_{module.replace('.', '_')}.py").write_text(_examples(module))
    # Incremental, in the checkout's .mypy_cache as `make test`'s mypy: the SDK's modules are read
    # from it, the snippets (new files) are checked, and the errors are those of a fresh run.
    mypy = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", str(folder)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    pyright = subprocess.run(
        [str(Path(sys.executable).with_name("pyright")), str(folder)], capture_output=True, text=True, cwd=ROOT
    )
    return {"mypy": (folder, mypy.stdout + mypy.stderr), "pyright": (folder, pyright.stdout + pyright.stderr)}


def _examples(module: str) -> str:
    """The indented example lines of a module's docstring, dedented, as one file."""
    doc = importlib.import_module(module).__doc__ or ""
    code = [line[4:] for line in doc.splitlines() if line.startswith("    ") or not line.strip()]
    text = textwrap.dedent("\n".join(code)).strip()
    assert "import cycle_sdk" in text or "from cycle_sdk" in text, module
    return text + "\n"


def _error_lines(output: str, name: str) -> set[int]:
    return {int(m.group(1)) for m in re.finditer(rf"{re.escape(name)}:(\d+)(?::\d+)?:? -? ?error", output)}


@pytest.mark.parametrize("checker", CHECKERS)
@pytest.mark.parametrize("snippet", sorted(p.name for p in SURFACE.glob("*.py")))
def test_snippet_errors_exactly_where_marked(checked: dict[str, tuple[Path, str]], checker: str, snippet: str) -> None:
    folder, output = checked[checker]
    lines = (folder / snippet).read_text().splitlines()
    expected = {i for i, line in enumerate(lines, 1) if "# ERROR" in line}
    assert expected, "a snippet proves something only with marked errors"
    assert _error_lines(output, snippet) == expected, output


@pytest.mark.parametrize("checker", CHECKERS)
@pytest.mark.parametrize("index", range(1, len(README_BLOCKS) + 1), ids=lambda i: f"block{i}")
def test_readme_block_type_checks(checked: dict[str, tuple[Path, str]], checker: str, index: int) -> None:
    _, output = checked[checker]
    assert not _error_lines(output, f"readme_block{index}.py"), output


@pytest.mark.parametrize("checker", CHECKERS)
@pytest.mark.parametrize("module", DOCUMENTED)
def test_package_docstring_examples_type_check(checked: dict[str, tuple[Path, str]], checker: str, module: str) -> None:
    _, output = checked[checker]
    assert not _error_lines(output, f"docstring_{module.replace('.', '_')}.py"), output
