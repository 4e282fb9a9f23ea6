"""Every operation of the effective spec has generated sync and async functions
that decode a schema-valid success body into typed models (not dicts).

What is generated is held to the coverage floors `make generate` enforces (spec/<api>.yaml); the
per-operation decode check is a whole-API sweep: a sample in the fast layer, the rest slow."""

from __future__ import annotations

import importlib
import inspect
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from benchmarks.instances import InstanceBuilder
from cycle_sdk._generated.operations import OPERATIONS
from tests.support.sweeps import coverage_floors, sampled

ROOT = Path(__file__).parents[1]
SPEC: dict[str, Any] = json.loads((ROOT / "cycle_sdk/_generated/spec.json").read_text())
METHODS = ("get", "put", "post", "delete", "patch")
# The Internal and Scheduler APIs come from the same pipeline, into their own packages.
OTHER_APIS = {"cycle_sdk._generated_internal": "internal", "cycle_sdk._generated_scheduler": "scheduler"}


def _spec_operations() -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, op)
        for path, item in SPEC["paths"].items()
        for method, op in item.items()
        if method in METHODS
    ]


def test_every_spec_operation_is_generated() -> None:
    generated = {(o.method, o.path) for o in OPERATIONS}
    in_spec = {(m, p) for m, p, _ in _spec_operations()}
    assert generated <= in_spec and len(in_spec - generated) <= coverage_floors("platform")["missing_operations"]
    assert ("POST", "/oauth/token") in generated  # the OAuth token endpoint overlays/ adds


def _all_entries() -> list[tuple[Any, ...]]:
    entries = [("cycle_sdk._generated", SPEC, e) for e in OPERATIONS]
    for package in OTHER_APIS:
        spec = json.loads((ROOT / package.replace(".", "/") / "spec.json").read_text())
        entries += [(package, spec, e) for e in importlib.import_module(f"{package}.operations").OPERATIONS]
    return entries


@pytest.mark.parametrize("package", sorted(OTHER_APIS))
def test_other_apis_fully_generated(package: str) -> None:
    spec = json.loads((ROOT / package.replace(".", "/") / "spec.json").read_text())
    generated = {(o.method, o.path) for o in importlib.import_module(f"{package}.operations").OPERATIONS}
    in_spec = {(m.upper(), p) for p, item in spec["paths"].items() for m in item if m in METHODS}
    assert generated and generated <= in_spec
    assert len(in_spec - generated) <= coverage_floors(OTHER_APIS[package])["missing_operations"]


@pytest.mark.parametrize(
    ("package", "spec", "entry"),
    sampled(_all_entries(), id_of=lambda case: f"{case[0]}-{case[2].method} {case[2].path}"),
)
def test_operation_parses_typed_success(package: str, spec: dict[str, Any], entry: Any) -> None:
    module = importlib.import_module(f"{package}.{entry.module}")
    assert inspect.isfunction(module.build_request) and inspect.isfunction(module.parse)
    op = spec["paths"][entry.path][entry.method.lower()]
    builder = InstanceBuilder(spec)
    for code, response in op["responses"].items():
        if not code.startswith("2"):
            continue
        response = builder.resolve(response)
        schema = (response.get("content") or {}).get("application/json", {}).get("schema")
        if schema is None:
            continue
        value = module.parse(int(code), json.dumps(builder.build(schema)).encode())
        resolved = builder.resolve(schema)
        if resolved.get("type") == "object" and resolved.get("properties"):
            # A typed document: an attrs model with to_dict(), round-tripping its data field.
            assert hasattr(value, "to_dict") and not isinstance(value, dict), type(value)
            assert isinstance(value.to_dict(), dict)
            data = getattr(value, "data", None)
            items = data if isinstance(data, list) else [data]
            # Nested documents are typed too (not left as dicts), wherever the schema has properties.
            assert not any(isinstance(i, dict) and i and not hasattr(i, "to_dict") for i in items if i is not None) or (
                not builder.resolve(resolved["properties"].get("data", {})).get("properties")
            )


def test_import_and_one_call_load_only_what_the_call_uses(tmp_path: Path) -> None:
    code = (
        "import sys, cycle_sdk, httpx\n"
        "from tests.support.fault_server import FaultServer, Reply\n"
        "with FaultServer() as s:\n"
        "    s.script('GET', '/v1/jobs/j1', Reply(200, {'data': None}))\n"
        "    c = cycle_sdk.Client(api_key='k', base_url=s.url, max_retries=0)\n"
        "    c.jobs.get_job('j1')\n"
        "models = [m for m in sys.modules if m.startswith('cycle_sdk._generated.models.')]\n"
        "apis = [m for m in sys.modules if m.startswith('cycle_sdk._generated.api.')]\n"
        "print(len(models), len(apis))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=Path(__file__).parents[1]
    ).stdout.split()
    models, apis = int(out[0]), int(out[1])
    assert models < 40, f"{models} model modules loaded for one call"
    # The api package, api.jobs and the jobs namespace's endpoint modules (imported statically by
    # the namespace module, which loads on first use): nothing of any other namespace.
    in_namespace = sum(1 for o in OPERATIONS if o.namespace == "jobs")
    assert apis <= 2 + in_namespace
