"""Import: `import cycle_sdk` + one typed call against `import httpx`, each in a fresh process.

    python -m benchmarks.bench_import

The typed call is `Client(...).jobs.get_job("j1")` against a tests.support FaultServer
started here (in this process) and scripted with a schema-valid job document (every
optional field present). Processes run interleaved, bytecode cached as for an installed
package (PYTHONPYCACHEPREFIX, warmed first). Beside the brief's baseline (`import httpx`)
two context rows: bare interpreter start-up, and `import httpx` + one raw GET + json.loads.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections import defaultdict
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


def _run(code: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=child_env(), check=True, capture_output=True)
    return time.perf_counter() - started


def _import_breakdown(code: str) -> dict[str, float]:
    """ms of import time (self) by top-level package, from -X importtime."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code], cwd=ROOT, env=child_env(), capture_output=True, text=True
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


def main() -> None:
    job = documents.one("jobs")
    documents.spec.cache_clear()
    with FaultServer() as server:
        server.script("GET", "/v1/jobs/j1", Reply(200, job))
        programs = {name: code.format(url=server.url) for name, code in PROGRAMS.items()}
        for code in programs.values():  # warm the bytecode cache, and fail early on a broken call
            _run(code)
        samples: dict[str, list[float]] = {name: [] for name in programs}
        names = list(programs)
        for r in range(reps(20, 3)):
            shift = r % len(names)
            for name in names[shift:] + names[:shift]:
                samples[name].append(_run(programs[name]))
        modules = subprocess.run(
            [
                sys.executable,
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
        breakdown = _import_breakdown(programs["import cycle_sdk + typed call"])
    out: dict[str, Any] = {name: {"median": median(s), "min": min(s), "n": len(s)} for name, s in samples.items()}
    sdk = samples["import cycle_sdk + typed call"]
    out["ratio"] = median([a / b for a, b in zip(sdk, samples["import httpx"], strict=True)])
    out["ratio_vs_httpx_get"] = median([a / b for a, b in zip(sdk, samples["import httpx + GET"], strict=True)])
    out["model_modules_loaded"] = int(modules)
    out["import_self_ms"] = breakdown
    emit(out)


if __name__ == "__main__":
    main()
