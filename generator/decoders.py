"""The checked, fast `from_dict` of every generated model, written as Python source.

model.py.jinja asks `model_decoder(model)` for the body of `from_dict` and for the module-level
helpers it needs. The decisions, per property the tool parsed:

- every field's JSON type is checked inline (`v.__class__ is str`: bool is not int), and a
  runtime function of cycle_sdk/_decode.py is called only when that check fails;
- a union is decided by the JSON type of the value; objects by the discriminator when the
  union has one: the spec's `discriminator` (propertyName + mapping), or, without one, a
  property that every variant pins to a different one-value enum. An unknown discriminator
  value becomes `UnknownVariant` (the object as sent). Members that neither tells apart are
  tried in order (`first_fit`): the generator's report counts those unions;
- a failure raises DecodeError; from_dict's single handler adds the field to its path;
- for speed (the decoding time budget), without changing what is checked: required str/int/bool/enum
  properties are read first and their classes compared in one tuple comparison, with the
  one-by-one checks as the fallback (`batch`); small nested models are decoded in their
  parent's from_dict instead of by a call (`inline`, bounded by INLINE_*); and a model that
  keeps unknown keys counts its absent optional properties rather than its present ones,
  and, when it has none, shares the read-only empty cycle_sdk._decode.NO_ADDITIONAL_PROPERTIES.

The same module patches the tool's type strings so that a discriminated union's annotation
includes `UnknownVariant` (see `annotate_unknown_variants`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from generator.pysource import py

# What the generated model modules import from cycle_sdk/_decode.py (as `_<name>`).
RUNTIME_NAMES = (
    "NO_ADDITIONAL_PROPERTIES",
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

# The one class a batched property's JSON value must have (see ModelDecoder.batch).
_BATCH_CLASS = {"StringProperty": "str", "IntProperty": "int", "BooleanProperty": "bool", "LiteralEnumProperty": None}


def _batch_class(p: Any) -> str:
    return _BATCH_CLASS[_kind(p)] or _code(p.get_instance_type_string())


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

    def subtree_size(self, model: Any, chain: tuple[str, ...]) -> int:
        """Properties of a model and of the models it refers to, down to a recursion (or 1000)."""
        name = str(model.class_info.name)
        if name in chain or len(chain) > 20:
            return 1000
        total = 0
        for p in [*model.required_properties, *model.optional_properties]:
            total += 1
            for ref in _model_refs(p):
                total += self.subtree_size(self._model(ref), (*chain, name))
        return min(total, 1000)

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


# Inlining bounds (ModelDecoder.inlinable): per inlined model, and per from_dict in all (pyright
# gives up on a function with too many branches: "Code is too complex to analyze"). Measured
# (valgrind, 1,000-item pages): these keep nearly all of what 3 levels / 24 / 48 saves
# (environments 188M instructions against 187M; 206M with no inlining) at half its code
# growth (the wheel +0.6 MB instead of +1.1 MB): most objects are small leaves.
INLINE_DEPTH = 2
INLINE_PROPERTIES = 8
INLINE_PROPERTIES_PER_FUNCTION = 24


def _model_refs(p: Any) -> list[Any]:
    """The models a property's value may hold (a list's items, a union's members)."""
    k = _kind(p)
    if k == "ModelProperty":
        return [p]
    if k == "ListProperty":
        return _model_refs(p.inner_property)
    if k == "UnionProperty":
        return [m for inner in p.inner_properties for m in _model_refs(inner)]
    return []


def _one_value(p: Any) -> str | None:
    k = _kind(p)
    if k == "LiteralEnumProperty" and len(p.values) == 1:
        value = next(iter(p.values))
        return value if isinstance(value, str) else None
    if k == "ConstProperty" and isinstance(p.value.raw_value, str):
        return str(p.value.raw_value)
    return None


@dataclass
class ModuleParts:
    """What one model module's decoders add at module level, shared by the models inlined into it."""

    helpers: list[str] = field(default_factory=list)  # functions (`_decode_N`) and constants
    imports: set[str] = field(default_factory=set)  # the inlined models' own imports (enum checks)
    lazy_imports: set[str] = field(default_factory=set)  # the models the inlined ones refer to
    inlined: set[str] = field(default_factory=set)  # classes whose _FIELDS/_KEYS are copied here
    budget: int = INLINE_PROPERTIES_PER_FUNCTION  # properties the current from_dict may still inline
    n: int = 0  # names: _decode_N, _SIGN, and the suffix of an inlined model's variables

    def next(self) -> int:
        self.n += 1
        return self.n


