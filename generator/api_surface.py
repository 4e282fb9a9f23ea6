"""The generated public API as users import it, compared before and after (griffe).

`make api-diff GENERATED=1` (and the mutation tests) generate both spec states into scratch
folders and load each with griffe, a maintained static analyser of Python APIs. What users
import is compared: every namespace method's parameters (kind, annotation, required) and
return annotation, every model's fields (annotation, required by its constructor), every
typed dict's keys (annotation, `Required`) and every Literal alias (the enums).
`griffe.find_breaking_changes` runs on the same trees; what it finds that the comparison
above does not is reported too. Each change names its owner (the operationId or component
schema the class came from, from the generator's own parse), so that `stricter` can merge it
with the spec walk's changes: where the two disagree, the stricter wins.
"""

from __future__ import annotations

import ast
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.api_diff import Change
from generator.build import CONFIG, _generator_data, _text, collect_operations, generate, namespace_classes, path_shape
from generator.effective import SpecBuild

# The parts of a generated package that users import; endpoint modules (`api/`) are the seam.
PUBLIC_PARTS = ("namespaces", "models", "params")
# Literal aliases may hold values of these kinds; everything else in an annotation is a type.
_LITERAL = "Literal"


@dataclass(frozen=True)
class Fact:
    """One member of the generated API: what it is, its annotation, whether callers must give it."""

    kind: str  # "method", "param", "return", "class", "field", "property", "key", "alias"
    text: str = ""
    required: bool = False
    part: str = ""  # for a class or alias: the part of the package it is in ("models", "params", "namespaces")


def _annotation(value: Any) -> str:
    return "" if value is None else str(value)


def _members(obj: Any) -> Iterator[tuple[str, Any]]:
    for name, member in obj.members.items():
        if not name.startswith("_") and not member.is_alias:
            yield name, member


def api_of(folder: Path) -> dict[str, Fact]:
    """The public API of the generated package in `folder`: object path -> Fact."""
    import griffe

    package = griffe.load(folder.name, search_paths=[str(folder.parent)], resolve_aliases=False, allow_inspection=False)
    facts: dict[str, Fact] = {}
    for part in PUBLIC_PARTS:
        if part in package.members:
            _module_facts(package.members[part], facts, part)
    return facts


def _module_facts(module: Any, facts: dict[str, Fact], part: str) -> None:
    for name, member in _members(module):
        if member.is_module:
            _module_facts(member, facts, part)
        elif member.is_class:
            _class_facts(name, member, facts, part)
        elif member.is_attribute and member.value is not None:
            value = str(member.value)
            if value.startswith("TypedDict("):
                _functional_typed_dict(name, value, facts, part)
            elif module.name != "__init__" and not name.isupper():
                facts[name] = Fact("alias", value, part=part)


def _class_facts(name: str, cls: Any, facts: dict[str, Fact], part: str) -> None:
    facts[name] = Fact("class", part=part)
    typed_dict = any(str(base).endswith("TypedDict") for base in cls.bases)
    init = cls.members.get("__init__")
    init_params = {p.name: p for p in init.parameters} if init is not None and init.is_function else {}
    for field, member in _members(cls):
        if member.is_function:
            facts[f"{name}.{field}"] = Fact("method", _annotation(member.returns))
            for index, param in enumerate(member.parameters):
                if param.name in ("self", "cls"):
                    continue
                kind = f"{param.kind.value}#{index}" if param.kind.value.startswith("positional") else param.kind.value
                facts[f"{name}.{field}({param.name})"] = Fact(
                    "param", f"{kind}: {_annotation(param.annotation)}", param.default is None
                )
        elif member.is_attribute and member.annotation is not None and field != "additional_properties":
            text = _annotation(member.annotation)
            if "property" in member.labels:  # read by users (the namespaces), never given to a constructor
                facts[f"{name}.{field}"] = Fact("property", text)
            elif typed_dict:
                required = text.startswith("Required[")
                facts[f"{name}.{field}"] = Fact(
                    "key", text.removeprefix("Required[")[:-1] if required else text, required
                )
            else:
                param = init_params.get(field)
                required = param.default is None if param is not None else member.value is None
                facts[f"{name}.{field}"] = Fact("field", text, required)


