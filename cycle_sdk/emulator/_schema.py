"""JSON Schema tools over the spec: instance generation, a conformance check and schema-aware merging.

The emulator must answer every operation with a body that validates against the spec, while
reflecting what clients sent. Three tools make that possible without a hand-written model:

- `instance(schema)`: the smallest valid instance (required properties only, first enum value,
  first non-null `oneOf`/`anyOf` branch that matches exactly, empty arrays and maps);
- `conforms(schema, value)`: a validator for the Draft 2020-12 keywords the spec uses, kept free of
  a runtime dependency on `jsonschema` (the tests cross-check it against `jsonschema`);
- `merge(target, overlay, schema)`: lays client input over a document, keeping only the parts that
  keep the document valid, so a request body can never make a response invalid.
"""

from __future__ import annotations

import copy
import math
import re
import threading
from collections.abc import Iterator, Mapping
from typing import Any, Final

JSON = Any  # a JSON document: dict, list, str, int, float, bool or None
Schema = Any  # a JSON Schema: a dict, or a bool

# Go's zero time: how the Cycle API renders an event that has not happened yet.
ZERO_TIME: Final = "0001-01-01T00:00:00Z"
ZERO_ID: Final = "000000000000000000000000"

# Keywords that carry no validation meaning; a `$ref` with only these beside it is a plain reference.
_ANNOTATIONS: Final = frozenset(
    {
        "$ref",
        "$schema",
        "$comment",
        "title",
        "description",
        "example",
        "examples",
        "default",
        "deprecated",
        "readOnly",
        "writeOnly",
        "discriminator",
        "externalDocs",
        "xml",
        "format",
    }
)

_FORMAT_SAMPLES: Final[Mapping[str, str]] = {
    "date-time": ZERO_TIME,
    "date": "0001-01-01",
    "time": "00:00:00Z",
    "objectid": ZERO_ID,
    "uri": "https://example.com",
    "url": "https://example.com",
    "email": "user@example.com",
    "hostname": "example.com",
    "ip-address": "10.0.0.1",
    "ipv4": "10.0.0.1",
    "ipv6": "fd00::1",
    "cidr": "10.0.0.0/24",
    "uuid": "00000000-0000-0000-0000-000000000000",
}
# Tried in order for a `pattern` with no format; the spec's few patterns all accept one of them.
_PATTERN_CANDIDATES: Final = ("a", "rwm", "1G", "{{variable}}", ZERO_ID, "0", "example")


