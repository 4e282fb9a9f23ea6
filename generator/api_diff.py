"""`make api-diff OLD=old.yml NEW=new.yml`: what changed in the SDK surface between two spec states.

Both files go through the same effective-spec build as `make generate` (the project's
corrections applied). Two views of the SDK surface are compared, and where they disagree
the stricter wins:

- the spec walk (this module): every location that shapes generated code, keyed by its
  operation (or component schema) and JSON location: operations, path/query/header
  parameters, request bodies and success responses (inline or referenced, at any depth,
  through $ref, oneOf/anyOf/allOf, arrays, additionalProperties), component schemas; for
  each node its type, nullability, required-ness and enum values;
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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.build import HTTP_METHODS, collect_operations, pascal
from generator.effective import ROOT, build_effective_spec

SCHEMA_REF = "#/components/schemas/"
# Formats that change the generated Python type of a string (datetime, date, UUID, File).
TYPED_FORMATS = frozenset({"date-time", "date", "uuid", "binary"})
# What a location is, for the "why" of a breaking change: what callers send or what they read.
SENT, READ = "sent", "read"


@dataclass(frozen=True)
class Node:
    """One location of the surface: its generated type and the facts that shape its annotation."""

    type: str  # "string", "string(date-time)", "integer", "object", "array", "union", "ref Name", "any", ...
    nullable: bool = False
    required: bool | None = None  # for properties, parameters and bodies; None elsewhere
    enum: frozenset[str] | None = None


@dataclass(frozen=True)
class Operation:
    method: str  # the SDK method, `namespace.name`
    operation_id: str
    http: str  # "GET /v1/environments/{environmentId}"


@dataclass
class Surface:
    """The spec view of the SDK surface.

    `nodes` maps (owner, location) to a Node: the owner is an SDK method (`namespace.name`)
    or `#Component`; the location a tuple of JSON segments such as ("body", "about",
    "description"), ("200", "data"), ("query", "include", "[]") or () for the root of a
    component schema.
    """

    operations: dict[str, Operation] = field(default_factory=dict)  # SDK method -> operation
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


def _merged(spec: dict[str, Any], parts: list[Any]) -> dict[str, Any]:
    """allOf as the generator builds it: one model with every part's properties and required."""
    out: dict[str, Any] = {"type": "object", "properties": {}, "required": []}
    for part in parts:
        if isinstance(part, dict) and str(part.get("$ref", "")).startswith(SCHEMA_REF):
            part = _component(spec, part["$ref"])[1]
        if not isinstance(part, dict):
            continue
        if "allOf" in part:
            part = _merged(spec, part["allOf"])
        out["properties"].update(part.get("properties") or {})
        out["required"] += [r for r in part.get("required") or [] if r not in out["required"]]
        if isinstance(part.get("additionalProperties"), dict):
            out["additionalProperties"] = part["additionalProperties"]
    return out


def _is_class(spec: dict[str, Any], schema: Any) -> bool:
    """Whether the generator writes a class (a model, or a Literal alias for an enum) for a component."""
    if not isinstance(schema, dict):
        return False
    if "enum" in schema or "properties" in schema or "allOf" in schema:
        return True
    kind = schema.get("type")
    return kind == "object" or (isinstance(kind, list) and "object" in kind)


