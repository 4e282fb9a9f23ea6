"""`make test-timing`: how long the README's test commands take on this machine, against the
times the README states (run it on an otherwise quiet machine: each line shows the load).

    python -m generator.timing                 # the fast layer, then `make test` (warm venv)
    python -m generator.timing --from-nothing  # and `make test` in a fresh clone of HEAD

A report, not a check: a run that fails is reported as failed (exit status 1); a time over its
budget is marked, never failed (times belong in reports, not in assertions).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from generator.typecheck_generated import SKIPPED_CHECK

ROOT = Path(__file__).resolve().parents[1]
# The README's budgets ("Set up"), in seconds, on a 2-core machine.
FAST_LAYER_BUDGET = 60
WARM_BUDGET = 4 * 60
FROM_NOTHING_BUDGET = 8 * 60


@dataclass(frozen=True)
class Timing:
    what: str
    budget: float
    wall: float
    cpu: float
    load: float
    load_after: float
    ok: bool
    check_ran: bool  # make test's generated code check: minutes when it runs, a second when skipped

    def line(self) -> str:
        verdict = "FAILED" if not self.ok else ("within budget" if self.wall <= self.budget else "OVER BUDGET")
        line = (
            f"{self.what:<42} {self.wall:6.0f} s wall (budget {self.budget:.0f} s: {verdict}), "
            f"{self.cpu:6.0f} s CPU, load {self.load:.1f} before, {self.load_after:.1f} after"
        )
        if self.what.startswith("make test,"):
            line += f"; the generated code's check {'ran' if self.check_ran else 'was skipped (unchanged)'}"
        return line


def timed(what: str, budget: float, command: list[str], cwd: Path) -> Timing:
    load = os.getloadavg()[0]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    done = subprocess.run(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False)
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode != 0:
        print(done.stdout[-4000:], file=sys.stderr)
    ran = SKIPPED_CHECK not in done.stdout
    return Timing(what, budget, wall, cpu, load, os.getloadavg()[0], done.returncode == 0, ran)


def from_nothing(python: str) -> Timing:
    """`make test` in a fresh clone of HEAD (no venv, nothing generated), ../shared beside it."""
    with tempfile.TemporaryDirectory(prefix="test-timing-") as tmp:
        base = Path(tmp)
        subprocess.run(["git", "clone", "--quiet", str(ROOT), str(base / "project")], check=True)
        (base / "shared").symlink_to(ROOT.parent / "shared")
        return timed(
            "make test, from nothing (fresh clone)",
            FROM_NOTHING_BUDGET,
            ["make", "test", f"PYTHON={python}"],
            base / "project",
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--from-nothing", action="store_true", help="also time make test in a fresh clone")
    parser.add_argument("--python", default="python3.11", help="the Python a fresh clone's venv is made with")
    args = parser.parse_args(argv)
    print(f"{os.cpu_count()} cores; the budgets are the README's, for 2 cores", flush=True)
    runs: list[Callable[[], Timing]] = [
        lambda: timed(
            "fast layer (make test-fast)", FAST_LAYER_BUDGET, ["make", "--no-print-directory", "test-fast"], ROOT
        ),
        lambda: timed("make test, warm venv", WARM_BUDGET, ["make", "--no-print-directory", "test"], ROOT),
    ]
    if args.from_nothing:
        runs.append(lambda: from_nothing(args.python))
    timings: list[Timing] = []
    for run in runs:
        timings.append(run())
        print(timings[-1].line(), flush=True)
    return 0 if all(t.ok for t in timings) else 1


if __name__ == "__main__":
    sys.exit(main())