class SchemaTools:
    """Schema operations over one OpenAPI document (for `#/...` reference resolution)."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self._document = document
        self._instances: dict[str, JSON] = {}
        self._building: set[str] = set()
        # The instance cache is shared by every emulator of the process (each serves on its own thread).
        self._lock = threading.RLock()

    # -- references -------------------------------------------------------------------------

    def pointer(self, ref: str) -> Schema:
        if not ref.startswith("#/"):
            raise ValueError(f"only local references are supported, not {ref!r}")
        node: Any = self._document
        for raw in ref[2:].split("/"):
            node = node[raw.replace("~1", "/").replace("~0", "~")]
        return node

    def resolve(self, schema: Schema) -> Schema:
        """Follow `$ref` while the schema is a plain reference (siblings are annotations only)."""
        seen = 0
        while isinstance(schema, dict) and "$ref" in schema and _ANNOTATIONS.issuperset(schema):
            schema = self.pointer(schema["$ref"])
            seen += 1
            if seen > 64:
                raise ValueError("reference cycle")
        return schema

    def ref_name(self, schema: Schema) -> str | None:
        """The component a schema is a plain reference to (`#/components/schemas/X` -> `X`)."""
        if isinstance(schema, dict) and "$ref" in schema and _ANNOTATIONS.issuperset(schema):
            return str(schema["$ref"]).rsplit("/", 1)[-1]
        return None

    def _parts(self, schema: Schema) -> Iterator[dict[str, Any]]:
        """The schema and its `allOf` parts (recursively, references resolved), as object views."""
        schema = self.resolve(schema)
        if not isinstance(schema, dict):
            return
        if "$ref" in schema:  # a reference with validation siblings: both apply
            yield from self._parts(self.pointer(schema["$ref"]))
        yield schema
        for part in schema.get("allOf", ()):
            yield from self._parts(part)

    def properties(self, schema: Schema) -> dict[str, Schema]:
        """Declared properties of an object schema, `allOf` parts combined."""
        found: dict[str, list[Schema]] = {}
        for part in self._parts(schema):
            for name, sub in part.get("properties", {}).items():
                found.setdefault(name, []).append(sub)
        return {name: subs[0] if len(subs) == 1 else {"allOf": subs} for name, subs in found.items()}

    def property(self, schema: Schema, name: str) -> Schema | None:
        return self.properties(schema).get(name)

    def additional(self, schema: Schema) -> Schema | None:
        """The `additionalProperties` schema of a map-like object schema (None when closed or absent)."""
        for part in self._parts(schema):
            extra = part.get("additionalProperties")
            if extra is True:
                return {}
            if isinstance(extra, dict):
                return extra
        return None

    def required(self, schema: Schema) -> list[str]:
        names: list[str] = []
        for part in self._parts(schema):
            names.extend(n for n in part.get("required", ()) if n not in names)
        return names

    def enum_at(self, schema: Schema, *path: str) -> list[JSON]:
        """The enum values of the property at `path` (e.g. `("state", "current")`), or []."""
        node: Schema | None = schema
        for name in path:
            if node is None:
                return []
            node = self.property(node, name)
        if node is None:
            return []
        values: list[JSON] = []
        for part in self._parts(node):
            values.extend(part.get("enum", ()))
        return values

    def is_composite(self, schema: Schema) -> bool:
        return any("oneOf" in part or "anyOf" in part for part in self._parts(schema))

    # -- instances --------------------------------------------------------------------------

    def instance(self, schema: Schema) -> JSON:
        """A minimal valid instance (a fresh copy: callers may mutate it)."""
        with self._lock:
            return copy.deepcopy(self._instance(schema))

    def _instance(self, schema: Schema) -> JSON:
        if isinstance(schema, dict) and "$ref" in schema and _ANNOTATIONS.issuperset(schema):
            ref = str(schema["$ref"])
            if ref in self._instances:
                return self._instances[ref]
            if ref in self._building:  # a required cycle: cut it; only nullable cycles occur in practice
                return None
            self._building.add(ref)
            try:
                value = self._instance(self.pointer(ref))
            finally:
                self._building.discard(ref)
            self._instances[ref] = value
            return value
        if not isinstance(schema, dict):
            return None
        if "$ref" in schema:
            return self._instance(
                {"allOf": [{"$ref": schema["$ref"]}, {k: v for k, v in schema.items() if k != "$ref"}]}
            )
        if "const" in schema:
            return schema["const"]
        if "enum" in schema:
            return next((v for v in schema["enum"] if v is not None), schema["enum"][0])
        if "allOf" in schema:
            return self._all_of(schema)
        for key in ("oneOf", "anyOf"):
            if key in schema:
                return self._choice(schema, key)
        return self._typed(schema, _first_type(schema))

    def _all_of(self, schema: dict[str, Any]) -> JSON:
        own = {k: v for k, v in schema.items() if k != "allOf"}
        parts = [*schema["allOf"], own]
        values = [self._instance(part) for part in parts]
        objects = [v for v in values if isinstance(v, dict)]
        if not objects:
            # Parts may narrow each other (an enum in one, a shorter enum in another): take a value all accept.
            candidates = [*values, *(e for part in self._parts(schema) for e in part.get("enum", ()))]
            return next((v for v in candidates if self.conforms(schema, v)), values[0] if values else None)
        merged: dict[str, JSON] = {}
        for value in objects:
            _deep_update(merged, value)
        # A property typed by several parts, or required by one part and typed by another, is
        # generated from the combined view of all parts.
        props = self.properties(schema)
        for name in self.required(schema):
            if name not in merged:
                merged[name] = self._instance(props[name]) if name in props else ""
        for name, value in list(merged.items()):
            if name in props and not self.conforms(props[name], value):
                merged[name] = self._instance(props[name])
        return merged

    def _choice(self, schema: dict[str, Any], key: str) -> JSON:
        branches = list(schema[key])
        ordered = [b for b in branches if not _is_null(self.resolve(b))] + [
            b for b in branches if _is_null(self.resolve(b))
        ]
        mapping = _discriminator_keys(schema)
        prop = schema.get("discriminator", {}).get("propertyName")
        base = {k: v for k, v in schema.items() if k not in (key, "discriminator")}
        for branch in ordered:
            value = copy.deepcopy(self._instance({"allOf": [branch, base]} if _has_validation(base) else branch))
            tag = mapping.get(branch.get("$ref", "")) if isinstance(branch, dict) else None
            if prop and tag is not None and isinstance(value, dict):
                value[prop] = tag
            exclusive = key == "anyOf" or self._matches_exactly_one(branches, value)
            if exclusive and self.conforms(schema, value):
                return value
        return self._instance(ordered[0]) if ordered else None

    def _matches_exactly_one(self, branches: list[Schema], value: JSON) -> bool:
        return sum(1 for b in branches if self.conforms(b, value)) == 1

    def _typed(self, schema: dict[str, Any], kind: str | None) -> JSON:
        if kind == "object" or (kind is None and ("properties" in schema or "required" in schema)):
            value: dict[str, JSON] = {}
            props = schema.get("properties", {})
            for name in schema.get("required", ()):
                value[name] = self._instance(props[name]) if name in props else ""
            extra = schema.get("additionalProperties")
            if len(value) < int(schema.get("minProperties", 0)) and isinstance(extra, dict):
                value["example"] = self._instance(extra)
            return value
        if kind == "array" or (kind is None and "items" in schema):
            return [self._instance(schema.get("items", {})) for _ in range(int(schema.get("minItems", 0)))]
        if kind == "string":
            return _string_sample(schema)
        if kind in ("integer", "number"):
            low = schema.get("minimum", schema.get("exclusiveMinimum", 0))
            return int(low) + (1 if "exclusiveMinimum" in schema else 0)
        if kind == "boolean":
            return False
        return None

    # -- validation -------------------------------------------------------------------------

    def conforms(self, schema: Schema, value: JSON) -> bool:
        """Whether `value` validates against `schema` (formats are annotations, as in `jsonschema`)."""
        if schema is True or schema is None:
            return True
        if schema is False:
            return False
        if not isinstance(schema, dict):
            return True
        if "$ref" in schema and not self.conforms(self.pointer(schema["$ref"]), value):
            return False
        return self._check_types(schema, value) and self._check_keywords(schema, value)

    def _check_types(self, schema: dict[str, Any], value: JSON) -> bool:
        if "type" in schema:
            kinds = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
            if not any(_is_type(value, k) for k in kinds):
                return False
        if "enum" in schema and not any(_json_equal(value, e) for e in schema["enum"]):
            return False
        return not ("const" in schema and not _json_equal(value, schema["const"]))

    def _check_keywords(self, schema: dict[str, Any], value: JSON) -> bool:
        if isinstance(value, str) and not _check_string(schema, value):
            return False
        if isinstance(value, int | float) and not isinstance(value, bool) and not _check_number(schema, value):
            return False
        if isinstance(value, dict) and not self._check_object(schema, value):
            return False
        if isinstance(value, list) and not self._check_array(schema, value):
            return False
        if not all(self.conforms(s, value) for s in schema.get("allOf", ())):
            return False
        if "anyOf" in schema and not any(self.conforms(s, value) for s in schema["anyOf"]):
            return False
        if "oneOf" in schema and sum(1 for s in schema["oneOf"] if self.conforms(s, value)) != 1:
            return False
        return not ("not" in schema and isinstance(schema["not"], dict | bool) and self.conforms(schema["not"], value))

    def _check_object(self, schema: dict[str, Any], value: dict[str, JSON]) -> bool:
        if any(name not in value for name in schema.get("required", ())):
            return False
        if not schema.get("minProperties", 0) <= len(value) <= schema.get("maxProperties", math.inf):
            return False
        props = schema.get("properties", {})
        patterns = schema.get("patternProperties", {})
        extra = schema.get("additionalProperties", True)
        for name, item in value.items():
            matched = False
            if name in props:
                matched = True
                if not self.conforms(props[name], item):
                    return False
            for pattern, sub in patterns.items():
                if re.search(pattern, name):
                    matched = True
                    if not self.conforms(sub, item):
                        return False
            if not matched and not self.conforms(extra, item):
                return False
        return True

    def _check_array(self, schema: dict[str, Any], value: list[JSON]) -> bool:
        if not schema.get("minItems", 0) <= len(value) <= schema.get("maxItems", math.inf):
            return False
        prefix = schema.get("prefixItems", ())
        for index, item in enumerate(value):
            sub = prefix[index] if index < len(prefix) else schema.get("items", True)
            if not self.conforms(sub, item):
                return False
        if schema.get("uniqueItems"):
            seen: list[JSON] = []
            for item in value:
                if any(_json_equal(item, other) for other in seen):
                    return False
                seen.append(item)
        return True

    # -- merging ----------------------------------------------------------------------------

    def merge(self, target: JSON, overlay: JSON, schema: Schema) -> JSON:
        """`target` with `overlay` laid over it, keeping every part that leaves the result valid.

        Objects merge key by key (recursively, so a PATCH of `about.description` keeps the rest of
        `about`); keys the schema does not declare are dropped, as the API would ignore them; a value
        that would not validate is ignored, leaving the target's.
        """
        if isinstance(target, dict) and isinstance(overlay, dict):
            if self.is_composite(schema):
                combined = {**target, **overlay}
                for candidate in (combined, overlay):
                    if self.conforms(schema, candidate):
                        return candidate
                return target
            return self._merge_object(target, overlay, schema)
        return overlay if self.conforms(schema, overlay) else target

    def _merge_object(self, target: dict[str, JSON], overlay: Mapping[str, JSON], schema: Schema) -> dict[str, JSON]:
        props = self.properties(schema)
        extra = self.additional(schema)
        result = dict(target)
        changed: list[str] = []
        for name, value in overlay.items():
            sub = props.get(name, extra)
            if sub is None:
                continue
            base = result[name] if name in result else self.instance(sub)
            merged = self.merge(base, value, sub)
            if name in result or self.conforms(sub, merged):
                result[name] = merged
                changed.append(name)
        if self.conforms(schema, result):
            return result
        # Object-level constraints failed: keep only the changes that hold one by one.
        result = dict(target)
        for name in changed:
            candidate = {**result, name: self.merge(result.get(name), overlay[name], props.get(name, extra))}
            if self.conforms(schema, candidate):
                result = candidate
        return result

    def fit(self, value: JSON, schema: Schema) -> JSON:
        """`value` if it validates, else the schema's instance with as much of `value` as fits."""
        if self.conforms(schema, value):
            return value
        fitted = self.merge(self.instance(schema), value, schema)
        return fitted if self.conforms(schema, fitted) else self.instance(schema)