def _walk(
    spec: dict[str, Any],
    schema: Any,
    owner: str,
    path: tuple[str, ...],
    out: dict[tuple[str, tuple[str, ...]], Node],
    *,
    required: bool | None = None,
    nullable: bool = False,
    inlining: frozenset[str] = frozenset(),
) -> None:
    """Record the node at `path` and walk its inline children (a component $ref is a leaf:
    the component is walked once, under its own name)."""
    if len(path) > 64:
        raise ValueError(f"{owner} {'.'.join(path)}: schema nested too deep")
    if not isinstance(schema, dict):
        out[(owner, path)] = Node("any", nullable, required)
        return
    ref = str(schema.get("$ref", ""))
    if ref.startswith(SCHEMA_REF):
        name, target = _component(spec, ref)
        nullable = nullable or bool(schema.get("nullable"))
        if _is_class(spec, target) or name in inlining:
            out[(owner, path)] = Node(f"ref {name}", nullable, required)
            return
        # The generator writes no class for a scalar, array or union component: its type is inlined.
        _walk(spec, target, owner, path, out, required=required, nullable=nullable, inlining=inlining | {name})
        return
    nullable = nullable or bool(schema.get("nullable"))
    if "allOf" in schema:
        parts = [p for p in schema["allOf"] if not _is_null(p)]
        if len(parts) == 1 and not schema.get("properties"):
            _walk(spec, parts[0], owner, path, out, required=required, nullable=nullable, inlining=inlining)
            return
        merged = _merged(spec, [*parts, {k: v for k, v in schema.items() if k != "allOf"}])
        schema = {**{k: v for k, v in schema.items() if k != "allOf"}, **merged}
    if "oneOf" in schema or "anyOf" in schema:
        members, had_null = _members(schema)
        nullable = nullable or had_null
        if len(members) == 1:
            _walk(spec, members[0], owner, path, out, required=required, nullable=nullable, inlining=inlining)
            return
        out[(owner, path)] = Node("union", nullable, required)
        for index, member in enumerate(members):
            member_ref = str(member.get("$ref", "")) if isinstance(member, dict) else ""
            name = _component(spec, member_ref)[0] if member_ref.startswith(SCHEMA_REF) else f"#{index}"
            _walk(spec, member, owner, (*path, f"<{name}>"), out, inlining=inlining)
        return
    kind = schema.get("type")
    if isinstance(kind, list):
        nullable = nullable or "null" in kind
        kinds = sorted(str(k) for k in kind if k != "null")
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
    out[(owner, path)] = Node(label, nullable, required, enum)
    if kind == "array":
        _walk(spec, schema.get("items", {}), owner, (*path, "[]"), out, inlining=inlining)
    properties = schema.get("properties") or {}
    needed = set(schema.get("required") or [])
    for name, sub in properties.items():
        _walk(spec, sub, owner, (*path, str(name)), out, required=name in needed, inlining=inlining)
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict) and extra:
        _walk(spec, extra, owner, (*path, "{}"), out, inlining=inlining)


def _success(status: str) -> bool:
    return status.startswith("2")


def surface_of(spec: dict[str, Any]) -> Surface:
    """The spec view of the SDK surface of one effective spec."""
    surface = Surface()
    for (method, _shape), info in collect_operations(spec).items():
        key = f"{info.namespace}.{info.name}"
        surface.operations[key] = Operation(key, info.operation_id, f"{info.method} {info.path}")
        item = spec["paths"][info.path]
        op = item[method]
        surface.nodes[(key, ())] = Node("operation")
        for raw in [*item.get("parameters", []), *op.get("parameters", [])]:
            param = _resolve(spec, raw)
            if not isinstance(param, dict) or "name" not in param:
                continue
            where = str(param.get("in", "query"))
            path = (where, str(param["name"]))
            _walk(spec, param.get("schema", {}), key, path, surface.nodes, required=bool(param.get("required")))
            surface.direction[f"{key} {where}"] = SENT
        if "requestBody" in op:
            body = _resolve(spec, op["requestBody"])
            content = body.get("content") or {}
            schema = next((c.get("schema") for c in content.values() if isinstance(c, dict)), None)
            _walk(spec, schema, key, ("body",), surface.nodes, required=bool(body.get("required")))
            surface.direction[f"{key} body"] = SENT
        for status, raw in (op.get("responses") or {}).items():
            if not _success(str(status)):
                continue
            response = _resolve(spec, raw)
            content = response.get("content") or {} if isinstance(response, dict) else {}
            schemas = [c["schema"] for c in content.values() if isinstance(c, dict) and "schema" in c]
            if schemas:
                _walk(spec, schemas[0], key, (str(status),), surface.nodes)
            else:
                surface.nodes[(key, (str(status),))] = Node("none")
            surface.direction[f"{key} {status}"] = READ
    for name, schema in (spec.get("components", {}).get("schemas") or {}).items():
        if not _is_class(spec, schema):
            continue  # inlined where it is used, and walked there
        title = schema.get("title")
        surface.models[str(name)] = pascal(str(title or name))
        _walk(spec, schema, f"#{name}", (), surface.nodes)
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
    op = surface.operations[owner].operation_id
    if not path:
        return f"method `client.{owner}()` ({op})"
    section, rest = path[0], path[1:]
    if section in _SECTIONS and section != "body":
        return f"{op} {_SECTIONS[section]} `{_dotted(rest)}`"
    head = f"{op} body" if section == "body" else f"{op} {section} response"
    return f"{head} `{_dotted(rest)}`" if rest else head


