"""`make api-diff OLD=old.yml NEW=new.yml`: what changed in the SDK surface between two spec states.

Both files go through the same effective-spec build as `make generate` (the project's
corrections applied). Two views of the SDK surface are compared, and where they disagree
the stricter wins:

- the spec walk (this module): every location that shapes generated code, keyed by its
  operation (or component schema) and JSON location: operations, path/query/header
  parameters, request bodies and success responses (inline or referenced, at any depth,
  through $ref, oneOf/anyOf/allOf, arrays, additionalProperties), component schemas; for
  each node its type, nullability, required-ness, enum values and the name of the class the
  generator writes for it. It reads a schema as openapi-python-client does (OpenAPI 3.0
  `nullable`, a lone `$ref` in allOf/anyOf/oneOf, what gets a class and its name), so that
  spellings of the same code are no change and an operation keeps its identity (its
  operationId) when its method moves to another namespace;
- with `--generated`, the generated public API (generator/api_surface.py): both specs are
  generated into scratch folders and griffe compares namespace methods, models, typed dicts
  and Literal aliases.

Each change is classed by the documented rule (README "Regenerating"): breaking are a
removed operation, parameter, model, field or enum value, a changed type (nullability and
format included), a field no longer always present and a newly required parameter, body
or field; additive is everything else. Output is Markdown, ready for a CHANGELOG section:
where (operation + JSON location), what, and why a breaking change breaks.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml
from openapi_python_client.strings import ClassName, PythonIdentifier, pascal_case

from generator.build import HTTP_METHODS, collect_operations, fold_allof_unions
from generator.effective import ROOT, SpecBuild, build_effective_spec, load_yaml

SCHEMA_REF = "#/components/schemas/"
# Formats that change the generated Python type of a string (datetime, date, UUID, File).
TYPED_FORMATS = frozenset({"date-time", "date", "uuid", "binary"})
# The tool's `field_prefix` (generator/config.yaml), which it also puts before a class name that is no identifier.
FIELD_PREFIX = "field_"
# What a location is, for the "why" of a breaking change: what callers send or what they read.
SENT, READ = "sent", "read"


@dataclass(frozen=True)
class Node:
    """One location of the surface: its generated type and the facts that shape its annotation."""

    type: str  # "string", "string(date-time)", "integer", "object", "array", "union", "ref Name", "any", ...
    nullable: bool = False
    required: bool | None = None  # for properties, parameters and bodies; None elsewhere
    enum: frozenset[str] | None = None
    # The generated class of an object or enum (a model, a Literal alias), or of the component a
    # `ref` names; an inline object moved into a component of the same name keeps its class.
    cls: str = ""


_Nodes = dict[tuple[str, tuple[str, ...]], Node]


@dataclass(frozen=True)
class Operation:
    method: str  # the SDK method, `namespace.name`
    operation_id: str
    http: str  # "GET /v1/environments/{environmentId}"


@dataclass
class Surface:
    """The spec view of the SDK surface.

    `nodes` maps (owner, location) to a Node: the owner is an operationId (so that an
    operation whose method moves to another namespace is still compared with itself) or
    `#Component`; the location a tuple of JSON segments such as ("body", "about",
    "description"), ("200", "data"), ("query", "include", "[]") or () for the root of a
    component schema.
    """

    operations: dict[str, Operation] = field(default_factory=dict)  # operationId -> operation
    models: dict[str, str] = field(default_factory=dict)  # component schema -> generated class name
    nodes: dict[tuple[str, tuple[str, ...]], Node] = field(default_factory=dict)
    direction: dict[str, str] = field(default_factory=dict)  # owner + first segment -> SENT / READ


@dataclass(frozen=True)
class Change:
    """One SDK-visible change: where, what, and (when it breaks callers) why."""

    kind: str  # "added", "removed" or "changed"
    where: str
    what: str
    why: str = ""  # non-empty for a breaking change
    owner: str = ""  # the operationId or component schema the change belongs to

    @property
    def breaking(self) -> bool:
        return bool(self.why)

    @property
    def line(self) -> str:
        text = f"{self.where}: {self.what}"
        return f"BREAKING: {text} ({self.why})" if self.why else text


def class_name(name: str) -> str:
    """A name spelled as the tool spells a class name."""
    return str(ClassName(name, FIELD_PREFIX))


def component_class(name: str, schema: Any) -> str:
    """The class the generator writes for a component schema: its title, or else its name; for
    an untitled `type: [object, null]`, the object member of that union, `<Name>Type<i>`."""
    if not isinstance(schema, dict):
        return class_name(name)
    if not schema.get("title"):
        kind = (_as_31(schema) if schema.get("nullable") is True else schema).get("type")
        rest = [k for k in kind if k != "null"] if isinstance(kind, list) and "enum" not in schema else []
        if len(rest) == 1:
            return class_name(f"{name}_type_{kind.index(rest[0])}")
    return class_name(str(schema.get("title") or name))


# --- the walk -----------------------------------------------------------------------------


def _resolve(spec: dict[str, Any], node: Any) -> Any:
    """Follow $refs that are not component schemas (parameters, responses, request bodies)."""
    seen = 0
    while isinstance(node, dict) and "$ref" in node and not str(node["$ref"]).startswith(SCHEMA_REF):
        target: Any = spec
        for part in str(node["$ref"]).lstrip("#/").split("/"):
            target = target.get(part.replace("~1", "/").replace("~0", "~"), {}) if isinstance(target, dict) else {}
        node, seen = target, seen + 1
        if seen > 32:
            raise ValueError(f"$ref cycle at {node!r:.80}")
    return node


def _component(spec: dict[str, Any], ref: str) -> tuple[str, Any]:
    name = ref[len(SCHEMA_REF) :].replace("~1", "/").replace("~0", "~")
    return name, spec.get("components", {}).get("schemas", {}).get(name, {})


def _is_null(schema: Any) -> bool:
    return isinstance(schema, dict) and (schema.get("type") == "null" or schema.get("type") == ["null"])


def _members(schema: dict[str, Any]) -> tuple[list[Any], bool]:
    """A oneOf/anyOf's members without the null one, and whether there was one."""
    key = "oneOf" if "oneOf" in schema else "anyOf"
    members = [m for m in schema.get(key) or [] if not _is_null(m)]
    return members, len(members) < len(schema.get(key) or [])