def _first_type(schema: Mapping[str, Any]) -> str | None:
    kind = schema.get("type")
    if isinstance(kind, list):
        return next((k for k in kind if k != "null"), "null" if kind else None)
    return kind if isinstance(kind, str) else None


def _is_null(schema: Schema) -> bool:
    return isinstance(schema, dict) and (schema.get("type") == "null" or schema.get("type") == ["null"])


def _has_validation(schema: Mapping[str, Any]) -> bool:
    return not _ANNOTATIONS.issuperset(schema)


def _discriminator_keys(schema: Mapping[str, Any]) -> dict[str, str]:
    """`$ref` -> discriminator value, from the discriminator mapping (first key wins)."""
    mapping = schema.get("discriminator", {}).get("mapping", {})
    keys: dict[str, str] = {}
    for tag, ref in mapping.items():
        keys.setdefault(ref, tag)
    return keys


def _string_sample(schema: Mapping[str, Any]) -> str:
    fmt = schema.get("format")
    sample = _FORMAT_SAMPLES.get(fmt, "") if isinstance(fmt, str) else ""
    pattern = schema.get("pattern")
    if isinstance(pattern, str) and not re.search(pattern, sample):
        sample = next((c for c in _PATTERN_CANDIDATES if re.search(pattern, c)), sample)
    min_length = int(schema.get("minLength", 0))
    if len(sample) < min_length:
        sample += "x" * (min_length - len(sample))
    return sample


