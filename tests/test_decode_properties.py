"""Issue 13, property-based over the spec: every success document decodes, and a wrong type is caught where it is.

For every success response schema of every operation of the three APIs (their effective specs),
hypothesis draws a schema-valid document (tests/support/spec_documents.py, independent of the
generator): `parse` gives a model whose `to_dict()` is the document again. The same document
with one value's JSON type changed raises DecodeError whose path is that value's.
"""

from __future__ import annotations

import copy
import importlib
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from cycle_sdk._decode import DecodeError
from tests.support.spec_documents import documents, render, replacement, set_at

ROOT = Path(__file__).parents[1]
PACKAGES = ("_generated", "_generated_internal", "_generated_scheduler")


def _cases() -> list[tuple[str, Any, int, dict[str, Any], Any]]:
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


def test_every_success_schema_is_covered() -> None:
    assert len({(c[0], c[1].method, c[1].path) for c in CASES}) == 281 + 34 + 4


@pytest.mark.parametrize(
    ("package", "entry", "status", "spec", "schema"),
    CASES,
    ids=[f"{c[0].removeprefix('_generated').strip('_') or 'platform'} {c[1].method} {c[1].path} {c[2]}" for c in CASES],
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
    value = parse(status, copy.deepcopy(drawn.value))
    assert value.to_dict() == drawn.value

    path, allowed = data.draw(st.sampled_from(drawn.sites), label="mutated site")
    wrong = replacement(allowed)
    doc = set_at(copy.deepcopy(drawn.value), path, wrong)
    with pytest.raises(DecodeError) as caught:
        parse(status, doc)
    assert render(caught.value.path) == render(path), str(caught.value)
