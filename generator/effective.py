"""Build the effective spec: upstream file + the project's OpenAPI Overlay 1.0 documents.

Only the JSONPath subset the project's overlays use is supported: `$` followed by
`.name`, `['name']` or `["name"]` segments. A correction that does not apply to the spec
(its target is gone, upstream now holds the fix, or the target changed) is reported with
the reason (regeneration against another API state must not die on it), never fatal.

A pin (spec/<api>.yaml) names the upstream file by a fixed path and its state by sha256:
when the file at that path has moved on, the pinned state is looked up by its sha256 among
the spec checkout's `history/` files (where upstream keeps earlier states).
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
# Where the spec checkout keeps earlier states of its files (beside the pinned file).
HISTORY_DIR = "history"

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


def _holds(node: Any, update: Any) -> bool:
    """Whether merging update into node would change nothing (upstream already says it)."""
    if not isinstance(node, dict) or not isinstance(update, dict):
        return bool(node == update)
    return all(key in node and _holds(node[key], value) for key, value in update.items())


def _refs(node: Any) -> list[str]:
    """Every `$ref` in node, at any depth."""
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [ref for value in node.values() for ref in _refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _refs(value)]
    return []


def resolves(spec: dict[str, Any], ref: str) -> bool:
    """Whether a local `$ref` names something in spec (other references are not this check's business)."""
    if not ref.startswith("#/"):
        return True
    node: Any = spec
    for part in ref[2:].split("/"):
        node = _child(node, part.replace("~1", "/").replace("~0", "~"))
        if node is None:
            return False
    return True


# Why a correction does not apply to a spec state; `make update-spec` names one for each.
FIXED_UPSTREAM = "fixed upstream"  # the target already holds the corrected value
TARGET_GONE = "target gone"  # no such target in this state (or a schema the correction names)
TARGET_CHANGED = "target changed"  # the target is there, but not as the correction's x-expect says


@dataclass(frozen=True)
class StaleCorrection:
    """An overlay action that does not apply to a spec state, and why."""

    source: Path  # the overlay document
    index: int  # the action's position in its `actions`
    target: str
    reason: str  # the action's description
    why: str  # FIXED_UPSTREAM, TARGET_GONE or TARGET_CHANGED
    detail: str = ""

    def __str__(self) -> str:
        detail = f": {self.detail}" if self.detail else ""
        return f"{self.source.name}: {self.target} ({self.reason}) [{self.why}{detail}]"


@dataclass
class OverlayReport:
    applied: list[str] = field(default_factory=list)
    stale: list[StaleCorrection] = field(default_factory=list)
    hoisted: list[str] = field(default_factory=list)
    # Retired corrections (the pin's `retired_overlays`) this state still needed.
    retired_applied: list[str] = field(default_factory=list)
    # The `$ref`s each applied action brought in, by (source, index): checked once all have run.
    refs: dict[tuple[Path, int], list[str]] = field(default_factory=dict)
    # OpenAPI 3.0 idioms rewritten in their 3.1 form (upgrade_openapi_30), by kind.
    upgraded: list[str] = field(default_factory=list)

    @property
    def missing(self) -> list[str]:
        """The stale corrections as text, one line each."""
        return [str(stale) for stale in self.stale]


def apply_overlay(
    spec: dict[str, Any],
    overlay: dict[str, Any],
    source: str | Path,
    report: OverlayReport,
    *,
    skip: dict[int, StaleCorrection] | None = None,
) -> None:
    """Apply overlay's actions to spec in place; record each in report as applied or stale.

    `skip` holds actions known not to apply (by index), reported as given instead.
    """
    source = Path(source)
    if "overlay" not in overlay or "actions" not in overlay:
        raise ValueError(f"{source}: not an OpenAPI Overlay document (needs 'overlay' and 'actions')")
    for index, action in enumerate(overlay["actions"]):
        target = action["target"]
        reason = action.get("description", "").strip()
        if not reason:
            raise ValueError(f"{source}: action on {target} has no description (its one-line reason)")
        if skip and index in skip:
            report.stale.append(skip[index])
            continue
        keys = parse_target(target)
        parent: Any = spec
        for key in keys[:-1]:
            parent = _child(parent, key)
        last = keys[-1] if keys else None
        node = spec if last is None else _child(parent, last)

        def stale(
            why: str, detail: str = "", *, index: int = index, target: str = target, reason: str = reason
        ) -> None:
            report.stale.append(StaleCorrection(source, index, target, reason, why, detail))

        # x-expect (project extension): the target must have these fields (objects compared as
        # subsets, at any depth), so that an index-based target on another API state cannot patch
        # the wrong element, nor a correction apply where its reason does not hold.
        expect = action.get("x-expect", {})
        expected = node is not None and (not expect or _holds(node, expect))
        update = action.get("update")
        if action.get("remove"):
            if node is None:
                # The parent is there without it: upstream removed it too.
                stale(FIXED_UPSTREAM if isinstance(parent, dict | list) else TARGET_GONE)
            elif not expected:
                stale(TARGET_CHANGED, f"expected {expect}")
            else:
                del parent[last]
                report.applied.append(f"{source.name}: {target} ({reason})")
            continue
        if isinstance(node, list):
            # Overlay 1.0: on an array, `update` is an entry to append (here: unless it is there).
            if update in node:
                stale(FIXED_UPSTREAM, "already present")
                continue
            node.append(copy.deepcopy(update))
        elif node is None:  # before the check below: an entry to append has no object `update`
            stale(TARGET_GONE)
            continue
        elif not isinstance(update, dict):
            raise ValueError(f"{source}: action on {target} needs an object 'update' or 'remove: true'")
        elif _holds(node, update):
            stale(FIXED_UPSTREAM)
            continue
        elif not expected:
            stale(TARGET_CHANGED, f"expected {expect}")
            continue
        else:
            _merge(node, update)
        report.applied.append(f"{source.name}: {target} ({reason})")
        report.refs[(source, index)] = _refs(update)


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


# Keys that describe a schema without constraining it.
_ANNOTATIONS = frozenset({"description", "title", "example", "examples", "default", "deprecated"})


def upgrade_openapi_30(spec: dict[str, Any]) -> list[str]:
    """An OpenAPI 3.0 document in the 3.1 forms the rest of the build (and the tool) handle.

    Older upstream states are OpenAPI 3.0, whose idioms the tool parses badly: `nullable: true`
    (it makes unions whose members fail on references not yet parsed, and drops every schema that
    reaches them) and `allOf: [{description: ...}, {$ref: X}]`, a reference with a description
    ("Cannot take allOf a non-object"). They become what the current spec writes instead:
    `type: [T, "null"]` or `anyOf: [..., {type: "null"}]`, and `$ref: X` with its description
    beside it. Returns what changed, by kind and count; nothing for a 3.1 document.
    """
    version = str(spec.get("openapi", ""))
    if not version.startswith("3.0"):
        return []
    counts = {"nullable": 0, "allOf annotations": 0}

    def visit(node: Any) -> Any:
        if isinstance(node, list):
            return [visit(value) for value in node]
        if not isinstance(node, dict):
            return node
        node = {key: visit(value) for key, value in node.items()}
        parts = node.get("allOf")
        if isinstance(parts, list) and any(isinstance(p, dict) and "$ref" in p for p in parts):
            # Beside a reference, a member that only describes (or only restates a type) adds nothing
            # the reference does not say; `nullable` on it makes the whole nullable.
            loose = [p for p in parts if isinstance(p, dict) and p and set(p) <= _ANNOTATIONS | {"type", "nullable"}]
            if loose:
                counts["allOf annotations"] += 1
                for part in loose:
                    parts.remove(part)
                    for key, value in part.items():
                        if key in _ANNOTATIONS:
                            node.setdefault(key, value)
                        elif (key, value) == ("nullable", True) or (key == "type" and "null" in value):
                            node["nullable"] = True  # (children are upgraded first: `type: [T, null]`)
            if len(parts) == 1 and set(parts[0]) == {"$ref"} and not node.get("properties"):
                node.pop("allOf")
                node.pop("type", None)  # the reference's own type
                node["$ref"] = parts[0]["$ref"]
        if "nullable" in node:
            nullable = node.pop("nullable") is True
            if nullable and any(key in node for key in ("$ref", "allOf", "oneOf", "anyOf")):
                counts["nullable"] += 1
                inner = {key: value for key, value in node.items() if key not in _ANNOTATIONS}
                node = {key: value for key, value in node.items() if key in _ANNOTATIONS}
                node["anyOf"] = [inner, {"type": "null"}]
            elif nullable and isinstance(node.get("type"), str):
                counts["nullable"] += 1
                node["type"] = [node["type"], "null"]
        return node

    for key in ("paths", "components"):
        if key in spec:
            spec[key] = visit(spec[key])
    spec["openapi"] = "3.1.0"
    return [f"{kind}: {count}" for kind, count in counts.items() if count]


def _shape(node: Any) -> Any:
    """A schema without the keys that only describe it (what two schemas must share to be one)."""
    if isinstance(node, dict):
        return {k: _shape(v) for k, v in node.items() if k not in _ANNOTATIONS and not k.startswith("x-")}
    if isinstance(node, list):
        return [_shape(v) for v in node]
    return node


def reference_inline_copies(spec: dict[str, Any]) -> list[str]:
    """Work around duplicate model names: an inline object that repeats, under the very name the
    tool would give it (Parent + Property), a component of that name becomes a reference to it.

    The tool would generate both as one class name and drop the parent ("Attempted to generate
    duplicate models"); the platform overlay makes the same repair by hand for StackBuild.about.
    """
    schemas: dict[str, Any] = spec.get("components", {}).get("schemas", {})
    replaced: list[str] = []

    def act(node: dict[str, Any], prop_name: str, prop: Any, name: str, child_name: str) -> Any:
        twin = schemas.get(child_name)
        if not (_is_inline_object(prop) and isinstance(twin, dict) and _shape(prop) == _shape(twin)):
            return prop
        node["properties"][prop_name] = {
            "$ref": f"#/components/schemas/{child_name}",
            **({"description": prop["description"]} if "description" in prop else {}),
        }
        replaced.append(f"{name}.{prop_name} -> {child_name}")
        return None

    _walk_properties(schemas, act)
    return replaced


def _walk_properties(schemas: dict[str, Any], act: Any) -> None:
    """Every property of every component schema, at any depth, with the model name the tool
    would give it (Parent + Property): `act(parent, prop_name, prop, parent_name, child_name)`
    returns the schema to walk on into (None: nothing)."""

    def visit(node: Any, name: str) -> None:
        if not isinstance(node, dict):
            return
        for prop_name, prop in list((node.get("properties") or {}).items()):
            child_name = name + _pascal(prop_name)
            visit(act(node, prop_name, prop, name, child_name), child_name)

    for name in list(schemas):
        visit(schemas[name], _pascal(name))


def distribute_allof_over_unions(spec: dict[str, Any]) -> list[str]:
    """Work around "Cannot take allOf a non-object": `allOf: [U, C]` where U refers to a oneOf/anyOf
    becomes `oneOf: [allOf: [U1, C], allOf: [U2, C], ...]`, which says the same and which the tool
    parses (each branch an object). Older states describe pipeline step details this way."""
    done: list[str] = []

    def visit(node: Any, where: str) -> None:
        if isinstance(node, list):
            for i, value in enumerate(node):
                visit(value, f"{where}/{i}")
            return
        if not isinstance(node, dict):
            return
        for key, value in list(node.items()):
            visit(value, f"{where}/{key}")
        parts = node.get("allOf")
        if not isinstance(parts, list):
            return
        for i, part in enumerate(parts):
            # Only a referenced union: the tool parses an inline one (the current state has some).
            union = _resolve_local(spec, part) if isinstance(part, dict) and "$ref" in part else None
            kind = next((k for k in ("oneOf", "anyOf") if isinstance(union, dict) and union.get(k)), None)
            if kind is None or not isinstance(union, dict) or union.get("properties"):
                continue
            _hoist_branches(spec, part["$ref"].rsplit("/", 1)[-1], union[kind])
            others = parts[:i] + parts[i + 1 :]
            node.pop("allOf")
            node[kind] = [{"allOf": [copy.deepcopy(branch), *copy.deepcopy(others)]} for branch in union[kind]]
            done.append(where)
            return

    visit(spec.get("components", {}), "#/components")
    visit(spec.get("paths", {}), "#/paths")
    return done


def _hoist_branches(spec: dict[str, Any], union_name: str, branches: list[Any]) -> None:
    """Inline object branches of a union component become components (Union + title), so that
    the branches copied by distribute_allof_over_unions are references, not models made twice."""
    schemas: dict[str, Any] = spec.get("components", {}).get("schemas", {})
    for i, branch in enumerate(branches):
        if not _is_inline_object(branch):
            continue
        name = _pascal(union_name) + _pascal(str(branch.get("title") or f"Type{i}"))
        if name in schemas and _shape(schemas[name]) != _shape(branch):
            continue
        schemas[name] = {**branch, "title": name}
        branches[i] = {"$ref": f"#/components/schemas/{name}"}


def _resolve_local(spec: dict[str, Any], node: Any) -> Any:
    seen = 0
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and seen < 50:
        ref = node["$ref"]
        if not ref.startswith("#/") or not resolves(spec, ref):
            return None
        node = spec
        for part in ref[2:].split("/"):
            node = _child(node, part.replace("~1", "/").replace("~0", "~"))
        seen += 1
    return node


def _module_name(name: str) -> str:
    """The module the tool writes a model to: its class name, snake_cased (HAProxyConfig -> ha_proxy_config)."""
    name = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).replace("-", "_").lower()


