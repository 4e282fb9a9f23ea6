"""JSON Schema tools over the spec: instance generation, a conformance check and schema-aware merging.

The emulator must answer every operation with a body that validates against the spec, while
reflecting what clients sent. Three tools make that possible without a hand-written model:

- `instance(schema)`: the smallest valid instance (required properties only, first enum value,
  first non-null `oneOf`/`anyOf` branch that matches exactly, empty arrays and maps);
- `conforms(schema, value)`: Draft 2020-12 validation by `jsonschema`, with the formats the spec
  uses checked (`date-time`...); `violation(schema, value)` is the same check saying where and why a
  value fails (the request checks of `_checks` answer 422s with it);
- `merge(target, overlay, schema)`: lays client input over a document, keeping only the parts that
  keep the document valid, so a request body can never make a response invalid.
"""

from __future__ import annotations

import copy
import datetime
import ipaddress
import json
import re
import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final, cast

import jsonschema_rs
from jsonschema import Draft202012Validator, FormatChecker, ValidationError
from jsonschema.protocols import Validator
from jsonschema.validators import extend

from ._config import OBJECT_ID

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
# Where the spec document is registered for jsonschema-rs (its `#/...` references are rewritten to it).
_DOCUMENT_URI: Final = "urn:cycle-sdk:spec"
# Validators kept per schema object (the spec's schemas, and recent ones made on the fly).
_VALIDATOR_CACHE: Final = 4096
_RFC3339: Final = re.compile(r"^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$", re.ASCII)
# Failures that only say "not this value": an alternative failing so is the least likely meant.
_MISMATCHES: Final = frozenset({"type", "enum", "const", "false"})
_ARTICLES: Final[Mapping[str, str]] = {"integer": "an integer", "array": "an array", "object": "an object"}


@dataclass(frozen=True, slots=True)
class Violation:
    """Why a value does not validate: where (`path` from the value's root: keys and indexes), and
    the keyword that failed with what it expected (the message is rendered only when asked for)."""

    path: tuple[str | int, ...]
    keyword: str
    expected: Any = None
    actual: JSON = None

    def within(self, key: str | int) -> Violation:
        return Violation((key, *self.path), self.keyword, self.expected, self.actual)

    @property
    def pointer(self) -> str:
        """The RFC 6901 JSON pointer of the failing value ("" for the root): `/servers/0/quantity`."""
        return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in self.path)

    @property
    def field(self) -> str:
        """The failing field as a reader names it ("" for the root): `servers[0].quantity`."""
        text = ""
        for part in self.path:
            text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
        return text

    @property
    def message(self) -> str:
        """What is wrong, to follow the field's name: `must be a string, not an integer`."""
        keyword, expected = self.keyword, self.expected
        if keyword == "type":
            return f"must be {' or '.join(_a(k) for k in expected)}, not {_a(_json_type(self.actual))}"
        if keyword == "enum":
            shown = ", ".join(_show(v) for v in expected[:12]) + (", ..." if len(expected) > 12 else "")
            return f"must be one of {shown}"
        if keyword == "format" and expected in _FORMAT_MESSAGES:
            return _FORMAT_MESSAGES[expected]
        return _MESSAGES.get(keyword, "is not valid").format(expected=_show(expected), format=expected)


_MESSAGES: Final[Mapping[str, str]] = {
    "const": "must be {expected}",
    "required": "is required",
    "false": "is not allowed here",
    "not": "is not allowed in this form",
    "anyOf": "matches none of the allowed forms",
    "oneOf": "matches more than one of the allowed forms",
    "format": "must be a valid {format}",
    "minLength": "must be at least {expected} characters long",
    "maxLength": "must be at most {expected} characters long",
    "pattern": "must match the pattern {expected}",
    "minimum": "must be at least {expected}",
    "maximum": "must be at most {expected}",
    "exclusiveMinimum": "must be more than {expected}",
    "exclusiveMaximum": "must be less than {expected}",
    "multipleOf": "must be a multiple of {expected}",
    "minItems": "must have at least {expected} items",
    "maxItems": "must have at most {expected} items",
    "uniqueItems": "repeats an earlier item",
    "minProperties": "must have at least {expected} fields",
    "maxProperties": "must have at most {expected} fields",
}

_FORMAT_MESSAGES: Final[Mapping[str, str]] = {"objectid": "must be an ID (24 hexadecimal digits)"}


