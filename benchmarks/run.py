"""`make bench`: run every benchmark, each in a fresh process, and write BENCHMARKS.md.

    python -m benchmarks.run                     # all sections -> BENCHMARKS.md
    python -m benchmarks.run --only parse,cache  # some sections (the rest of the report is left out)
    python -m benchmarks.run --record-before     # measure the pre-issue-7 build -> benchmarks/before.json
    BENCH_QUICK=1 python -m benchmarks.run --out /tmp/b.md   # smoke run of the harness

"Before" is the SDK with the tool's own model template (benchmarks.stock). The parse
section measures it live, in the same process as the current models; the other sections
show the figures --record-before stored in benchmarks/before.json (same machine, noted).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.common import ROOT, bench_server, child_env, quick, run_section

BEFORE = Path(__file__).with_name("before.json")
SECTIONS = ("import", "call", "parse", "cache", "async", "memory", "load", "cli")


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def build_stock(out: Path, *, tree: bool) -> Path | None:
    args = [sys.executable, "-m", "benchmarks.stock", "--out", str(out)] + (["--tree"] if tree else [])
    proc = subprocess.run(args, cwd=ROOT, env=child_env(), capture_output=True, text=True)
    if proc.returncode != 0:
        _log(f"stock build failed, 'before' left out:\n{proc.stderr[-2000:]}")
        return None
    return out


def _parse(tree: Path | None, stock: Path | None) -> dict[str, Any]:
    """The parse timings, and (in its own process, so the timed heap stays small) the parity check."""
    result = run_section("bench_parse", *(["--stock", str(stock)] if stock else []), tree=tree)
    if stock is not None:
        result["parity"] = run_section("parity", "--stock", str(stock), tree=tree)
    return result


def run_all(sections: list[str], tree: Path | None, stock: Path | None) -> dict[str, Any]:
    results: dict[str, Any] = {}

    def section(name: str, fn: Callable[[], Any]) -> None:
        if name not in sections:
            return
        started = time.monotonic()
        _log(f"[bench] {name} ...")
        try:
            results[name] = fn()
        except Exception as exc:  # a broken section is reported, the others still run
            results[name] = {"failed": f"{type(exc).__name__}: {exc}"[:3000]}
        _log(f"[bench] {name} done in {time.monotonic() - started:.0f}s")

    section("import", lambda: run_section("bench_import", tree=tree))
    if tree is None:  # the command line is newer than the stock "before" build
        section("cli", lambda: run_section("bench_cli"))
    with bench_server(pages=100) as url:
        section("call", lambda: run_section("bench_call", url, tree=tree))
        section("parse", lambda: _parse(tree, stock))
        section("cache", lambda: run_section("bench_cache", url, tree=tree))
        section("async", lambda: run_section("bench_async", url, tree=tree))
        section("memory", lambda: run_section("bench_memory", url, tree=tree))
        section(
            "load",
            lambda: {
                f"{mode}_{side}": run_section("bench_load", url, mode, side, tree=tree)
                for mode in ("async", "threads")
                for side in ("sdk", "raw")
            },
        )
    return results


def environment() -> dict[str, Any]:
    def git(*args: str) -> str:
        proc = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
        return proc.stdout.strip()

    import attrs
    import httpx

    return {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "httpx": httpx.__version__,
        "attrs": attrs.__version__,
        "cpus": os.cpu_count(),
        "machine": platform.machine(),
        "load_average": os.getloadavg(),
        "commit": git("rev-parse", "--short", "HEAD"),
        "dirty": bool(git("diff", "--name-only", "HEAD", "--")),
        "quick": quick(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(SECTIONS), help="comma separated: " + ",".join(SECTIONS))
    parser.add_argument("--record-before", action="store_true", help="measure the stock-model build instead")
    parser.add_argument("--out", type=Path, default=ROOT / "BENCHMARKS.md")
    args = parser.parse_args()
    sections = [s for s in args.only.split(",") if s]
    unknown = set(sections) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections: {', '.join(sorted(unknown))}")
    started = time.monotonic()
    env = environment()
    with tempfile.TemporaryDirectory(prefix="cycle_bench_") as tmp:
        if args.record_before:
            _log("[bench] building the stock-model SDK tree ...")
            tree = build_stock(Path(tmp) / "tree", tree=True)
            if tree is None:
                return 1
            results = run_all([s for s in sections if s != "parse"], tree, None)
            env["seconds"] = time.monotonic() - started
            BEFORE.write_text(json.dumps({"environment": env, "results": results}, indent=1) + "\n")
            _log(f"[bench] wrote {BEFORE.relative_to(ROOT)}")
            return 0
        stock = None
        if "parse" in sections:
            _log("[bench] building the stock models for the parse comparison ...")
            stock = build_stock(Path(tmp) / "stock", tree=False)
        results = run_all(sections, None, stock)
    env["seconds"] = time.monotonic() - started
    before = json.loads(BEFORE.read_text()) if BEFORE.exists() else None

    from benchmarks.report import render

    args.out.write_text(render(results, env, before))
    _log(f"[bench] wrote {args.out} in {env['seconds']:.0f}s")
    return 1 if any("failed" in r for r in results.values() if isinstance(r, dict)) else 0


if __name__ == "__main__":
    sys.exit(main())
