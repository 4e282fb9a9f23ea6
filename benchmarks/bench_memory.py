"""Memory: peak RSS while iterating 100,000 items through auto-pagination.

    python -m benchmarks.bench_memory URL

`client.environments.iter_get_environments(page={"size": 1000})` against a server that
serves 100 pages of 1,000 environments (every optional field present): the peak resident
set size (VmHWM) at 10k, 50k and 100k items must not grow with the item count.
"""

from __future__ import annotations

import gc
import sys
import time
from typing import Any

import cycle_sdk
from benchmarks.common import emit, peak_rss_mb, rss_mb

CHECKPOINTS = (1_000, 10_000, 50_000, 100_000)


def main() -> None:
    base_url = sys.argv[1]
    gc.collect()
    out: dict[str, Any] = {"baseline_rss_mb": rss_mb(), "checkpoints": {}}
    with cycle_sdk.Client(api_key="bench-key-0123456789", team="hub", base_url=base_url, max_retries=0) as client:
        count = 0
        ids = set()
        started = time.perf_counter()
        for env in client.environments.iter_get_environments(page={"size": 1000}):
            count += 1
            if count <= 1000:
                ids.add(env.id)
            if count in CHECKPOINTS:
                out["checkpoints"][str(count)] = {"peak_rss_mb": peak_rss_mb(), "rss_mb": rss_mb()}
        out["seconds"] = time.perf_counter() - started
    out["items"] = count
    out["distinct_ids_first_page"] = len(ids)
    peaks = [v["peak_rss_mb"] for k, v in out["checkpoints"].items() if int(k) >= 10_000]
    out["growth_10k_to_100k_mb"] = peaks[-1] - peaks[0] if peaks else None
    emit(out)


if __name__ == "__main__":
    main()
