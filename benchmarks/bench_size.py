"""Size: the wheel, and the generated code's lines.

    python -m benchmarks.bench_size

The wheel is built from the tree (`python -m build --wheel --no-isolation`, as `make wheel` and
the command-line benchmark do); lines are counted in the generated packages as `make generate`
writes them (the platform API's models, all of its modules, and the three APIs together), and
in the generator's Python modules.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.common import ROOT, emit

GENERATED = ("_generated", "_generated_internal", "_generated_scheduler")


def _lines(files: list[Path]) -> int:
    return sum(len(f.read_bytes().splitlines()) for f in files)


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="cycle-sdk-wheel-") as tmp:
        subprocess.run(
            [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", tmp, str(ROOT)],
            cwd=tmp,
            check=True,
            capture_output=True,
        )
        wheel = next(Path(tmp).glob("*.whl"))
        wheel_bytes = wheel.stat().st_size
    models = sorted((ROOT / "cycle_sdk" / "_generated" / "models").glob("*.py"))
    platform = sorted((ROOT / "cycle_sdk" / "_generated").rglob("*.py"))
    every = [f for name in GENERATED for f in sorted((ROOT / "cycle_sdk" / name).rglob("*.py"))]
    emit(
        {
            "wheel_bytes": wheel_bytes,
            "model_modules": len(models),
            "model_lines": _lines(models),
            "platform_lines": _lines(platform),
            "generated_lines": _lines(every),
            "generator_lines": _lines(sorted((ROOT / "generator").glob("*.py"))),
        }
    )


if __name__ == "__main__":
    main()
