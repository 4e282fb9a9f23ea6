"""The `cycle` command line: start-up and one simple command, each in a fresh process.

    python -m benchmarks.bench_cli

Two ratios, paired per round (programs interleaved, median of the per-round ratios):
- `cycle --help` against `python -c "import httpx"` (target at most 1.5x);
- `cycle jobs get-job j1` against `import cycle_sdk` + the same call through the SDK,
  `Client().jobs.get_job("j1")` (target at most 1.2x).
The call goes to a tests.support FaultServer started here, scripted with a schema-valid job.
The CLI runs as its console script does (`from cycle_sdk.cli import console; console()`), in
the project's dev venv and in a venv holding only the SDK's runtime dependencies (see
benchmarks.bench_import), bytecode cached as for an installed package.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks import documents
from benchmarks.bench_import import runtime_python
from benchmarks.common import ROOT, child_env, emit, median, reps
from tests.support.fault_server import FaultServer, Reply

CONSOLE = "from cycle_sdk.cli import console; console()"
SDK_CALL = (
    "import cycle_sdk\n"
    "res = cycle_sdk.Client(max_retries=0).jobs.get_job('j1')\n"
    "assert res.ok is True and res.value.data.id, res\n"
)
PROGRAMS: dict[str, list[str]] = {
    "import httpx": ["-c", "import httpx"],
    "cycle --help": ["-c", CONSOLE, "--help"],
    "import cycle_sdk + get_job": ["-c", SDK_CALL],
    "cycle jobs get-job": ["-c", CONSOLE, "jobs", "get-job", "j1", "--max-retries", "0"],
}
PAIRS = {"help": ("cycle --help", "import httpx"), "command": ("cycle jobs get-job", "import cycle_sdk + get_job")}


def _run(python: str, args: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run([python, *args], cwd=ROOT, env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def _modules(python: str, env: dict[str, str]) -> dict[str, int]:
    """How much of the SDK the simple command loads: endpoint and model modules."""
    code = (
        "import sys\nsys.argv = ['cycle', 'jobs', 'get-job', 'j1']\nfrom cycle_sdk.cli import main\n"
        "import contextlib, io\nwith contextlib.redirect_stdout(io.StringIO()): main(sys.argv[1:])\n"
        "print(sum(m.startswith('cycle_sdk._generated.api.') for m in sys.modules), "
        "sum(m.startswith('cycle_sdk._generated.models.') for m in sys.modules))"
    )
    out = subprocess.run([python, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    api, models = out.stdout.split()[-2:]
    return {"endpoint_modules": int(api), "model_modules": int(models)}


def _measure(python: str, env: dict[str, str]) -> dict[str, Any]:
    for args in PROGRAMS.values():  # warm the bytecode cache, and fail early on a broken program
        _run(python, args, env)
    samples: dict[str, list[float]] = {name: [] for name in PROGRAMS}
    names = list(PROGRAMS)
    for r in range(reps(20, 3)):
        shift = r % len(names)
        for name in names[shift:] + names[:shift]:
            samples[name].append(_run(python, PROGRAMS[name], env))
    out: dict[str, Any] = {name: {"median": median(s), "min": min(s), "n": len(s)} for name, s in samples.items()}
    for key, (num, den) in PAIRS.items():
        out[f"ratio_{key}"] = median([a / b for a, b in zip(samples[num], samples[den], strict=True)])
    out["loaded"] = _modules(python, env)
    return out


def main() -> None:
    job = documents.one("jobs")
    documents.spec.cache_clear()
    with FaultServer() as server, tempfile.TemporaryDirectory(prefix="cycle-cli-bench-") as tmp:
        server.script("GET", "/v1/jobs/j1", Reply(200, job))
        env = child_env()
        env.update(CYCLE_BASE_URL=server.url, CYCLE_API_KEY="bench-key", CYCLE_CONFIG_DIR=str(Path(tmp) / "config"))
        env.pop("CYCLE_HUB_ID", None)
        runtime = runtime_python(Path(tmp) / "venv")
        out = _measure(sys.executable, env)
        out["runtime"] = _measure(str(runtime), env)
    emit(out)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