def _a(kind: str) -> str:
    return _ARTICLES.get(kind, "null" if kind == "null" else f"a {kind}")


def _show(value: JSON) -> str:
    return json.dumps(value, default=str)


def _json_type(value: JSON) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object" if isinstance(value, dict) else "value"


class SchemaTools:
    """Schema operations over one OpenAPI document (for `#/...` reference resolution)."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self._document = document
        # Instances per reference, for each reading of "minimal" (see `instance`).
        self._instance_caches: dict[bool, dict[str, JSON]] = {False: {}, True: {}}
        self._instances = self._instance_caches[False]
        self._prefer_null = False
        self._building: set[str] = set()
        # The instance cache is shared by every emulator of the process (each serves on its own thread).
        self._lock = threading.RLock()
        # The document is the root resource: `#/components/...` references resolve in it.
        self._root: Validator = Draft202012Validator(dict(document), format_checker=FORMATS)
        lenient: Any = extend(  # type: ignore[no-untyped-call]
            Draft202012Validator,
            {"required": _lenient_required, "oneOf": self._lenient_alternatives, "anyOf": self._lenient_alternatives},
        )
        self._lenient_root: Validator = lenient(dict(document), format_checker=FORMATS)
        self._validators: OrderedDict[tuple[int, bool], tuple[Schema, Validator]] = OrderedDict()
        # The strict check runs on every answer and inside every merge: jsonschema-rs, ~80x faster.
        self._fast_registry = jsonschema_rs.Registry([(_DOCUMENT_URI, dict(document))])
        self._fast: OrderedDict[int, tuple[Schema, jsonschema_rs.Validator]] = OrderedDict()
        self._fast_by_text: dict[str, jsonschema_rs.Validator] = {}

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

    def parts(self, schema: Schema) -> Iterator[dict[str, Any]]:
        """The schema and its `allOf` parts (recursively, references resolved), as object views."""
        schema = self.resolve(schema)
        if not isinstance(schema, dict):
            return
        if "$ref" in schema:  # a reference with validation siblings: both apply
            yield from self.parts(self.pointer(schema["$ref"]))
        yield schema
        for part in schema.get("allOf", ()):
            yield from self.parts(part)

    def properties(self, schema: Schema) -> dict[str, Schema]:
        """Declared properties of an object schema, `allOf` parts combined."""
        found: dict[str, list[Schema]] = {}
        for part in self.parts(schema):
            for name, sub in part.get("properties", {}).items():
                found.setdefault(name, []).append(sub)
        return {name: subs[0] if len(subs) == 1 else {"allOf": subs} for name, subs in found.items()}

    def property(self, schema: Schema, name: str) -> Schema | None:
        return self.properties(schema).get(name)

    def additional(self, schema: Schema) -> Schema | None:
        """The `additionalProperties` schema of a map-like object schema (None when closed or absent)."""
        for part in self.parts(schema):
            extra = part.get("additionalProperties")
            if extra is True:
                return {}
            if isinstance(extra, dict):
                return extra
        return None

    def required(self, schema: Schema) -> list[str]:
        names: list[str] = []
        for part in self.parts(schema):
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
        for part in self.parts(node):
            values.extend(part.get("enum", ()))
        return values

    def is_composite(self, schema: Schema) -> bool:
        return any("oneOf" in part or "anyOf" in part for part in self.parts(schema))

    # -- instances --------------------------------------------------------------------------

    def instance(self, schema: Schema, *, blank: bool = False) -> JSON:
        """A minimal valid instance (a fresh copy: callers may mutate it).

        `blank`: null wherever the schema allows it (a nullable field, a `oneOf`/`anyOf` with a
        null branch, an enum holding null), so nothing is invented that the API would leave empty;
        what a stored resource starts from. Otherwise the first non-null form, which shows the
        shape (the examples of derived answers)."""
        with self._lock:
            saved = self._prefer_null
            self._prefer_null = blank
            self._instances = self._instance_caches[blank]
            try:
                return copy.deepcopy(self._instance(schema))
            finally:
                self._prefer_null = saved
                self._instances = self._instance_caches[saved]

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
            if self._prefer_null and None in schema["enum"]:
                return None
            return next((v for v in schema["enum"] if v is not None), schema["enum"][0])
        if self._prefer_null and _allows_null(schema) and self.conforms(schema, None):
            return None
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
            # Keywords split over parts (`{"$ref": Identifier, "minLength": 3}`) are generated together.
            combined: dict[str, Any] = {}
            for part in self.parts(schema):
                combined.update((k, v) for k, v in part.items() if k not in ("allOf", "$ref"))
            candidates = [
                *values,
                *(e for part in self.parts(schema) for e in part.get("enum", ())),
                self._typed(combined, _first_type(combined)),
            ]
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
        """Whether `value` validates against `schema` (Draft 2020-12, formats checked)."""
        return self._fast_validator(schema).is_valid(value)

    def _fast_validator(self, schema: Schema) -> jsonschema_rs.Validator:
        """A jsonschema-rs validator of `schema`, built once per schema object, or per shape for the
        small schemas made on the fly (`{"allOf": [...]}` of two references)."""
        key = id(schema)
        with self._lock:
            cached = self._fast.get(key)
            if cached is not None and cached[0] is schema:
                self._fast.move_to_end(key)
                return cached[1]
            text = json.dumps(schema, sort_keys=True)
            built = self._fast_by_text.get(text)
            if built is None:
                built = jsonschema_rs.validator_for(
                    _absolute(schema), registry=self._fast_registry, validate_formats=True
                )
                self._fast_by_text[text] = built
            self._fast[key] = (schema, built)
            if len(self._fast) > _VALIDATOR_CACHE:
                self._fast.popitem(last=False)
            return built

    def violation(self, schema: Schema, value: JSON, *, lenient: bool = False) -> Violation | None:
        """Why `value` does not validate against `schema` (None when it does): the first failure
        found, with its path in `value`; for a failed `anyOf`/`oneOf`, the alternative that got
        furthest.

        `lenient` reads the spec's request schemas the way the API does (see `_checks`): a `oneOf`
        that more than one alternative matches is valid (`anyOf` semantics), a `required` name that
        the same object schema does not declare in its `properties` (nor allows through
        `patternProperties`/`additionalProperties`) is not required, and an alternative with a
        `discriminator` is chosen by its tag (an unknown tag fails on the tag)."""
        error = next(self._validator(schema, lenient=lenient).iter_errors(value), None)
        return None if error is None else _explain(error, lenient)

    def _validator(self, schema: Schema, *, lenient: bool) -> Validator:
        """A validator of `schema` (a part of the document: its `#/...` references resolve there).

        Built once per schema object: the spec's own schemas are long lived; the few schemas made on
        the fly (an `allOf` of two parts) are held, and so kept from reuse of their id, while cached."""
        key = (id(schema), lenient)
        with self._lock:
            cached = self._validators.get(key)
            if cached is not None and cached[0] is schema:
                self._validators.move_to_end(key)
                return cached[1]
            root = self._lenient_root if lenient else self._root
            built = root.evolve(schema=schema)
            self._validators[key] = (schema, built)
            if len(self._validators) > _VALIDATOR_CACHE:
                self._validators.popitem(last=False)
            return built

    def _lenient_alternatives(
        self, validator: Any, branches: list[Schema], value: JSON, schema: Mapping[str, Any]
    ) -> Iterator[ValidationError]:
        """`oneOf`/`anyOf` of a request body: a discriminated value is checked against the branch its
        tag names (an unknown tag fails on the tag); otherwise any matching branch will do."""
        chosen = list(enumerate(branches))
        discriminator = schema.get("discriminator")
        if isinstance(discriminator, dict) and isinstance(value, dict):
            name = discriminator.get("propertyName")
            tag = value.get(name) if isinstance(name, str) else None
            if isinstance(name, str) and isinstance(tag, str):
                tags = self._branch_tags(branches, discriminator)
                if tags:
                    chosen = [(i, b) for i, b in enumerate(branches) if tag in tags.get(i, ())]
                    if not chosen:
                        allowed = sorted({t for found in tags.values() for t in found})
                        yield ValidationError(
                            f"{name} is not a known tag", validator="enum", validator_value=allowed, path=[name]
                        )
                        return
        failures: list[ValidationError] = []
        for index, branch in chosen:
            errors = list(validator.descend(value, branch, schema_path=index))
            if not errors:
                return
            failures.extend(errors)
        yield ValidationError("matches none of the allowed forms", context=failures)

    def _branch_tags(self, branches: list[Schema], discriminator: Mapping[str, Any]) -> dict[int, set[str]]:
        """The discriminator values each branch accepts: its mapping keys, its own one-value enum or
        const for the tag property, or (no mapping) the name of the component it references."""
        name = str(discriminator.get("propertyName"))
        mapping = discriminator.get("mapping", {})
        tags: dict[int, set[str]] = {}
        for index, branch in enumerate(branches):
            found = {str(t) for t, ref in mapping.items() if isinstance(branch, dict) and branch.get("$ref") == ref}
            prop = self.property(branch, name)
            for part in self.parts(prop) if prop is not None else ():
                found.update(str(v) for v in part.get("enum", ()) if isinstance(v, str))
                if isinstance(part.get("const"), str):
                    found.add(part["const"])
            if not found and not mapping and (ref := self.ref_name(branch)) is not None:
                found.add(ref)
            if found:
                tags[index] = found
        # Only when every branch says which tags it takes can a tag rule a branch out.
        return tags if len(tags) == len(branches) else {}

    # -- merging ----------------------------------------------------------------------------

    def merge(self, target: JSON, overlay: JSON, schema: Schema) -> JSON:
        """`target` with `overlay` laid over it, keeping every part that leaves the result valid.

        Objects merge key by key (recursively, so a PATCH of `about.description` keeps the rest of
        `about`); keys the schema does not declare are dropped, as the API would ignore them; a value
        that would not validate is ignored, leaving the target's. An object laid over a null (a
        nullable field not set before) starts from the field's blank object form.
        """
        if target is None and isinstance(overlay, dict):
            target = self._object_base(schema)
        if isinstance(target, dict) and isinstance(overlay, dict):
            if self.is_composite(schema):
                combined = {**target, **overlay}
                for candidate in (combined, overlay):
                    if self.conforms(schema, candidate):
                        return candidate
                return target
            return self._merge_object(target, overlay, schema)
        return overlay if self.conforms(schema, overlay) else target

    def _object_base(self, schema: Schema) -> JSON:
        """The blank instance of a schema's object form (of a nullable object, its non-null form)."""
        found = self.instance(schema, blank=True)
        if isinstance(found, dict):
            return found
        resolved = self.resolve(schema)
        if not isinstance(resolved, dict):
            return found
        kind = resolved.get("type")
        if isinstance(kind, list) and "object" in kind:
            return self.instance({**resolved, "type": "object"}, blank=True)
        for key in ("oneOf", "anyOf"):
            for branch in resolved.get(key, ()):
                candidate = self.instance(branch, blank=True)
                if isinstance(candidate, dict):
                    return candidate
        return found

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


