"""Every success document decodes, and a wrong type is caught where it is.

For every success response schema of every operation of the three APIs (their effective specs),
hypothesis draws a schema-valid document (tests/support/spec_documents.py, independent of the
generator): `parse` of its JSON bytes gives a model whose `to_dict()` is the document again. The
same document with one value's JSON type changed raises DecodeError whose path is that value's. A
whole-API sweep: a sample of the cases runs in the fast layer, all of them under `slow`.
"""

from __future__ import annotations

import copy
import importlib
import inspect
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from cycle_sdk._decode import DecodeError
from tests.support.spec_documents import documents, render, replacement, set_at
from tests.support.sweeps import coverage_floors, sampled

ROOT = Path(__file__).parents[1]
PACKAGES = ("_generated", "_generated_internal", "_generated_scheduler")
API_OF = {"_generated": "platform", "_generated_internal": "internal", "_generated_scheduler": "scheduler"}


def _cases() -> list[tuple[Any, ...]]:
    cases = []
    for package in PACKAGES:
        spec = json.loads((ROOT / "cycle_sdk" / package / "spec.json").read_text())
        for entry in importlib.import_module(f"cycle_sdk.{package}.operations").OPERATIONS:
            op = spec["paths"][entry.path][entry.method.lower()]
            for code, response in op["responses"].items():
                while "$ref" in response:
                    response = spec["components"]["responses"][response["$ref"].rsplit("/", 1)[-1]]
                schema = (response.get("content") or {}).get("application/json", {}).get("schema")
                if code.startswith("2") and schema is not None:
                    cases.append((package, entry, int(code), spec, schema))
    return cases


CASES = _cases()


@pytest.mark.parametrize("package", PACKAGES)
def test_operations_with_a_success_schema_parse_into_a_type(package: str) -> None:
    """The generated `parse` of each operation whose spec has a JSON success schema returns a
    type, not Any or None: held to the `untyped_operations` floor `make generate` enforces."""
    cases = {(c[1].method, c[1].path): c[1] for c in CASES if c[0] == package}
    assert cases, package
    untyped = [
        f"{method} {path}"
        for (method, path), entry in cases.items()
        if inspect.signature(importlib.import_module(f"cycle_sdk.{package}.{entry.module}").parse).return_annotation
        in ("Any", "None")
    ]
    assert len(untyped) <= coverage_floors(API_OF[package])["untyped_operations"], untyped


@pytest.mark.parametrize(
    ("package", "entry", "status", "spec", "schema"),
    sampled(
        CASES,
        id_of=lambda c: f"{c[0].removeprefix('_generated').strip('_') or 'platform'} {c[1].method} {c[1].path} {c[2]}",
    ),
)
@settings(
    max_examples=2,
    deadline=None,
    database=None,
    phases=(Phase.explicit, Phase.generate),  # no shrinking: a failure prints its document and site
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)
@given(data=st.data())
def test_documents_decode_round_trip_and_a_wrong_type_is_named(
    package: str, entry: Any, status: int, spec: dict[str, Any], schema: Any, data: st.DataObject
) -> None:
    parse = importlib.import_module(f"cycle_sdk.{package}.{entry.module}").parse
    drawn = data.draw(documents(spec, schema), label="document")
    value = parse(status, json.dumps(drawn.value).encode())
    assert value.to_dict() == drawn.value

    path, allowed = data.draw(st.sampled_from(drawn.sites), label="mutated site")
    wrong = replacement(allowed)
    doc = set_at(copy.deepcopy(drawn.value), path, wrong)
    with pytest.raises(DecodeError) as caught:
        parse(status, json.dumps(doc).encode())
    assert render(caught.value.path) == render(path), str(caught.value)