def _functional_typed_dict(name: str, value: str, facts: dict[str, Fact], part: str) -> None:
    """`X = TypedDict("X", {"wire-name": "Required[str]", ...}, total=False)`: its keys."""
    facts[name] = Fact("class", part=part)
    call = ast.parse(value, mode="eval").body
    fields = next((a for a in getattr(call, "args", []) if isinstance(a, ast.Dict)), None)
    for key, kind in zip(fields.keys if fields else [], fields.values if fields else [], strict=True):
        if isinstance(key, ast.Constant) and isinstance(kind, ast.Constant):
            text = str(kind.value)
            required = text.startswith("Required[")
            facts[f"{name}.{key.value}"] = Fact(
                "key", text.removeprefix("Required[")[:-1] if required else text, required
            )


# --- the comparison ----------------------------------------------------------------------


# An annotation as a union of members: a Literal value ("literal", repr), a generic type
# ("generic", name, its arguments as unions) or any other type ("type", text).
_Union = frozenset[tuple[Any, ...]]
_UNSET = ("type", "Unset")


def _union_of(node: ast.expr) -> _Union:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _union_of(node.left) | _union_of(node.right)
    if isinstance(node, ast.Subscript):
        items = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        name = ast.unparse(node.value)
        if name.endswith(_LITERAL):
            return frozenset(("literal", ast.unparse(v)) for v in items)
        return frozenset({("generic", name, tuple(_union_of(i) for i in items))})
    return frozenset({("type", ast.unparse(node))})


def _relation(old: _Union, new: _Union, added: set[str], removed: set[str]) -> str:
    """ "same", "grows" (only Literal values added, at any depth), "shrinks" (only removed) or
    "differs"; the Literal values that came and went are collected in `added` and `removed`."""
    if old == new:
        return "same"
    gone, came = old - new, new - old
    removed.update(m[1] for m in gone if m[0] == "literal")
    added.update(m[1] for m in came if m[0] == "literal")
    found = {"grows"} if any(m[0] == "literal" for m in came) else set()
    found |= {"shrinks"} if any(m[0] == "literal" for m in gone) else set()
    rest_old, rest_new = [m for m in gone if m[0] != "literal"], [m for m in came if m[0] != "literal"]
    if rest_old or rest_new:
        if len(rest_old) != 1 or len(rest_new) != 1:
            return "differs"
        before, after = rest_old[0], rest_new[0]
        if before[0] != "generic" or after[0] != "generic" or before[1] != after[1] or len(before[2]) != len(after[2]):
            return "differs"
        found |= {_relation(a, b, added, removed) for a, b in zip(before[2], after[2], strict=True)}
    found.discard("same")
    if "differs" in found:
        return "differs"
    return found.pop() if len(found) == 1 else "mixed" if found else "same"


def type_change(before: str, after: str) -> tuple[str, str] | None:
    """(what, why) for a changed annotation: only added Literal values (enum values, at any
    depth, e.g. inside `Sequence[...]`) are additive."""
    try:
        old, new = _union_of(ast.parse(before, mode="eval").body), _union_of(ast.parse(after, mode="eval").body)
    except SyntaxError:
        return None if before == after else (f"annotation `{before}` -> `{after}`", "its type changes")
    # `Unset` is there when the parameter or field is optional: its required-ness says that change.
    old, new = old - {_UNSET}, new - {_UNSET}
    added: set[str] = set()
    removed: set[str] = set()
    relation = _relation(old, new, added, removed)
    if relation == "same":
        return None
    if relation == "grows":
        return f"Literal value(s) added: {', '.join(sorted(added))}", ""
    if relation in ("shrinks", "mixed"):
        what = f"Literal value(s) removed: {', '.join(sorted(removed))}"
        what += f"; added: {', '.join(sorted(added))}" if relation == "mixed" else ""
        return what, "code using a removed value breaks"
    return f"annotation `{before}` -> `{after}`", "its type changes"


def _where(path: str, fact: Fact) -> str:
    label = {"param": "parameter", "key": "typed dict key"}
    return f"generated {label.get(fact.kind, fact.kind)} `{path}`"