def _merged(spec: dict[str, Any], parts: list[Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """allOf as the generator builds it: one model with every part's properties and required;
    and, for each property taken from a referenced model, the class its inline classes are
    named after (that model's, not the merged one's)."""
    out: dict[str, Any] = {"type": "object", "properties": {}, "required": []}
    parents: dict[str, str] = {}
    for part in parts:
        named = ""
        if isinstance(part, dict) and str(part.get("$ref", "")).startswith(SCHEMA_REF):
            name, part = _component(spec, part["$ref"])
            named = component_class(name, part)
        if not isinstance(part, dict):
            continue
        inner: dict[str, str] = {}
        if "allOf" in part:
            part, inner = _merged(spec, [*part["allOf"], {k: v for k, v in part.items() if k != "allOf"}])
        for prop in part.get("properties") or {}:
            if prop in inner or named:
                parents[str(prop)] = inner.get(prop) or named
            else:
                parents.pop(str(prop), None)
        out["properties"].update(part.get("properties") or {})
        out["required"] += [r for r in part.get("required") or [] if r not in out["required"]]
        if isinstance(part.get("additionalProperties"), dict):
            out["additionalProperties"] = part["additionalProperties"]
    return out, parents


def _single_ref(schema: dict[str, Any]) -> dict[str, Any] | None:
    """The one `$ref` a schema's allOf, anyOf and oneOf hold between them, if that is all they hold.

    The generator then uses the referenced type itself: the schema's own `nullable`, `type`
    and `properties` are ignored (openapi-python-client's `property_from_data`).
    """
    subs = [*(schema.get("allOf") or []), *(schema.get("anyOf") or []), *(schema.get("oneOf") or [])]
    only = subs[0] if len(subs) == 1 else None
    return only if isinstance(only, dict) and "$ref" in only else None


def _as_31(schema: dict[str, Any]) -> dict[str, Any]:
    """OpenAPI 3.0's `nullable: true` written as 3.1 says it, as the generator reads it
    (openapi-python-client's `Schema.handle_nullable`): a `null` in the types or the union."""
    out = {k: v for k, v in schema.items() if k != "nullable"}
    kind = out.get("type")
    if isinstance(kind, str):
        out["type"] = [kind, "null"]
    elif isinstance(kind, list):
        out["type"] = kind if "null" in kind else [*kind, "null"]
    elif out.get("oneOf"):
        out["oneOf"] = [*out["oneOf"], {"type": "null"}]
    elif out.get("anyOf"):
        out["anyOf"] = [*out["anyOf"], {"type": "null"}]
    elif out.get("allOf"):
        out["oneOf"] = [{"type": "null"}, {"allOf": out.pop("allOf")}]
    return out


def _is_class(spec: dict[str, Any], schema: Any) -> bool:
    """Whether the generator writes a class (a model, or a Literal alias for an enum) for a component.

    The checks go in the order of openapi-python-client's `property_from_data`: a oneOf or
    anyOf union is no class even with `type: object` beside it.
    """
    if not isinstance(schema, dict) or _single_ref(schema) is not None:
        return False
    kind = schema.get("type")
    if kind == "boolean":
        return False
    if "enum" in schema:
        return True
    if schema.get("anyOf") or schema.get("oneOf") or "const" in schema:
        return False
    if isinstance(kind, list):  # `[object, null]`: a union of the model (named after the component) and None
        return "object" in kind
    return kind == "object" or bool(schema.get("allOf")) or (kind is None and "properties" in schema)


def _inline_class(schema: dict[str, Any], naming: tuple[str, str]) -> str:
    """The class the generator writes for an inline object or enum: its title, or else its
    name, after its parent's class name (openapi-python-client's model and enum naming)."""
    parent, name = naming
    title = schema.get("title")
    base = title if isinstance(title, str) and title else name
    return class_name(f"{pascal_case(parent)}{pascal_case(base)}" if parent else base)


def _member_naming(schema: dict[str, Any], member: Any, index: int, naming: tuple[str, str]) -> tuple[str, str]:
    """A union member's name: the union's name + its title, or else `type_<index>`."""
    title = member.get("title") if isinstance(member, dict) and "$ref" not in member else None
    subscript = title if isinstance(title, str) and title and title != schema.get("title") else f"type_{index}"
    return naming[0], f"{naming[1]}_{subscript}"


def _walk(
    spec: dict[str, Any],
    schema: Any,
    owner: str,
    path: tuple[str, ...],
    out: dict[tuple[str, tuple[str, ...]], Node],
    *,
    naming: tuple[str, str],
    required: bool | None = None,
    nullable: bool = False,
    inlining: frozenset[str] = frozenset(),
) -> None:
    """Record the node at `path` and walk its inline children (a component $ref is a leaf:
    the component is walked once, under its own name). `naming` is the (parent class, name)
    the generator names an inline class after."""
    if len(path) > 64:
        raise ValueError(f"{owner} {'.'.join(path)}: schema nested too deep")
    if not isinstance(schema, dict):
        out[(owner, path)] = Node("any", nullable, required)
        return
    if schema.get("nullable") is True and "$ref" not in schema:
        schema = _as_31(schema)
    passthrough = _single_ref(schema)
    if passthrough is not None:
        _walk(
            spec, passthrough, owner, path, out, naming=naming, required=required, nullable=nullable, inlining=inlining
        )
        return
    ref = str(schema.get("$ref", ""))
    if ref.startswith(SCHEMA_REF):
        # A $ref's siblings (`nullable` included) are ignored by the generator, as OpenAPI 3.0 says.
        name, target = _component(spec, ref)
        if _is_class(spec, target) or name in inlining:
            out[(owner, path)] = Node(f"ref {name}", nullable, required, cls=component_class(name, target))
            return
        # The generator writes no class for a scalar, array or union component: its type is inlined,
        # and any class inside it is named after the component.
        inner = inlining | {name}
        _walk(spec, target, owner, path, out, naming=("", name), required=required, nullable=nullable, inlining=inner)
        return
    nullable = nullable or bool(schema.get("nullable"))
    parents: dict[str, str] = {}  # property -> the class its inline classes are named after, if not this one
    if "allOf" in schema:
        parts = [p for p in schema["allOf"] if not _is_null(p)]
        if len(parts) == 1 and not schema.get("properties"):
            _walk(
                spec, parts[0], owner, path, out, naming=naming, required=required, nullable=nullable, inlining=inlining
            )
            return
        merged, parents = _merged(spec, [*parts, {k: v for k, v in schema.items() if k != "allOf"}])
        schema = {**{k: v for k, v in schema.items() if k != "allOf"}, **merged}
    if ("oneOf" in schema or "anyOf" in schema) and "enum" not in schema:
        every = [*(schema.get("anyOf") or []), *(schema.get("oneOf") or [])]
        members, had_null = _members(schema)
        nullable = nullable or had_null
        if len(members) == 1:
            member_naming = _member_naming(schema, members[0], every.index(members[0]), naming)
            _walk(
                spec, members[0], owner, path, out,
                naming=member_naming, required=required, nullable=nullable, inlining=inlining,
            )  # fmt: skip
            return
        out[(owner, path)] = Node("union", nullable, required)
        for index, member in enumerate(members):
            member_ref = str(member.get("$ref", "")) if isinstance(member, dict) else ""
            name = _component(spec, member_ref)[0] if member_ref.startswith(SCHEMA_REF) else f"#{index}"
            member_naming = _member_naming(schema, member, every.index(member), naming)
            _walk(spec, member, owner, (*path, f"<{name}>"), out, naming=member_naming, inlining=inlining)
        return
    kind = schema.get("type")
    if isinstance(kind, list):
        nullable = nullable or "null" in kind
        kinds = sorted(str(k) for k in kind if k != "null")
        if len(kinds) == 1 and "enum" not in schema:
            # The generator makes a union of one copy per type, each named `<name>_type_<i>`.
            naming = (naming[0], f"{naming[1]}_type_{kind.index(kinds[0])}")
        kind = kinds[0] if len(kinds) == 1 else "|".join(kinds) or None
    if kind is None and ("properties" in schema or "additionalProperties" in schema):
        kind = "object"
    label = str(kind or "any")
    if kind == "string" and schema.get("format") in TYPED_FORMATS:
        label = f"string({schema['format']})"
    if "const" in schema:
        label = f"const {schema['const']!r}"
    enum = frozenset(str(v) for v in schema["enum"] if v is not None) if "enum" in schema else None
    if enum is not None and None in schema["enum"]:
        nullable = True
    cls = _inline_class(schema, naming) if kind == "object" or enum is not None else ""
    out[(owner, path)] = Node(label, nullable, required, enum, cls)
    if kind == "array":
        item_naming = (naming[0], f"{naming[1]}_item")
        _walk(spec, schema.get("items", {}), owner, (*path, "[]"), out, naming=item_naming, inlining=inlining)
    properties = schema.get("properties") or {}
    needed = set(schema.get("required") or [])
    for name, sub in properties.items():
        _walk(
            spec, sub, owner, (*path, str(name)), out,
            naming=(parents.get(str(name), cls), str(name)), required=name in needed, inlining=inlining,
        )  # fmt: skip
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict) and extra:
        _walk(spec, extra, owner, (*path, "{}"), out, naming=(cls, "AdditionalProperty"), inlining=inlining)


def _success(status: str) -> bool:
    return status.startswith("2")


def surface_of(spec: dict[str, Any]) -> Surface:
    """The spec view of the SDK surface of one effective spec, read as the generator's tool is
    given it: a oneOf/anyOf inside an allOf folded into optional properties (`fold_allof_unions`)."""
    spec = fold_allof_unions(spec)
    surface = Surface()
    for (method, _shape), info in collect_operations(spec).items():
        key = info.operation_id
        method_key = f"{info.namespace}.{info.name}"
        surface.operations[key] = Operation(method_key, key, f"{info.method} {info.path}")
        item = spec["paths"][info.path]
        op = item[method]
        surface.nodes[(key, ())] = Node("operation")
        endpoint = str(PythonIdentifier(key, FIELD_PREFIX))  # the parent name of the operation's inline classes
        for raw in [*item.get("parameters", []), *op.get("parameters", [])]:
            param = _resolve(spec, raw)
            if not isinstance(param, dict) or "name" not in param:
                continue
            where = str(param.get("in", "query"))
            path = (where, str(param["name"]))
            naming = (endpoint, str(param["name"]))
            _walk(
                spec,
                param.get("schema", {}),
                key,
                path,
                surface.nodes,
                naming=naming,
                required=bool(param.get("required")),
            )
            surface.direction[f"{key} {where}"] = SENT
        if "requestBody" in op:
            body = _resolve(spec, op["requestBody"])
            content = body.get("content") or {}
            schema = next((c.get("schema") for c in content.values() if isinstance(c, dict)), None)
            naming = (endpoint, "body")
            _walk(spec, schema, key, ("body",), surface.nodes, naming=naming, required=bool(body.get("required")))
            surface.direction[f"{key} body"] = SENT
        for status, raw in (op.get("responses") or {}).items():
            if not _success(str(status)):
                continue
            response = _resolve(spec, raw)
            content = response.get("content") or {} if isinstance(response, dict) else {}
            schemas = [c["schema"] for c in content.values() if isinstance(c, dict) and "schema" in c]
            if schemas:
                _walk(spec, schemas[0], key, (str(status),), surface.nodes, naming=(endpoint, f"response_{status}"))
            else:
                surface.nodes[(key, (str(status),))] = Node("none")
            surface.direction[f"{key} {status}"] = READ
    for name, schema in (spec.get("components", {}).get("schemas") or {}).items():
        if not _is_class(spec, schema):
            continue  # inlined where it is used, and walked there
        surface.models[str(name)] = component_class(str(name), schema)
        _walk(spec, schema, f"#{name}", (), surface.nodes, naming=("", str(name)))
    _component_directions(spec, surface)
    return surface


def _component_directions(spec: dict[str, Any], surface: Surface) -> None:
    """Which components are sent (reachable from a request), read (from a response), or both."""
    found: dict[str, set[str]] = {}

    def refs(node: Any) -> Iterator[str]:
        if isinstance(node, dict):
            ref = str(node.get("$ref", ""))
            if ref.startswith(SCHEMA_REF):
                yield _component(spec, ref)[0]
            for value in node.values():
                yield from refs(value)
        elif isinstance(node, list):
            for value in node:
                yield from refs(value)

    for item in (spec.get("paths") or {}).values():
        for method, op in item.items():
            if method not in HTTP_METHODS or not isinstance(op, dict):
                continue
            sent = [*item.get("parameters", []), *op.get("parameters", []), op.get("requestBody", {})]
            read = [r for s, r in (op.get("responses") or {}).items() if _success(str(s))]
            for direction, roots in ((SENT, sent), (READ, read)):
                queue = [name for root in roots for name in refs(_resolve(spec, root))]
                queue += [name for root in roots for name in refs(root)]
                while queue:
                    name = queue.pop()
                    if direction in found.setdefault(name, set()):
                        continue
                    found[name].add(direction)
                    queue += list(refs(_component(spec, f"{SCHEMA_REF}{name}")[1]))
    for name in surface.models:
        surface.direction[f"#{name}"] = "+".join(sorted(found.get(name, {SENT, READ})))


# --- the comparison -----------------------------------------------------------------------

_SECTIONS = {"path": "path parameter", "query": "query parameter", "header": "header parameter", "body": "body"}


def _dotted(path: tuple[str, ...]) -> str:
    """("about", "tags", "[]") -> `about.tags[]`; union members as `<Name>`, map values as `{}`."""
    return "".join(p if p.startswith(("[", "{", "<")) else f".{p}" for p in path).lstrip(".")


def _location(surface: Surface, owner: str, path: tuple[str, ...]) -> str:
    """`createPipelineTriggerKey body `name``, `getEnvironment 200 response `data``, `` `Environment.about` ``."""
    if owner.startswith("#"):
        return f"`{_dotted((surface.models.get(owner[1:], owner[1:]), *path))}`"
    op = owner
    if not path:
        return f"method `client.{surface.operations[owner].method}()` ({op})"
    section, rest = path[0], path[1:]
    if section in _SECTIONS and section != "body":
        return f"{op} {_SECTIONS[section]} `{_dotted(rest)}`"
    head = f"{op} body" if section == "body" else f"{op} {section} response"
    return f"{head} `{_dotted(rest)}`" if rest else head


def _owner_id(owner: str) -> str:
    return owner[1:] if owner.startswith("#") else owner


def _role(surface: Surface, owner: str, path: tuple[str, ...]) -> str:
    if owner.startswith("#"):
        return surface.direction.get(owner, f"{READ}+{SENT}")
    return surface.direction.get(f"{owner} {path[0]}", READ) if path else READ


def _node_changes(surface: Surface, owner: str, path: tuple[str, ...], old: Node, new: Node) -> Iterator[Change]:
    where = _location(surface, owner, path)
    oid = _owner_id(owner)
    argument = _is_argument(path) and not owner.startswith("#")

    def change(what: str, why: str = "") -> Change:
        return Change("changed", where, what, why, oid)

    if old.type != new.type:
        yield change(f"type {old.type} -> {new.type}", "its generated type changes")
    else:
        inline = not owner.startswith("#") or bool(path)  # a component's own class: renamed is said once, as a model
        if inline and old.cls and new.cls and old.cls != new.cls and not old.type.startswith("ref "):
            yield change(f"generated class `{old.cls}` renamed `{new.cls}`", "code naming the class breaks")
        if old.enum != new.enum and old.enum is not None and new.enum is not None:
            gone, added = sorted(old.enum - new.enum), sorted(new.enum - old.enum)
            if gone:
                yield change(f"enum value(s) removed: {', '.join(gone)}", "code using a removed value breaks")
            if added:
                yield change(f"enum value(s) added: {', '.join(added)}")
        elif old.enum != new.enum:
            yield change("enum " + ("dropped" if new.enum is None else "added"), "its generated type changes")
    if old.nullable != new.nullable:
        if new.nullable:
            yield change("may now be null", "its generated type gains `None`")
        else:
            yield change("may no longer be null", "its generated type loses `None`")
    if old.required is not None and new.required is not None and old.required != new.required:
        if new.required:
            why = (
                "callers must now pass it"
                if argument
                else "callers must now send it"
                if SENT in _role(surface, owner, path)
                else "the model's constructor now requires it"
            )
            yield change("became required", why)
        elif argument:
            yield change("became optional")
        else:
            yield change("became optional", "no longer always present: its generated type gains `Unset`")


def changes(old: Surface, new: Surface) -> list[Change]:
    """Every SDK-visible change from `old` to `new`, each classed by the documented rule."""
    out: list[Change] = []
    for key in sorted(new.operations.keys() - old.operations.keys(), key=lambda k: new.operations[k].method):
        op = new.operations[key]
        what = f"new operation {op.operation_id} ({op.http})"
        out.append(Change("added", f"method `client.{op.method}()`", what, owner=key))
    for key in sorted(old.operations.keys() - new.operations.keys(), key=lambda k: old.operations[k].method):
        op = old.operations[key]
        where, what = f"method `client.{op.method}()`", f"operation {op.operation_id} ({op.http}) removed"
        out.append(Change("removed", where, what, "code calling it breaks", key))
    for key in sorted(old.operations.keys() & new.operations.keys(), key=lambda k: old.operations[k].method):
        before, after = old.operations[key], new.operations[key]
        if before.method != after.method:  # its tag changed: the method lives in another namespace
            where, what = f"method `client.{before.method}()`", f"moved to `client.{after.method}()` ({key})"
            out.append(Change("changed", where, what, "code calling it by its old name breaks", key))
    # Nodes of an operation or model present on both sides.
    alive = (old.operations.keys() & new.operations.keys()) | {f"#{n}" for n in old.models.keys() & new.models.keys()}
    old_nodes = {k: v for k, v in old.nodes.items() if k[0] in alive}
    new_nodes = {k: v for k, v in new.nodes.items() if k[0] in alive}
    moved = _expand_moved_classes(old, new, old_nodes, new_nodes)
    for name in sorted(new.models.keys() - old.models.keys() - moved):
        out.append(Change("added", f"model `{new.models[name]}`", "new model", owner=name))
    for name in sorted(old.models.keys() - new.models.keys() - moved):
        out.append(Change("removed", f"model `{old.models[name]}`", "model removed", "code importing it breaks", name))
    for name in sorted(old.models.keys() & new.models.keys()):
        if old.models[name] != new.models[name]:  # its title changed
            what, why = f"generated class renamed `{new.models[name]}`", "code importing it breaks"
            out.append(Change("changed", f"model `{old.models[name]}`", what, why, name))
    for owner, path in sorted(old_nodes.keys() | new_nodes.keys()):
        if not path:
            if (owner, path) in old_nodes and (owner, path) in new_nodes:
                out += _node_changes(new, owner, path, old_nodes[(owner, path)], new_nodes[(owner, path)])
            continue
        parent = (owner, _parent(path))
        if parent in old_nodes and parent in new_nodes and old_nodes[parent].type != new_nodes[parent].type:
            continue  # the parent's type change says it
        before, after = old_nodes.get((owner, path)), new_nodes.get((owner, path))
        if before is not None and after is not None:
            out += _node_changes(new, owner, path, before, after)
        elif after is not None and parent in old_nodes:
            out.append(_added(new, owner, path, after))
        elif before is not None and after is None and parent in new_nodes:
            out.append(_removed(old, owner, path))
    return out


def _expand_moved_classes(old: Surface, new: Surface, old_nodes: _Nodes, new_nodes: _Nodes) -> set[str]:
    """An inline object (or enum) on one side and a `ref` to a component with the same generated
    class on the other are one class that moved between the two: the generated code is the
    same. The component's nodes take the place of the `ref` (in `old_nodes` or `new_nodes`),
    so that what changed inside it is compared where it is used. Returns the moved components."""
    moved: set[str] = set()
    found = True
    while found:  # a moved class may hold another one
        found = False
        for key in sorted(old_nodes.keys() & new_nodes.keys()):
            before, after = old_nodes[key], new_nodes[key]
            if not before.cls or before.cls != after.cls or before.type == after.type:
                continue
            if before.type.startswith("ref ") == after.type.startswith("ref "):
                continue
            surface, nodes, use = (
                (old, old_nodes, before) if before.type.startswith("ref ") else (new, new_nodes, after)
            )
            component = f"#{use.type.removeprefix('ref ')}"
            root = surface.nodes.get((component, ()))
            if root is None:
                continue
            owner, path = key
            nodes[key] = replace(root, nullable=root.nullable or use.nullable, required=use.required)
            nodes.update({(owner, (*path, *rel)): n for (o, rel), n in surface.nodes.items() if o == component and rel})
            moved.add(component[1:])
            found = True
    return moved


def _is_argument(path: tuple[str, ...]) -> bool:
    """A parameter or the body itself: what a caller passes to the method."""
    return path == ("body",) or (len(path) == 2 and path[0] in ("path", "query", "header"))


def _parent(path: tuple[str, ...]) -> tuple[str, ...]:
    return () if _is_argument(path) or len(path) == 1 else path[:-1]


def _added(surface: Surface, owner: str, path: tuple[str, ...], node: Node) -> Change:
    where, oid = _location(surface, owner, path), _owner_id(owner)
    if len(path) == 1 and not owner.startswith("#") and path[0] not in ("body",):
        return Change("changed", where, "new success response", "the result's type changes", oid)
    if path[-1].startswith("<"):
        return Change("changed", where, "new union member", "its generated type changes", oid)
    if path[-1] in ("[]", "{}"):
        return Change("changed", where, "now typed", "its generated type changes", oid)
    if not node.required:
        return Change("added", where, "new, optional", owner=oid)
    sent = SENT in _role(surface, owner, path)
    who = "callers must now pass it" if _is_argument(path) and not owner.startswith("#") else ""
    why = who or ("callers must now send it" if sent else "the model's constructor now requires it")
    return Change("added", where, "new, required", why, oid)


def _removed(surface: Surface, owner: str, path: tuple[str, ...]) -> Change:
    where, oid = _location(surface, owner, path), _owner_id(owner)
    if len(path) == 1 and not owner.startswith("#") and path[0] not in _SECTIONS:
        return Change("removed", where, "success response removed", "the result's type changes", oid)
    if path[-1].startswith("<"):
        return Change("removed", where, "union member removed", "its generated type changes", oid)
    return Change("removed", where, "removed", "code using it breaks", oid)


def diff(old: Surface, new: Surface) -> tuple[list[str], list[str], list[str]]:
    """(added, removed, changed) lines; breaking ones start with 'BREAKING' and say why."""
    found = changes(old, new)
    return tuple([c.line for c in found if c.kind == kind] for kind in ("added", "removed", "changed"))  # type: ignore[return-value]


def is_breaking(line: str) -> bool:
    return line.startswith("BREAKING")


def render(old_label: str, new_label: str, added: list[str], removed: list[str], changed: list[str]) -> str:
    breaking = [line for line in added + removed + changed if is_breaking(line)]
    out = [f"## API changes: {old_label} -> {new_label}", ""]
    out.append(f"{len(added)} added, {len(removed)} removed, {len(changed)} changed; {len(breaking)} breaking.")
    for title, lines in (("Added", added), ("Removed", removed), ("Changed", changed)):
        out += ["", f"### {title}", ""]
        out += [f"- {line}" for line in lines] or ["- (none)"]
    return "\n".join(out) + "\n"


def _not_a_spec(path: Path) -> str:
    """Why `path` is no OpenAPI document, or "" if it looks like one."""
    try:
        document = load_yaml(path)
    except OSError as error:
        return f"cannot be read ({error.strerror or error})"
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        return f"is not YAML ({getattr(error, 'problem', None) or type(error).__name__}{where})"
    if not isinstance(document, dict) or "openapi" not in document or not isinstance(document.get("paths"), dict):
        return "is not an OpenAPI document (it needs `openapi` and `paths`)"
    return ""


def _effective(config: Path, path: Path, label: str) -> SpecBuild:
    """The effective spec of `path`, or one line saying why there is none."""
    try:
        return build_effective_spec(config, path)
    except (OSError, ValueError, TypeError, KeyError, AttributeError, yaml.YAMLError) as error:
        raise SystemExit(f"api-diff: {label} {path} {_not_a_spec(path) or f'has no effective spec: {error}'}") from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old", type=Path)
    parser.add_argument("new", type=Path)
    parser.add_argument("--spec-config", type=Path, default=ROOT / "spec" / "platform.yaml")
    parser.add_argument(
        "--generated",
        action="store_true",
        help="also generate both specs and compare the generated public API with griffe (slower)",
    )
    args = parser.parse_args(argv)
    started = time.monotonic()
    old = _effective(args.spec_config, args.old, "OLD")
    new = _effective(args.spec_config, args.new, "NEW")
    found = changes(surface_of(old.spec), surface_of(new.spec))
    if args.generated:
        from generator.api_surface import IncompleteGeneration, generated_changes, stricter

        try:
            found = stricter(found, generated_changes(old, new))
        except IncompleteGeneration as error:
            raise SystemExit(f"api-diff: {error}") from None
    added, removed, changed = ([c.line for c in found if c.kind == k] for k in ("added", "removed", "changed"))
    sys.stdout.write(render(args.old.name, args.new.name, added, removed, changed))
    print(f"\n(diff took {time.monotonic() - started:.1f}s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
