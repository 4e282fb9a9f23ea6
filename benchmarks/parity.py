"""Decoder parity: the fast models decide exactly as the tool's own models do.

    python -m benchmarks.parity --stock DIR     # DIR/stock_generated from benchmarks.stock

For every operation's success documents (all fields, and required fields only), and for
randomly damaged copies of them (keys dropped, values replaced by null/str/int/[]/{}/a
timestamp/bool, unknown keys added), both `parse` functions must either both fail with
an error the client turns into an Err, or both succeed with the same `to_dict()`.
"""

from __future__ import annotations

import argparse
import copy
import importlib
import json
import random
import sys
from pathlib import Path
from typing import Any

from benchmarks import documents
from benchmarks.common import emit
from benchmarks.instances import InstanceBuilder

CAUGHT = (KeyError, TypeError, ValueError, AttributeError, IndexError)  # what the client makes an Err of


def _damage(rng: random.Random, value: Any, p: float = 0.08) -> Any:
    if isinstance(value, dict):
        out = {}
        for key, inner in value.items():
            roll = rng.random()
            if roll < p:
                continue
            if roll < 2 * p:
                out[key] = rng.choice([None, "zz", 5, [], {}, "2026-01-01T00:00:00Z", True])
                continue
            out[key] = _damage(rng, inner, p)
        if rng.random() < p:
            out[f"extra_{rng.randint(0, 9)}"] = 1
        return out
    if isinstance(value, list):
        return [_damage(rng, inner, p) for inner in value]
    return value


def _outcome(parse: Any, status: int, doc: Any) -> tuple[str, str]:
    try:
        value = parse(status, copy.deepcopy(doc))
    except CAUGHT:
        return ("err", "")
    except Exception as exc:  # an error the client would not turn into an Err
        return ("uncaught", type(exc).__name__)
    try:
        data = value.to_dict() if hasattr(value, "to_dict") else value
    except Exception as exc:  # to_dict is the tool's, unchanged: it can trip over a union's raw fallback value
        return ("ok, to_dict fails", type(exc).__name__)
    return ("ok", json.dumps(data, sort_keys=True, default=str))


def check(stock_package: str, trials: int = 25, seed: int = 7) -> dict[str, Any]:
    from cycle_sdk._generated.operations import OPERATIONS

    spec = documents.spec()
    rng = random.Random(seed)
    counts = {"documents": 0, "accepted": 0, "rejected": 0, "differ": 0, "uncaught": 0, "to_dict_fails": 0}
    examples: list[str] = []
    for entry in OPERATIONS:
        fast = importlib.import_module(f"cycle_sdk._generated.{entry.module}").parse
        stock = importlib.import_module(f"{stock_package}.{entry.module}").parse
        op = spec["paths"][entry.path][entry.method.lower()]
        for full in (True, False):
            builder = InstanceBuilder(spec, full=full)
            for code, response in op["responses"].items():
                if not code.startswith("2"):
                    continue
                content = builder.resolve(response).get("content") or {}
                schema = content.get("application/json", {}).get("schema")
                if schema is None:
                    continue
                base = builder.build(schema)
                for trial in range(trials):
                    doc = base if trial == 0 else _damage(rng, copy.deepcopy(base))
                    a, b = _outcome(fast, int(code), doc), _outcome(stock, int(code), doc)
                    counts["documents"] += 1
                    counts["uncaught"] += a[0] == "uncaught"
                    if a != b:
                        counts["differ"] += 1
                        if len(examples) < 5:
                            examples.append(f"{entry.method} {entry.path} trial {trial}: {a[0]} vs stock {b[0]}")
                    elif a[0].startswith("ok"):
                        counts["accepted"] += 1
                        counts["to_dict_fails"] += a[0] != "ok"
                    else:
                        counts["rejected"] += 1
    return {**counts, "examples": examples}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stock", type=Path, required=True, help="folder holding stock_generated/")
    args = parser.parse_args()
    sys.path.insert(0, str(args.stock))
    emit(check("stock_generated"))


if __name__ == "__main__":
    main()
