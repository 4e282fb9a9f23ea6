"""Every namespace method, sync and async, documents its operation from the spec."""

from __future__ import annotations

import importlib
import inspect
import json
import re
from pathlib import Path
from typing import Any

import pytest

from generator.build import pascal, resolve

pytestmark = pytest.mark.slow  # a whole-API sweep (about 320 cases)

APIS = ("_generated", "_generated_internal", "_generated_scheduler")
ROOT = Path(__file__).parents[1] / "cycle_sdk"


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _cases() -> list[Any]:
    cases = []
    for api in APIS:
        ops = importlib.import_module(f"cycle_sdk.{api}.operations").OPERATIONS
        cases += [pytest.param(api, entry, id=f"{api}:{entry.operation_id}") for entry in ops]
    return cases


def _spec(api: str) -> dict[str, Any]:
    return json.loads((ROOT / api / "spec.json").read_text())  # type: ignore[no-any-return]


@pytest.mark.parametrize(("api", "entry"), _cases())
def test_method_docstring_holds_the_spec_text(api: str, entry: Any) -> None:
    spec = _spec(api)
    path_item = spec["paths"][entry.path]
    op = path_item[entry.method.lower()]
    module = importlib.import_module(f"cycle_sdk.{api}.namespaces.{entry.namespace}")
    for cls in (getattr(module, pascal(entry.namespace)), getattr(module, "Async" + pascal(entry.namespace))):
        doc = _flat(inspect.getdoc(getattr(cls, entry.name)) or "")
        assert _flat(op.get("summary", "")) in doc
        assert _flat(op.get("description", "")) in doc
        assert f"{entry.method} {entry.path}" in doc
        for raw in [*path_item.get("parameters", []), *op.get("parameters", [])]:
            param = resolve(spec, raw)
            assert _flat(param.get("description", "")) in doc, param["name"]
            items = resolve(spec, param.get("schema", {}))
            for value in resolve(spec, items.get("items", {})).get("enum", items.get("enum", [])):
                assert repr(str(value)) in doc, (param["name"], value)
        if "requestBody" in op:
            assert "body (" in doc
        assert "Returns: APIResult[" in doc


def test_make_docs_renders_the_method_docs() -> None:
    import pdoc

    html = pdoc.pdoc("cycle_sdk._generated.namespaces.environments")
    assert "create_environment" in html and "Required keys: name, cluster" in html
    assert "filter[state]" in html