class ModelDecoder:
    """Writes one model's from_dict body (or, inlined into a parent, the same statements on the
    parent's variables) and the module-level helpers it calls.

    `src` and `obj` name the source mapping and the instance; `sfx` tells an inlined model's
    temporaries from its parent's."""

    def __init__(
        self,
        unions: Unions,
        model: Any,
        parts: ModuleParts | None = None,
        *,
        src: str = "src_dict",
        obj: str = "_o",
        sfx: str = "",
        chain: tuple[str, ...] = (),
    ) -> None:
        self.unions = unions
        self.model = model
        self.class_name = str(model.class_info.name)
        self.parts = parts if parts is not None else ModuleParts()
        self.src, self.obj, self.sfx = src, obj, sfx
        self.chain = (*chain, self.class_name)  # the models this one is inlined into, and itself
        self.v = f"_v{sfx}"
        self.keys = f"_KEYS{sfx and '_' + self.class_name}"
        self.missing: list[str] = []  # what an absent optional property's branch adds
        self.order: list[Any] = []  # properties in the order from_dict sets them

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
        name = f"_decode_{self.parts.next()}"
        lines = [f"def {name}(v: Any) -> Any:", *("    " + line for line in body("v"))]
        self.parts.helpers.append("\n".join(lines))
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
            if _kind(inner) == "ModelProperty" and self.inlinable(inner):
                n = self.parts.next()
                items, each, made = f"_l{n}", f"_s{n}", f"_o{n}"
                return [
                    *out,
                    f"{items}: list[{inner.class_info.name}] = []",
                    f"for {each} in {v}:",
                    *("    " + line for line in self.inline(inner, each, made, n)),
                    f"    {items}.append({made})",
                    f"{dest} = {items}",
                ]
            if _kind(inner) == "ModelProperty":
                # A comprehension, not list(map(...)): CPython calls a Python function from
                # a comprehension without a C-level call per item, ~15% less per call.
                return [*out, f"{dest} = [{self.func(inner)}({item}) for {item} in {v}]"]
            return [*out, f"{dest} = [{self.expr(inner, item, depth + 1)} for {item} in {v}]"]
        if k == "UnionProperty":
            return self.union(p, v, dest, depth)
        if k == "ModelProperty" and self.inlinable(p):
            n = self.parts.next()
            return [*self.inline(p, v, f"_o{n}", n), f"{dest} = _o{n}"]
        return [f"{dest} = {self.expr(p, v, depth)}"]

    # --- inlining: a small model's from_dict written into its parent's ---------------------

    def inlinable(self, p: Any) -> bool:
        """A model decoded in its parent's from_dict rather than by a call: most objects in a
        document are small and nested, and a call per object is a tenth of their decode.
        Bounded, so that a module stays small: not a model already being inlined (recursion),
        at most INLINE_DEPTH levels, and at most INLINE_PROPERTIES properties in all."""
        child = self.unions._model(p)
        return (
            str(child.class_info.name) not in self.chain
            and len(self.chain) <= INLINE_DEPTH
            and self.unions.subtree_size(child, self.chain) <= min(INLINE_PROPERTIES, self.parts.budget)
        )

    def inline(self, p: Any, v: str, made: str, n: int) -> list[str]:
        """Statements that leave in `made` the model p decoded from the name v, raising what its
        own from_dict would: the same failure(), on its own instance, fields and source."""
        child = self.unions._model(p)
        name = str(child.class_info.name)
        self.parts.budget -= len(child.required_properties) + len(child.optional_properties)
        decoder = ModelDecoder(self.unions, child, self.parts, src=v, obj=made, sfx=f"_{n}", chain=self.chain)
        body = decoder.body()
        if name not in self.parts.inlined:
            self.parts.inlined.add(name)
            self.parts.helpers.append(f"_FIELDS_{name}: tuple[tuple[str, str], ...] = {decoder.fields()}")
            if child.additional_properties and (child.required_properties or child.optional_properties):
                self.parts.helpers.append(f"_KEYS_{name}: frozenset[str] = {decoder.known_keys()}")
        self.parts.imports.update(str(i) for i in child.relative_imports)
        self.parts.lazy_imports.update(str(i) for i in child.lazy_imports)
        ap = child.additional_properties
        if ap and ap is not True:
            self.parts.lazy_imports.update(str(i) for i in (getattr(ap, "lazy_imports", None) or []))
        return [
            f"{made} = _new({name})",
            "try:",
            *("    " + line for line in body.splitlines()),
            "except Exception as _e:",
            f"    raise _failure(_e, {made}, {v}, _FIELDS_{name}) from None",
        ]

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
            head += [f"if {v} is UNSET:", f"    {dest} = UNSET", *("    " + line for line in self.missing)]
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
                branches.append((tests[kind], [f"{dest} = _first_fit({v}, ({funcs},), {py(names)})"]))
        {"type": stats.by_type, "spec": stats.by_spec, "pinned": stats.by_pinned, "shape": stats.by_shape}[decided].add(
            signature
        )
        last = f"{dest} = {v}" if any_member else f"{dest} = _mismatch({v}, {py(expected)})"
        body = [f"_c = {v}.__class__"]
        for index, (test, lines) in enumerate(branches):
            body.append(f"{'if' if index == 0 else 'elif'} {test}:")
            body += ["    " + line for line in lines]
        body += ["else:", f"    {last}"] if branches else [last]
        if not head:
            return body
        return [*head, "else:", *("    " + line for line in body)]

    def _by_discriminator(self, disc: Discriminator, v: str, dest: str, p: Any) -> list[str]:
        out = [f"_t = {v}.get({py(disc.property_name)})"]
        for index, (value, cls) in enumerate(sorted(disc.mapping.items())):
            out += [
                f"{'if' if index == 0 else 'elif'} _t == {py(value)}:",
                f"    {dest} = _from_dict_{cls}({v})",
            ]
        where = py(f"{self.class_name}.{p.python_name}")
        unknown = f"_unknown_variant({v}, {py(disc.property_name)}, _t, {where})"
        out += ["else:", f"    {dest} = {unknown}"] if disc.mapping else [f"{dest} = {unknown}"]
        return out

    # --- the body of from_dict ---------------------------------------------------------------

    def field(self, p: Any, n: int) -> list[str]:
        key = py(_text(p.name))
        dest = f"{self.obj}.{p.python_name}"
        if p.required:
            if _kind(p) == "ModelProperty" and not self.inlinable(p):  # no temporary: read once
                return [f"{dest} = {self.func(p)}({self.src}[{key}])"]
            return [f"{self.v} = {self.src}[{key}]", *self.stmts(p, self.v, dest, 1)]
        v = f"_p{n}{self.sfx}"
        out = [f"{v} = {self.src}.get({key}, UNSET)"]
        missing = ["    " + line for line in self.missing]
        checked = self.check(p)
        if checked is not None:
            cond, fallback = checked
            if not missing:
                return [*out, f"{dest} = ({v} if {cond.format(v=v)} or {v} is UNSET else {fallback}({v}))"]
            return [
                *out,
                f"if {cond.format(v=v)}:",
                f"    {dest} = {v}",
                f"elif {v} is UNSET:",
                f"    {dest} = UNSET",
                *missing,
                "else:",
                f"    {dest} = {fallback}({v})",
            ]
        if _kind(p) == "AnyProperty":
            return [*out, f"{dest} = {v}", *([f"if {v} is UNSET:", *missing] if missing else [])]
        if _kind(p) == "UnionProperty":
            return [*out, *self.union(p, v, dest, 1, optional=True)]
        body = self.stmts(p, v, dest, 1)
        return [*out, f"if {v} is UNSET:", f"    {dest} = UNSET", *missing, "else:", *("    " + line for line in body)]

    def batchable(self, p: Any) -> bool:
        """A required property whose check is one class test (str, int, bool, a Literal enum)."""
        return bool(p.required) and _kind(p) in _BATCH_CLASS

    def batch(self, props: list[Any]) -> list[str]:
        """Required one-class properties: assigned first, their classes compared in one tuple
        comparison (C code) instead of one test per field (bytecode); on a mismatch each is
        checked as alone, unset first, so that a failure names it (failure() looks for the
        first unset field) and a fallback that converts (3.0 for an integer) stores its result."""
        if len(props) < 2:
            return [line for n, p in enumerate(props) for line in self.field(p, n)]
        lines: list[str] = []
        classes: list[str] = []
        slow: list[str] = []
        for n, p in enumerate(props):
            key = py(_text(p.name))
            dest = f"{self.obj}.{p.python_name}"
            b = f"_b{n}{self.sfx}"
            cond, fallback = self.check(p) or ("", "")
            lines.append(f"{dest} = {b} = {self.src}[{key}]")
            classes.append(f"{b}.__class__")
            slow += [f"if not ({cond.format(v=b)}):", f"    del {dest}", f"    {dest} = {fallback}({b})"]
        sig = "(" + "".join(f"{_batch_class(p)}, " for p in props) + ")"
        name = f"_SIG{self.parts.next()}"
        self.parts.helpers.append(f"{name}: tuple[type, ...] = {sig}")
        return [*lines, f"if ({', '.join(classes)},) != {name}:", *("    " + line for line in slow)]

    def additional(self) -> list[str]:
        """Unknown keys into additional_properties; none (the usual case) is the shared read-only
        empty dict, told without a loop: an empty object, or `len(src) + absent == known`."""
        model = self.model
        ap = model.additional_properties
        props = list(model.required_properties) + list(model.optional_properties)
        if not ap:
            return []
        any_value = ap is True or _kind(ap) == "AnyProperty"
        value = "_i0" if any_value else self.expr(ap, "_i0", 1)
        keep = f" if _k not in {self.keys}" if props else ""
        unknown = f"{{_k: {value} for _k, _i0 in {self.src}.items(){keep}}}"
        dest = f"{self.obj}.additional_properties"
        if not props:
            whole = f"dict({self.src})" if any_value else unknown
            return [f"{dest} = {whole} if {self.src} else _NO_ADDITIONAL_PROPERTIES"]
        return [
            f"if len({self.src}){f' + _m{self.sfx}' if self.missing else ''} == {len(props)}:",
            f"    {dest} = _NO_ADDITIONAL_PROPERTIES",
            "else:",
            f"    {dest} = {unknown}",
        ]

    def body(self) -> str:
        model = self.model
        required = list(model.required_properties)
        optional = list(model.optional_properties)
        batch = [p for p in required if self.batchable(p)]
        rest = [p for p in required if not self.batchable(p)]
        # A model that keeps unknown keys counts its absent optional properties (`_m`, on
        # the absent branch only), so that `len(src_dict) + _m` tells whether any key is unknown.
        if model.additional_properties and optional:
            self.missing = [f"_m{self.sfx} += 1"]
        lines: list[str] = [f"_m{self.sfx} = 0"] if self.missing else []
        if not (required or optional):
            # With properties, a source that is not a mapping fails its first lookup (TypeError,
            # AttributeError) and failure() reports "expected object"; without, dict(src) or an
            # empty body would accept it.
            lines += [f"if {self.src}.__class__ is not dict:", f"    {self.src} = _as_object({self.src})"]
        lines += self.batch(batch)
        for p in rest:
            lines += self.field(p, 0)
        for n, p in enumerate(optional, start=1):
            lines += self.field(p, n)
        lines += self.additional()
        self.order = batch + rest + optional
        return "\n".join(lines or ["pass"])

    def known_keys(self) -> str:
        """`_KEYS`: the JSON keys of the model's properties (what is not one is unknown)."""
        props = [*self.model.required_properties, *self.model.optional_properties]
        return f"frozenset({{{''.join(f'{py(_text(p.name))}, ' for p in props)}}})"

    def fields(self) -> str:
        """`_FIELDS`: (attribute, JSON key) in the order from_dict sets them (failure() reads it);
        body() decides that order."""
        props = self.order
        pairs = "".join(f"({py(str(p.python_name))}, {py(_text(p.name))}), " for p in props)
        return f"({pairs})"


@dataclass
class Decoded:
    body: str
    helpers: str
    fields: str
    keys: str
    imports: list[str]  # what the models inlined into this one import (their enum checks)
    lazy_imports: list[str]  # the models they refer to (bound by the module's _load())


def model_decoder(unions: Unions, model: Any) -> Decoded:
    decoder = ModelDecoder(unions, model)
    body = decoder.body()
    return Decoded(
        body=body,
        helpers="\n\n\n".join(decoder.parts.helpers),
        fields=decoder.fields(),
        keys=decoder.known_keys(),
        imports=sorted(decoder.parts.imports),
        lazy_imports=sorted(i for i in decoder.parts.lazy_imports if not i.endswith(f" import {decoder.class_name}")),
    )


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
