"""Cache hit: a cached GET (`Client(cache=True)`) against an uncached one, same server.

python -m benchmarks.bench_cache URL
"""

from __future__ import annotations

import sys
from typing import Any

import cycle_sdk
from benchmarks.common import emit, interleave, paired_ratio, reps, summary

API_KEY = "bench-key-0123456789"


def main() -> None:
    base_url = sys.argv[1]
    settings = cycle_sdk.CacheSettings(use=True, refresh=3600.0)
    with (
        cycle_sdk.Client(api_key=API_KEY, team="hub", base_url=base_url, max_retries=0, cache=settings) as cached,
        cycle_sdk.Client(api_key=API_KEY, team="hub", base_url=base_url, max_retries=0) as uncached,
    ):
        first = cached.environments.get_environment("ID")
        assert first.ok is True

        def hit() -> Any:
            res = cached.environments.get_environment("ID")
            assert res is first  # served from the cache: the very same result object
            return res

        def miss() -> Any:
            res = uncached.environments.get_environment("ID")
            assert res.ok is True
            return res

        rounds = reps(15, 3)
        hits = interleave({"hit": hit}, rounds=rounds, number=reps(5000, 500))
        both = interleave({"uncached": miss, "hit": hit}, rounds=rounds, number=reps(100, 20))
    out: dict[str, Any] = {
        "hit": summary(hits["hit"]),
        "uncached": summary(both["uncached"]),
        "speedup": paired_ratio(both, "uncached", "hit"),
    }
    emit(out)


if __name__ == "__main__":
    main()