def _owner_id(surface: Surface, owner: str) -> str:
    return owner[1:] if owner.startswith("#") else surface.operations[owner].operation_id


def _role(surface: Surface, owner: str, path: tuple[str, ...]) -> str:
    if owner.startswith("#"):
        return surface.direction.get(owner, f"{READ}+{SENT}")
    return surface.direction.get(f"{owner} {path[0]}", READ) if path else READ


def _node_changes(surface: Surface, owner: str, path: tuple[str, ...], old: Node, new: Node) -> Iterator[Change]:
    where = _location(surface, owner, path)
    oid = _owner_id(surface, owner)
    argument = _is_argument(path) and not owner.startswith("#")

    def change(what: str, why: str = "") -> Change:
        return Change("changed", where, what, why, oid)

    if old.type != new.type:
        yield change(f"type {old.type} -> {new.type}", "its generated type changes")
    elif old.enum != new.enum and old.enum is not None and new.enum is not None:
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
    for key in sorted(new.operations.keys() - old.operations.keys()):
        op = new.operations[key]
        what = f"new operation {op.operation_id} ({op.http})"
        out.append(Change("added", f"method `client.{key}()`", what, owner=op.operation_id))
    for key in sorted(old.operations.keys() - new.operations.keys()):
        op = old.operations[key]
        out.append(
            Change(
                "removed",
                f"method `client.{key}()`",
                f"operation {op.operation_id} ({op.http}) removed",
                "code calling it breaks",
                op.operation_id,
            )
        )
    for name in sorted(new.models.keys() - old.models.keys()):
        out.append(Change("added", f"model `{new.models[name]}`", "new model", owner=name))
    for name in sorted(old.models.keys() - new.models.keys()):
        out.append(Change("removed", f"model `{old.models[name]}`", "model removed", "code importing it breaks", name))
    # Nodes of an operation or model present on both sides.
    alive = (old.operations.keys() & new.operations.keys()) | {f"#{n}" for n in old.models.keys() & new.models.keys()}
    old_nodes = {k: v for k, v in old.nodes.items() if k[0] in alive}
    new_nodes = {k: v for k, v in new.nodes.items() if k[0] in alive}
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


def _is_argument(path: tuple[str, ...]) -> bool:
    """A parameter or the body itself: what a caller passes to the method."""
    return path == ("body",) or (len(path) == 2 and path[0] in ("path", "query", "header"))


def _parent(path: tuple[str, ...]) -> tuple[str, ...]:
    return () if _is_argument(path) or len(path) == 1 else path[:-1]


def _added(surface: Surface, owner: str, path: tuple[str, ...], node: Node) -> Change:
    where, oid = _location(surface, owner, path), _owner_id(surface, owner)
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
    where, oid = _location(surface, owner, path), _owner_id(surface, owner)
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
    old = build_effective_spec(args.spec_config, args.old)
    new = build_effective_spec(args.spec_config, args.new)
    found = changes(surface_of(old.spec), surface_of(new.spec))
    if args.generated:
        from generator.api_surface import generated_changes, stricter

        found = stricter(found, generated_changes(old, new))
    added, removed, changed = ([c.line for c in found if c.kind == k] for k in ("added", "removed", "changed"))
    sys.stdout.write(render(args.old.name, args.new.name, added, removed, changed))
    print(f"\n(diff took {time.monotonic() - started:.1f}s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
