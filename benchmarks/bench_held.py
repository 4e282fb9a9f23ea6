"""Memory held: 10,000 environments decoded and kept, by one decoder, in a fresh process.

    python -m benchmarks.bench_held --peers DIR DECODER     # json.loads, cycle_sdk, pydantic, msgspec, stock

Ten 1,000-item pages of environments (ids 0..9,999: no two items alike) are decoded and the
results kept; the figure is the growth of the resident set (VmRSS) from a collection after a
warm-up decode (first-use caches are not the result) to a collection after the last page, the
same for every decoder and for the json.loads tree. The bodies are made before. RSS counts what
the allocators took from the system for the results (arenas, whatever library allocated); on
this machine it agreed with tracemalloc's count of the bytes held to within 2% for json.loads,
cycle_sdk and msgspec, at a fraction of the time.
"""

from __future__ import annotations

import argparse
import gc
from pathlib import Path

from benchmarks import documents, peers
from benchmarks.common import emit, rss_mb

PAGES = 10
ITEMS = 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--peers", type=Path, required=True)
    parser.add_argument("decoder")
    args = parser.parse_args()
    decode = peers.all_decoders(args.peers, only=args.decoder)["environments"][args.decoder]
    bodies = [documents.page_body("environments", ITEMS, start=i * ITEMS) for i in range(PAGES)]
    documents.spec.cache_clear()
    documents._item_template.cache_clear()
    decode(bodies[0])  # first-use caches (decoders built per type, lazy imports) are not the result
    gc.collect()
    before = rss_mb()
    held = [decode(body) for body in bodies]
    gc.collect()
    emit({"decoder": args.decoder, "items": PAGES * ITEMS, "held_mb": rss_mb() - before, "pages_held": len(held)})


if __name__ == "__main__":
    main()