def _allows_null(schema: Mapping[str, Any]) -> bool:
    """Whether the schema itself says null is a value: `type` naming null, or a null alternative."""
    kind = schema.get("type")
    if kind == "null" or (isinstance(kind, list) and "null" in kind):
        return True
    return any(_is_null(branch) for key in ("oneOf", "anyOf") for branch in schema.get(key, ()))


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


def undeclared(schema: Mapping[str, Any], name: str) -> bool:
    """A `required` name the object schema has no word on: not in the `properties` it declares, and
    no `patternProperties` or `additionalProperties` says what it would be."""
    return (
        "properties" in schema
        and name not in schema["properties"]
        and "patternProperties" not in schema
        and "additionalProperties" not in schema
    )


def _deep_update(target: dict[str, JSON], source: Mapping[str, JSON]) -> None:
    for key, value in source.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _deep_update(target[key], value)
        else:
            target[key] = copy.deepcopy(value)


# -- validation with jsonschema -----------------------------------------------------------------

# The formats the spec uses that JSON Schema defines (RFC 3339 times), OpenAPI's integer widths
# and the spec's own (`objectid`, `ip-address`, `cidr`); others are annotations.
FORMATS: Final = FormatChecker(formats=())


@FORMATS.checks("date-time", raises=ValueError)
def _date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    match = _RFC3339.match(value)
    if match is None:
        return False
    date, time, _, offset = match.groups()
    offset = "+00:00" if offset in ("Z", "z") else offset
    datetime.datetime.fromisoformat(f"{date}T{time}{offset}")  # ranges: month 13, hour 25... raise
    return True


