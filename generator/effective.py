"""Build the effective spec: upstream file + the project's OpenAPI Overlay 1.0 documents.

Only the JSONPath subset the project's overlays use is supported: `$` followed by
`.name`, `['name']` or `["name"]` segments. A target that is missing from the spec
is reported (regeneration against another API state must not die on it), never fatal.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent

_SEGMENT = re.compile(r"""\.([A-Za-z0-9_$-]+)|\[(?:'([^']*)'|"([^"]*)"|(\d+))\]""")


def parse_target(target: str) -> list[str | int]:
    if not target.startswith("$"):
        raise ValueError(f"overlay target must start with '$': {target!r}")
    keys: list[str | int] = []
    pos = 1
    while pos < len(target):
        m = _SEGMENT.match(target, pos)
        if m is None:
            raise ValueError(f"unsupported JSONPath in overlay target at {pos}: {target!r}")
        name, quoted1, quoted2, index = m.groups()
        keys.append(int(index) if index is not None else next(g for g in (name, quoted1, quoted2) if g is not None))
        pos = m.end()
    return keys


def _merge(dst: dict[str, Any], src: dict[str, Any]) -> None:
    # Overlay 1.0 "update": objects merge recursively, everything else replaces.
    for key, value in src.items():
        if isinstance(value, dict) and isinstance(dst.get(key), dict):
            _merge(dst[key], value)
        else:
            dst[key] = copy.deepcopy(value)


def _child(node: Any, key: str | int) -> Any:
    if isinstance(key, int):
        return node[key] if isinstance(node, list) and 0 <= key < len(node) else None
    return node.get(key) if isinstance(node, dict) else None


@dataclass
class OverlayReport:
    applied: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    hoisted: list[str] = field(default_factory=list)


def apply_overlay(spec: dict[str, Any], overlay: dict[str, Any], source: str, report: OverlayReport) -> None:
    if "overlay" not in overlay or "actions" not in overlay:
        raise ValueError(f"{source}: not an OpenAPI Overlay document (needs 'overlay' and 'actions')")
    for action in overlay["actions"]:
        target = action["target"]
        reason = action.get("description", "").strip()
        if not reason:
            raise ValueError(f"{source}: action on {target} has no description (its one-line reason)")
        keys = parse_target(target)
        parent: Any = spec
        for key in keys[:-1]:
            parent = _child(parent, key)
        last = keys[-1] if keys else None
        node = spec if last is None else _child(parent, last)
        label = f"{Path(source).name}: {target} ({reason})"
        # x-expect (project extension): the target must have these fields, so that an
        # index-based target on another API state cannot patch the wrong element.
        expect = action.get("x-expect", {})
        if node is not None and any(not isinstance(node, dict) or node.get(k) != v for k, v in expect.items()):
            node = None
        if action.get("remove"):
            if node is None:
                report.missing.append(label)
                continue
            del parent[last]
        else:
            update = action.get("update")
            if isinstance(node, list):
                # Overlay 1.0: on an array, `update` is an entry to append (here: unless it is there).
                if update in node:
                    report.missing.append(f"{label} [already present]")
                    continue
                node.append(copy.deepcopy(update))
                report.applied.append(label)
                continue
            if node is None:  # before the check below: an entry to append has no object `update`
                report.missing.append(label)
                continue
            if not isinstance(update, dict):
                raise ValueError(f"{source}: action on {target} needs an object 'update' or 'remove: true'")
            _merge(node, update)
        report.applied.append(label)


def _pascal(name: str) -> str:
    return "".join(w[:1].upper() + w[1:] for w in re.split(r"[^A-Za-z0-9]+", name) if w)


