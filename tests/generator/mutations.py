"""Single mutations of an effective spec, each with the surface change the documented rule gives it.

A mutation changes one place of a spec: an operation, a parameter, or a property of an inline
request body, an inline response envelope or a component schema, at any depth. Its `expected`
class ("breaking" or "additive", or "none" for a refactoring of the spec that leaves the
generated code as it was) is the README "Regenerating" rule applied to what it does;
its `owner` is the operationId or component schema whose generated code it changes.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from openapi_python_client.strings import ClassName, PythonIdentifier, pascal_case

from generator.build import HTTP_METHODS

SCHEMA_REF = "#/components/schemas/"
FIELD_PREFIX = "field_"  # generator/config.yaml
SIMPLE_TYPES = ("string", "integer", "boolean", "number")
Path_ = tuple[str | int, ...]


@dataclass(frozen=True)
class Mutation:
    name: str  # "remove property", "change type", ...
    owner: str  # operationId or component schema
    where: Path_  # the JSON path of the mutated node in the spec
    expected: str  # "breaking", "additive" or "none" (the generated code stays the same)
    apply: Callable[[dict[str, Any]], None]
    literal: str = ""  # an enum value added or removed, as a Literal shows it (typed dicts inline enums)

    def __str__(self) -> str:
        return f"{self.name} at {self.owner} {'/'.join(map(str, self.where))} (expected {self.expected})"

    def applied(self, spec: dict[str, Any]) -> dict[str, Any]:
        out = copy.deepcopy(spec)
        self.apply(out)
        return out


def _at(spec: dict[str, Any], path: Path_) -> Any:
    node: Any = spec
    for key in path:
        node = node[key]
    return node


def operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, str, dict[str, Any]]]:
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method in HTTP_METHODS and isinstance(op, dict) and "operationId" in op:
                yield op["operationId"], path, method, op


def _objects(node: Any, path: Path_, depth: int = 0) -> Iterator[tuple[Path_, dict[str, Any]]]:
    """Inline object schemas under `node` (not through $ref): each with a `properties` map."""
    if not isinstance(node, dict) or "$ref" in node or depth > 4:
        return
    if isinstance(node.get("properties"), dict) and node["properties"]:
        yield path, node
        for name, sub in node["properties"].items():
            yield from _objects(sub, (*path, "properties", name), depth + 1)
    if isinstance(node.get("items"), dict):
        yield from _objects(node["items"], (*path, "items"), depth + 1)


def _all_of_parts(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        for part in node.get("allOf") or []:
            if isinstance(part, dict) and "$ref" in part:
                yield part
        for value in node.values():
            yield from _all_of_parts(value)
    elif isinstance(node, list):
        for value in node:
            yield from _all_of_parts(value)


def _simple(schema: Any) -> bool:
    return (
        isinstance(schema, dict)
        and schema.get("type") in SIMPLE_TYPES
        and not ({"enum", "format", "const", "$ref", "oneOf", "anyOf", "allOf"} & schema.keys())
    )


def candidates(spec: dict[str, Any], owners: set[str] | None = None) -> list[Mutation]:
    """Every mutation this module knows for the operations and component schemas of `spec`."""
    out: list[Mutation] = []
    for op_id, path, method, op in operations(spec):
        base: Path_ = ("paths", path, method)
        out += _operation_mutations(spec, op_id, base, op)
        roots: list[Path_] = []
        body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
        if isinstance(body, dict):
            roots.append((*base, "requestBody", "content", "application/json", "schema"))
        for status, response in (op.get("responses") or {}).items():
            schema = (response.get("content") or {}).get("application/json", {}).get("schema")
            if str(status).startswith("2") and isinstance(schema, dict):
                roots.append((*base, "responses", status, "content", "application/json", "schema"))
        endpoint = pascal_case(PythonIdentifier(op_id, FIELD_PREFIX))
        for root in roots:
            for where, obj in _objects(_at(spec, root), root):
                out += _property_mutations(spec, op_id, where, obj)
            # The generator names an inline body `<Operation>Body`, a response `<Operation>Response<status>`.
            parent = f"{endpoint}Body" if "requestBody" in root else f"{endpoint}Response{root[4]}"
            out += _class_mutations(spec, op_id, root, parent)
    # A component that is an allOf part gives its fields to other models: its changes have many owners.
    parts = {
        str(part["$ref"]).rsplit("/", 1)[-1]
        for schema in (spec.get("components", {}).get("schemas") or {}).values()
        for part in _all_of_parts(schema)
    }
    for name, schema in (spec.get("components", {}).get("schemas") or {}).items():
        if name in parts or not (isinstance(schema, dict) and schema.get("properties")):
            continue  # an allOf part, or a component the generator inlines where it is used
        base = ("components", "schemas", name)
        for where, obj in _objects(schema, base):
            out += _property_mutations(spec, name, where, obj)
        out += _class_mutations(spec, name, base, str(ClassName(schema.get("title") or name, FIELD_PREFIX)))
    for name, schema in (spec.get("components", {}).get("schemas") or {}).items():
        if isinstance(schema, dict) and isinstance(schema.get("enum"), list) and len(schema["enum"]) > 1:
            out += _enum_mutations(spec, name, ("components", "schemas", name))  # a Literal alias of its own
    return [m for m in out if owners is None or m.owner in owners]


def _operation_mutations(spec: dict[str, Any], op_id: str, base: Path_, op: dict[str, Any]) -> list[Mutation]:
    path, method = str(base[1]), str(base[2])

    def remove(s: dict[str, Any]) -> None:
        del s["paths"][path][method]

    def add(s: dict[str, Any]) -> None:
        twin = copy.deepcopy(s["paths"][path][method])
        twin["operationId"] = f"{op_id}Mutant"
        s["paths"].setdefault(f"{path}/mutant", {})[method] = twin

    out = [
        Mutation("remove operation", op_id, base, "breaking", remove),
        Mutation("add operation", f"{op_id}Mutant", base, "additive", add),
    ]
    for index, raw in enumerate(op.get("parameters") or []):
        if "$ref" in raw or raw.get("in") != "query":
            continue
        where = (*base, "parameters", index)
        out.append(Mutation("remove parameter", op_id, where, "breaking", _delete(where)))
        flag = not raw.get("required")
        out.append(
            Mutation(
                "make parameter required" if flag else "make parameter optional",
                op_id,
                where,
                "breaking" if flag else "additive",
                _set(where, "required", flag),
            )
        )

    def add_param(required: bool) -> Callable[[dict[str, Any]], None]:
        def apply(s: dict[str, Any]) -> None:
            param = {"name": "mutantParam", "in": "query", "required": required, "schema": {"type": "string"}}
            s["paths"][path][method].setdefault("parameters", []).append(param)

        return apply

    out.append(Mutation("add optional parameter", op_id, base, "additive", add_param(False)))
    out.append(Mutation("add required parameter", op_id, base, "breaking", add_param(True)))
    return out


def _delete(where: Path_) -> Callable[[dict[str, Any]], None]:
    def apply(s: dict[str, Any]) -> None:
        del _at(s, where[:-1])[where[-1]]

    return apply


def _set(where: Path_, key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def apply(s: dict[str, Any]) -> None:
        _at(s, where)[key] = copy.deepcopy(value)

    return apply


def _property_mutations(spec: dict[str, Any], owner: str, where: Path_, obj: dict[str, Any]) -> list[Mutation]:
    out: list[Mutation] = []
    required = set(obj.get("required") or [])

    def with_required(name: str, flag: bool) -> Callable[[dict[str, Any]], None]:
        def apply(s: dict[str, Any]) -> None:
            node = _at(s, where)
            names = [n for n in node.get("required") or [] if n != name]
            node["required"] = [*names, name] if flag else names
            if not node["required"]:
                del node["required"]

        return apply

    def add(flag: bool) -> Callable[[dict[str, Any]], None]:
        def apply(s: dict[str, Any]) -> None:
            node = _at(s, where)
            node["properties"]["mutant_field"] = {"type": "string"}
            if flag:
                node["required"] = [*(node.get("required") or []), "mutant_field"]

        return apply

    out.append(Mutation("add optional property", owner, where, "additive", add(False)))
    out.append(Mutation("add required property", owner, where, "breaking", add(True)))
    for name, sub in obj["properties"].items():
        at = (*where, "properties", name)

        def rename(s: dict[str, Any], name: str = name) -> None:
            node = _at(s, where)
            node["properties"] = {("mutant_" + k if k == name else k): v for k, v in node["properties"].items()}
            if name in (node.get("required") or []):
                node["required"] = ["mutant_" + n if n == name else n for n in node["required"]]

        def remove(s: dict[str, Any], name: str = name) -> None:
            node = _at(s, where)
            del node["properties"][name]
            if name in (node.get("required") or []):
                node["required"] = [n for n in node["required"] if n != name]
                if not node["required"]:
                    del node["required"]

        out.append(Mutation("remove property", owner, at, "breaking", remove))
        out.append(Mutation("rename property", owner, at, "breaking", rename))
        out.append(
            Mutation(
                "make property optional" if name in required else "make property required",
                owner,
                at,
                "breaking",  # a field no longer always present / a newly required field
                with_required(name, name not in required),
            )
        )
        if _simple(sub):
            other = "integer" if sub["type"] == "string" else "string"
            out.append(Mutation("change type", owner, at, "breaking", _set(at, "type", other)))
            out.append(Mutation("make nullable", owner, at, "breaking", _set(at, "type", [sub["type"], "null"])))
        if isinstance(sub, dict) and isinstance(sub.get("type"), list) and "null" in sub["type"]:
            rest = [t for t in sub["type"] if t != "null"]
            if len(rest) == 1 and rest[0] in SIMPLE_TYPES:
                out.append(Mutation("make not nullable", owner, at, "breaking", _set(at, "type", rest[0])))
        if isinstance(sub, dict) and isinstance(sub.get("enum"), list) and len(sub["enum"]) > 1 and "$ref" not in sub:
            out += _enum_mutations(spec, owner, at)
    return out


def _plain_object(schema: Any) -> bool:
    """An inline object the generator writes a class for, named after its parent and property."""
    return (
        isinstance(schema, dict)
        and schema.get("type") == "object"
        and bool(schema.get("properties"))
        and not ({"$ref", "title", "nullable", "allOf", "anyOf", "oneOf"} & schema.keys())
    )


def _class_mutations(spec: dict[str, Any], owner: str, where: Path_, parent: str) -> list[Mutation]:
    """For each inline object property of the object at `where` (whose class is `parent`): move it
    into a component named as its generated class (the generated code stays the same), and
    give it a title (its generated class is renamed)."""
    obj = _at(spec, where)
    component = len(where) == 3 and where[:2] == ("components", "schemas")  # its class is its title or name
    if not (_plain_object(obj) or (component and _plain_object({k: v for k, v in obj.items() if k != "title"}))):
        return []
    out = []
    schemas = spec.get("components", {}).get("schemas") or {}
    for name, sub in (obj.get("properties") or {}).items():
        if not _plain_object(sub):
            continue
        at = (*where, "properties", name)
        target = str(ClassName(f"{parent}{pascal_case(name)}", FIELD_PREFIX))

        def move(s: dict[str, Any], at: Path_ = at, target: str = target) -> None:
            s["components"]["schemas"][target] = _at(s, at)
            _at(s, at[:-1])[at[-1]] = {"$ref": f"{SCHEMA_REF}{target}"}

        if target not in schemas:
            out.append(Mutation("move inline object into a component of its class name", owner, at, "none", move))
        out.append(Mutation("retitle inline object", owner, at, "breaking", _set(at, "title", "Mutant title")))
    return out


def _enum_mutations(spec: dict[str, Any], owner: str, at: Path_) -> list[Mutation]:
    def add(s: dict[str, Any]) -> None:
        values = _at(s, at)["enum"]
        numbers = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
        values.append(max(numbers) + 1 if numbers else "mutant-value")  # a value of the enum's own type

    def remove(s: dict[str, Any]) -> None:
        _at(s, at)["enum"].pop()

    values = _at(spec, at)["enum"]
    numbers = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
    return [
        Mutation("add enum value", owner, at, "additive", add, repr(max(numbers) + 1 if numbers else "mutant-value")),
        Mutation("remove enum value", owner, at, "breaking", remove, repr(values[-1])),
    ]


def draw(pool: list[Mutation], rng: random.Random, count: int) -> list[Mutation]:
    """Up to `count` mutations from `pool`, each of another owner (their generated code is then
    disjoint), with the kinds of mutation spread evenly."""
    by_kind: dict[str, list[Mutation]] = {}
    for mutation in pool:
        by_kind.setdefault(mutation.name, []).append(mutation)
    kinds = sorted(by_kind)
    chosen: list[Mutation] = []
    owners: set[str] = set()
    for attempt in range(count * 20):
        if len(chosen) == count:
            break
        options = by_kind[kinds[attempt % len(kinds)]]
        mutation = options[rng.randrange(len(options))]
        # A new operation's twin is owned by a new name; the operation it copies must stay untouched.
        base_owner = mutation.owner.removesuffix("Mutant")
        if mutation.owner in owners or base_owner in owners or f"{mutation.owner}Mutant" in owners:
            continue
        owners.add(mutation.owner)
        chosen.append(mutation)
    return chosen
