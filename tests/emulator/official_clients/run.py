"""Cycle's official clients against the emulator: `make official-clients` (not part of `make test`).

Each client is installed at run time, never committed: the legacy JS client from npm (its version
pinned in package.json and package-lock.json here), the TypeScript client built from its GitHub
repository at TS_CLIENT_COMMIT (it is not on npm) or from a checkout given with `--ts-client DIR`.
Each runs its check program (legacy_client.cjs, ts_client.mts) against a fresh emulator, as a Cycle
user would call it, and prints its counts; the exit status is 1 when any check failed, 2 when a
client could not be installed or built.

Needs node and npm (and git, unless `--ts-client` names a checkout). Work files go to
build/official-clients/.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Final

from cycle_sdk.emulator import run_emulator

HERE: Final = Path(__file__).resolve().parent
ROOT: Final = HERE.parents[2]
DEFAULT_WORK_DIR: Final = ROOT / "build" / "official-clients"
TS_CLIENT_REPO: Final = "https://github.com/cycleplatform/api-client-typescript"
# v0.3.25, the newest commit when this was last run (its package.json says 0.3.25).
TS_CLIENT_COMMIT: Final = "516f77e7361a3d47f1be3c34a71da41c3713ca27"
TS_CLIENT_PACKAGE: Final = "@cycleplatform/api-client-typescript"
CLIENTS: Final = ("legacy", "typescript")
HARNESS_FILES: Final = ("package.json", "package-lock.json", "tsconfig.json", "legacy_client.cjs", "ts_client.mts")
JOB_SPEED: Final = 0.02  # seconds per job phase: jobs end within a tenth of a second


class SetupError(Exception):
    """A client could not be installed or built (exit status 2)."""


def run(command: list[str], cwd: Path) -> None:
    print("$", " ".join(command), f"(in {cwd})", flush=True)
    done = subprocess.run(command, cwd=cwd, check=False, capture_output=True, text=True)
    if done.returncode != 0:
        output = (done.stdout + done.stderr).strip()
        raise SetupError(f"{' '.join(command)} failed ({done.returncode}):\n{output[-4000:]}")


def prepare_work_dir(work: Path) -> None:
    """The harness files and its npm dependencies (the legacy client, TypeScript) in `work`."""
    work.mkdir(parents=True, exist_ok=True)
    for name in HARNESS_FILES:
        shutil.copyfile(HERE / name, work / name)
    run(["npm", "ci", "--no-audit", "--no-fund"], work)


def fetch_ts_client(work: Path) -> Path:
    checkout = work / "api-client-typescript"
    if not (checkout / ".git").is_dir():
        shutil.rmtree(checkout, ignore_errors=True)
        run(["git", "clone", "--quiet", TS_CLIENT_REPO, str(checkout)], work)
    has_commit = subprocess.run(["git", "cat-file", "-e", f"{TS_CLIENT_COMMIT}^{{commit}}"], cwd=checkout, check=False)
    if has_commit.returncode != 0:  # a clone from before the pin moved
        run(["git", "fetch", "--quiet", "origin"], checkout)
    run(["git", "checkout", "--quiet", TS_CLIENT_COMMIT], checkout)
    return checkout


def ts_client_source(checkout: Path) -> str:
    """What the client was built from: its package version and, for a git checkout, its commit."""
    version = json.loads((checkout / "package.json").read_text(encoding="utf-8")).get("version", "?")
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=checkout, capture_output=True, text=True, check=False)
    commit = head.stdout.strip() if head.returncode == 0 else "not a git checkout"
    if commit not in (TS_CLIENT_COMMIT, "not a git checkout"):
        commit += f" (the harness was last checked at {TS_CLIENT_COMMIT})"
    return f"{TS_CLIENT_PACKAGE} {version}, commit {commit}"


def build_ts_client(work: Path, checkout: Path) -> None:
    """Install the client's own locked dependencies, build it as it publishes itself (`vite build`),
    link it into the harness and compile the check program against its types (tsc, strict)."""
    if not (checkout / "package.json").is_file():
        raise SetupError(f"{checkout} holds no package.json: pass a checkout of {TS_CLIENT_REPO}")
    run(["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts"], checkout)
    run(["npm", "run", "prepare"], checkout)
    link = work / "node_modules" / "@cycleplatform" / "api-client-typescript"
    link.parent.mkdir(parents=True, exist_ok=True)
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(checkout.resolve(), target_is_directory=True)
    run([str(work / "node_modules" / ".bin" / "tsc"), "-p", "tsconfig.json"], work)


def check(client: str, work: Path) -> bool:
    """Run one client's check program against a fresh emulator; True when every check passed."""
    program = {"legacy": "legacy_client.cjs", "typescript": "ts_client.mjs"}[client]
    with run_emulator(job_speed=JOB_SPEED) as emu:
        print(f"-- {client}: node {program} against {emu.url}", flush=True)
        done = subprocess.run(["node", program, emu.url, emu.api_key, emu.hub_id], cwd=work, check=False)
    return done.returncode == 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--clients", default=",".join(CLIENTS), help=f"comma-separated: {', '.join(CLIENTS)}")
    parser.add_argument("--ts-client", type=Path, help=f"a checkout of {TS_CLIENT_REPO} (default: clone it)")
    parser.add_argument("--work-dir", type=Path, default=DEFAULT_WORK_DIR)
    args = parser.parse_args(argv)
    clients = [c.strip() for c in args.clients.split(",") if c.strip()]
    unknown = sorted(set(clients) - set(CLIENTS))
    if unknown or not clients:
        parser.error(f"unknown client(s) {', '.join(unknown) or '(none)'}; known: {', '.join(CLIENTS)}")
    for tool in ("node", "npm", *(("git",) if "typescript" in clients and args.ts_client is None else ())):
        if shutil.which(tool) is None:
            print(f"official clients: {tool} is needed and not on PATH", file=sys.stderr)
            return 2
    work: Path = args.work_dir.resolve()
    results: dict[str, bool] = {}
    try:
        prepare_work_dir(work)
        if "typescript" in clients:
            checkout = args.ts_client.resolve() if args.ts_client is not None else fetch_ts_client(work)
            build_ts_client(work, checkout)
            print(f"-- typescript client: {ts_client_source(checkout)}", flush=True)
    except SetupError as error:
        print(f"official clients: {error}", file=sys.stderr)
        if args.ts_client is None and "typescript" in clients:
            print("(without GitHub, pass --ts-client DIR, or TS_CLIENT=DIR to make)", file=sys.stderr)
        return 2
    for client in clients:
        results[client] = check(client, work)
    print("official clients:", ", ".join(f"{c} {'passed' if ok else 'FAILED'}" for c, ok in results.items()))
    return 0 if all(results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
