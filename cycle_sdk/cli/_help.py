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
            kind = resolved.get("type", "object" if "properties" in resolved else "")
            kind = "|".join(kind) if isinstance(kind, list) else kind
            text = first_sentence(str(resolved.get("description") or prop.get("description") or ""), 100)
            enum = resolved.get("enum")
            if isinstance(enum, list):
                text += f" One of: {', '.join(map(str, enum))}."
            flag = " (required)" if name in required else ""
            lines.append(f"  {name}: {kind}{flag} {text}".rstrip())
    return "\n".join(lines)


def example_value(schema: Any, depth: int = 0) -> Any:
    """A minimal value that fits the schema: required fields only, first enum value."""
    schema = resolve(schema)
    if not isinstance(schema, dict) or depth > 6:
        return None
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
        if schema.get(key):
            return example_value(schema[key][0], depth + 1)
    if "const" in schema:
        return schema["const"]
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return schema["enum"][0]
    kind = schema.get("type")
    kind = next((k for k in kind if k != "null"), None) if isinstance(kind, list) else kind
    if kind == "object" or "properties" in schema:
        props = schema.get("properties", {})
        return {name: example_value(props.get(name, {}), depth + 1) for name in schema.get("required", [])}
    if kind == "array":
        return []
    return {"string": "...", "integer": 1, "number": 1, "boolean": False}.get(str(kind))


def example_command(op: Operation) -> str:
    """One command line that runs the operation, with its path arguments and a minimal body."""
    words = ["cycle", kebab(op.entry.namespace), kebab(op.entry.name)]
    words += [metavar(p.name) for p in op.path_params]
    filter_param = op.query_param("filter")
    if filter_param is not None:
        keys = list(resolve(filter_param.schema).get("properties", {}))
        if keys:
            words.append(f"--filter {keys[0]}=VALUE")
    if op.query_param("page") is not None:
        words.append("--page-size 20")
    for p in op.query:
        if p.name not in COMMON_QUERY and p.required:
            words.append(f"--{kebab(p.name)} {metavar(p.name)}")
    if op.body_schema is not None:
        body = example_value(op.body_schema)
        words.append("--body '" + json.dumps(body if body is not None else {}) + "'")
    if op.task:
        words.append("--wait")
    return " ".join(words)


def example(op: Operation) -> str:
    lines = ["example:", "  " + example_command(op)]
    if op.entry.paginated:
        lines.append(f"  cycle {kebab(op.entry.namespace)} {kebab(op.entry.name)} --all --output table")
    return "\n".join(lines) + "\n\n" + EXIT_STATUS_HELP


__all__ = [
    "body_help",
    "description",
    "example",
    "example_command",
    "example_value",
    "first_sentence",
    "namespace_help",
]