def retitle_colliding_models(spec: dict[str, Any]) -> list[str]:
    """Work around models that overwrite each other: two component schemas whose titles differ
    only in case (HAProxyConfig, HaProxyConfig) get one module file, and the last written wins.
    A colliding title that is not its key is replaced by the key (the fix the platform overlay
    applies by hand to the current state's title collisions)."""
    schemas: dict[str, Any] = spec.get("components", {}).get("schemas", {})
    by_module: dict[str, list[str]] = {}
    for key, schema in schemas.items():
        title = schema.get("title") if isinstance(schema, dict) else None
        by_module.setdefault(_module_name(_pascal(str(title or key))), []).append(key)
    renamed: list[str] = []
    for keys in by_module.values():
        for key in keys if len(keys) > 1 else []:
            title = schemas[key].get("title")
            if title and title != key and _module_name(_pascal(key)) not in by_module:
                schemas[key]["title"] = key
                renamed.append(f"{key}: title {title} -> {key}")
    return renamed


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

    def act(node: dict[str, Any], prop_name: str, prop: Any, name: str, child_name: str) -> Any:
        kind = prop.get("type") if isinstance(prop, dict) else None
        nullable_object = isinstance(kind, list) and set(kind) == {"object", "null"}
        hoist = nullable_object and child_name not in schemas
        if not (hoist and any(_is_inline_object(c) for c in (prop.get("properties") or {}).values())):
            return prop
        body = {k: v for k, v in prop.items() if k not in ("type", "description", "title")}
        schemas[child_name] = {"title": child_name, "type": "object", **body}
        node["properties"][prop_name] = {
            "anyOf": [{"$ref": f"#/components/schemas/{child_name}"}, {"type": "null"}],
            **({"description": prop["description"]} if "description" in prop else {}),
        }
        hoisted.append(f"{name}.{prop_name} -> {child_name}")
        return schemas[child_name]

    _walk_properties(schemas, act)
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