@FORMATS.checks("ip-address", raises=ValueError)
def _ip_address(value: object) -> bool:
    # The spec's IpAddress (a route's gateway, ...): an IPv4 or IPv6 address, as Cycle parses it.
    if isinstance(value, str):
        ipaddress.ip_address(value)
    return True


@FORMATS.checks("cidr", raises=ValueError)
def _cidr(value: object) -> bool:
    if isinstance(value, str):
        ipaddress.ip_network(value, strict=False)
    return True


@FORMATS.checks("objectid")
def _objectid(value: object) -> bool:
    # An ID names an item; "i1", "" or "null" cannot (the empty ID filter is `_checks`' concern).
    return not isinstance(value, str) or OBJECT_ID.fullmatch(value) is not None


@FORMATS.checks("int32")
def _int32(value: object) -> bool:
    # Cycle (Go) decodes these into 32-bit integers: a larger number is refused, not wrapped.
    return not isinstance(value, int) or isinstance(value, bool) or -(2**31) <= value < 2**31


@FORMATS.checks("int64")
def _int64(value: object) -> bool:
    return not isinstance(value, int) or isinstance(value, bool) or -(2**63) <= value < 2**63


@FORMATS.checks("date", raises=ValueError)
def _date(value: object) -> bool:
    if not isinstance(value, str):
        return True
    datetime.date.fromisoformat(value)
    return bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", value, re.ASCII))


