"""Every discriminated union of the specs decodes each mapped value into its class.

For each schema with an OpenAPI `discriminator` (43 in the Platform API, 10 in the Internal
API), a document of a model that holds the union is built with the union's value forced to
each variant of the mapping in turn (the discriminating property set to the mapped value),
decoded by that model's from_dict, and the decoded value must be the mapped class.
An unknown value must come back as UnknownVariant, the object as sent (except in a union of
one variant, which the tool's parser makes a plain model field). Unions that only
appear as request bodies (the `*Task` actions) have no decoder in the SDK: the SDK sends
them and never reads them back, so they are counted apart.
"""

from __future__ import annotations

import copy
import importlib
import json
from pathlib import Path
from typing import Any

import attrs
import pytest

from cycle_sdk import UnknownVariant
from cycle_sdk._types import json_names
from tests.support.spec_documents import Schemas

ROOT = Path(__file__).parents[1]


def _walk(node: Any, pointer: str, found: list[tuple[str, dict[str, Any]]]) -> None:
    if isinstance(node, dict):
        if isinstance(node.get("discriminator"), dict):
            found.append((pointer, node))
        for key, value in node.items():
            _walk(value, f"{pointer}/{str(key).replace('~', '~0').replace('/', '~1')}", found)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            _walk(value, f"{pointer}/{index}", found)


def _pointer_get(spec: dict[str, Any], pointer: str) -> Any:
    node: Any = spec
    for part in pointer.lstrip("#/").split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


class Forced:
    """Builds an instance of a schema whose value at the spec location `target` is `forced`."""

    def __init__(self, spec: dict[str, Any], target: str, forced: Any) -> None:
        self.spec, self.target, self.forced = spec, target, forced
        self.schemas = Schemas(spec)
        self.path: list[str | int] | None = None

    def on_route(self, pointer: str, node: Any = None) -> bool:
        """`pointer` leads to the target: by location, or (for a component) by a $ref in its schema."""
        if self.target == pointer or self.target.startswith(pointer + "/"):
            return True
        return node is not None and f'"$ref": "{self.target}"' in json.dumps(node)

    def build(self, node: Any, pointer: str, path: list[str | int], depth: int = 0) -> Any:
        if pointer == self.target:
            self.path = path
            return copy.deepcopy(self.forced)
        while isinstance(node, dict) and "$ref" in node:
            pointer = node["$ref"]
            if pointer == self.target:
                self.path = path
                return copy.deepcopy(self.forced)
            node = _pointer_get(self.spec, pointer)
        if not isinstance(node, dict):
            return None
        if "const" in node:
            return node["const"]
        if "enum" in node:
            return next((v for v in node["enum"] if v is not None), None)
        if "allOf" in node:
            parts = [({k: v for k, v in node.items() if k != "allOf"}, pointer)]
            parts += [(p, f"{pointer}/allOf/{i}") for i, p in enumerate(node["allOf"])]
            out: dict[str, Any] = {}
            for part, part_pointer in parts:
                value = self.build(part, part_pointer, path, depth)
                if isinstance(value, dict):
                    out.update(value)
                elif value is not None and not out:
                    return value
            return out
        for key in ("oneOf", "anyOf"):
            if key in node:
                members = node[key]
                index = next(
                    (i for i in range(len(members)) if self.on_route(f"{pointer}/{key}/{i}", members[i])), None
                )
                if index is None:
                    kinds = [self.schemas.allowed(m) for m in members]
                    index = next((i for i, k in enumerate(kinds) if k != {"null"}), 0)
                chosen = self.build(members[index], f"{pointer}/{key}/{index}", path, depth + 1)
                rest = {k: v for k, v in node.items() if k not in (key, "discriminator")}
                if rest.get("properties") and isinstance(chosen, dict):
                    return {**self.build(rest, pointer, path, depth), **chosen}
                return chosen
        kind = node.get("type")
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), "null")
        if kind == "object" or "properties" in node:
            required = set(node.get("required", []))
            out = {}
            for name, prop in (node.get("properties") or {}).items():
                child = f"{pointer}/properties/{name.replace('~', '~0').replace('/', '~1')}"
                if name in required or self.on_route(child, prop):
                    out[name] = self.build(prop, child, [*path, name], depth + 1)
            extra = node.get("additionalProperties")
            if isinstance(extra, dict) and self.on_route(f"{pointer}/additionalProperties", extra):
                out["k"] = self.build(extra, f"{pointer}/additionalProperties", [*path, "k"], depth + 1)
            return out
        if kind == "array":
            child = f"{pointer}/items"
            if self.on_route(child, node.get("items")) or depth < 4:
                return [self.build(node.get("items", {}), child, [*path, 0], depth + 1)]
            return []
        if kind == "string":
            fmt = node.get("format")
            return {"date-time": "2026-03-26T12:00:00+00:00", "date": "2026-03-26"}.get(fmt, "x")
        if kind == "integer":
            return node.get("minimum", 1)
        if kind == "number":
            return 1.5
        if kind == "boolean":
            return True
        return None


