"""`make api-diff OLD=old.yml NEW=new.yml`: what changed in the SDK surface between two spec states.

Both files go through the same effective-spec build as `make generate` (the project's
corrections applied), then the SDK surface is compared: methods (`client.<namespace>.<name>`)
and their parameters, and models and their fields. Output is Markdown, ready for a
CHANGELOG section; breaking changes are called out.
"""

from __future__ import annotations

import argparse
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


@dataclass
class Surface:
    methods: dict[str, tuple[Param, ...]] = field(default_factory=dict)  # "ns.name" -> params
    bodies: dict[str, bool] = field(default_factory=dict)  # "ns.name" -> body required
    models: dict[str, dict[str, tuple[str, bool]]] = field(default_factory=dict)  # Model -> field -> (type, required)


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
            params.append(Param(snake(p["name"]), p["in"], bool(p.get("required"))))
        key = f"{info.namespace}.{info.name}"
        surface.methods[key] = tuple(sorted(params, key=lambda p: p.name))
        if "requestBody" in op:
            surface.bodies[key] = bool(resolve(spec, op["requestBody"]).get("required"))
    for name, schema in spec.get("components", {}).get("schemas", {}).items():
        schema = resolve(spec, schema)
        required = set(schema.get("required", []))
        surface.models[pascal(schema.get("title") or name)] = {
            prop: (_type_of(spec, sub), prop in required) for prop, sub in (schema.get("properties") or {}).items()
        }
    return surface


def diff(old: Surface, new: Surface) -> tuple[list[str], list[str], list[str]]:
    """(added, removed, changed) lines; breaking ones start with 'BREAKING'."""
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
        if old.bodies.get(key) != new.bodies.get(key):
            changed.append(f"`client.{key}()`: request body {old.bodies.get(key)} -> {new.bodies.get(key)}")
    for model in sorted(new.models.keys() - old.models.keys()):
        added.append(f"model `{model}`")
    for model in sorted(old.models.keys() - new.models.keys()):
        removed.append(f"BREAKING: model `{model}`")
    for model in sorted(old.models.keys() & new.models.keys()):
        before, after = old.models[model], new.models[model]
        for name in sorted(after.keys() - before.keys()):
            changed.append(f"`{model}`: new field `{name}`" + (" (required)" if after[name][1] else ""))
        for name in sorted(before.keys() - after.keys()):
            changed.append(f"BREAKING: `{model}`: field `{name}` removed")
        for name in sorted(before.keys() & after.keys()):
            if before[name][0] != after[name][0]:
                changed.append(f"BREAKING: `{model}.{name}`: type {before[name][0]} -> {after[name][0]}")
            elif before[name][1] and not after[name][1]:
                changed.append(f"BREAKING: `{model}.{name}`: no longer always present")
    return added, removed, changed


def render(old_label: str, new_label: str, added: list[str], removed: list[str], changed: list[str]) -> str:
    breaking = [line for line in removed + changed if line.startswith("BREAKING")]
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