def in_history(path: Path, sha256: str) -> Path | None:
    """The earlier state of a spec file with this sha256, in the `history/` folder beside it."""
    for earlier in sorted((path.parent / HISTORY_DIR).glob("*.y*ml")):
        if sha256_of(earlier) == sha256:
            return earlier
    return None


def pinned_upstream(config: dict[str, Any], config_path: Path) -> Path:
    """The file holding the pinned state: the pin's path while its sha256 matches, else the file
    of the spec checkout's `history/` that matches (upstream keeps earlier states there)."""
    # Not resolved: the file may be a link, and its history/ is the one beside the link.
    path = Path(os.path.abspath(ROOT / config["upstream"]))
    if not path.exists():
        raise SystemExit(f"upstream spec not found: {path} (hint: ../shared/cycle-api-spec beside the project)")
    if sha256_of(path) == config["sha256"]:
        return path
    earlier = in_history(path, str(config["sha256"]))
    if earlier is not None:
        return earlier
    raise SystemExit(
        f"{path}: sha256 {sha256_of(path)} does not match the pin {config['sha256']} in {config_path},"
        f" nor does any file in {path.parent / HISTORY_DIR} (hint: check out the spec repository at the"
        " pinned state, or move the pin with `make update-spec NEW=...`)"
    )


