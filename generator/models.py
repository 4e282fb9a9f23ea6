"""What generator/templates/model.py.jinja renders for one model: its fields, their annotations
(with the unions msgspec cannot decide alone named by an alias), and the names it imports.

A generated model is an attrs class of annotated fields and an `__init__`, nothing else: its
methods come from cycle_sdk._types.Model and read the class's fields, and cycle_sdk._decode
reads the annotations. So this module decides only how each property is declared:

- a required property has no default in the class (msgspec then requires its key); an
  optional one defaults to UNSET (msgspec leaves it UNSET when absent). The spec's own
  defaults are the `__init__`'s, for models made in Python;
- a property whose JSON key is not its Python name (`from` -> `from_`) says its key in its
  attrs metadata (`cycle_sdk._types.JSON_NAME`);
- a union msgspec cannot decide alone (several object members, several array members, a
  timestamp beside a string, or a discriminator) is declared through an alias: for type
  checkers the union itself, at run time a `cycle_sdk._decode.OneOf` naming its members in the
  spec's order, and its discriminator when it has one. A document's `includes` is declared the
  same way (a OneOf of one member): its models load when a response holds it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from generator.unions import Unions, _code, _kind, _text, json_kind

# Members of these kinds are one msgspec type per JSON type: two of them in a union are ambiguous.
_STRING_LIKE = {"DateTimeProperty", "DateProperty", "UuidProperty"}
JSON_NAME = "json"  # cycle_sdk._types.JSON_NAME: the attrs metadata key of a field's JSON name
# A document's properties decoded on first use: the resources a call's `include=` asked for,
# dozens of models that a response without them need not import.
DEFERRED = frozenset({"includes"})


@dataclass
class Field:
    name: str  # the attribute, and the __init__ keyword
    key: str  # the JSON key
    annotation: str
    required: bool
    init_default: str | None  # the __init__ default: the spec's, UNSET for optional, None for none


@dataclass
class Alias:
    name: str
    expr: str  # the union's members in the spec's order (+ UnknownVariant, Unset)
    tag: str | None = None
    variants: dict[str, str] = field(default_factory=dict)  # discriminator value -> member class


@dataclass
class ModelShape:
    name: str
    base: str  # Model, Document or MapModel["<value type>"]
    fields: list[Field]
    aliases: list[Alias]
    checking_imports: list[str]  # for type checkers only (bound by cycle_sdk._decode when decoding)


class Shapes:
    """Model shapes for one API: the unions' discriminators, the class -> module index."""

    def __init__(
        self, unions: Unions, modules: dict[str, str], documents: set[str], default_code: Callable[[Any], str | None]
    ) -> None:
        self.unions = unions
        self.modules = modules  # class or enum name -> module name (in models/)
        self.documents = documents  # the models of success responses
        self.default_code = default_code  # a property's default as Python (generator/build.py, through pysource)

    def shape(self, model: Any) -> ModelShape:
        return _ShapeBuilder(self, model).build()


