"""Import: `import cycle_sdk` + one typed call against `import httpx`, each in a fresh process.

    python -m benchmarks.bench_import

The typed call is `Client(...).jobs.get_job("j1")` against a tests.support FaultServer
started here (in this process) and scripted with a schema-valid job document (every
optional field present). Processes run interleaved, bytecode cached as for an installed
package (PYTHONPYCACHEPREFIX, warmed first). Beside the brief's baseline (`import httpx`)
two context rows: bare interpreter start-up, and `import httpx` + one raw GET + json.loads.

Two interpreters run the programs: a venv holding only the SDK's runtime dependencies (what
`pip install cycle_sdk` gives a user; made here by copying those distributions' installed
files out of the project venv) and the project's dev venv. They differ in what `import httpx`
costs: httpx imports its command-line client when click, rich and pygments are installed,
and the dev tools bring them.
"""

from __future__ import annotations

import importlib.metadata
import re
import shutil
import subprocess
import sys
import tempfile
import time
import venv
from collections import defaultdict
from pathlib import Path
from typing import Any

from benchmarks import documents
from benchmarks.common import ROOT, child_env, emit, median, reps
from tests.support.fault_server import FaultServer, Reply

SDK_CALL = (
    "import cycle_sdk\n"
    "res = cycle_sdk.Client(api_key='k', base_url={url!r}, max_retries=0).jobs.get_job('j1')\n"
    "assert res.ok is True and res.value.data.id, res\n"
)
PROGRAMS = {
    "python": "pass",
    "import httpx": "import httpx",
    "import httpx + GET": (
        "import httpx, json\n"
        "r = httpx.get({url!r} + '/v1/jobs/j1', headers={{'Authorization': 'Bearer k'}})\n"
        "assert json.loads(r.content)['data']['id']\n"
    ),
    "import cycle_sdk + typed call": SDK_CALL,
}


def _runtime_distributions() -> list[importlib.metadata.Distribution]:
    """cycle_sdk's required distributions, transitively (no extras), as installed here."""
    found: dict[str, importlib.metadata.Distribution] = {}
    todo = ["cycle_sdk"]
    while todo:
        name = todo.pop()
        for requirement in importlib.metadata.requires(name) or []:
            if "extra ==" in requirement:
                continue
            dep = re.split(r"[ ;<>=!~\[(]", requirement, maxsplit=1)[0]
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


def _measure(python: str, programs: dict[str, str]) -> dict[str, Any]:
    for code in programs.values():  # warm the bytecode cache, and fail early on a broken call
        _run(python, code)
    samples: dict[str, list[float]] = {name: [] for name in programs}
    names = list(programs)
    for r in range(reps(20, 3)):
        shift = r % len(names)
        for name in names[shift:] + names[:shift]:
            samples[name].append(_run(python, programs[name]))
    modules = subprocess.run(
        [
            python,
            "-c",
            programs["import cycle_sdk + typed call"]
            + "import sys\nprint(sum(m.startswith('cycle_sdk._generated.models.') for m in sys.modules))",
        ],
        cwd=ROOT,
        env=child_env(),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()[-1]
    out: dict[str, Any] = {name: {"median": median(s), "min": min(s), "n": len(s)} for name, s in samples.items()}
    sdk = samples["import cycle_sdk + typed call"]
    out["ratio"] = median([a / b for a, b in zip(sdk, samples["import httpx"], strict=True)])
    out["ratio_vs_httpx_get"] = median([a / b for a, b in zip(sdk, samples["import httpx + GET"], strict=True)])
    out["model_modules_loaded"] = int(modules)
    out["import_self_ms"] = _import_breakdown(python, programs["import cycle_sdk + typed call"])
    return out


def main() -> None:
    job = documents.one("jobs")
    documents.spec.cache_clear()
    with FaultServer() as server, tempfile.TemporaryDirectory(prefix="cycle-sdk-runtime-") as tmp:
        server.script("GET", "/v1/jobs/j1", Reply(200, job))
        programs = {name: code.format(url=server.url) for name, code in PROGRAMS.items()}
        runtime = runtime_python(Path(tmp))
        # Top level: the dev venv (as the recorded "before" figures); "runtime": dependencies only.
        out = _measure(sys.executable, programs)
        out["runtime"] = _measure(str(runtime), programs)
    emit(out)


if __name__ == "__main__":
    main()