def hoist_union_member_objects(spec: dict[str, Any]) -> list[str]:
    """Work around openapi-python-client #1375 (tool behaviour, not a spec error).

    When a oneOf/anyOf member is a component whose properties hold inline objects, the tool
    parses those inline models twice and drops the union ("Attempted to generate duplicate
    models"). Moving each such inline object into components under the name the tool would
    give it anyway (Parent + Property) keeps the generated names and fixes the parse.
    """
    schemas: dict[str, Any] = spec.get("components", {}).get("schemas", {})
    members: set[str] = set()

    def collect(node: Any) -> None:
        if isinstance(node, dict):
            for key in ("oneOf", "anyOf"):
                for member in node.get(key, []) or []:
                    ref = member.get("$ref", "") if isinstance(member, dict) else ""
                    if ref.startswith("#/components/schemas/"):
                        members.add(ref.rsplit("/", 1)[-1])
            for value in node.values():
                collect(value)
        elif isinstance(node, list):
            for value in node:
                collect(value)

    collect(spec)
    hoisted: list[str] = []
    queue = sorted(members)
    while queue:
        name = queue.pop()
        schema = schemas.get(name)
        if not isinstance(schema, dict):
            continue
        for prop_name, prop in list((schema.get("properties") or {}).items()):
            if (
                isinstance(prop, dict)
                and "$ref" not in prop
                and prop.get("type") == "object"
                and prop.get("properties")
            ):
                new_name = _pascal(name) + _pascal(prop_name)
                if new_name in schemas:
                    continue
                schemas[new_name] = {"title": new_name, **{k: v for k, v in prop.items() if k != "title"}}
                schema["properties"][prop_name] = {"$ref": f"#/components/schemas/{new_name}"}
                hoisted.append(f"{name}.{prop_name} -> {new_name}")
                queue.append(new_name)
    return hoisted


def _is_inline_object(node: Any) -> bool:
    if not isinstance(node, dict) or "$ref" in node:
        return False
    kind = node.get("type")
    return kind == "object" or (isinstance(kind, list) and "object" in kind)


def hoist_nullable_objects(spec: dict[str, Any]) -> list[str]:
    """Work around the same tool defect for `type: [object, null]` inline schemas.

    The tool turns such a schema into a union and parses its inline children twice. A
    component plus `anyOf: [$ref, null]` (the form the spec uses elsewhere) parses cleanly.
    """
    schemas: dict[str, Any] = spec.get("components", {}).get("schemas", {})
    hoisted: list[str] = []

    def visit(node: Any, name: str) -> None:
        if not isinstance(node, dict):
            return
        for prop_name, prop in list((node.get("properties") or {}).items()):
            child_name = name + _pascal(prop_name)
            kind = prop.get("type") if isinstance(prop, dict) else None
            nullable_object = isinstance(kind, list) and set(kind) == {"object", "null"}
            hoist = nullable_object and child_name not in schemas
            if hoist and any(_is_inline_object(c) for c in (prop.get("properties") or {}).values()):
                body = {k: v for k, v in prop.items() if k not in ("type", "description", "title")}
                schemas[child_name] = {"title": child_name, "type": "object", **body}
                node["properties"][prop_name] = {
                    "anyOf": [{"$ref": f"#/components/schemas/{child_name}"}, {"type": "null"}],
                    **({"description": prop["description"]} if "description" in prop else {}),
                }
                hoisted.append(f"{name}.{prop_name} -> {child_name}")
                visit(schemas[child_name], child_name)
                continue
            visit(prop, child_name)

    for name in list(schemas):
        visit(schemas[name], _pascal(name))
    return hoisted


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass
class SpecBuild:
    name: str
    upstream: Path
    sha256: str
    pinned: bool
    spec: dict[str, Any]
    report: OverlayReport
    config: dict[str, Any]


def load_yaml(path: Path) -> Any:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with path.open("rb") as fh:
        return yaml.load(fh, Loader=loader)


def build_effective_spec(config_path: Path, override: Path | None = None) -> SpecBuild:
    config = load_yaml(config_path)
    pinned_path = (ROOT / config["upstream"]).resolve()
    upstream = override.resolve() if override else pinned_path
    if not upstream.exists():
        raise SystemExit(f"upstream spec not found: {upstream} (hint: ../shared/cycle-api-spec beside the project)")
    digest = sha256_of(upstream)
    pinned = upstream == pinned_path
    if pinned and digest != config["sha256"]:
        raise SystemExit(
            f"{upstream}: sha256 {digest} does not match the pin {config['sha256']} in {config_path}"
            " (hint: review the upstream change, then update the pin)"
        )
    spec = load_yaml(upstream)
    report = OverlayReport()
    for rel in config.get("overlays", []):
        overlay_path = ROOT / rel
        apply_overlay(spec, load_yaml(overlay_path), str(overlay_path), report)
    report.hoisted = hoist_union_member_objects(spec) + hoist_nullable_objects(spec)
    return SpecBuild(config["name"], upstream, digest, pinned, spec, report, config)


def write_json(spec: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(spec, separators=(",", ":"), sort_keys=False))
