"""Import: `import cycle_sdk` + a first typed call against `import httpx` (+ the same raw GET
and json.loads), each program in a fresh process.

    python -m benchmarks.bench_import URL        # URL: a benchmarks.server

Three first calls: `jobs.get_job("j1")` (a small model tree), `environments.get_environment("e1")`
and `environments.get_environments(page=...)` (20 items; the environment models and what they
reach, includes), each against its own baseline: `import httpx` + `httpx.get` of the same URL +
`json.loads`. Processes run interleaved (the order rotates every round), bytecode cached as for
an installed package (PYTHONPYCACHEPREFIX, warmed first).

The interpreter is a venv holding only the SDK's runtime dependencies (what `pip install
cycle_sdk` gives a user; the `dependencies` of the tree's pyproject.toml and theirs, copied from
the project venv's installed files). Not the dev venv: there `import httpx` also imports httpx's
command-line client (click, rich and pygments come with the dev tools), a baseline no user has.
"""

from __future__ import annotations

import importlib.metadata
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
import venv
from collections import defaultdict
from pathlib import Path
from typing import Any

from benchmarks.common import ROOT, child_env, emit, median, reps

PAGE = 20
URL = "__URL__"  # replaced by the server's base URL, quoted
CALLS = {
    "get_job": ("/v1/jobs/j1", "jobs.get_job('j1')"),
    "get_environment": ("/v1/environments/e1", "environments.get_environment('e1')"),
    "get_environments": (
        f"/v1/environments?page[number]=1&page[size]={PAGE}",
        f"environments.get_environments(page={{'number': 1, 'size': {PAGE}}})",
    ),
}


def _sdk(call: str) -> str:
    return (
        "import cycle_sdk\n"
        f"res = cycle_sdk.Client(api_key='k', base_url={URL}, max_retries=0).{call}\n"
        "assert res.ok is True and res.value.data, res\n"
    )


def _raw(path: str) -> str:
    return (
        "import httpx, json\n"
        f"r = httpx.get({URL} + {path!r}, headers={{'Authorization': 'Bearer k'}})\n"
        "assert json.loads(r.content)['data']\n"
    )


def raw_name(call: str) -> str:
    return f"import httpx + GET + json.loads ({call})"


def sdk_name(call: str) -> str:
    return f"import cycle_sdk + {call}"


PROGRAMS = {
    "python": "pass",
    "import httpx": "import httpx",
    **{raw_name(name): _raw(path) for name, (path, _) in CALLS.items()},
    **{sdk_name(name): _sdk(call) for name, (_, call) in CALLS.items()},
}

# What no SDK built on these dependencies and attrs models can go below, for get_environment: the
# baseline plus importing attrs and msgspec, then plus loading the model modules the call loads
# (their classes built), the SDK's own code left out.
FLOOR_DEPENDENCIES = "import httpx + GET + json.loads + import attrs, msgspec (get_environment)"
FLOOR_MODELS = "the same + the model modules get_environment loads, imported"


def _floor_programs(python: str, programs: dict[str, str]) -> dict[str, str]:
    probe = programs[sdk_name("get_environment")] + (
        "import sys\nprint(','.join(m for m in sys.modules if m.startswith('cycle_sdk._generated.models.')))"
    )
    proc = subprocess.run([python, "-c", probe], cwd=ROOT, env=child_env(), capture_output=True, text=True, check=True)
    modules = proc.stdout.split()[-1].split(",")
    raw = programs[raw_name("get_environment")] + "import attrs, msgspec\n"
    return {
        FLOOR_DEPENDENCIES: raw,
        FLOOR_MODELS: raw + f"import importlib\nfor m in {modules!r}:\n    importlib.import_module(m)\n",
    }


def _requirement_name(requirement: str) -> str:
    return re.split(r"[ ;<>=!~\[(]", requirement, maxsplit=1)[0]


def _runtime_distributions() -> list[importlib.metadata.Distribution]:
    """The distributions the tree's pyproject.toml requires, transitively (no extras), as installed
    here (the tree's own list: a branch that adds a dependency is measured with it)."""
    found: dict[str, importlib.metadata.Distribution] = {}
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    todo: list[str] = []
    for requirement in project["dependencies"]:
        dep = _requirement_name(requirement)
        found[dep.lower().replace("_", "-")] = importlib.metadata.distribution(dep)
        todo.append(dep)
    while todo:
        name = todo.pop()
        for requirement in importlib.metadata.requires(name) or []:
            if "extra ==" in requirement:
                continue
            dep = _requirement_name(requirement)
            key = dep.lower().replace("_", "-")
            if key in found:
                continue
            try:
                found[key] = importlib.metadata.distribution(dep)
            except importlib.metadata.PackageNotFoundError:
                continue  # an environment marker excluded it
            todo.append(dep)
    return list(found.values())


