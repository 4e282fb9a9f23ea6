"""APIResult narrows in mypy --strict and pyright, and unchecked `.value` is a type error.

Runs both checkers on the sample files in tests/typing/.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # runs mypy and pyright in subprocesses

ROOT = Path(__file__).parents[1]
SAMPLES = ROOT / "tests" / "typing"


def _mypy(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", str(path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )


def _pyright(path: Path) -> subprocess.CompletedProcess[str]:
    pyright = Path(sys.executable).with_name("pyright")
    return subprocess.run([str(pyright), str(path)], capture_output=True, text=True, cwd=ROOT)


def _error_lines(output: str, name: str) -> set[int]:
    return {int(m.group(1)) for m in re.finditer(rf"{re.escape(name)}:(\d+)(?::\d+)?:? -? ?error", output)}


def test_mypy_narrows_on_plain_ok() -> None:
    result = _mypy(SAMPLES / "narrowing_mypy.py")
    assert result.returncode == 0, result.stdout


@pytest.mark.parametrize("checker", [_mypy, _pyright], ids=["mypy", "pyright"])
def test_documented_idioms_narrow(checker: object) -> None:
    result = checker(SAMPLES / "narrowing_both.py")  # type: ignore[operator]
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("checker", [_mypy, _pyright], ids=["mypy", "pyright"])
@pytest.mark.parametrize("sample", ["unchecked_value.py", "models_typed.py", "client_options.py", "request_options.py"])
def test_expected_type_errors(checker: object, sample: str) -> None:
    path = SAMPLES / sample
    result = checker(path)  # type: ignore[operator]
    assert result.returncode != 0
    expected = {i for i, line in enumerate(path.read_text().splitlines(), 1) if "# ERROR" in line}
    assert _error_lines(result.stdout, path.name) == expected, result.stdout


@pytest.mark.parametrize("checker", ["mypy", "pyright"])
def test_a_wrong_key_or_value_is_named(checker: str) -> None:
    path = SAMPLES / "key_errors.py"
    lines = path.read_text().splitlines()
    marked = {i: line.rpartition("# KEY ")[2] for i, line in enumerate(lines, 1) if "# KEY " in line}
    result = (_mypy if checker == "mypy" else _pyright)(path)
    assert _error_lines(result.stdout, path.name) == set(marked), result.stdout
    for number, key in marked.items():
        if checker == "mypy":
            said = re.findall(rf"{path.name}:{number}: error: (.*)", result.stdout)
            assert any(f'"{key}"' in message for message in said), (key, said)
        else:
            # pyright's message has the key, or points at it or at its value.
            found = re.search(rf"{path.name}:{number}:(\d+) - error: (.*(?:\n  \s+.*)*)", result.stdout)
            assert found is not None, result.stdout
            line, column = lines[number - 1], int(found.group(1)) - 1
            value = line.index(f'"{key}": ') + len(key) + 4 if f'"{key}": ' in line else None
            assert f'"{key}"' in found.group(2) or column in (line.find(f'"{key}"'), value), (key, found.group(0))
