"""Schema-valid documents drawn from the effective spec (hypothesis), written independently of the generator.

`documents(spec, schema)` is a hypothesis strategy of `Drawn(value, sites)`: a JSON value valid
for `schema`, plus the places in it whose JSON type a mutation can change so that the value
no longer fits (each with the JSON types the schema allows there). Places inside a union whose
object members cannot be told apart (no discriminator, no property each member pins to its own
value) are left out: there a decoder can only say that no member fits, at the union.
"""

from __future__ import annotations

import datetime
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

JSON_TYPES = ("string", "integer", "number", "boolean", "array", "object", "null")


@dataclass
class Drawn:
    value: Any
    sites: list[tuple[list[str | int], set[str]]] = field(default_factory=list)


class Schemas:
    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec

    def resolve(self, node: Any) -> Any:
        seen = 0
        while isinstance(node, dict) and "$ref" in node and seen < 50:
            target: Any = self.spec
            for part in node["$ref"].lstrip("#/").split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
            seen += 1
        return node

    def merged(self, schema: Any) -> dict[str, Any]:
        """The schema with $ref resolved and allOf folded in (properties and required unioned)."""
        schema = self.resolve(schema)
        if not isinstance(schema, dict):
            return {}
        if "allOf" not in schema:
            return schema
        out: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
        for part in schema["allOf"]:
            part = self.merged(part)
            for key, value in part.items():
                if key == "properties":
                    out["properties"] = {**out.get("properties", {}), **value}
                elif key == "required":
                    out["required"] = [*out.get("required", []), *value]
                else:
                    out.setdefault(key, value)
        return out

    def members(self, schema: dict[str, Any]) -> list[dict[str, Any]]:
        return [self.merged(m) for m in (schema.get("oneOf") or schema.get("anyOf") or [])]

    def allowed(self, schema: Any, depth: int = 0) -> set[str]:
        """The JSON types a value of `schema` may have (all of them for a schema without a type)."""
        schema = self.merged(schema)
        if depth > 20:
            return set(JSON_TYPES)
        if "const" in schema:
            return {_json_type(schema["const"])}
        if "enum" in schema:
            return {_json_type(v) for v in schema["enum"]}
        members = self.members(schema)
        if members:
            out: set[str] = set()
            for m in members:
                out |= self.allowed(m, depth + 1)
            return out
        kind = schema.get("type")
        kinds = set(kind) if isinstance(kind, list) else {kind} if kind else set()
        if not kinds and "properties" in schema:
            kinds = {"object"}
        if not kinds:
            return set(JSON_TYPES)
        if "number" in kinds:
            kinds.add("integer")
        return kinds

    def told_apart(self, members: list[dict[str, Any]], schema: dict[str, Any]) -> bool:
        """Whether a union's object members can be told apart without trying their shapes."""
        objects = [m for m in members if "object" in self.allowed(m)]
        if len(objects) < 2 or isinstance(schema.get("discriminator"), dict):
            return True
        first = objects[0]
        for name in first.get("required", []):
            values = []
            for m in objects:
                prop = self.merged((m.get("properties") or {}).get(name, {}))
                enum = prop.get("enum") if name in m.get("required", []) else None
                if not (isinstance(enum, list) and len(enum) == 1 and isinstance(enum[0], str)):
                    break
                values.append(enum[0])
            else:
                if len(set(values)) == len(values):
                    return True
        return False


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


_texts = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=6)
_datetimes = st.datetimes(
    min_value=datetime.datetime(2000, 1, 1), max_value=datetime.datetime(2100, 1, 1), timezones=st.just(datetime.UTC)
)


def documents(spec: dict[str, Any], schema: Any, *, max_depth: int = 4) -> st.SearchStrategy[Drawn]:
    schemas = Schemas(spec)

    @st.composite
    def strategy(draw: st.DrawFn) -> Drawn:
        drawn = Drawn(None)
        drawn.value = _value(draw, schemas, schema, [], 0, False, drawn, max_depth)
        return drawn

    return strategy()