def _lenient_required(
    validator: Validator, required: list[str], value: JSON, schema: Mapping[str, Any]
) -> Iterator[ValidationError]:
    """`required`, less the names the object schema does not declare (see `violation`)."""
    if not isinstance(value, dict):
        return
    for name in required:
        if name not in value and not undeclared(schema, name):
            yield ValidationError(f"{name!r} is a required property")


def _explain(error: ValidationError, lenient: bool) -> Violation:
    """A jsonschema error as a Violation; for failed alternatives, the one that got furthest: the
    deepest failure of any branch, and at equal depth one that is not a plain mismatch."""
    path = tuple(error.absolute_path)
    keyword, expected = error.validator, cast(Any, error.validator_value)
    if keyword in ("anyOf", "oneOf") and error.context:
        firsts: dict[Any, Violation] = {}
        for sub in error.context:
            branch = sub.relative_schema_path[0] if sub.relative_schema_path else 0
            if branch not in firsts:
                firsts[branch] = _explain(sub, lenient)
        return max(firsts.values(), key=lambda v: (len(v.path), v.keyword not in _MISMATCHES))
    value, schema = error.instance, error.schema
    if keyword is None:
        return Violation(path, "false")
    if keyword == "type":
        return Violation(path, "type", [expected] if isinstance(expected, str) else list(expected), value)
    if keyword == "required" and isinstance(value, dict) and isinstance(schema, dict):
        missing = [n for n in expected if n not in value and not (lenient and undeclared(schema, n))]
        return Violation((*path, missing[0]) if missing else path, "required")
    if keyword in ("additionalProperties", "unevaluatedProperties") and isinstance(value, dict):
        declared = schema.get("properties", {}) if isinstance(schema, dict) else {}
        patterns = schema.get("patternProperties", {}) if isinstance(schema, dict) else {}
        extra = [n for n in value if n not in declared and not any(re.search(p, n) for p in patterns)]
        return Violation((*path, extra[0]) if extra else path, "false")
    if keyword == "uniqueItems" and isinstance(value, list):
        seen: list[str] = []
        for index, item in enumerate(value):
            text = json.dumps(item, sort_keys=True)
            if text in seen:
                return Violation((*path, index), "uniqueItems")
            seen.append(text)
    if keyword == "oneOf":
        return Violation(path, "oneOf")
    return Violation(path, str(keyword), expected, value)


def _absolute(schema: Schema) -> Schema:
    """`schema` with its document-local references (`#/components/...`) made absolute, so that it
    validates on its own against the registered document."""
    if isinstance(schema, dict):
        return {
            key: _DOCUMENT_URI + value
            if key == "$ref" and isinstance(value, str) and value.startswith("#")
            else _absolute(value)
            for key, value in schema.items()
        }
    if isinstance(schema, list):
        return [_absolute(item) for item in schema]
    return schema


__all__ = ["FORMATS", "JSON", "ZERO_ID", "ZERO_TIME", "Schema", "SchemaTools", "Violation", "undeclared"]