def _hosts(spec: dict[str, Any], pointer: str) -> list[tuple[str, str]]:
    """(component schema name, its pointer) of models that decode the union at `pointer`."""
    parts = pointer.split("/")
    if parts[1] == "components" and len(parts) > 4:
        return [(parts[3], "/".join(parts[:4]))]
    if parts[1] == "components":
        found: list[tuple[str, str]] = []
        for name, schema in spec["components"]["schemas"].items():
            if f'"$ref": "{pointer}"' in json.dumps(schema) and name != parts[3]:
                found.append((name, f"#/components/schemas/{name}"))
        return found
    return []  # inline in a request body


def _unions(package: str) -> list[tuple[str, str, dict[str, Any], dict[str, Any]]]:
    spec = json.loads((ROOT / "cycle_sdk" / package / "spec.json").read_text())
    found: list[tuple[str, dict[str, Any]]] = []
    _walk(spec, "#", found)
    return [(package, pointer, node, spec) for pointer, node in found]


UNIONS = _unions("_generated") + _unions("_generated_internal")


def test_the_specs_have_the_discriminated_unions_the_issue_counts() -> None:
    assert len([u for u in UNIONS if u[0] == "_generated"]) == 43
    assert len([u for u in UNIONS if u[0] == "_generated_internal"]) == 10


def _class_names(spec: dict[str, Any], name: str) -> set[str]:
    """The names the generator may give a component's class: its key, or its title."""
    title = str(spec["components"]["schemas"][name].get("title", name))
    return {name, title, "".join(w[:1].upper() + w[1:] for w in title.replace("-", " ").replace("_", " ").split())}


def _model_class(package: str, spec: dict[str, Any], name: str) -> type[Any] | None:
    index = importlib.import_module(f"cycle_sdk.{package}.models._index").MODULES
    for candidate in sorted(_class_names(spec, name)):
        if candidate in index:
            module = importlib.import_module(f"cycle_sdk.{package}.models{index[candidate]}")
            return getattr(module, candidate)  # type: ignore[no-any-return]
    return None


def _follow(value: Any, path: list[str | int]) -> Any:
    for segment in path:
        if isinstance(segment, int):
            value = value[segment]
        elif attrs.has(type(value)):
            fields = {key: attr for attr, key in json_names(type(value))}
            value = getattr(value, fields[segment]) if segment in fields else value.additional_properties[segment]
        else:
            value = value[segment]
    return value


def _host(package: str, pointer: str, spec: dict[str, Any]) -> tuple[str, str, type[Any]] | None:
    for name, host_pointer in _hosts(spec, pointer):
        cls = _model_class(package, spec, name)
        if cls is not None:
            return name, host_pointer, cls
    return None


DECODED = [u for u in UNIONS if _host(u[0], u[1], u[3]) is not None]
SENT_ONLY = [u for u in UNIONS if _host(u[0], u[1], u[3]) is None]


def test_unions_without_a_decoding_model_are_only_ever_sent() -> None:
    # The `*Task` action bodies (and two inline scoped-variable bodies): request bodies, which
    # the SDK encodes and never decodes. Every other union is decoded, below.
    assert len(DECODED) == 26 + 9  # 43 + 10 in all; 17 + 1 are request bodies only
    for _package, pointer, _node, spec in SENT_ONLY:
        text = json.dumps(
            {
                "schemas": spec["components"]["schemas"],
                "responses": [
                    op.get("responses")
                    for item in spec["paths"].values()
                    for op in item.values()
                    if isinstance(op, dict)
                ],
            }
        )
        assert (pointer.startswith("#/paths/") and "/requestBody/" in pointer) or f'"{pointer}"' not in text, pointer


@pytest.mark.parametrize(
    ("package", "pointer", "node", "spec"), DECODED, ids=[f"{u[0].strip('_')}:{u[1][2:]}" for u in DECODED]
)
def test_each_mapped_value_decodes_into_its_class(
    package: str, pointer: str, node: dict[str, Any], spec: dict[str, Any]
) -> None:
    found = _host(package, pointer, spec)
    assert found is not None
    host_name, host_pointer, host = found
    name = node["discriminator"]["propertyName"]
    mapping = node["discriminator"]["mapping"]
    assert mapping
    for value, ref in mapping.items():
        variant = Forced(spec, "", None).build({"$ref": ref}, ref, [])
        variant[name] = value
        builder = Forced(spec, pointer, variant)
        doc = builder.build(_pointer_get(spec, host_pointer), host_pointer, [])
        assert builder.path is not None, (host_name, pointer)
        decoded = _follow(host.from_dict(doc), builder.path)
        assert type(decoded).__name__ in _class_names(spec, ref.rsplit("/", 1)[-1]), (value, decoded)
        assert decoded.to_dict()[name] == value
    if len(node.get("oneOf") or node.get("anyOf") or []) == 1:
        return  # one variant: the generator sees a plain model, whose enum keeps an unknown value
    unknown = {name: "a-variant-newer-than-this-sdk", "details": {"x": 1}}
    builder = Forced(spec, pointer, unknown)
    doc = builder.build(_pointer_get(spec, host_pointer), host_pointer, [])
    assert builder.path is not None
    decoded = _follow(host.from_dict(doc), builder.path)
    assert isinstance(decoded, UnknownVariant)
    assert decoded == unknown and decoded.property_name == name and decoded.value == unknown[name]
