"""Whole-API sweeps (a case per operation or model) in the two test layers, and the coverage
floors a sweep's completeness is checked against.

A sweep's cases are spread over the layers: a small sample, evenly spaced over the whole list (so
every API and both ends of it are in it), runs in the fast layer; the rest are marked `slow`, so
`make test` still runs every case:

    @pytest.mark.parametrize("entry", sampled([(e,) for e in OPERATIONS], id_of=lambda c: c[0].path))

A sweep that is one test over every model takes `model_classes(sample=...)`, run twice: on a
sample in the fast layer, on every model under `slow`.

The floors are the ones `make generate` enforces (spec/<api>.yaml, `coverage:`): how many
operations may go ungenerated, untyped... A test that checks what a sweep covers holds it to
them instead of to counts copied from a report, which every spec update changes.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import attrs
import pytest
import yaml

FAST_SAMPLE = 12  # cases of each sweep in the fast layer
SPEC_CONFIGS = Path(__file__).parents[2] / "spec"


def sampled(cases: Sequence[tuple[Any, ...]], *, id_of: Callable[[tuple[Any, ...]], str]) -> list[Any]:
    """`pytest.mark.parametrize` values from a sweep's cases (one tuple of arguments each):
    FAST_SAMPLE of them, evenly spaced, in the fast layer, the others marked `slow`."""
    count = len(cases)
    if count <= FAST_SAMPLE:
        fast = set(range(count))
    else:
        fast = {round(i * (count - 1) / (FAST_SAMPLE - 1)) for i in range(FAST_SAMPLE)}
    return [
        pytest.param(*case, id=id_of(case), marks=() if i in fast else pytest.mark.slow) for i, case in enumerate(cases)
    ]


def coverage_floors(api: str) -> dict[str, int]:
    """The coverage floors of an API's build (`platform`, `internal`, `scheduler`)."""
    config = yaml.safe_load((SPEC_CONFIGS / f"{api}.yaml").read_text())
    return {str(key): int(value) for key, value in config["coverage"].items()}


MODEL_PACKAGES = ("_generated", "_generated_internal", "_generated_scheduler")
MODEL_SAMPLE = 4 * FAST_SAMPLE  # index entries a model sample is drawn from (some are enums)


def model_classes(*, sample: bool) -> list[type[Any]]:
    """The generated attrs model classes of the three APIs, read from their model indexes: all
    of them (a slow sweep), or those among MODEL_SAMPLE entries evenly spaced over the indexes."""
    entries = [
        (package, name, module)
        for package in MODEL_PACKAGES
        for name, module in sorted(importlib.import_module(f"cycle_sdk.{package}.models._index").MODULES.items())
    ]
    if sample:
        step = len(entries) / MODEL_SAMPLE
        entries = [entries[int(i * step)] for i in range(MODEL_SAMPLE)]
    classes = []
    for package, name, module in entries:
        value = getattr(importlib.import_module(f"cycle_sdk.{package}.models{module}"), name)
        if isinstance(value, type) and attrs.has(value):
            classes.append(value)
    return classes
