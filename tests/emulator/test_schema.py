"""The schema tools behind every answer: instances validate, the checker agrees with jsonschema, and
merging any client input keeps a document valid."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cycle_sdk.emulator._schema import SchemaTools

from .helpers import component, errors, spec, validator

TOOLS = SchemaTools(spec())


def response_schemas() -> list[tuple[str, tuple[str, ...]]]:
    found = []
    for template, item in spec()["paths"].items():
        for method, op in item.items():
            for code, response in op.get("responses", {}).items():
                if code.startswith("2") and "application/json" in response.get("content", {}):
                    pointer = ("paths", template, method, "responses", code, "content", "application/json", "schema")
                    found.append((f"{method.upper()} {template} {code}", pointer))
    return found


def at(pointer: tuple[str, ...]) -> Any:
    node: Any = spec()
    for part in pointer:
        node = node[part]
    return node


def test_every_response_schema_has_a_valid_instance_and_the_checker_agrees() -> None:
    problems = []
    for name, pointer in response_schemas():
        schema = at(pointer)
        instance = TOOLS.instance(schema)
        found = errors(validator(*pointer), instance)
        if found:
            problems.append(f"{name}: {found[:2]}")
        if TOOLS.conforms(schema, instance) != (not found):
            problems.append(f"{name}: the checker says {TOOLS.conforms(schema, instance)}, jsonschema {not found}")
    assert not problems, "\n".join(problems)


def test_the_checker_agrees_with_jsonschema_on_invalid_documents() -> None:
    environment = TOOLS.instance({"$ref": "#/components/schemas/Environment"})
    cases: list[Any] = [
        {**environment, "name": 3},
        {k: v for k, v in environment.items() if k != "state"},
        {**environment, "state": {"current": "exploded", "changed": "x"}},
        {**environment, "acl": {"entries": "nope"}},
        {**environment, "deployments": {"tags": {"x": 1}}},
        [],
        None,
    ]
    for case in cases:
        expected = not errors(component("Environment"), case)
        assert TOOLS.conforms({"$ref": "#/components/schemas/Environment"}, case) is expected, case


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-5, 5)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=5),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=10,
)


def overlays(schema_name: str) -> st.SearchStrategy[dict[str, Any]]:
    """Bodies mixing the schema's own keys (with arbitrary values) and arbitrary keys."""
    keys = sorted(TOOLS.properties({"$ref": f"#/components/schemas/{schema_name}"}))
    key = st.sampled_from(keys) | st.text(max_size=8)
    return st.dictionaries(key, JSON_VALUES, max_size=6)


@pytest.mark.slow
@pytest.mark.parametrize("schema_name", ["Environment", "Container", "Job", "Hub", "DnsRecord"])
def test_merging_any_input_keeps_documents_valid(schema_name: str) -> None:
    ref = {"$ref": f"#/components/schemas/{schema_name}"}
    base = TOOLS.instance(ref)

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(overlays(schema_name))
    def check(overlay: dict[str, Any]) -> None:
        merged = TOOLS.merge(base, overlay, ref)
        assert not errors(component(schema_name), merged)
        for key, value in overlay.items():
            # What fits is taken as given.
            if key in merged and TOOLS.conforms(TOOLS.property(ref, key), value) and not isinstance(value, dict):
                assert merged[key] == value

    check()


def test_fit_keeps_what_fits() -> None:
    fitted = TOOLS.fit({"id": "x", "name": "n", "bogus": 1}, {"$ref": "#/components/schemas/Environment"})
    assert fitted["id"] == "x" and fitted["name"] == "n" and "bogus" not in fitted
    assert not errors(component("Environment"), fitted)
