"""`make api-diff OLD=old.yml NEW=new.yml`: what changed in the SDK surface between two spec states.

Both files go through the same effective-spec build as `make generate` (the project's
corrections applied), then the SDK surface is compared: methods (`client.<namespace>.<name>`)
and their parameters, and models and their fields. Output is Markdown, ready for a
CHANGELOG section; breaking changes are called out.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.build import collect_operations, pascal, resolve, snake
from generator.effective import ROOT, build_effective_spec


@dataclass(frozen=True)
class Param:
    name: str
    where: str
    required: bool
    type: str = "any"


@dataclass
class Surface:
    methods: dict[str, tuple[Param, ...]] = field(default_factory=dict)  # "ns.name" -> params
    bodies: dict[str, bool] = field(default_factory=dict)  # "ns.name" -> body required
    models: dict[str, dict[str, tuple[str, bool]]] = field(default_factory=dict)  # Model -> field -> (type, required)
    enums: dict[str, frozenset[str]] = field(default_factory=dict)  # enum component -> its values


def _type_of(spec: dict[str, Any], schema: Any) -> str:
    if isinstance(schema, dict) and "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    schema = resolve(spec, schema) if isinstance(schema, dict) else {}
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = "|".join(sorted(str(k) for k in kind))
    if kind == "array":
        return f"list[{_type_of(spec, schema.get('items', {}))}]"
    for key in ("oneOf", "anyOf"):
        if key in schema:
            return "|".join(sorted(_type_of(spec, s) for s in schema[key]))
    if "enum" in schema:
        return f"enum({','.join(sorted(map(str, schema['enum'])))})"
    return str(kind or "any")


def surface_of(spec: dict[str, Any]) -> Surface:
    surface = Surface()
    for (method, _shape), info in collect_operations(spec).items():
        op = spec["paths"][info.path][method]
        params = []
        for raw in [*spec["paths"][info.path].get("parameters", []), *op.get("parameters", [])]:
            p = resolve(spec, raw)
            params.append(
                Param(snake(p["name"]), p["in"], bool(p.get("required")), _type_of(spec, p.get("schema", {})))
            )
        key = f"{info.namespace}.{info.name}"
        surface.methods[key] = tuple(sorted(params, key=lambda p: p.name))
        if "requestBody" in op:
            surface.bodies[key] = bool(resolve(spec, op["requestBody"]).get("required"))
    for name, schema in spec.get("components", {}).get("schemas", {}).items():
        schema = resolve(spec, schema)
        if "enum" in schema and not schema.get("properties"):
            surface.enums[pascal(schema.get("title") or name)] = frozenset(map(str, schema["enum"]))
            continue
        required = set(schema.get("required", []))
        surface.models[pascal(schema.get("title") or name)] = {
            prop: (_type_of(spec, sub), prop in required) for prop, sub in (schema.get("properties") or {}).items()
        }
    return surface


_ENUM = re.compile(r"enum\(([^)]*)\)")


def _type_change(where: str, before: str, after: str) -> str:
    """A changed type, classed: only added enum values are additive; any other change breaks callers."""
    if _ENUM.sub("enum", before) == _ENUM.sub("enum", after):
        values_before = {v for m in _ENUM.findall(before) for v in m.split(",")}
        values_after = {v for m in _ENUM.findall(after) for v in m.split(",")}
        gone, new = sorted(values_before - values_after), sorted(values_after - values_before)
        if gone:
            return f"BREAKING: {where}: enum value(s) removed: {', '.join(gone)}" + (
                f"; added: {', '.join(new)}" if new else ""
            )
        return f"{where}: enum value(s) added: {', '.join(new)}"
    return f"BREAKING: {where}: type {before} -> {after}"


def diff(old: Surface, new: Surface) -> tuple[list[str], list[str], list[str]]:
    """(added, removed, changed) lines; breaking ones start with 'BREAKING'.

    Breaking: a removed operation, parameter, model or field; a changed type (a field that
    may now be absent included); a newly required parameter or body; a removed enum value.
    Additive: everything else (new operations, optional parameters, fields, enum values).
    """
    added, removed, changed = [], [], []
    for key in sorted(new.methods.keys() - old.methods.keys()):
        added.append(f"method `client.{key}()`")
    for key in sorted(old.methods.keys() - new.methods.keys()):
        removed.append(f"BREAKING: method `client.{key}()`")
    for key in sorted(old.methods.keys() & new.methods.keys()):
        before = {p.name: p for p in old.methods[key]}
        after = {p.name: p for p in new.methods[key]}
        for name in sorted(after.keys() - before.keys()):
            flag = "BREAKING: " if after[name].required else ""
            changed.append(
                f"{flag}`client.{key}()`: new {'required ' if after[name].required else ''}parameter `{name}`"
            )
        for name in sorted(before.keys() - after.keys()):
            changed.append(f"BREAKING: `client.{key}()`: parameter `{name}` removed")
        for name in sorted(before.keys() & after.keys()):
            if after[name].required and not before[name].required:
                changed.append(f"BREAKING: `client.{key}()`: parameter `{name}` is now required")
            elif before[name].required and not after[name].required:
                changed.append(f"`client.{key}()`: parameter `{name}` is now optional")
            if before[name].type != after[name].type:
                changed.append(
                    _type_change(f"`client.{key}()` parameter `{name}`", before[name].type, after[name].type)
                )
        body_before, body_after = old.bodies.get(key), new.bodies.get(key)
        if body_before != body_after:
            breaking = body_after is None or (body_after and not body_before)
            state = {None: "none", False: "optional", True: "required"}
            changed.append(
                f"{'BREAKING: ' if breaking else ''}`client.{key}()`: request body "
                f"{state[body_before]} -> {state[body_after]}"
            )
    for model in sorted(new.models.keys() - old.models.keys()):
        added.append(f"model `{model}`")
    for model in sorted(old.models.keys() - new.models.keys()):
        removed.append(f"BREAKING: model `{model}`")
    for model in sorted(old.models.keys() & new.models.keys()):
        before_fields, after_fields = old.models[model], new.models[model]
        for name in sorted(after_fields.keys() - before_fields.keys()):
            changed.append(f"`{model}`: new field `{name}`" + (" (required)" if after_fields[name][1] else ""))
        for name in sorted(before_fields.keys() - after_fields.keys()):
            changed.append(f"BREAKING: `{model}`: field `{name}` removed")
        for name in sorted(before_fields.keys() & after_fields.keys()):
            if before_fields[name][0] != after_fields[name][0]:
                changed.append(_type_change(f"`{model}.{name}`", before_fields[name][0], after_fields[name][0]))
            elif before_fields[name][1] and not after_fields[name][1]:
                changed.append(f"BREAKING: `{model}.{name}`: no longer always present")
    for enum in sorted(new.enums.keys() - old.enums.keys()):
        added.append(f"enum `{enum}`")
    for enum in sorted(old.enums.keys() - new.enums.keys()):
        removed.append(f"BREAKING: enum `{enum}`")
    for enum in sorted(old.enums.keys() & new.enums.keys()):
        gone, new_values = sorted(old.enums[enum] - new.enums[enum]), sorted(new.enums[enum] - old.enums[enum])
        if gone:
            changed.append(f"BREAKING: enum `{enum}`: value(s) removed: {', '.join(gone)}")
        if new_values:
            changed.append(f"enum `{enum}`: value(s) added: {', '.join(new_values)}")
    return added, removed, changed


def is_breaking(line: str) -> bool:
    return line.startswith("BREAKING")


def render(old_label: str, new_label: str, added: list[str], removed: list[str], changed: list[str]) -> str:
    breaking = [line for line in removed + changed if is_breaking(line)]
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
    args = parser.parse_args(argv)
    old = build_effective_spec(args.spec_config, args.old)
    new = build_effective_spec(args.spec_config, args.new)
    added, removed, changed = diff(surface_of(old.spec), surface_of(new.spec))
    sys.stdout.write(render(args.old.name, args.new.name, added, removed, changed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