class _ShapeBuilder:
    def __init__(self, shapes: Shapes, model: Any) -> None:
        self.shapes = shapes
        self.unions = shapes.unions
        self.model = model
        self.aliases: list[Alias] = []

    def build(self) -> ModelShape:
        model = self.model
        name = str(model.class_info.name)
        required = list(model.required_properties or [])
        optional = list(model.optional_properties or [])
        fields: list[Field] = []
        ap = model.additional_properties
        untyped = ap is True or _kind(ap) == "AnyProperty"
        if ap and (not untyped or not (required or optional)):
            # A JSON object of free keys (`additionalProperties` with a schema, or alone): its
            # entries are the model's additional_properties, beside any properties it declares.
            # Keys a model with properties does not declare are left out (cycle_sdk.raw_json).
            value = "Any" if untyped else self.annotation(ap, top=False, hint="Value", where="additional_property")
            base = f"MapModel[{value!r}]" + (", Document" if name in self.shapes.documents else "")
        else:
            base = "Document" if name in self.shapes.documents else "Model"
        ordered = [p for p in required if p.default is None] + [p for p in required if p.default is not None] + optional
        for prop in ordered:
            default = self.shapes.default_code(prop)
            key = _text(prop.name)
            hint = _pascal(str(prop.python_name))
            deferred = name in self.shapes.documents and _text(prop.name) in DEFERRED
            fields.append(
                Field(
                    name=str(prop.python_name),
                    key=key,
                    annotation=(
                        self.deferred(prop, hint)
                        if deferred
                        else self.annotation(prop, top=True, hint=hint, where=str(prop.python_name))
                    ),
                    required=bool(prop.required),
                    init_default=default,
                )
            )
        if base.startswith("MapModel"):  # first: a field without a default comes before those with one
            fields.insert(0, Field("additional_properties", "additional_properties", f"dict[str, {value}]", True, None))
        return ModelShape(name, base, fields, self.aliases, self.imports(name, fields, base))

    # --- annotations -------------------------------------------------------------------------------

    def annotation(self, prop: Any, *, top: bool, hint: str, where: str) -> str:
        optional = top and not prop.required
        kind = _kind(prop)
        if kind == "UnionProperty":
            if self.needs_alias(prop, where):
                return self.alias(prop, optional, hint, where)
            parts: list[str] = []
            for member in prop.inner_properties:
                text = self.annotation(member, top=False, hint=hint, where=where)
                if text not in parts:
                    parts.append(text)
            return " | ".join([*parts, *(["Unset"] if optional else [])])
        if kind == "ListProperty":
            text = f"list[{self.annotation(prop.inner_property, top=False, hint=hint + 'Item', where=where + '[]')}]"
        else:
            text = _code(prop.get_type_string(no_optional=True))
        return f"{text} | Unset" if optional else text

    def deferred(self, prop: Any, hint: str) -> str:
        """An alias for a property decoded on first use only (a OneOf of one member): the
        models under it are imported when a response holds it, not with the document's."""
        text = self.annotation(prop, top=False, hint=hint, where=str(prop.python_name))
        alias = Alias(f"_{hint}Deferred", text + ("" if prop.required else " | Unset"))
        self.aliases.append(alias)
        return alias.name

    def needs_alias(self, union: Any, where: str) -> bool:
        """Whether msgspec could not decode this union alone (it takes one member per JSON type)."""
        members = [m for m in union.inner_properties if json_kind(m) != "null"]
        objects = [m for m in members if json_kind(m) == "object"]
        signature = " | ".join(sorted(_code(m.get_type_string(no_optional=True)) for m in union.inner_properties))
        stats = self.unions.stats
        if len(objects) > 1:
            found = self.unions.discriminator(union, objects)
            if found is not None:
                (stats.by_spec if found.source == "spec" else stats.by_pinned).add(signature)
            else:
                stats.by_shape.add(signature)
                stats.shape_examples.setdefault(signature, f"{self.model.class_info.name}.{where}: {signature}")
            return True
        stats.by_type.add(signature)
        strings = [m for m in members if json_kind(m) == "string"]
        arrays = [m for m in members if json_kind(m) == "array"]
        return len(arrays) > 1 or (len(strings) > 1 and any(_kind(m) in _STRING_LIKE for m in strings))

    def alias(self, union: Any, optional: bool, hint: str, where: str) -> str:
        taken = {a.name for a in self.aliases}
        name = f"_{hint}Union"
        while name in taken:
            name += "_"
        members = []
        for member in union.inner_properties:
            text = self.annotation(member, top=False, hint=hint + "Member", where=where)
            if text not in members:
                members.append(text)
        objects = [m for m in union.inner_properties if json_kind(m) == "object"]
        found = self.unions.discriminator(union, objects) if len(objects) > 1 else None
        extra = (["UnknownVariant"] if found is not None else []) + (["Unset"] if optional else [])
        alias = Alias(name, " | ".join(members + extra))
        if found is not None:
            alias.tag = found.property_name
            alias.variants = dict(sorted(found.mapping.items()))
        self.aliases.append(alias)
        return name

    # --- imports -------------------------------------------------------------------------------------

    def imports(self, name: str, fields: list[Field], base: str) -> list[str]:
        texts = [f.annotation for f in fields] + [a.expr for a in self.aliases] + [base]
        # Names only: not the words inside a Literal's strings.
        used = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", re.sub(r"'[^']*'|\"[^\"]*\"", "", " ".join(texts))))
        checking = sorted(
            f"from .{self.shapes.modules[n]} import {n}" for n in used if n in self.shapes.modules and n != name
        )
        if "UnknownVariant" in used:
            checking.append("from cycle_sdk._decode import UnknownVariant")
        if self.aliases:
            checking.append("from typing import TypeAlias")
        return checking


def _pascal(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in name.split("_") if part)
