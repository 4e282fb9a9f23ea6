"""Schema-valid response documents for any operation, built from the effective spec."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from benchmarks.instances import InstanceBuilder

SPEC_PATH = Path(__file__).parents[2] / "cycle_sdk" / "_generated" / "spec.json"


@cache
def spec() -> dict[str, Any]:
    return json.loads(SPEC_PATH.read_text())  # type: ignore[no-any-return]


def document(method: str, path: str, status: str = "200", *, full: bool = False, **overrides: Any) -> Any:
    """A success body for METHOD PATH (the spec's path template), with `data` fields overridden."""
    builder = InstanceBuilder(spec(), full=full)
    response = builder.resolve(spec()["paths"][path][method.lower()]["responses"][status])
    doc = builder.build(response["content"]["application/json"]["schema"])
    if overrides and isinstance(doc, dict) and isinstance(doc.get("data"), dict):
        doc["data"].update(overrides)
    return doc
