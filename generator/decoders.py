"""The checked, fast `from_dict` of every generated model (issue 13), written as Python source.

model.py.jinja asks `model_decoder(model)` for the body of `from_dict` and for the module-level
helpers it needs. The decisions, per property the tool parsed:

- every field's JSON type is checked inline (`v.__class__ is str`: bool is not int), and a
  runtime function of cycle_sdk/_decode.py is called only when that check fails;
- a union is decided by the JSON type of the value; objects by the discriminator when the
  union has one: the spec's `discriminator` (propertyName + mapping), or, without one, a
  property that every variant pins to a different one-value enum. An unknown discriminator
  value becomes `UnknownVariant` (the object as sent). Members that neither tells apart are
  tried in order (`first_fit`): the generator's report counts those unions;
- a failure raises DecodeError; from_dict's single handler adds the field to its path.

The same module patches the tool's type strings so that a discriminated union's annotation
includes `UnknownVariant` (see `annotate_unknown_variants`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

# What the generated model modules import from cycle_sdk/_decode.py (as `_<name>`).
RUNTIME_NAMES = (
    "array",
    "as_object",
    "boolean",
    "const",
    "date_fallback",
    "date_fromisoformat",
    "datetime_fallback",
    "failure",
    "first_fit",
    "fromisoformat",
    "integer",
    "mismatch",
    "null",
    "number",
    "parse_date",
    "parse_datetime",
    "parse_uuid",
    "string",
    "unknown_variant",
)

# Members that accept every value of their JSON type (an enum keeps unknown values).
_TAKES_ALL = {"StringProperty", "LiteralEnumProperty", "IntProperty", "BooleanProperty", "FloatProperty"}

# One inline check per JSON scalar: (condition on the value v, runtime function if it fails).
_CHECKS = {
    "StringProperty": ("{v}.__class__ is str", "_string"),
    "IntProperty": ("{v}.__class__ is int", "_integer"),
    "FloatProperty": ("{v}.__class__ is float or {v}.__class__ is int", "_number"),
    "BooleanProperty": ("{v} is True or {v} is False", "_boolean"),  # two identity tests, no attribute
    "NoneProperty": ("{v} is None", "_null"),
}

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

_EXPECTED_NAME = {"DateTimeProperty": "date-time", "DateProperty": "date", "UuidProperty": "uuid"}


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


class ModelDecoder:
    """Writes one model's from_dict body and the module-level helpers it calls."""

    def __init__(self, unions: Unions, model: Any) -> None:
        self.unions = unions
        self.model = model
        self.class_name = str(model.class_info.name)
        self.helpers: list[str] = []
        self._n = 0

    # --- expressions: a decoded, checked value of the JSON value in the plain name v ---------

    def func(self, p: Any) -> str:
        """A one-argument callable that decodes a value of p (for first_fit and map)."""
        k = _kind(p)
        simple = {
            "ModelProperty": lambda: f"_from_dict_{p.class_info.name}",
            "DateTimeProperty": lambda: "_parse_datetime",
            "DateProperty": lambda: "_parse_date",
            "UuidProperty": lambda: "_parse_uuid",
            "StringProperty": lambda: "_string",
            "IntProperty": lambda: "_integer",
            "FloatProperty": lambda: "_number",
            "BooleanProperty": lambda: "_boolean",
            "NoneProperty": lambda: "_null",
            "LiteralEnumProperty": lambda: f"check_{p.get_class_name_snake_case()}",
        }
        if k in simple:
            return simple[k]()
        return self._helper(lambda v: [f"return {self.expr(p, v, 1)}"])

    def _helper(self, body: Any) -> str:
        self._n += 1
        name = f"_decode_{self._n}"
        lines = [f"def {name}(v: Any) -> Any:", *("    " + line for line in body("v"))]
        self.helpers.append("\n".join(lines))
        return name

    def check(self, p: Any) -> tuple[str, str] | None:
        """(condition, fallback) for a value that is checked, never converted."""
        k = _kind(p)
        if k in _CHECKS:
            return _CHECKS[k]
        if k == "LiteralEnumProperty":
            # _ENUM_STR/_ENUM_INT are str/int typed as type[Any]: `v.__class__ is str` would
            # narrow v to str, which a type checker refuses to assign to the Literal field.
            return (
                f"{{v}}.__class__ is _ENUM_{_code(p.get_instance_type_string()).upper()}",
                f"check_{p.get_class_name_snake_case()}",
            )
        return None

    def expr(self, p: Any, v: str, depth: int) -> str:
        k = _kind(p)
        checked = self.check(p)
        if checked is not None:
            cond, fallback = checked
            return f"({v} if {cond.format(v=v)} else {fallback}({v}))"
        if k == "AnyProperty":
            return v
        if k in ("ModelProperty", "DateTimeProperty", "DateProperty", "UuidProperty"):
            return f"{self.func(p)}({v})"
        if k == "ConstProperty":
            return f"_const({v}, {_code(p.value.python_code)})"
        if k == "EnumProperty":
            return f"{p.class_info.name}({v})"
        if k == "ListProperty":
            inner = p.inner_property
            items = f"({v} if {v}.__class__ is list else _array({v}))"
            if _kind(inner) == "AnyProperty":
                return items
            if _kind(inner) == "ModelProperty":
                item = f"_i{depth}"
                return f"[{self.func(inner)}({item}) for {item} in {items}]"
            item = f"_i{depth}"
            return f"[{self.expr(inner, item, depth + 1)} for {item} in {items}]"
        if k == "UnionProperty":
            # `_r: Any`: the branches assign different member types to the one result.
            return f"{self._helper(lambda name: ['_r: Any', *self.union(p, name, '_r', 1), 'return _r'])}({v})"
        raise SystemExit(f"{self.class_name}: no decoder for {k}")

    # --- statements: assign the decoded v to dest -------------------------------------------

    def stmts(self, p: Any, v: str, dest: str, depth: int) -> list[str]:
        k = _kind(p)
        if k in ("DateTimeProperty", "DateProperty"):
            parse, fallback = (
                ("_fromisoformat", "_datetime_fallback")
                if k == "DateTimeProperty"
                else ("_date_fromisoformat", "_date_fallback")
            )
            return [
                "try:",
                f"    {dest} = {parse}({v})",
                "except (TypeError, ValueError):",
                f"    {dest} = {fallback}({v})",
            ]
        if k == "ListProperty":
            inner = p.inner_property
            out = [f"if {v}.__class__ is not list:", f"    {v} = _array({v})"]
            checked = self.check(inner)
            item = f"_i{depth}"
            if _kind(inner) == "AnyProperty":
                return [*out, f"{dest} = {v}"]
            if checked is not None:
                cond, fallback = checked
                return [
                    *out,
                    f"for {item} in {v}:",
                    f"    if not ({cond.format(v=item)}):",
                    f"        {fallback}({item})",
                    f"{dest} = {v}",
                ]
            if _kind(inner) == "ModelProperty":
                # A comprehension, not list(map(...)): CPython calls a Python function from
                # a comprehension without a C-level call per item, ~15% less per call.
                return [*out, f"{dest} = [{self.func(inner)}({item}) for {item} in {v}]"]
            return [*out, f"{dest} = [{self.expr(inner, item, depth + 1)} for {item} in {v}]"]
        if k == "UnionProperty":
            return self.union(p, v, dest, depth)
        return [f"{dest} = {self.expr(p, v, depth)}"]

    def union(self, p: Any, v: str, dest: str, depth: int, *, optional: bool = False) -> list[str]:
        members = list(p.inner_properties)
        signature = " | ".join(sorted(_code(m.get_type_string(no_optional=True)) for m in members))
        groups: dict[str, list[Any]] = {}
        for m in members:
            groups.setdefault(json_kind(m), []).append(m)
        nullable = "null" in groups
        any_member = "any" in groups
        kinds = [k for k in ("object", "string", "integer", "number", "boolean", "array") if k in groups]
        expected = " or ".join([*kinds, *(["null"] if nullable else [])]) or "any value"
        stats = self.unions.stats
        decided = "type"

        head: list[str] = []
        if optional:
            head += [f"if {v} is UNSET:", f"    {dest} = UNSET"]
        if nullable:
            head += [f"{'elif' if head else 'if'} {v} is None:", f"    {dest} = None"]

        for kind in kinds:
            takes_all = next((i for i, m in enumerate(groups[kind]) if _kind(m) in _TAKES_ALL), None)
            if takes_all is not None:
                groups[kind] = groups[kind][: takes_all + 1]
        # The common case: one kind besides null (`Model | None`, `str | None`).
        if len(kinds) == 1 and len(groups[kinds[0]]) == 1 and not any_member:
            body = self.stmts(groups[kinds[0]][0], v, dest, depth)
            stats.by_type.add(signature)
            if not head:
                return body
            return [*head, "else:", *("    " + line for line in body)]

        branches: list[tuple[str, list[str]]] = []
        tests = {
            "object": "_c is dict",
            "string": "_c is str",
            "integer": "_c is int",
            "number": "_c is float" if "integer" in groups else "_c is float or _c is int",
            "boolean": "_c is bool",
            "array": "_c is list",
        }
        for kind in kinds:
            group = groups[kind]
            if kind == "object" and len(group) > 1:
                disc = self.unions.discriminator(p, group)
                if disc is not None:
                    decided = "spec" if disc.source == "spec" else "pinned"
                    branches.append((tests[kind], self._by_discriminator(disc, v, dest, p)))
                    continue
            if len(group) == 1 and self.check(group[0]) is not None:
                # The branch's own test has checked the JSON type: nothing left to check.
                branches.append((tests[kind], [f"{dest} = {v}"]))
            elif len(group) == 1:
                branches.append((tests[kind], self.stmts(group[0], v, dest, depth)))
            else:
                decided = "shape" if decided == "type" else decided
                stats.shape_examples.setdefault(signature, f"{self.class_name}.{p.python_name}: {signature}")
                funcs = ", ".join(self.func(m) for m in group)
                names = " or ".join(_code(m.get_type_string(no_optional=True)) for m in group)
                branches.append((tests[kind], [f"{dest} = _first_fit({v}, ({funcs},), {json.dumps(names)})"]))
        {"type": stats.by_type, "spec": stats.by_spec, "pinned": stats.by_pinned, "shape": stats.by_shape}[decided].add(
            signature
        )
        last = f"{dest} = {v}" if any_member else f"{dest} = _mismatch({v}, {json.dumps(expected)})"
        body = [f"_c = {v}.__class__"]
        for index, (test, lines) in enumerate(branches):
            body.append(f"{'if' if index == 0 else 'elif'} {test}:")
            body += ["    " + line for line in lines]
        body += ["else:", f"    {last}"] if branches else [last]
        if not head:
            return body
        return [*head, "else:", *("    " + line for line in body)]

    def _by_discriminator(self, disc: Discriminator, v: str, dest: str, p: Any) -> list[str]:
        out = [f"_t = {v}.get({json.dumps(disc.property_name)})"]
        for index, (value, cls) in enumerate(sorted(disc.mapping.items())):
            out += [
                f"{'if' if index == 0 else 'elif'} _t == {json.dumps(value)}:",
                f"    {dest} = _from_dict_{cls}({v})",
            ]
        where = json.dumps(f"{self.class_name}.{p.python_name}")
        unknown = f"_unknown_variant({v}, {json.dumps(disc.property_name)}, _t, {where})"
        out += ["else:", f"    {dest} = {unknown}"] if disc.mapping else [f"{dest} = {unknown}"]
        return out

    # --- the body of from_dict ---------------------------------------------------------------

    def field(self, p: Any, n: int) -> list[str]:
        key = json.dumps(_text(p.name))
        dest = f"_o.{p.python_name}"
        if p.required:
            return [f"_v = src_dict[{key}]", *self.stmts(p, "_v", dest, 1)]
        v = f"_p{n}"
        out = [f"{v} = src_dict.get({key}, UNSET)"]
        checked = self.check(p)
        if checked is not None:
            cond, fallback = checked
            return [*out, f"{dest} = ({v} if {cond.format(v=v)} or {v} is UNSET else {fallback}({v}))"]
        if _kind(p) == "AnyProperty":
            return [*out, f"{dest} = {v}"]
        if _kind(p) == "UnionProperty":
            return [*out, *self.union(p, v, dest, 1, optional=True)]
        body = self.stmts(p, v, dest, 1)
        return [*out, f"if {v} is UNSET:", f"    {dest} = UNSET", "else:", *("    " + line for line in body)]

    def additional(self) -> list[str]:
        model = self.model
        ap = model.additional_properties
        props = list(model.required_properties) + list(model.optional_properties)
        if not ap:
            return []
        if ap is True or _kind(ap) == "AnyProperty":
            if not props:
                return ["_o.additional_properties = dict(src_dict)"]
            count = " + ".join(
                [str(len(model.required_properties))]
                + [f"(_p{i} is not UNSET)" for i in range(1, len(model.optional_properties) + 1)]
            )
            return [
                f"if len(src_dict) == {count}:",
                "    _o.additional_properties = {}",
                "else:",
                "    _o.additional_properties = {_k: _i0 for _k, _i0 in src_dict.items() if _k not in _KEYS}",
            ]
        keep = " if _k not in _KEYS" if props else ""
        return [f"_o.additional_properties = {{_k: {self.expr(ap, '_i0', 1)} for _k, _i0 in src_dict.items(){keep}}}"]

    def body(self) -> str:
        model = self.model
        lines: list[str] = []
        for p in model.required_properties:
            lines += self.field(p, 0)
        for n, p in enumerate(model.optional_properties, start=1):
            lines += self.field(p, n)
        lines += self.additional()
        return "\n".join(lines or ["pass"])

    def fields(self) -> str:
        """`_FIELDS`: (attribute, JSON key) in the order from_dict sets them (failure() reads it)."""
        props = list(self.model.required_properties) + list(self.model.optional_properties)
        pairs = "".join(f"({json.dumps(str(p.python_name))}, {json.dumps(_text(p.name))}), " for p in props)
        return f"({pairs})"


@dataclass
class Decoded:
    body: str
    helpers: str
    fields: str


def model_decoder(unions: Unions, model: Any) -> Decoded:
    decoder = ModelDecoder(unions, model)
    body = decoder.body()
    return Decoded(body=body, helpers="\n\n\n".join(decoder.helpers), fields=decoder.fields())


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