def compare(old: dict[str, Fact], new: dict[str, Fact], owners: dict[str, str] | None = None) -> list[Change]:
    """The generated API's changes, classed by the same rule as the spec walk's."""
    owners = owners or {}
    out: list[Change] = []

    def owner(path: str, kind: str) -> str:
        head, _, member = path.split("(", 1)[0].partition(".")
        if kind in ("method", "param"):  # a namespace method; `iter_<name>()` pages `<name>()`
            return owners.get(member) or owners.get(member.removeprefix("iter_")) or owners.get(head, "")
        if not member:
            model = head.removesuffix("Param")
            if model != head and (model in old) != (model in new):
                return owners.get(model) or owners.get(head, "")  # its model came or went: the model's owner
            return owners.get(head, "")  # a class, a typed dict (whose owner is the operation reaching it)
        return owners.get(head.removesuffix("Param")) or owners.get(head) or owners.get(member, "")

    def parent_alive(path: str, side: dict[str, Fact]) -> bool:
        parent = path.split("(", 1)[0] if "(" in path else path.rsplit(".", 1)[0]
        return parent != path and parent in side

    for path in sorted(new.keys() - old.keys()):
        fact = new[path]
        if fact.kind in ("param", "field", "key") and not parent_alive(path, old):
            continue  # part of a new method or class, said there
        why = ""
        if fact.required and fact.kind == "param":
            why = "callers must now pass it"
        elif fact.required and fact.kind == "key":
            why = "callers must now send it"
        elif fact.required and fact.kind == "field":
            why = "the model's constructor now requires it"
        out.append(
            Change(
                "added",
                _where(path, fact),
                "new" + (", required" if fact.required else ""),
                why,
                owner(path, fact.kind),
            )
        )
    for path in sorted(old.keys() - new.keys()):
        if parent_alive(path, old) and not parent_alive(path, new) and "." in path:
            continue  # its method or class is gone, said there
        out.append(
            Change("removed", _where(path, old[path]), "removed", "code using it breaks", owner(path, old[path].kind))
        )
    for path in sorted(old.keys() & new.keys()):
        before, after = old[path], new[path]
        where = _where(path, after)
        if before.text != after.text:
            found = type_change(before.text.split(": ", 1)[-1], after.text.split(": ", 1)[-1])
            if before.text.split(": ", 1)[0] != after.text.split(": ", 1)[0] and before.kind == "param":
                found = (f"kind {before.text.split(': ', 1)[0]} -> {after.text.split(': ', 1)[0]}", "calls change")
            if found is not None:
                out.append(Change("changed", where, found[0], found[1], owner(path, after.kind)))
        if before.required != after.required:
            if after.required:
                out.append(
                    Change("changed", where, "became required", "callers must now give it", owner(path, after.kind))
                )
            elif before.kind == "field":
                why = "no longer always present"
                out.append(Change("changed", where, "became optional", why, owner(path, after.kind)))
            else:
                out.append(Change("changed", where, "became optional", owner=owner(path, after.kind)))
    return out


def griffe_breakages(old_folder: Path, new_folder: Path) -> list[tuple[str, str]]:
    """(object path, explanation) of each breakage `griffe check` finds in the public parts."""
    import griffe

    def load(folder: Path) -> Any:
        return griffe.load(folder.name, search_paths=[str(folder.parent)], resolve_aliases=False)

    old, new = load(old_folder), load(new_folder)
    found = []
    for part in PUBLIC_PARTS:
        if part in old.members and part in new.members:
            for breakage in griffe.find_breaking_changes(old.members[part], new.members[part]):
                if breakage.kind is griffe.BreakageKind.ATTRIBUTE_CHANGED_VALUE:
                    continue  # the Literal aliases: `type_change` classes added values as additive
                if breakage.obj.is_module:
                    continue  # a module removed: its classes are compared one by one
                found.append((str(breakage.obj.path), _breakage_text(breakage)))
    return found


def _breakage_text(breakage: Any) -> str:
    import griffe

    old, new = breakage.old_value, breakage.new_value
    if breakage.kind is griffe.BreakageKind.PARAMETER_MOVED:  # the same parameter, at another position
        names = [p.name for p in breakage.obj.parameters if p.name not in ("self", "cls")]
        where = f"now argument {names.index(new.name) + 1}" if new.name in names else "moved"
        return f"{breakage.kind.value}: `{new.name}` is {where} (a positional call passes it another value)"
    return f"{breakage.kind.value}: {old} -> {new}"


# --- from specs: generation, owners ------------------------------------------------------


