"""Types shared by the hand-written core and the generated code: UNSET, a model's fields, repr and JSON.

Every method of a model (cycle_sdk._decode.Model: `to_dict()`, `to_json()`, equality, repr)
reads the same list of fields, the class's attrs fields, through `fields_of` here.

UNSET is msgspec's own: msgspec leaves an absent optional field UNSET by itself, and the
sentinel keeps its identity through pickle (a model with UNSET fields equals its copy).
"""

from __future__ import annotations

import datetime
import json
import operator
from collections.abc import Callable
from typing import Any

from attrs import NOTHING
from msgspec import UNSET as _MSGSPEC_UNSET
from msgspec import UnsetType

Unset = UnsetType  # the type of UNSET: an argument not given, a property not sent (None is a JSON null)

# Typed Any, so that an optional typed-dict argument can be declared as the typed dict alone
# (`filter: GetEnvironmentsFilterParam = UNSET`): a union with Unset would hide from mypy and
# pyright which key of a dict literal is wrong. `isinstance(x, Unset)` tells it apart as before.
UNSET: Any = _MSGSPEC_UNSET

# The JSON key of a field whose Python name differs from it (`from_` for `from`): in the field's
# attrs metadata under this key. Other fields' keys are their names.
JSON_NAME = "json"

# A default repr stays short: models nested deeper than this show their plain fields only
# (`Foo(id='x', ...)`), and lists show their first items. full_repr() shows everything.
REPR_DEPTH = 2
REPR_ITEMS = 5


class _Fields:
    """What a model's methods need of its fields, worked out once per class from attrs."""

    __slots__ = ("get", "names", "pairs")

    def __init__(self, cls: type) -> None:
        fields = cls.__attrs_attrs__  # type: ignore[attr-defined]
        self.names: tuple[str, ...] = tuple(f.name for f in fields)
        self.pairs: tuple[tuple[str, str], ...] = tuple((f.name, f.metadata.get(JSON_NAME, f.name)) for f in fields)
        # One C call for every field's value; a 1-tuple for one field, () for none.
        getter = operator.attrgetter(*self.names) if self.names else (lambda obj: ())
        self.get: Callable[[object], Any] = getter if len(self.names) != 1 else (lambda obj: (getter(obj),))


_FIELDS: dict[type, _Fields] = {}


def fields_of(cls: type) -> _Fields:
    """A model class's field names, (name, JSON key) pairs and a getter of all their values."""
    found = _FIELDS.get(cls)
    if found is None:
        found = _FIELDS[cls] = _Fields(cls)
    return found


def json_names(cls: type) -> tuple[tuple[str, str], ...]:
    """(attribute, JSON key) of every field of a model class, in declaration order."""
    return fields_of(cls).pairs


def model_repr(obj: object, *names: str) -> str:
    """A model's repr: `Name(a=1, b='x')` with only the fields that are set (not UNSET) and no
    empty `additional_properties`; short for deep nesting (see REPR_DEPTH). A slot never set
    shows as NOTHING, as in attrs."""
    return _model(obj, names, 0, True)


def full_repr(obj: object) -> str:
    """The repr of a model (or result, list, dict) with every nested level and item shown."""
    return _value(obj, 0, False)


def model_json(obj: Any, indent: int | None = None) -> str:
    """A model as the API's JSON: `to_dict()` serialized (datetimes in ISO 8601)."""
    return json.dumps(obj.to_dict(), indent=indent, ensure_ascii=False, default=_json_default)


def _json_default(value: object) -> Any:
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    to_dict = getattr(value, "to_dict", None)
    return to_dict() if callable(to_dict) else str(value)


def _is_model(value: object) -> bool:
    cls = value.__class__
    return cls.__module__.startswith("cycle_sdk._generated") and hasattr(cls, "__attrs_attrs__")


def _model(obj: object, names: tuple[str, ...], depth: int, short: bool) -> str:
    parts = []
    hidden = False
    for name in names:
        value = getattr(obj, name, NOTHING)
        if value is UNSET or (name == "additional_properties" and not value):
            continue
        if short and depth >= REPR_DEPTH and (_is_model(value) or (isinstance(value, list | dict) and value)):
            hidden = True
            continue
        parts.append(f"{name}={_value(value, depth + 1, short)}")
    if hidden:
        parts.append("...")
    return f"{obj.__class__.__qualname__.rsplit('>.', 1)[-1]}({', '.join(parts)})"


def _value(value: object, depth: int, short: bool) -> str:
    if _is_model(value):
        return _model(value, fields_of(value.__class__).names, depth, short)
    if isinstance(value, list):
        shown = value[:REPR_ITEMS] if short else value
        items = [_value(item, depth, short) for item in shown]
        if len(value) > len(shown):
            items.append(f"... +{len(value) - len(shown)} more")
        return f"[{', '.join(items)}]"
    if isinstance(value, dict):
        entries = list(value.items())
        shown_entries = entries[:REPR_ITEMS] if short else entries
        texts = [f"{key!r}: {_value(item, depth, short)}" for key, item in shown_entries]
        if len(entries) > len(shown_entries):
            texts.append(f"... +{len(entries) - len(shown_entries)} more")
        return "{" + ", ".join(texts) + "}"
    if isinstance(value, datetime.datetime):
        return f"datetime({value.isoformat()})"
    if value.__class__.__module__ == "cycle_sdk._result":  # Ok / Err
        inner = getattr(value, "value", None) if getattr(value, "ok", False) else getattr(value, "error", None)
        return f"{value.__class__.__name__}({_value(inner, depth, short)})"
    return repr(value)


__all__ = ["JSON_NAME", "UNSET", "Unset", "fields_of", "full_repr", "json_names", "model_json", "model_repr"]
