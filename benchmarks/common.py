"""Shared helpers: interleaved timing, medians, the server subprocess, memory readings."""

from __future__ import annotations

import gc
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def quick() -> bool:
    """BENCH_QUICK=1: fewer repetitions (a smoke run of the harness, not figures to keep)."""
    return os.environ.get("BENCH_QUICK") == "1"


def reps(normal: int, small: int) -> int:
    return small if quick() else normal


def median(values: list[float]) -> float:
    return statistics.median(values)


def interleave(cases: dict[str, Callable[[], Any]], *, rounds: int, number: int) -> dict[str, list[float]]:
    """Seconds per call of each case, one sample per round; cases alternate (order reversed every
    other round) so that machine noise lands on all of them alike."""
    samples: dict[str, list[float]] = {name: [] for name in cases}
    names = list(cases)
    for case in cases.values():  # warm-up
        case()
    for r in range(rounds):
        for name in names if r % 2 == 0 else reversed(names):
            fn = cases[name]
            started = time.perf_counter()
            for _ in range(number):
                fn()
            samples[name].append((time.perf_counter() - started) / number)
    return samples


def interleave_cpu(cases: dict[str, Callable[[], Any]], *, rounds: int, number: int) -> dict[str, list[float]]:
    """Like interleave(), in process CPU seconds per call (time.process_time)."""
    samples: dict[str, list[float]] = {name: [] for name in cases}
    names = list(cases)
    for case in cases.values():
        case()
    for r in range(rounds):
        for name in names if r % 2 == 0 else reversed(names):
            fn = cases[name]
            started = time.process_time()
            for _ in range(number):
                fn()
            samples[name].append((time.process_time() - started) / number)
    return samples


def paired_ratio(samples: dict[str, list[float]], num: str, den: str) -> float:
    """Median over rounds of num/den measured in the same round."""
    return median([a / b for a, b in zip(samples[num], samples[den], strict=True)])


def summary(samples: list[float]) -> dict[str, float]:
    return {"median": median(samples), "min": min(samples), "max": max(samples), "n": len(samples)}


def proc_status_kb(field: str) -> int:
    """A field of /proc/self/status in kB (VmRSS: resident now, VmHWM: peak resident)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def rss_mb() -> float:
    return proc_status_kb("VmRSS") / 1024


def peak_rss_mb() -> float:
    return proc_status_kb("VmHWM") / 1024


def reset_peak_rss() -> bool:
    """Reset VmHWM to the current RSS (Linux: write 5 to /proc/self/clear_refs); False if not allowed."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def child_env() -> dict[str, str]:
    """Environment of a benchmark child: this tree first on sys.path (whatever the venv's editable
    install points at), bytecode cached (in a private prefix, not next to the sources) as in an
    installed package."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(Path(os.environ.get("BENCH_PYCACHE", "/tmp/cycle_sdk_bench_pycache")))
    env["PYTHONPATH"] = str(ROOT)
    return env


def run_section(module: str, *args: str, timeout: float = 600) -> dict[str, Any]:
    """Run `python -m benchmarks.<module> ARGS` in a fresh process; it prints one JSON object last."""
    proc = subprocess.run(
        [sys.executable, "-m", f"benchmarks.{module}", *args],
        cwd=ROOT,
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"benchmarks.{module} failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def emit(result: dict[str, Any]) -> None:
    """A section's result, as the last line of its stdout."""
    print(json.dumps(result), flush=True)


@contextmanager
def bench_server(pages: int = 100) -> Iterator[str]:
    """benchmarks.server in its own process (its CPU is not the client's); yields its base URL."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.server", "--pages", str(pages)],
        cwd=ROOT,
        env=child_env(),
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line.startswith("PORT "):
            raise RuntimeError(f"benchmark server did not start: {line!r}")
        yield f"http://127.0.0.1:{int(line.split()[1])}"
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextmanager
def gc_off() -> Iterator[None]:
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