def class_owners(build: SpecBuild) -> dict[str, str]:
    """Each generated class (and namespace method) -> the operationId or component schema it comes from."""
    from openapi_python_client.config import Config, ConfigFile, MetaType
    from openapi_python_client.parser.properties import ListProperty, ModelProperty, UnionProperty

    config = Config.from_sources(
        ConfigFile.load_from_path(CONFIG), MetaType.NONE, build.upstream, "utf-8", True, Path("unused")
    )
    data, schemas = _generator_data(build.spec, config)
    component = {
        str(prop.class_info.name): _text(ref).rsplit("/", 1)[-1]
        for ref, prop in schemas.classes_by_reference.items()
        if hasattr(prop, "class_info")
    }
    owners = dict(component)

    def visit(prop: Any, owner: str, seen: set[int]) -> None:
        if prop is None or id(prop) in seen:
            return
        seen.add(id(prop))
        info = getattr(prop, "class_info", None)
        if info is not None:
            name = str(info.name)
            if name in component and component[name] != owner:
                return  # a component of its own
            owners.setdefault(name, owner)
            prop = schemas.classes_by_name.get(info.name, prop)
        if isinstance(prop, ModelProperty):
            for child in [*(prop.required_properties or []), *(prop.optional_properties or [])]:
                visit(child, owner, seen)
            if not isinstance(prop.additional_properties, bool):
                visit(prop.additional_properties, owner, seen)
        elif isinstance(prop, ListProperty):
            visit(prop.inner_property, owner, seen)
        elif isinstance(prop, UnionProperty):
            for inner in prop.inner_properties:
                visit(inner, owner, seen)

    for prop in schemas.classes_by_reference.values():
        visit(prop, component.get(str(getattr(getattr(prop, "class_info", None), "name", "")), ""), set())

    def typed_dicts(prop: Any, owner: str, seen: set[str]) -> None:
        """A typed dict exists while a signature reaches its model: it belongs to that operation."""
        info = getattr(prop, "class_info", None)
        if info is not None:
            if str(info.name) in seen:
                return
            seen.add(str(info.name))
            owners.setdefault(f"{info.name}Param", owner)
            prop = schemas.classes_by_name.get(info.name, prop)
        if isinstance(prop, ModelProperty):
            for child in [*(prop.required_properties or []), *(prop.optional_properties or [])]:
                typed_dicts(child, owner, seen)
        elif isinstance(prop, ListProperty):
            typed_dicts(prop.inner_property, owner, seen)
        elif isinstance(prop, UnionProperty):
            for inner in prop.inner_properties:
                typed_dicts(inner, owner, seen)

    ops = collect_operations(build.spec)
    for collection in data.endpoint_collections_by_tag.values():
        for endpoint in collection.endpoints:
            info = ops[(endpoint.method.lower(), path_shape(_text(endpoint.path)))]
            owners[info.name] = info.operation_id
            # A namespace (its classes, its attribute on the clients) goes with its last operation.
            for name in (info.namespace, *namespace_classes(info.namespace)):
                owners.setdefault(name, info.operation_id)
            props = [b.prop for b in endpoint.bodies] + [r.prop for r in endpoint.responses.patterns]
            for prop in [*props, *endpoint.list_all_parameters()]:
                visit(prop, info.operation_id, set())
            for prop in [*(b.prop for b in endpoint.bodies), *endpoint.list_all_parameters()]:
                typed_dicts(prop, info.operation_id, set())
    return owners


def subset_spec(spec: dict[str, Any], operation_ids: set[str], schemas: set[str] = frozenset()) -> dict[str, Any]:  # type: ignore[assignment]
    """A copy of `spec` with only these operations, these component schemas, and every schema they reach."""
    import copy

    paths: dict[str, Any] = {}
    for path, item in (spec.get("paths") or {}).items():
        for method, op in item.items():
            if isinstance(op, dict) and op.get("operationId") in operation_ids:
                kept = paths.setdefault(path, {k: v for k, v in item.items() if not isinstance(v, dict)})
                kept[method] = op
    components = spec.get("components") or {}
    reached: set[str] = set()
    queue: list[Any] = [paths, {n: components.get(n) for n in ("parameters", "responses", "requestBodies")}]
    queue += [components.get("schemas", {}).get(n) for n in schemas]
    reached |= set(schemas)
    while queue:
        node = queue.pop()
        if isinstance(node, dict):
            ref = str(node.get("$ref", ""))
            if ref.startswith("#/components/schemas/"):
                name = ref.rsplit("/", 1)[-1]
                if name not in reached:
                    reached.add(name)
                    queue.append(components.get("schemas", {}).get(name))
            queue += list(node.values())
        elif isinstance(node, list):
            queue += node
    out = {k: v for k, v in spec.items() if k not in ("paths", "components")}
    out["paths"] = paths
    out["components"] = {
        **components,
        "schemas": {n: s for n, s in components.get("schemas", {}).items() if n in reached},
    }
    return copy.deepcopy(out)