def _value(
    draw: st.DrawFn,
    schemas: Schemas,
    schema: Any,
    path: list[str | int],
    depth: int,
    ambiguous: bool,
    drawn: Drawn,
    max_depth: int,
) -> Any:
    schema = schemas.merged(schema)
    allowed = schemas.allowed(schema)
    if not ambiguous and allowed != set(JSON_TYPES):
        drawn.sites.append((list(path), allowed))
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return draw(st.sampled_from(schema["enum"]))
    members = schemas.members(schema)
    if members:
        rest = {k: v for k, v in schema.items() if k not in ("oneOf", "anyOf", "discriminator")}
        if depth >= max_depth and any("null" in schemas.allowed(m) for m in members):
            members = [m for m in members if "null" in schemas.allowed(m)]
        chosen = draw(st.sampled_from(members))
        inner_ambiguous = ambiguous or not schemas.told_apart(members, schema)
        if rest.get("properties") and "object" in schemas.allowed(chosen):
            chosen = {
                **chosen,
                "properties": {**rest["properties"], **(chosen.get("properties") or {})},
                "required": [*rest.get("required", []), *chosen.get("required", [])],
            }
        # The union's own site is recorded above; the member's value is not a site of its own.
        drawn_before = len(drawn.sites)
        value = _value(draw, schemas, chosen, path, depth, inner_ambiguous, drawn, max_depth)
        if drawn_before < len(drawn.sites) and drawn.sites[drawn_before][0] == path:
            del drawn.sites[drawn_before]
        return value
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = draw(st.sampled_from(kind)) if depth < max_depth or "null" not in kind else "null"
    if kind is None and "properties" in schema:
        kind = "object"
    if kind == "null":
        return None
    if kind == "boolean":
        return draw(st.booleans())
    if kind == "integer":
        low, high = schema.get("minimum", -(2**31)), schema.get("maximum", 2**31)
        return draw(st.integers(min_value=int(low), max_value=int(high)))
    if kind == "number":
        return draw(st.floats(allow_nan=False, allow_infinity=False, width=64))
    if kind == "string":
        fmt = schema.get("format")
        if fmt == "date-time":
            return draw(_datetimes).isoformat()
        if fmt == "date":
            return draw(_datetimes).date().isoformat()
        if fmt == "uuid":
            return str(uuid.UUID(int=draw(st.integers(0, 2**128 - 1))))
        return draw(_texts)
    if kind == "array":
        size = draw(st.integers(0, 2 if depth < max_depth else 0))
        return [
            _value(draw, schemas, schema.get("items", {}), [*path, i], depth + 1, ambiguous, drawn, max_depth)
            for i in range(size)
        ]
    if kind == "object":
        required = set(schema.get("required", []))
        out: dict[str, Any] = {}
        for name, prop in (schema.get("properties") or {}).items():
            if name in required or (depth < max_depth and draw(st.booleans())):
                out[name] = _value(draw, schemas, prop, [*path, name], depth + 1, ambiguous, drawn, max_depth)
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict) and extra and depth < max_depth:
            for i in range(draw(st.integers(0, 1))):
                key = f"x_extra_{i}"
                out[key] = _value(draw, schemas, extra, [*path, key], depth + 1, ambiguous, drawn, max_depth)
        return out
    # No type: any JSON value; a small one.
    return draw(st.one_of(st.none(), st.booleans(), st.integers(0, 9), _texts))


_REPLACEMENTS = (
    ("string", lambda: "mutated-" + uuid.uuid4().hex[:6]),
    ("object", lambda: {"mutated": uuid.uuid4().hex[:6]}),
    ("array", lambda: [uuid.uuid4().hex[:6]]),
    ("number", lambda: float("7.25")),
    ("boolean", lambda: True),
    ("null", lambda: None),
)


def replacement(allowed: set[str]) -> Any:
    """A fresh value of a JSON type `allowed` does not include."""
    for kind, make in _REPLACEMENTS:
        if kind not in allowed:
            return make()
    raise ValueError(f"every JSON type is allowed: {allowed}")


def set_at(document: Any, path: list[str | int], value: Any) -> Any:
    if not path:
        return value
    node = document
    for segment in path[:-1]:
        node = node[segment]
    node[path[-1]] = value
    return document


def render(path: list[str | int]) -> str:
    """The path as DecodeError renders it: data[3].config.name."""
    out = ""
    for segment in path:
        if isinstance(segment, int):
            out += f"[{segment}]"
        elif segment.isidentifier():
            out += f".{segment}" if out else segment
        else:
            out += f"[{json.dumps(segment)}]"
    return out or "(document)"
