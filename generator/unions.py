"""The spec's unions of several objects, and how each is told apart (read by generator/models.py).

An object in a union is decided by its discriminator: the spec's `discriminator` (propertyName
+ mapping), or, without one, a property that every variant pins to a different one-value enum
(a tag generated from the spec). An unknown discriminator value becomes `UnknownVariant` (the
object as sent): `annotate_unknown_variants` patches the tool's type strings so that such a
union's annotation says so. Members that neither tells apart are tried in order; the
generator's report counts those unions.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

_JSON_KIND = {
    "StringProperty": "string",
    "DateTimeProperty": "string",
    "DateProperty": "string",
    "UuidProperty": "string",
    "FileProperty": "string",
    "IntProperty": "integer",
    "FloatProperty": "number",
    "BooleanProperty": "boolean",
    "ModelProperty": "object",
    "ListProperty": "array",
    "NoneProperty": "null",
    "AnyProperty": "any",
}


def _kind(p: Any) -> str:
    return type(p).__name__


def _text(value: Any) -> str:
    getter = getattr(value, "get_untrusted_value", None)
    return str(getter()) if callable(getter) else str(value)


def _code(value: Any) -> str:
    """A PythonCode from the tool as source text."""
    render = getattr(value, "as_unembedded_code", None)
    return str(render()) if callable(render) else str(value)


def json_kind(p: Any) -> str:
    k = _kind(p)
    if k in ("LiteralEnumProperty", "EnumProperty"):
        return "integer" if _code(p.get_instance_type_string()) == "int" else "string"
    if k == "ConstProperty":
        raw = p.value.raw_value
        return {bool: "boolean", int: "integer", float: "number", str: "string"}.get(type(raw), "any")
    return _JSON_KIND.get(k, "any")


@dataclass(frozen=True)
class Discriminator:
    property_name: str
    mapping: dict[str, str]  # discriminator value -> variant class name
    source: str  # "spec" (its discriminator) or "pinned" (each variant pins the property)


@dataclass
class UnionStats:
    """Distinct unions (by member types) and how their objects are told apart."""

    by_spec: set[str] = field(default_factory=set)
    by_pinned: set[str] = field(default_factory=set)
    by_shape: set[str] = field(default_factory=set)
    by_type: set[str] = field(default_factory=set)
    shape_examples: dict[str, str] = field(default_factory=dict)
    mapping_problems: list[str] = field(default_factory=list)


class Unions:
    """The spec's discriminators, keyed by the set of variant classes they choose among."""

    def __init__(self, spec: dict[str, Any], schemas: Any) -> None:
        self.schemas = schemas
        self.stats = UnionStats()
        self.spec_discriminators: dict[frozenset[str], Discriminator] = {}
        self._cache: dict[int, Discriminator | None] = {}
        by_ref = {_text(ref): prop for ref, prop in schemas.classes_by_reference.items()}

        def class_of(ref: str) -> str | None:
            if not ref.startswith("#"):
                ref = f"#/components/schemas/{ref}"
            prop = by_ref.get(ref[1:])
            info = getattr(prop, "class_info", None)
            return None if info is None else str(info.name)

        def visit(node: Any, where: str) -> None:
            if isinstance(node, dict):
                disc = node.get("discriminator")
                members = node.get("oneOf") or node.get("anyOf")
                if isinstance(disc, dict) and isinstance(members, list):
                    self._add(node, disc, members, class_of, where)
                for key, value in node.items():
                    visit(value, f"{where}/{key}")
            elif isinstance(node, list):
                for index, value in enumerate(node):
                    visit(value, f"{where}/{index}")

        visit(spec, "#")

    def _add(self, node: dict[str, Any], disc: dict[str, Any], members: list[Any], class_of: Any, where: str) -> None:
        name = str(disc.get("propertyName", ""))
        variants = {class_of(m["$ref"]) for m in members if isinstance(m, dict) and "$ref" in m}
        variants.discard(None)
        raw_mapping = disc.get("mapping") or {
            m["$ref"].rsplit("/", 1)[-1]: m["$ref"] for m in members if isinstance(m, dict) and "$ref" in m
        }
        mapping: dict[str, str] = {}
        for value, ref in raw_mapping.items():
            cls = class_of(str(ref))
            if cls is None or cls not in variants:
                self.stats.mapping_problems.append(f"{where}: {name}={value!r} maps to {ref}, not a member")
                continue
            mapping[str(value)] = cls
        key = frozenset(v for v in variants if v is not None)
        found = Discriminator(name, mapping, "spec")
        known = self.spec_discriminators.get(key)
        if known is not None and known != found:
            raise SystemExit(f"{where}: two discriminators for the same variants {sorted(key)}")
        self.spec_discriminators[key] = found

    def _model(self, p: Any) -> Any:
        """The processed model (the tool fills a model's properties in a second pass)."""
        return self.schemas.classes_by_name.get(p.class_info.name, p)

    def discriminator(self, union: Any, models: list[Any]) -> Discriminator | None:
        key = id(union)
        if key not in self._cache:
            self._cache[key] = self._find(models)
        return self._cache[key]

    def _find(self, models: list[Any]) -> Discriminator | None:
        if len(models) < 2:
            return None
        names = frozenset(str(m.class_info.name) for m in models)
        if names in self.spec_discriminators:
            return self.spec_discriminators[names]
        # No discriminator in the spec: a required property that every variant pins to its own value.
        processed = [self._model(m) for m in models]
        first = processed[0].required_properties or []
        for candidate in first:
            mapping: dict[str, str] = {}
            for model in processed:
                pinned = next(
                    (
                        p
                        for p in (model.required_properties or [])
                        if _text(p.name) == _text(candidate.name) and _one_value(p) is not None
                    ),
                    None,
                )
                value = None if pinned is None else _one_value(pinned)
                if value is None or value in mapping:
                    break
                mapping[value] = str(model.class_info.name)
            else:
                return Discriminator(_text(candidate.name), mapping, "pinned")
        return None

    def is_discriminated(self, union: Any) -> bool:
        models = [p for p in union.inner_properties if _kind(p) == "ModelProperty"]
        return self.discriminator(union, models) is not None

    def report(self) -> list[str]:
        s = self.stats
        lines = [
            f"unions: {len(s.by_spec)} told apart by the spec's discriminator, {len(s.by_pinned)} by a pinned"
            f" property, {len(s.by_type)} by JSON type alone, {len(s.by_shape)} by shape (members tried in order)",
        ]
        lines += [f"  union decoded by shape: {s.shape_examples[k]}" for k in sorted(s.shape_examples)]
        lines += [f"  discriminator mapping skipped: {m}" for m in s.mapping_problems]
        return lines


def _one_value(p: Any) -> str | None:
    k = _kind(p)
    if k == "LiteralEnumProperty" and len(p.values) == 1:
        value = next(iter(p.values))
        return value if isinstance(value, str) else None
    if k == "ConstProperty" and isinstance(p.value.raw_value, str):
        return str(p.value.raw_value)
    return None


@contextmanager
def annotate_unknown_variants(unions: Unions) -> Iterator[None]:
    """While the templates render: a discriminated union's Python type includes UnknownVariant."""
    from openapi_python_client import strings
    from openapi_python_client.parser.properties import UnionProperty

    original = UnionProperty._get_inner_type_strings

    def inner_type_strings(self: Any, json: bool) -> set[Any]:
        types: set[Any] = original(self, json)
        if not json and unions.is_discriminated(self):
            types.add(strings.PythonCode("UnknownVariant"))
        return types

    UnionProperty._get_inner_type_strings = inner_type_strings  # type: ignore[method-assign]
    try:
        yield
    finally:
        UnionProperty._get_inner_type_strings = original  # type: ignore[method-assign]