# What a generation that dropped part of the API reports (generator/build.py `Coverage`): the
# generated view of such code would report the dropped parts as removed.
COMPLETENESS = ("missing_operations", "untyped_operations", "missing_schemas", "warnings")


class IncompleteGeneration(ValueError):
    """A spec state whose generation dropped part of the API: its generated view is not its API."""


def generate_public(build: SpecBuild, folder: Path) -> dict[str, Fact]:
    """Generate `build` into `folder` and read its public API; refused if the generation
    dropped part of the API (the coverage floors of `make generate`)."""
    package = str(build.config.get("package", "cycle_sdk._generated"))
    coverage = generate(build, folder, package=package)
    floors = build.config.get("coverage", {})
    dropped = {key: getattr(coverage, key) for key in COMPLETENESS}
    below = {key: found for key, found in dropped.items() if len(found) > int(floors.get(key, 0))}
    if below:
        counts = ", ".join(f"{len(found)} {key.replace('_', ' ')}" for key, found in below.items())
        first = next(iter(below.values()))[0]
        raise IncompleteGeneration(
            f"{build.upstream.name} does not generate completely ({counts}; first: {first}),"
            " so its generated API cannot be compared (hint: run without GENERATED=1)"
        )
    return api_of(folder)


@dataclass(frozen=True)
class GeneratedPair:
    """Two generated public APIs and what changed between them."""

    before: dict[str, Fact]
    after: dict[str, Fact]
    changes: list[Change]


def generated_apis(old: SpecBuild, new: SpecBuild) -> GeneratedPair:
    """Both spec states generated and read; the changes with their owners, griffe's breakages included."""
    scratch = Path(tempfile.mkdtemp(prefix="cycle_api_surface_"))
    try:
        before = generate_public(old, scratch / "old" / "pkg")
        after = generate_public(new, scratch / "new" / "pkg")
        owners = {**class_owners(old), **class_owners(new)}
        found = compare(before, after, owners)
        breakages = griffe_breakages(scratch / "old" / "pkg", scratch / "new" / "pkg")
        return GeneratedPair(before, after, found + _unexplained(found, breakages, owners))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def generated_changes(old: SpecBuild, new: SpecBuild) -> list[Change]:
    """The generated public API's changes from `old` to `new`, owners named, griffe's breakages included."""
    return generated_apis(old, new).changes


def _fact_path(griffe_path: str) -> str:
    """`models.environment.Environment.name` -> `Environment.name` (the first capitalised part on)."""
    parts = griffe_path.split(".")
    start = next((i for i, p in enumerate(parts) if p[:1].isupper()), len(parts) - 1)
    return ".".join(parts[start:])


def _unexplained(found: list[Change], breakages: list[tuple[str, str]], owners: dict[str, str]) -> list[Change]:
    """griffe's breakages that no breaking change of `compare` already says."""
    said = [c.where.split("`")[1] for c in found if c.breaking and "`" in c.where]
    out = []
    for griffe_path, text in breakages:
        path = _fact_path(griffe_path)
        cls = path.split(".", 1)[0]
        if any(s == cls or s.startswith((f"{cls}(", f"{cls}.")) for s in said):
            continue  # a breaking change of the same class says it
        owner = owners.get(path.split(".")[-1]) or owners.get(path.split(".")[0].removesuffix("Param"), "")
        out.append(Change("changed", f"generated `{path}`", f"griffe: {text}", "griffe finds it breaking", owner))
    return out


def stricter(spec_changes: list[Change], generated: list[Change]) -> list[Change]:
    """The spec walk's changes, plus each generated change the spec walk does not account for at
    the same strength (same owner): where the two views disagree, the stricter wins."""
    breaking = {c.owner for c in spec_changes if c.breaking}
    touched = {c.owner for c in spec_changes}
    extra = [
        c for c in generated if (c.breaking and c.owner not in breaking) or (not c.breaking and c.owner not in touched)
    ]
    return spec_changes + extra
