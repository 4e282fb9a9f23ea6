"""Parse: 1,000-item list documents decoded by the SDK and its peers, against json.loads.

    python -m benchmarks.bench_parse --peers DIR      # DIR from benchmarks.peers.build()

In one process, on the same bytes: json.loads (the baseline), cycle_sdk (the requester's decode
path: the endpoint module's `parse` on the body's bytes), pydantic v2 strict, msgspec
Structs and stock openapi-python-client (benchmarks.peers). Rounds alternate the decoders (the
order rotates every round), so a slow moment of the shared machine lands on all of them alike;
each decoder's figure is the median over rounds of its time / json.loads's time in the same round,
and the ratio of the two minimums.

- GC off: the collector disabled, each result dropped at once: the decoder's own work.
- GC on, result held: default thresholds; the young and middle generations collected first
  (untimed), then the decode with its result kept, then the collections it left for later,
  forced at once and timed with it: the
  young generation (every object the decode made that no collection has seen yet: all of them
  for a decoder that pauses automatic collection, as cycle_sdk once did) and the middle
  one, where the objects an earlier young collection moved wait. That is what an application
  that keeps the result pays, now or at its next allocations. Full collections are left out
  (timed by gc.callbacks and subtracted, reported beside): CPython runs one when the objects moved
  to the old generation since the last one pass a quarter of it, so whichever decode crosses that
  line pays for the whole heap; amortised, every decoder's surviving objects pay for it alike.

Before timing: every decoder must accept each document and reject documents the spec rejects
(benchmarks.peers.wrong_documents, checked with jsonschema); a strict decoder that accepts one
fails `make bench`, the stock decoder's acceptances are reported (it checks no JSON types).
"""

from __future__ import annotations

import argparse
import functools
import gc
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks import documents, peers
from benchmarks.common import emit, gc_off, interleave, median, reps

ITEMS = 1000
STRICT = ("cycle_sdk", "pydantic", "msgspec")
Decoder = Callable[[bytes], Any]


def _validation(kind: str, decoders: dict[str, Decoder]) -> dict[str, dict[str, str]]:
    """decoder -> wrong document -> the exception it raised, or "accepted"."""
    out: dict[str, dict[str, str]] = {name: {} for name in decoders if name != "json.loads"}
    for label, body in peers.wrong_documents(kind).items():
        for name in out:
            try:
                decoders[name](body)
            except Exception as exc:  # what each library raises differs; any refusal counts
                out[name][label] = type(exc).__name__
            else:
                out[name][label] = "accepted"
    return out


class _CollectorClock:
    """Seconds spent in collections since reset(), by generation, from gc.callbacks."""

    def __init__(self) -> None:
        self.by_generation = [0.0, 0.0, 0.0]
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.by_generation[info["generation"]] += time.perf_counter() - self._started

    def reset(self) -> None:
        self.by_generation = [0.0, 0.0, 0.0]


Samples = dict[str, list[float]]


def _held(decoders: dict[str, Decoder], body: bytes, rounds: int) -> tuple[Samples, Samples, Samples]:
    """GC on, result held, the young and middle collections it leaves included, the full ones left
    out: (time, of which young and middle collections, full collections left out)."""
    held: Samples = {name: [] for name in decoders}
    young: Samples = {name: [] for name in decoders}
    full: Samples = {name: [] for name in decoders}
    clock = _CollectorClock()
    names = list(decoders)
    gc.callbacks.append(clock)
    try:
        for r in range(rounds + 1):  # round 0 warms up, uncounted
            shift = r % len(names)
            for name in names[shift:] + names[:shift]:
                decode = decoders[name]
                gc.collect(1)  # empty young generations (a full collection would walk the whole heap)
                clock.reset()
                started = time.perf_counter()
                result = decode(body)
                gc.collect(0)
                gc.collect(1)
                elapsed = time.perf_counter() - started
                if r:
                    # A full collection runs when the objects moved to the old generation since the
                    # last one pass a quarter of it: whichever decoder crosses that line in this
                    # process's heap pays for all. Its cost belongs to the heap, not to one decode.
                    held[name].append(elapsed - clock.by_generation[2])
                    young[name].append(clock.by_generation[0] + clock.by_generation[1])
                    full[name].append(clock.by_generation[2])
                del result
    finally:
        gc.callbacks.remove(clock)
    return held, young, full


def _figures(samples: dict[str, list[float]]) -> dict[str, dict[str, float]]:
    base = samples["json.loads"]
    out = {}
    for name, times in samples.items():
        out[name] = {
            "median": median(times),
            "min": min(times),
            "n": len(times),
            "ratio_median": median([t / b for t, b in zip(times, base, strict=True)]),
            "ratio_min": min(times) / min(base),
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--peers", type=Path, required=True, help="folder from benchmarks.peers.build()")
    parser.add_argument("--rounds", type=int, default=reps(15, 3))
    args = parser.parse_args()
    all_decoders = peers.all_decoders(args.peers)
    bodies = {kind: documents.page_body(kind, ITEMS) for kind in documents.KINDS}
    validation = {kind: _validation(kind, all_decoders[kind]) for kind in documents.KINDS}
    for kind, body in bodies.items():  # each decoder accepts the document, whole
        for name, decode in all_decoders[kind].items():
            value = decode(body)
            count = len(value["data"] if isinstance(value, dict) else value.data)
            if count != ITEMS:
                raise SystemExit(f"{name} decoded {count} of {ITEMS} {kind}")
    documents.spec.cache_clear()  # the spec is big: keep it out of what the collector walks
    documents._item_template.cache_clear()
    # No gc.freeze(): the heap of this process (modules, models, bodies) stays what the collector
    # weighs a full collection against, as an application's would.
    gc.collect()

    results: dict[str, Any] = {
        "items": ITEMS,
        "rounds": args.rounds,
        "gc_threshold": gc.get_threshold(),
        "peers": peers.info(args.peers),
        "kinds": {},
    }
    for kind, body in bodies.items():
        decoders = all_decoders[kind]
        with gc_off():
            off = interleave(
                {name: functools.partial(decode, body) for name, decode in decoders.items()},
                rounds=args.rounds,
                number=1,
            )
        times, young, full = _held(decoders, body, args.rounds)
        held = _figures(times)
        for name in decoders:
            held[name]["collections_median"] = median(young[name])
            held[name]["full_collections_median"] = median(full[name])
            held[name]["full_collections_max"] = max(full[name])
        results["kinds"][kind] = {
            "bytes": len(body),
            "gc_off": _figures(off),
            "gc_on_held": held,
            "rejects": validation[kind],
        }
    # A strict decoder that accepts a document the spec rejects makes the comparison unfair:
    # reported, and `make bench` fails (benchmarks.run).
    results["strict_accepted"] = [
        f"{name} accepted {kind}: {label}"
        for kind, by_decoder in validation.items()
        for name, labels in by_decoder.items()
        if name in STRICT
        for label, outcome in labels.items()
        if outcome == "accepted"
    ]
    emit(results)


if __name__ == "__main__":
    main()
