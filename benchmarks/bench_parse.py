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
import datetime
import gc
import importlib
import json
import sys
import time
import timeit
from pathlib import Path
from typing import Any

from benchmarks import documents
from benchmarks.common import emit, gc_off, interleave, median, paired_ratio, reps, summary
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


def _models(value: Any) -> list[tuple[type, tuple[str, ...]]]:
    """(class, slot names) of every model instance in a decoded result, in decode order."""
    out: list[tuple[type, tuple[str, ...]]] = []

    def walk(o: Any) -> None:
        fields = getattr(type(o), "__attrs_attrs__", None)
        if fields is not None:
            out.append((type(o), tuple(f.name for f in fields)))
            for f in fields:
                walk(getattr(o, f.name))
        elif isinstance(o, list):
            for item in o:
                walk(item)
        elif isinstance(o, dict):
            for item in o.values():
                walk(item)

    walk(value)
    return out


def _floor(models: list[tuple[type, tuple[str, ...]]], timestamps: int) -> Any:
    """What any decoder that builds these models pays, whatever it checks: the same objects made
    with object.__new__ and every slot stored (straight-line code per class, as the generated
    from_dict does), and the same number of timestamps parsed. Returns a callable."""
    makers: dict[type, Any] = {}
    for cls, names in models:
        if cls not in makers:
            body = "".join(f"    o.{name} = None\n" for name in names)
            namespace: dict[str, Any] = {"_new": object.__new__, "C": cls}
            exec(f"def make():\n    o = _new(C)\n{body}    return o\n", namespace)
            makers[cls] = namespace["make"]
    sequence = [makers[cls] for cls, _ in models]
    parse_time = datetime.datetime.fromisoformat
    stamp = "2026-03-26T12:00:00.000Z"

    def build() -> Any:
        return [make() for make in sequence], [parse_time(stamp) for _ in range(timestamps)]

    return build


def _breakdown(body: bytes, parse: Any, datetimes: int, rounds: int) -> dict[str, float]:
    """The typed decode (GC off) against its floor, and the young collection that follows it
    (GC on: the client pauses automatic collection for a large body, the first allocation
    after the decode collects generation 0, which holds every model it made)."""
    build = _floor(_models(parse(200, json.loads(body))), datetimes)
    with gc_off():
        samples = interleave({"floor": build, "json.loads": lambda: json.loads(body)}, rounds=rounds, number=2)
    catchup = []
    for _ in range(rounds):
        gc.collect()
        result = decode(200, body, parse)
        started = time.perf_counter()
        gc.collect(0)
        catchup.append(time.perf_counter() - started)
        del result
    return {"floor": median(samples["floor"]), "young_collection": median(catchup)}


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
        entry["breakdown"] = _breakdown(body, fast, datetimes[kind], rounds)
        results["kinds"][kind] = entry
    emit(results)


if __name__ == "__main__":
    main()
