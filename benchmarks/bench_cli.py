"""The `cycle` command line: start-up and one simple command, each in a fresh process.

    python -m benchmarks.bench_cli URL          # URL: a benchmarks.server

Two ratios, paired per round (programs interleaved, median of the per-round ratios):
- `cycle --help` against `python -c "import httpx"` (target at most 1.5x);
- `cycle jobs get-job j1` against `import cycle_sdk` + the same call through the SDK,
  `Client().jobs.get_job("j1")` (target at most 1.2x).
The call goes to a benchmarks.server (a schema-valid job document).
Two interpreters: the project's dev venv (editable install; the CLI runs as its console script
does, `from cycle_sdk.cli import console; console()`), and what `pip install cycle-sdk` gives: a
venv holding only the SDK's runtime dependencies (see benchmarks.bench_import) into which the
project's wheel, built here, is installed non-editable, run as its real `cycle` script from a
directory outside the source tree. Bytecode is cached as for an installed package.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.bench_import import runtime_python
from benchmarks.common import ROOT, child_env, emit, median, reps

CONSOLE = "from cycle_sdk.cli import console; console()"
SDK_CALL = (
    "import cycle_sdk\n"
    "res = cycle_sdk.Client(max_retries=0).jobs.get_job('j1')\n"
    "assert res.ok is True and res.value.data.id, res\n"
)
PAIRS = {"help": ("cycle --help", "import httpx"), "command": ("cycle jobs get-job", "import cycle_sdk + get_job")}


def programs(python: str, cycle: list[str]) -> dict[str, list[str]]:
    """The four programs, `cycle` being how the command line is started."""
    return {
        "import httpx": [python, "-c", "import httpx"],
        "cycle --help": [*cycle, "--help"],
        "import cycle_sdk + get_job": [python, "-c", SDK_CALL],
        "cycle jobs get-job": [*cycle, "jobs", "get-job", "j1", "--max-retries", "0"],
    }


def _run(argv: list[str], env: dict[str, str], cwd: Path) -> float:
    started = time.perf_counter()
    subprocess.run(argv, cwd=cwd, env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def _check_run(cmd: list[str], cwd: Path) -> None:
    # No PYTHONPATH, and not run from the source tree: pip would see its egg-info as cycle-sdk
    # already installed and skip the wheel.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:4])} failed:\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")


def installed_runtime(where: Path) -> tuple[Path, Path]:
    """A runtime-only venv (benchmarks.bench_import.runtime_python) with the project's wheel
    installed non-editable: (its python, its `cycle` script)."""
    python = runtime_python(where / "venv")
    dist = where / "dist"
    _check_run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist), str(ROOT)], where)
    wheels = [str(w) for w in dist.glob("*.whl")]
    _check_run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", *wheels], where
    )
    cycle = python.with_name("cycle")
    if not cycle.exists():
        raise RuntimeError(f"the wheel's console script is missing: {cycle}")
    return python, cycle


def _modules(python: str, env: dict[str, str], cwd: Path) -> dict[str, int]:
    """How much of the SDK the simple command loads: endpoint and model modules."""
    code = (
        "import sys\nsys.argv = ['cycle', 'jobs', 'get-job', 'j1']\nfrom cycle_sdk.cli import main\n"
        "import contextlib, io\nwith contextlib.redirect_stdout(io.StringIO()): main(sys.argv[1:])\n"
        "print(sum(m.startswith('cycle_sdk._generated.api.') for m in sys.modules), "
        "sum(m.startswith('cycle_sdk._generated.models.') for m in sys.modules))"
    )
    out = subprocess.run([python, "-c", code], cwd=cwd, env=env, capture_output=True, text=True, check=True)
    api, models = out.stdout.split()[-2:]
    return {"endpoint_modules": int(api), "model_modules": int(models)}


def _measure(python: str, cycle: list[str], env: dict[str, str], cwd: Path) -> dict[str, Any]:
    argvs = programs(python, cycle)
    for argv in argvs.values():  # warm the bytecode cache, and fail early on a broken program
        _run(argv, env, cwd)
    samples: dict[str, list[float]] = {name: [] for name in argvs}
    names = list(argvs)
    for r in range(reps(20, 3)):
        shift = r % len(names)
        for name in names[shift:] + names[:shift]:
            samples[name].append(_run(argvs[name], env, cwd))
    out: dict[str, Any] = {name: {"median": median(s), "min": min(s), "n": len(s)} for name, s in samples.items()}
    for key, (num, den) in PAIRS.items():
        out[f"ratio_{key}"] = median([a / b for a, b in zip(samples[num], samples[den], strict=True)])
    out["loaded"] = _modules(python, env, cwd)
    return out


def main() -> None:
    url = sys.argv[1]
    with tempfile.TemporaryDirectory(prefix="cycle-cli-bench-") as tmp:
        env = child_env()
        env.update(CYCLE_BASE_URL=url, CYCLE_API_KEY="bench-key", CYCLE_CONFIG_DIR=str(Path(tmp) / "config"))
        env.pop("CYCLE_HUB_ID", None)
        out = _measure(sys.executable, [sys.executable, "-c", CONSOLE], env, ROOT)
        python, cycle = installed_runtime(Path(tmp))
        # Only what is installed: no source tree on sys.path, run from outside it.
        installed_env = {k: v for k, v in env.items() if k != "PYTHONPATH"}
        out["runtime"] = _measure(str(python), [str(cycle)], installed_env, Path(tmp))
        out["runtime"]["installed"] = "wheel, non-editable"
    emit(out)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
