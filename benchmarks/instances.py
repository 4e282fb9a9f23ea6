"""Build a schema-valid JSON instance from an OpenAPI 3.1 schema: the response documents of the
benchmarks and of the decoding tests. tests/test_fixture_documents.py validates what it builds
against the effective spec with jsonschema."""

from __future__ import annotations

import re
from typing import Any


class InstanceBuilder:
    def __init__(self, spec: dict[str, Any], *, full: bool = True) -> None:
        self.spec = spec
        self.full = full  # also fill optional properties (exercises more of from_dict)

    def resolve(self, node: Any) -> Any:
        seen = 0
        while isinstance(node, dict) and "$ref" in node and seen < 50:
            target: Any = self.spec
            for part in node["$ref"].lstrip("#/").split("/"):
                target = target[part]
            node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
            seen += 1
        return node

    def build(self, schema: Any, depth: int = 0) -> Any:
        schema = self.resolve(schema)
        if not isinstance(schema, dict):
            return None
        if "const" in schema:
            return schema["const"]
        if "enum" in schema:
            return next((v for v in schema["enum"] if v is not None), schema["enum"][0])
        for key in ("oneOf", "anyOf"):
            if key in schema:
                options = [self.resolve(o) for o in schema[key]]
                non_null = [o for o in options if o.get("type") != "null"]
                chosen = self.build(non_null[0] if non_null else options[0], depth + 1)
                rest = {k: v for k, v in schema.items() if k != key}
                if "properties" in rest and isinstance(chosen, dict):  # properties beside the oneOf
                    base = self.build(rest, depth)
                    return {**base, **chosen} if isinstance(base, dict) else chosen
                return chosen
        if "allOf" in schema:
            # One schema from the parts and the siblings (`type: string, allOf: [Duration]` is a string).
            merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
            for part in schema["allOf"]:
                part = self.resolve(part)
                for key, value in part.items():
                    if key == "properties":
                        merged["properties"] = {**merged.get("properties", {}), **value}
                    elif key == "required":
                        merged["required"] = [*merged.get("required", []), *value]
                    else:
                        merged.setdefault(key, value)
            return self.build(merged, depth)
        kind = schema.get("type")
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), "null")
        if kind == "object" or "properties" in schema:
            required = set(schema.get("required", []))
            out = {}
            for name, prop in (schema.get("properties") or {}).items():
                if name in required or (self.full and depth < 6):
                    out[name] = self.build(prop, depth + 1)
            return out
        if kind == "array":
            return [self.build(schema.get("items", {}), depth + 1)] if depth < 6 else []
        if kind == "string":
            example = _string_example(schema)
            if example is not None:
                return example
            fmt = schema.get("format")
            if fmt == "date-time":
                return "2026-03-26T12:00:00.000Z"
            if fmt == "date":
                return "2026-03-26"
            return "x"
        if kind == "integer":
            return schema.get("minimum", 1)
        if kind == "number":
            return 1.5
        if kind == "boolean":
            return True
        if kind == "null":
            return None
        return {}


def _string_example(schema: dict[str, Any]) -> str | None:
    """The schema's first string example that fits its pattern (a pattern has no one value that
    fits them all: `x` fails `^[0-9]+[kKmMgG]$`); None when the schema gives none."""
    pattern = schema.get("pattern")
    for value in schema.get("examples") or []:
        if isinstance(value, str) and (pattern is None or re.search(pattern, value)):
            return value
    return None
