"""`make bench`: run every benchmark, each in a fresh process, and write BENCHMARKS.md.

    python -m benchmarks.run                        # all sections -> BENCHMARKS.md
    python -m benchmarks.run --only parse,held      # some sections (the rest of the report is left out)
    python -m benchmarks.run --record-before        # also keep this run as the "before" (benchmarks/before.json)
    python -m benchmarks.run --render run.json      # no measuring: the report of a run kept with --save
    BENCH_QUICK=1 python -m benchmarks.run          # smoke run of the harness -> .bench-cache/BENCHMARKS-quick.md

"Before" is a full run recorded with --record-before (commit and date noted), shown beside this
run's figures; every ratio is taken within one run, against a baseline measured in the same run.
The parse and held sections need the peers (benchmarks.peers), built into .bench-cache/ on first
use and reused while the spec and the tools stay the same.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.common import ROOT, bench_server, quick, run_section

BEFORE = Path(__file__).with_name("before.json")
# Where a BENCH_QUICK=1 run writes by default: a smoke run leaves BENCHMARKS.md alone.
QUICK_OUT = ROOT / ".bench-cache" / "BENCHMARKS-quick.md"
SECTIONS = ("parse", "held", "import", "call", "cache", "size", "cli", "async", "memory", "load")
HELD_DECODERS = ("json.loads", "cycle_sdk", "pydantic", "msgspec", "stock")


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run_all(sections: list[str], load: dict[str, Any]) -> dict[str, Any]:
    """Each section's results; `load` gets each section's load averages (1, 5, 15 min) at its end
    and its seconds: the shared machine's load while it ran, for the report."""
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
        seconds = time.monotonic() - started
        load[name] = {"load_average_end": os.getloadavg(), "seconds": seconds}
        _log(f"[bench] {name} done in {seconds:.0f}s (load average {os.getloadavg()[0]:.2f})")

    folder: list[str] = []

    def peers() -> str:
        if not folder:
            from benchmarks import peers as peer_models

            _log("[bench] peers: generating (or finding) the peer models ...")
            folder.append(str(peer_models.build()))
        return folder[0]

    section("parse", lambda: run_section("bench_parse", "--peers", peers()))
    section("held", lambda: {name: run_section("bench_held", "--peers", peers(), name) for name in HELD_DECODERS})
    with bench_server(pages=100) as url:
        section("import", lambda: run_section("bench_import", url))
        section("call", lambda: run_section("bench_call", url))
        section("cache", lambda: run_section("bench_cache", url))
        section("size", lambda: run_section("bench_size"))
        section("cli", lambda: run_section("bench_cli", url))
        section("async", lambda: run_section("bench_async", url))
        section("memory", lambda: run_section("bench_memory", url))
        section(
            "load",
            lambda: {
                f"{mode}_{side}": run_section("bench_load", url, mode, side)
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

    base = git("merge-base", "HEAD", "main")
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
        "branch": git("rev-parse", "--abbrev-ref", "HEAD"),
        # The main commit this tree is on: what "main today" was when a run is kept as "before".
        "main_base": git("rev-parse", "--short", base) if base else "",
        "dirty": bool(git("status", "--porcelain", "--untracked-files=no")),
        "quick": quick(),
    }


def problems(results: dict[str, Any]) -> list[str]:
    """What makes the run fail: a section that broke, a strict decoder that accepted a wrong document."""
    out = [f"section {name} failed" for name, r in results.items() if isinstance(r, dict) and "failed" in r]
    parse = results.get("parse")
    if isinstance(parse, dict):
        out += parse.get("strict_accepted", [])
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--only", default=",".join(SECTIONS), help="comma separated: " + ",".join(SECTIONS))
    parser.add_argument("--record-before", action="store_true", help="keep this run as the 'before' figures")
    parser.add_argument("--before", type=Path, default=BEFORE, help="the recorded 'before' run to compare with")
    parser.add_argument(
        "--out", type=Path, help=f"default: BENCHMARKS.md, or {QUICK_OUT.relative_to(ROOT)} for BENCH_QUICK=1"
    )
    parser.add_argument("--save", type=Path, help="also keep this run's figures in this file (JSON)")
    parser.add_argument("--render", type=Path, help="write the report of a run kept with --save; measure nothing")
    args = parser.parse_args()
    if quick() and args.record_before:
        parser.error("a BENCH_QUICK=1 run is a smoke run, not figures to keep as 'before'")
    if args.out is None:
        args.out = QUICK_OUT if quick() else ROOT / "BENCHMARKS.md"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    before = json.loads(args.before.read_text()) if args.before.exists() else None
    from benchmarks.report import render

    if args.render is not None:
        kept = json.loads(args.render.read_text())
        args.out.write_text(render(kept["results"], kept["environment"], before))
        _log(f"[bench] wrote {args.out} from {args.render}")
        return 0
    sections = [s for s in args.only.split(",") if s]
    unknown = set(sections) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections: {', '.join(sorted(unknown))}")
    started = time.monotonic()
    env = environment()
    env["section_load"] = {}
    results = run_all(sections, env["section_load"])
    env["seconds"] = time.monotonic() - started
    env["load_average_end"] = os.getloadavg()
    env["sections"] = sections
    run = {"environment": env, "results": results}
    if args.save is not None:
        args.save.write_text(json.dumps(run, indent=1) + "\n")
    if args.record_before:
        args.before.write_text(json.dumps(run, indent=1) + "\n")
        _log(f"[bench] kept this run as the 'before' figures: {args.before}")
        before = run
    args.out.write_text(render(results, env, before))
    _log(f"[bench] wrote {args.out} in {env['seconds']:.0f}s")
    failed = problems(results)
    for problem in failed:
        _log(f"[bench] {problem}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
