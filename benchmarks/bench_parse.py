"""Parse: typed decode of a 1,000-item list document against json.loads of the same bytes.

    python -m benchmarks.bench_parse [--stock DIR]

The ratio reported is  time(parse(200, json.loads(body))) / time(json.loads(body)):
the typed decode *including* json.loads, over json.loads alone. It is measured with the
garbage collector on (as an application runs) and off (the decoder's own cost: CPython
does not track dicts that hold only strings and numbers, so json.loads gives the
collector almost nothing to do, while every model instance is a tracked object).
With --stock DIR (DIR/stock_generated from benchmarks.stock) the tool's own attrs
from_dict is measured in the same process, interleaved, as the "before" figure.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import json
import sys
import timeit
from pathlib import Path
from typing import Any

from benchmarks import documents
from benchmarks.common import emit, gc_off, interleave, paired_ratio, reps, summary
from cycle_sdk._decode import decode

ITEMS = 1000
OPERATIONS = {
    "environments": "api.environments.get_environments",
    "containers": "api.containers.get_containers",
    "jobs": "api.jobs.get_jobs",
}


def _count_datetimes(value: Any) -> int:
    if isinstance(value, dict):
        return sum(_count_datetimes(v) for v in value.values())
    if isinstance(value, list):
        return sum(_count_datetimes(v) for v in value)
    return int(isinstance(value, str) and len(value) >= 20 and value[4] == "-" and value[10] == "T")


def _datetime_costs() -> dict[str, float]:
    """ns per value: datetime.fromisoformat (what the models use) vs dateutil's isoparse."""
    import datetime

    value = "2026-03-26T12:00:00.000Z"
    n = 20000
    out = {"fromisoformat_ns": min(timeit.repeat(lambda: datetime.datetime.fromisoformat(value), number=n, repeat=5))}
    try:
        from dateutil.parser import isoparse
    except ImportError:
        pass
    else:
        out["isoparse_ns"] = min(timeit.repeat(lambda: isoparse(value), number=n, repeat=5))
    return {k: v / n * 1e9 for k, v in out.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stock", type=Path, default=None, help="folder holding stock_generated/")
    args = parser.parse_args()
    stock_root = None
    if args.stock is not None and (args.stock / "stock_generated").is_dir():
        sys.path.insert(0, str(args.stock))
        stock_root = "stock_generated"

    bodies: dict[str, bytes] = {}
    datetimes: dict[str, int] = {}
    for kind in OPERATIONS:
        doc = documents.page(kind, ITEMS)
        datetimes[kind] = _count_datetimes(doc)
        bodies[kind] = documents.encode(doc)
    documents.spec.cache_clear()  # the spec is big: keep it out of the heap the collector walks
    documents._item_template.cache_clear()
    gc.collect()

    results: dict[str, Any] = {"items": ITEMS, "datetime": _datetime_costs(), "kinds": {}}
    rounds = reps(9, 3)
    for kind, module_name in OPERATIONS.items():
        body = bodies[kind]
        fast = importlib.import_module(f"cycle_sdk._generated.{module_name}").parse
        cases = {
            "json.loads": lambda body=body: json.loads(body),
            # The client's decode path: json.loads + parse, GC paused for large bodies.
            "typed": lambda body=body, parse=fast: decode(200, body, parse),
        }
        if stock_root is not None:
            stock = importlib.import_module(f"{stock_root}.{module_name}").parse
            cases["stock"] = lambda body=body, parse=stock: parse(200, json.loads(body))
        # Sanity: both decoders accept the document and see every item.
        assert len(fast(200, json.loads(body)).data) == ITEMS
        entry: dict[str, Any] = {"bytes": len(body), "datetimes": datetimes[kind]}
        for mode in ("gc_on", "gc_off"):
            gc.collect()
            if mode == "gc_off":
                with gc_off():
                    samples = interleave(cases, rounds=rounds, number=2)
            else:
                samples = interleave(cases, rounds=rounds, number=2)
            entry[mode] = {name: summary(s) for name, s in samples.items()}
            entry[mode]["ratio_typed"] = paired_ratio(samples, "typed", "json.loads")
            if "stock" in samples:
                entry[mode]["ratio_stock"] = paired_ratio(samples, "stock", "json.loads")
        # The collector paused around the decode only (json.loads runs with it on), the
        # recommended client change; timed over batches so a deferred collection is counted.
        gc.collect()

        def paused(body: bytes = body, parse: Any = fast) -> Any:
            data = json.loads(body)
            was = gc.isenabled()
            gc.disable()
            try:
                return parse(200, data)
            finally:
                if was:
                    gc.enable()

        samples = interleave({"json.loads": cases["json.loads"], "typed_gc_paused": paused}, rounds=rounds, number=2)
        entry["gc_paused"] = {
            "typed_gc_paused": summary(samples["typed_gc_paused"]),
            "ratio": paired_ratio(samples, "typed_gc_paused", "json.loads"),
        }
        # Share of the typed decode (GC off) spent turning timestamps into datetimes.
        entry["datetime_share"] = (
            datetimes[kind] * results["datetime"]["fromisoformat_ns"] / 1e9 / entry["gc_off"]["typed"]["median"]
        )
        results["kinds"][kind] = entry
    emit(results)


if __name__ == "__main__":
    main()