def build_effective_spec(config_path: Path, override: Path | None = None) -> SpecBuild:
    config = load_yaml(config_path)
    upstream = override.resolve() if override else pinned_upstream(config, config_path)
    if not upstream.exists():
        raise SystemExit(f"upstream spec not found: {upstream} (hint: ../shared/cycle-api-spec beside the project)")
    digest = sha256_of(upstream)
    pinned = digest == config["sha256"]
    overlays = [(ROOT / rel, load_yaml(ROOT / rel)) for rel in config.get("overlays", [])]
    retired = [(ROOT / rel, load_yaml(ROOT / rel)) for rel in config.get("retired_overlays", [])]
    skip: dict[Path, dict[int, StaleCorrection]] = {}
    while True:
        spec = load_yaml(upstream)
        upgraded = upgrade_openapi_30(spec)
        report = OverlayReport(upgraded=upgraded)
        for path, overlay in overlays:
            apply_overlay(spec, overlay, path, report, skip=skip.get(path))
        # Retired corrections: for states older than the pin; that most do not apply is expected.
        quiet = OverlayReport()
        for path, overlay in retired:
            apply_overlay(spec, overlay, path, quiet, skip=skip.get(path))
        report.retired_applied = quiet.applied
        # A correction naming a schema this state lacks would leave a dangling $ref (the tool then
        # drops every schema that reaches it): build again without it.
        dangling = {
            key: [ref for ref in refs if not resolves(spec, ref)] for key, refs in (report.refs | quiet.refs).items()
        }
        dangling = {key: refs for key, refs in dangling.items() if refs}
        if not dangling:
            break
        for (path, index), refs in dangling.items():
            action = dict(overlays + retired)[path]["actions"][index]
            skip.setdefault(path, {})[index] = StaleCorrection(
                path,
                index,
                action["target"],
                action["description"].strip(),
                TARGET_GONE,
                f"names {', '.join(sorted(set(refs)))}, absent in this state",
            )
    report.hoisted = (
        distribute_allof_over_unions(spec)
        + retitle_colliding_models(spec)
        + reference_inline_copies(spec)
        + hoist_union_member_objects(spec)
        + hoist_nullable_objects(spec)
    )
    return SpecBuild(config["name"], upstream, digest, pinned, spec, report, config)


