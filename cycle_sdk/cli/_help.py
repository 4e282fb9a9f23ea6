"""Help texts: the command list (from the index alone), a namespace's operations with their
summaries, and for one operation its description, parameters and an example (from the spec)."""

from __future__ import annotations

import json
import re
import textwrap
from typing import Any

from ._index import COMMON_QUERY, Operation, kebab, metavar, namespaces, operation, resolve, spec
from ._top import EXIT_STATUS_HELP, EXTRA_COMMANDS


def first_sentence(text: str, limit: int = 160) -> str:
    text = " ".join(text.replace("#", "").split())
    end = text.find(". ")
    if 0 < end < limit:
        return text[: end + 1]
    return text if len(text) <= limit else text[: limit - 1] + "…"


def namespace_help(namespace: str) -> str:
    ops = namespaces()[namespace]
    paths = spec()["paths"]
    rows = []
    for name, entry in ops.items():
        summary = paths.get(entry.path, {}).get(entry.method.lower(), {}).get("summary", "")
        rows.append((name, f"{entry.method} {entry.path}  {summary}".rstrip()))
    rows += list(EXTRA_COMMANDS.get(namespace, {}).items())
    width = max(len(r[0]) for r in rows) + 2
    tag = next(iter(ops.values())).tag
    about = next((t.get("description", "") for t in spec().get("tags", []) if t.get("name") == tag), "")
    lines = [f"usage: cycle {namespace} <operation> [PATH_ARGS...] [options]", ""]
    if about:
        lines += [textwrap.fill(" ".join(about.split()), 88), ""]
    lines.append("operations:")
    lines += [f"  {name.ljust(width)}{text}" for name, text in sorted(rows)]
    first = sorted(ops)[0]
    # The example: a list operation where there is one (the usual first command), else the first.
    shown = next((name for name, entry in ops.items() if entry.paginated), first)
    lines += ["", "example:", "  " + example_command(operation(ops[shown]))]
    lines += ["", f"`cycle {namespace} {first} --help` shows an operation's parameters, body and an example."]
    return "\n".join(lines) + "\n"


def description(op: Operation) -> str:
    entry = op.entry
    parts = [f"{op.summary}  ({entry.method} {entry.path})" if op.summary else f"{entry.method} {entry.path}"]
    if op.description:
        parts.append(op.description)
    filter_param = op.query_param("filter")
    if filter_param is not None:
        keys = resolve(filter_param.schema).get("properties", {})
        if keys:
            lines = ["filter keys (--filter KEY=VALUE):"]
            for key, schema in keys.items():
                text = re.sub(r"^`[^`]*`\s*", "", str(resolve(schema).get("description") or ""))
                lines.append(f"  {key}: {first_sentence(text, 100)}".rstrip())
            parts.append("\n".join(lines))
    if op.body_schema is not None:
        parts.append(body_help(op))
    return "\n\n".join(parts)


def body_help(op: Operation) -> str:
    schema = resolve(op.body_schema)
    lines = [f"body ({'required' if op.body_required else 'optional'}): {first_sentence(op.body_description)}".rstrip()]
    discriminator = schema.get("discriminator") if isinstance(schema, dict) else None
    if isinstance(discriminator, dict) and discriminator.get("mapping"):
        prop = discriminator.get("propertyName", "")
        lines.append(f"  {prop}: one of {', '.join(discriminator['mapping'])}")
    else:
        required = set(schema.get("required", [])) if isinstance(schema, dict) else set()
        for name, prop in (schema.get("properties", {}) if isinstance(schema, dict) else {}).items():
            resolved = resolve(prop)
            shown = _described(resolved)
            text = first_sentence(str(prop.get("description") or shown.get("description") or ""), 100)
            enum = shown.get("enum")
            if isinstance(enum, list):
                text += f" One of: {', '.join(map(str, enum))}."
            inner = [key for key in shown.get("required", []) if isinstance(key, str)]
            if inner and field_type(resolved).startswith("object"):
                text += f" Required keys: {', '.join(inner)}."
            flag = " (required)" if name in required else ""
            lines.append(f"  {name}: {field_type(resolved)}{flag} {text}".rstrip())
    return "\n".join(lines)


def _members(schema: dict[str, Any]) -> list[Any]:
    return [resolve(m) for key in ("oneOf", "anyOf") for m in schema.get(key) or []]