def runtime_python(where: Path) -> Path:
    """A venv with only the SDK's runtime dependencies, copied from this environment's
    installed files (no network, same versions). The SDK itself comes from PYTHONPATH."""
    venv.create(where, with_pip=False, symlinks=True)
    site = Path(
        subprocess.run(
            [str(where / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    for dist in _runtime_distributions():
        for file in dist.files or []:
            if file.parts[0] == ".." or "__pycache__" in file.parts:
                continue  # scripts outside site-packages; bytecode is rebuilt in the cache prefix
            source = Path(str(dist.locate_file(file)))
            if source.is_file():
                (site / file).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, site / file)
    return where / "bin" / "python"


def _run(python: str, code: str) -> float:
    started = time.perf_counter()
    subprocess.run([python, "-c", code], cwd=ROOT, env=child_env(), check=True, capture_output=True)
    return time.perf_counter() - started


def _import_breakdown(python: str, code: str) -> dict[str, float]:
    """ms of import time (self) by top-level package, from -X importtime."""
    proc = subprocess.run(
        [python, "-X", "importtime", "-c", code], cwd=ROOT, env=child_env(), capture_output=True, text=True
    )
    totals: dict[str, float] = defaultdict(float)
    for line in proc.stderr.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+\d+ \|(\s*)(\S+)", line)
        if m:
            name = m.group(3)
            key = name if name.startswith("cycle_sdk") else name.split(".")[0]
            if key.startswith("cycle_sdk._generated.models."):
                key = "cycle_sdk._generated.models.*"
            elif key.startswith("cycle_sdk._generated.api."):
                key = "cycle_sdk._generated.api.*"
            totals[key] += int(m.group(1)) / 1000
    return dict(sorted(totals.items(), key=lambda kv: -kv[1])[:20])


# Where the time of `import cycle_sdk` + a first get_environment goes, phase by phase, in one fresh
# process: CPU time (less disturbed by other processes than wall time). The dependencies are
# imported first, as phases of their own, so that each later phase holds the SDK's own work only;
# the first call is split from a second, identical one, whose difference is what the first call
# builds once (the model modules and classes it reaches, their decoders). -X importtime cannot
# show those: it sees `import` statements, not importlib.import_module, which loads them.
PHASES = {
    "import httpx, httpcore (the raw GET's too: httpx.get imports httpcore)": "import httpx, httpcore",
    "import attrs, msgspec (the SDK's other dependencies)": "import attrs, msgspec",
    "import cycle_sdk + cycle_sdk.Client (runtime modules)": "import cycle_sdk; cycle_sdk.Client",
    "Client(...) + client.environments (namespace, endpoint modules)": (
        f"client = cycle_sdk.Client(api_key='k', base_url={URL}, max_retries=0); ns = client.environments"
    ),
    "first get_environment": "res = ns.get_environment('e1'); assert res.ok is True, res",
    "second get_environment (same client)": "res = ns.get_environment('e1'); assert res.ok is True, res",
}
_PHASE_PROGRAM = (
    "import time, sys, json\n"
    "_out = {}\n"
    + "".join(
        f"_t = time.process_time()\n{code}\n_out[{name!r}] = (time.process_time() - _t) * 1000\n"
        for name, code in PHASES.items()
    )
    + "_out['model modules loaded'] = sum(m.startswith('cycle_sdk._generated.models.') for m in sys.modules)\n"
    "print(json.dumps(_out))\n"
)


def _phases(python: str, url: str) -> dict[str, Any]:
    """CPU ms of each phase (PHASES), median and min over fresh processes, and what the first call
    built once (first minus second call)."""
    program = _PHASE_PROGRAM.replace(URL, repr(url))
    runs: list[dict[str, float]] = []
    for _ in range(reps(15, 3)):
        proc = subprocess.run([python, "-c", program], cwd=ROOT, env=child_env(), capture_output=True, text=True)
        if proc.returncode:
            raise RuntimeError(proc.stderr)
        runs.append(json.loads(proc.stdout.splitlines()[-1]))
    out: dict[str, Any] = {
        name: {"median": median([r[name] for r in runs]), "min": min(r[name] for r in runs)} for name in PHASES
    }
    once = [r["first get_environment"] - r["second get_environment (same client)"] for r in runs]
    out["built by the first call (first - second)"] = {"median": median(once), "min": min(once)}
    out["model modules loaded"] = runs[-1]["model modules loaded"]
    return out


def _count_modules(python: str, code: str) -> int:
    probe = code + "import sys\nprint(sum(m.startswith('cycle_sdk._generated.models.') for m in sys.modules))"
    proc = subprocess.run([python, "-c", probe], cwd=ROOT, env=child_env(), capture_output=True, text=True, check=True)
    return int(proc.stdout.split()[-1])


def _measure(python: str, programs: dict[str, str], url: str) -> dict[str, Any]:
    programs = {**programs, **_floor_programs(python, programs)}
    for code in programs.values():  # warm the bytecode cache, and fail early on a broken call
        _run(python, code)
    samples: dict[str, list[float]] = {name: [] for name in programs}
    names = list(programs)
    for r in range(reps(15, 3)):
        shift = r % len(names)
        for name in names[shift:] + names[:shift]:
            samples[name].append(_run(python, programs[name]))
    out: dict[str, Any] = {name: {"median": median(s), "min": min(s), "n": len(s)} for name, s in samples.items()}

    def ratio(num: str, den: str) -> float:
        return median([a / b for a, b in zip(samples[num], samples[den], strict=True)])

    out["calls"] = {
        call: {
            "ratio_vs_import_httpx": ratio(sdk_name(call), "import httpx"),
            "ratio_vs_raw_get": ratio(sdk_name(call), raw_name(call)),
            "model_modules_loaded": _count_modules(python, programs[sdk_name(call)]),
        }
        for call in CALLS
    }
    out["floor"] = {name: ratio(name, raw_name("get_environment")) for name in (FLOOR_DEPENDENCIES, FLOOR_MODELS)}
    out["import_self_ms"] = _import_breakdown(python, programs[sdk_name("get_environment")])
    out["phases_cpu_ms"] = _phases(python, url)
    return out


def main() -> None:
    url = sys.argv[1]
    programs = {name: code.replace(URL, repr(url)) for name, code in PROGRAMS.items()}
    with tempfile.TemporaryDirectory(prefix="cycle-sdk-runtime-") as tmp:
        runtime = runtime_python(Path(tmp))
        out: dict[str, Any] = {"page_size": PAGE, "runtime": _measure(str(runtime), programs, url)}
    emit(out)


if __name__ == "__main__":
    main()