def write_json(spec: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(spec, separators=(",", ":"), sort_keys=False))


# --- what a generated package was made from, and whether that is still the pin -----------------

# The files generation reads besides the spec and overlays (the lifecycle modules, which do not
# shape the output, aside): a change to any of them makes the generated packages stale.
GENERATOR_INPUTS = (
    "generator/*.py",
    "generator/*.yaml",
    "generator/templates/*.jinja",
    "generator/templates/*/*.jinja",
    "cycle_sdk/_seed_namespaces.py",
)
# The tools beside the generator, which the build never imports (a test checks): a change to one
# regenerates nothing and keeps `make typecheck-generated`'s key.
NOT_GENERATOR_INPUTS = frozenset(
    {
        "generator/release.py",
        "generator/update_spec.py",
        "generator/api_diff.py",
        "generator/api_surface.py",
        "generator/timing.py",
        "generator/typecheck_generated.py",
        "generator/typecheck_models.py",
    }
)
# The names the generated package's __init__ records its inputs under (package_init.py.jinja).
RECORDED = ("SPEC_STATE", "SPEC_SHA256", "OVERLAYS_SHA256", "GENERATOR_SHA256")


def generator_sha256(root: Path = ROOT) -> str:
    """One digest of the generator's code, templates and the tool's version."""
    from importlib.metadata import version

    digest = hashlib.sha256(f"openapi-python-client {version('openapi-python-client')}\0".encode())
    for path in sorted({p for pattern in GENERATOR_INPUTS for p in root.glob(pattern)}):
        name = path.relative_to(root).as_posix()
        if name not in NOT_GENERATOR_INPUTS:
            digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def overlays_sha256(config: dict[str, Any], root: Path = ROOT) -> dict[str, str]:
    """The sha256 of each overlay a pin applies (retired ones included), by its path in the pin."""
    return {rel: sha256_of(root / rel) for rel in [*config.get("overlays", []), *config.get("retired_overlays", [])]}


