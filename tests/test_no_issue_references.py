"""Code says why in its own words: no comment or docstring points at a tracker's "issue N" (a
number that means nothing to a reader of the code). An upstream project's issue, written `#1386`, is a link."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).parents[1]
REFERENCE = re.compile(r"\bissues? \d", re.IGNORECASE)


def test_no_issue_numbers_in_the_code() -> None:
    found = []
    for folder in ("cycle_sdk", "generator", "tests", "examples"):
        for path in sorted((ROOT / folder).rglob("*")):
            if path.suffix not in (".py", ".jinja") or any(p.startswith("_generated") for p in path.parts):
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if REFERENCE.search(line):
                    found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert found == []