def _check_string(schema: Mapping[str, Any], value: str) -> bool:
    if len(value) < int(schema.get("minLength", 0)) or len(value) > schema.get("maxLength", math.inf):
        return False
    pattern = schema.get("pattern")
    return not (isinstance(pattern, str) and not re.search(pattern, value))


def _check_number(schema: Mapping[str, Any], value: float) -> bool:
    if "minimum" in schema and value < schema["minimum"]:
        return False
    if "maximum" in schema and value > schema["maximum"]:
        return False
    if "exclusiveMinimum" in schema and value <= schema["exclusiveMinimum"]:
        return False
    if "exclusiveMaximum" in schema and value >= schema["exclusiveMaximum"]:
        return False
    step = schema.get("multipleOf")
    return not (step and (value / step) != int(value / step))


def _is_number(value: JSON) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_type(value: JSON, kind: str) -> bool:
    if kind == "null":
        return value is None
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "integer":
        return _is_number(value) and float(value).is_integer()
    if kind == "number":
        return _is_number(value)
    if kind == "string":
        return isinstance(value, str)
    if kind == "array":
        return isinstance(value, list)
    if kind == "object":
        return isinstance(value, dict)
    return False


def _json_equal(a: JSON, b: JSON) -> bool:
    """JSON equality: `True` is not `1`, `1.0` is `1`."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_json_equal(x, y) for x, y in zip(a, b, strict=True))
    return bool(type(a) is type(b) or (_is_number(a) and _is_number(b))) and a == b


def _deep_update(target: dict[str, JSON], source: Mapping[str, JSON]) -> None:
    for key, value in source.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _deep_update(target[key], value)
        else:
            target[key] = copy.deepcopy(value)
