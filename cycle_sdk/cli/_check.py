"""A small JSON Schema check of request bodies against the effective spec, before sending.

Two defects of the spec's request schemas are read the way the API reads them: a `oneOf`
that several alternatives match is valid, and a `required` name the object does not declare
is not required. It covers the keywords the Cycle spec uses for request bodies (type, with "null" in type
lists; enum, const; properties, required, additionalProperties; items; oneOf, anyOf, allOf
with discriminators; minimum, maximum, pattern, minLength, maxLength, minItems, maxItems)
and reports the first problem with its JSON path (`$.config.deploy.instances`). jsonschema
would cost ~60 ms of import on every command with a body; this costs none.
"""

from __future__ import annotations

import re
from typing import Any

from ._index import resolve

_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "boolean": (bool,),
    "integer": (int,),
    "number": (int, float),
    "null": (type(None),),
}


class BodyError(ValueError):
    """The body does not match the request schema; `.path` is the JSON path of the problem."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    for name, kinds in _TYPES.items():
        if isinstance(value, kinds):
            return name
    return type(value).__name__


def _is(value: Any, kind: str) -> bool:
    if kind in ("integer", "number") and isinstance(value, bool):
        return False
    if kind == "integer" and isinstance(value, float):
        return value.is_integer()
    return isinstance(value, _TYPES.get(kind, (object,)))


def _key_path(path: str, key: str) -> str:
    return f"{path}.{key}" if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key) else f"{path}[{key!r}]"


def check(value: Any, schema: Any, path: str = "$") -> None:
    """Raise BodyError at the first place where `value` does not fit `schema`."""
    schema = resolve(schema)
    if not isinstance(schema, dict) or not schema:
        return
    for sub in schema.get("allOf", []):
        check(value, sub, path)
    if "oneOf" in schema or "anyOf" in schema:
        _alternatives(value, schema, path)
    kinds = schema.get("type")
    if kinds is not None:
        allowed = [kinds] if isinstance(kinds, str) else list(kinds)
        if schema.get("nullable") is True:
            allowed.append("null")
        if not any(_is(value, k) for k in allowed):
            raise BodyError(path, f"expected {' or '.join(allowed)}, got {_type_name(value)}")
    if "const" in schema and value != schema["const"]:
        raise BodyError(path, f"must be {schema['const']!r}")
    enum = schema.get("enum")
    if isinstance(enum, list) and value not in enum and not (value is None and "null" in (kinds or [])):
        raise BodyError(path, f"{value!r} is not one of {', '.join(map(repr, enum))}")
    if isinstance(value, dict):
        _object(value, schema, path)
    elif isinstance(value, list):
        _array(value, schema, path)
    elif isinstance(value, str):
        if "minLength" in schema and len(value) < schema["minLength"]:
            raise BodyError(path, f"is shorter than {schema['minLength']} characters")
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            raise BodyError(path, f"is longer than {schema['maxLength']} characters")
        if "pattern" in schema and not re.search(schema["pattern"], value):
            raise BodyError(path, f"does not match the pattern {schema['pattern']!r}")
    elif isinstance(value, int | float) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            raise BodyError(path, f"must be at least {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            raise BodyError(path, f"must be at most {schema['maximum']}")


def _object(value: dict[str, Any], schema: dict[str, Any], path: str) -> None:
    properties = schema.get("properties", {})
    extra = schema.get("additionalProperties", True)
    for name in schema.get("required", []):
        # A required name the schema declares nowhere is a defect of the spec the API does not
        # enforce (read the same way as the emulator's lenient check).
        undeclared = "properties" in schema and name not in properties and "additionalProperties" not in schema
        if name not in value and not undeclared:
            raise BodyError(_key_path(path, name), "is required")
    for key, item in value.items():
        if key in properties:
            check(item, properties[key], _key_path(path, key))
        elif extra is False and properties:
            known = ", ".join(sorted(properties))
            raise BodyError(_key_path(path, key), f"is not a known field (known: {known})")
        elif isinstance(extra, dict):
            check(item, extra, _key_path(path, key))


def _array(value: list[Any], schema: dict[str, Any], path: str) -> None:
    if "minItems" in schema and len(value) < schema["minItems"]:
        raise BodyError(path, f"needs at least {schema['minItems']} items")
    if "maxItems" in schema and len(value) > schema["maxItems"]:
        raise BodyError(path, f"takes at most {schema['maxItems']} items")
    items = schema.get("items")
    if items:
        for i, item in enumerate(value):
            check(item, items, f"{path}[{i}]")


def _alternatives(value: Any, schema: dict[str, Any], path: str) -> None:
    discriminator = schema.get("discriminator")
    if isinstance(discriminator, dict) and isinstance(value, dict) and discriminator.get("mapping"):
        prop = discriminator.get("propertyName", "")
        mapping: dict[str, str] = discriminator["mapping"]
        tag = value.get(prop)
        ref = mapping.get(tag) if isinstance(tag, str) else None
        if ref is None:
            choices = ", ".join(map(repr, mapping))
            message = f"is required (one of {choices})" if tag is None else f"{tag!r} is not one of {choices}"
            raise BodyError(_key_path(path, prop), message)
        check(value, {"$ref": ref}, path)
        return
    options = schema.get("oneOf") or schema.get("anyOf") or []
    errors: list[BodyError] = []
    for option in options:
        try:
            check(value, option, path)
        except BodyError as exc:
            errors.append(exc)
        else:
            return
    if errors:
        # The alternative that got furthest is the likeliest intent: report its problem.
        best = max(errors, key=lambda e: len(e.path))
        if best.path == path:
            raise BodyError(path, f"matches none of the {len(options)} allowed shapes ({best.message})")
        raise best


__all__ = ["BodyError", "check"]