def _described(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema that says what a field is: itself, or the one member of a nullable union."""
    members = [m for m in _members(schema) if isinstance(m, dict) and m.get("type") != "null"]
    found = members[0] if len(members) == 1 else schema
    return found if isinstance(found, dict) else {}


def field_type(schema: Any, depth: int = 0) -> str:
    """A body field's JSON type as `--help` shows it: `string`, `object|null`, `array of string`..."""
    schema = resolve(schema)
    if not isinstance(schema, dict) or depth > 4:
        return "any"
    members = _members(schema)
    if members:
        parts = [field_type(m, depth + 1) for m in members]
        return "|".join(dict.fromkeys(parts))
    if schema.get("allOf"):
        return field_type(schema["allOf"][0], depth + 1)
    kind = schema.get("type")
    if isinstance(kind, list):
        return "|".join(str(k) for k in kind)
    if kind == "array":
        return f"array of {field_type(schema.get('items', {}), depth + 1)}"
    if kind is None and "properties" in schema:
        return "object"
    if kind is None and isinstance(schema.get("enum"), list):
        return "|".join(dict.fromkeys(type(v).__name__.replace("str", "string") for v in schema["enum"]))
    return str(kind) if kind else "any"


def example_value(schema: Any, depth: int = 0, name: str = "") -> Any:
    """A minimal value that fits the schema: required fields only, first enum value, strings as
    long as the schema asks; a field naming another resource (`environment_id`) holds its
    placeholder (`ENVIRONMENT_ID`), which the user replaces, not an ID from the spec's examples."""
    schema = resolve(schema)
    if not isinstance(schema, dict) or depth > 6:
        return None
    if name.endswith("_id") and "string" in field_type(schema):
        return metavar(name)
    for key in ("examples", "example"):
        found = schema.get(key)
        if key == "examples" and isinstance(found, list) and found:
            return found[0]
        if key == "example" and found is not None:
            return found
    discriminator = schema.get("discriminator")
    if isinstance(discriminator, dict) and discriminator.get("mapping"):
        tag, ref = next(iter(discriminator["mapping"].items()))
        value = example_value({"$ref": ref}, depth + 1)
        if isinstance(value, dict):
            value[discriminator.get("propertyName", "")] = tag
        return value
    for key in ("oneOf", "anyOf", "allOf"):
        members = [m for m in schema.get(key) or [] if resolve(m).get("type") != "null"]
        if members:
            return example_value(members[0], depth + 1, name)
    if "const" in schema:
        return schema["const"]
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return schema["enum"][0]
    kind = schema.get("type")
    kind = next((k for k in kind if k != "null"), None) if isinstance(kind, list) else kind
    if kind == "object" or "properties" in schema:
        props = schema.get("properties", {})
        return {key: example_value(props.get(key, {}), depth + 1, key) for key in schema.get("required", [])}
    if kind == "array":
        return []
    if kind == "string":
        return "...".ljust(int(schema.get("minLength") or 0), ".")
    return {"integer": 1, "number": 1, "boolean": False}.get(str(kind))


def _filter_example(schema: dict[str, Any]) -> list[str]:
    """`--filter KEY=VALUE` for each required key and the first one: a value from the spec
    where it gives one (an enum, an example date), else a placeholder."""
    keys = schema.get("properties", {})
    shown = [*schema.get("required", []), *list(keys)[:1]]
    words = []
    for key in dict.fromkeys(shown):
        prop = resolve(keys.get(key, {}))
        value = example_value(prop) if any(k in prop for k in ("enum", "examples", "example")) else "VALUE"
        if prop.get("format") == "objectid":
            value = metavar(key) + "_ID"
        words.append(f"--filter {key}={value}")
    return words


DELETE_HUB = ("DELETE", "/v1/hubs/current")


def example_command(op: Operation) -> str:
    """One command line that runs the operation, with its path arguments and a minimal body."""
    words = ["cycle", kebab(op.entry.namespace), kebab(op.entry.name)]
    words += [metavar(p.name) for p in op.path_params]
    filter_param = op.query_param("filter")
    if filter_param is not None:
        words += _filter_example(resolve(filter_param.schema))
    if op.query_param("page") is not None:
        words.append("--page-size 20")
    for p in op.query:
        if p.name not in COMMON_QUERY and p.required:
            words.append(f"--{kebab(p.name)} {p.enum[0] if p.enum else metavar(p.name)}")
    if op.body_schema is not None:
        body = example_value(op.body_schema)
        words.append("--body '" + json.dumps(body if body is not None else {}) + "'")
    # A task's job is read in its hub: once the hub itself is deleted, there is nothing to wait on.
    if op.task and (op.entry.method, op.entry.path) != DELETE_HUB:
        words.append("--wait")
    return " ".join(words)


def example(op: Operation) -> str:
    lines = ["example:", "  " + example_command(op)]
    if op.entry.paginated:
        command = ["cycle", kebab(op.entry.namespace), kebab(op.entry.name), *(metavar(p.name) for p in op.path_params)]
        lines.append("  " + " ".join([*command, "--all", "--output", "table"]))
    return "\n".join(lines) + "\n\n" + EXIT_STATUS_HELP


__all__ = [
    "DELETE_HUB",
    "body_help",
    "description",
    "example",
    "example_command",
    "example_value",
    "field_type",
    "first_sentence",
    "namespace_help",
]
