"""Types shared by the hand-written core and the generated code."""

from __future__ import annotations

import datetime
import json
from typing import Any, Literal

from attrs import NOTHING


class Unset:
    """The type of UNSET: an argument the caller did not give (distinct from None, a JSON null)."""

    __slots__ = ()

    def __bool__(self) -> Literal[False]:
        return False

    def __repr__(self) -> str:
        return "UNSET"


# Typed Any, so that an optional typed-dict argument can be declared as the typed dict alone
# (`filter: GetEnvironmentsFilterParam = UNSET`): a union with Unset would hide from mypy and
# pyright which key of a dict literal is wrong. `isinstance(x, Unset)` tells it apart as before.
UNSET: Any = Unset()

# A default repr stays short: models nested deeper than this show their plain fields only
# (`Foo(id='x', ...)`), and lists show their first items. full_repr() shows everything.
REPR_DEPTH = 2
REPR_ITEMS = 5


def model_repr(obj: object, *names: str) -> str:
    """A generated model's repr: `Name(a=1, b='x')` with only the fields that are set (not
    UNSET) and no empty `additional_properties`; short for deep nesting (see REPR_DEPTH).
    A slot never set shows as NOTHING, as in attrs."""
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


def _field_names(value: object) -> tuple[str, ...]:
    return tuple(f.name for f in value.__class__.__attrs_attrs__)  # type: ignore[attr-defined]


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
        return _model(value, _field_names(value), depth, short)
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


__all__ = ["UNSET", "Unset", "full_repr", "model_json", "model_repr"]