def recorded_inputs(package_dir: Path) -> dict[str, Any] | None:
    """What a generated package's __init__ says it was made from (read as text, never imported:
    it may be another spec's); None when there is no generated package."""
    import ast

    init = package_dir / "__init__.py"
    if not init.exists():
        return None
    found: dict[str, Any] = {}
    for node in ast.parse(init.read_text()).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        else:
            continue
        if isinstance(target, ast.Name) and target.id in RECORDED:
            found[target.id] = ast.literal_eval(value)
    return found


def generated_mismatches(config_path: Path, root: Path = ROOT) -> list[str]:
    """How the generated package of a pin differs from what `make generate` makes of the pin now
    (empty when it is what it says: the pinned spec, these overlays, this generator)."""
    config = load_yaml(config_path)
    package = str(config.get("package", "cycle_sdk._generated"))
    recorded = recorded_inputs(root.joinpath(*package.split(".")))
    if recorded is None:
        return [f"{package} is not generated"]
    problems = []
    if recorded.get("SPEC_SHA256") != config["sha256"] or recorded.get("SPEC_STATE") != str(config["state"]):
        problems.append(
            f"{package} was generated from the {config['name']} spec of state {recorded.get('SPEC_STATE')}"
            f" (sha256 {str(recorded.get('SPEC_SHA256'))[:12]}…), but the pin ({config_path.name}) is state"
            f" {config['state']} (sha256 {str(config['sha256'])[:12]}…)"
        )
    overlays = overlays_sha256(config, root)
    changed = sorted(
        rel
        for rel in overlays.keys() | (recorded.get("OVERLAYS_SHA256") or {}).keys()
        if overlays.get(rel) != (recorded.get("OVERLAYS_SHA256") or {}).get(rel)
    )
    if changed:
        problems.append(f"{package} was generated with other overlays than the pin's: {', '.join(changed)}")
    if recorded.get("GENERATOR_SHA256") != generator_sha256(root):
        problems.append(f"{package} was generated by another version of the generator (generator/, the tool)")
    return problems
