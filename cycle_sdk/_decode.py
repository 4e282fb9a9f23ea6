"""Decoding a success body into typed models: json.loads + the generated parse, checked.

The generated `from_dict` methods check every field's JSON type inline (`v.__class__ is str`)
and call the functions here only when a check fails, or for the rarer shapes (timestamps
that `datetime.fromisoformat` rejects, unions tried by shape). A failure raises DecodeError;
each model on the way up adds its field (and list index) to the error's path, so only the
failure path pays for naming the place: `data[3].config.deploy.instances: expected
integer, got string`. The client turns a DecodeError into an Err `0.parse_error`.

Garbage collection: a large list document becomes tens of thousands of small model objects,
each tracked by Python's cyclic collector, which would run many young-generation passes over
them mid-decode (a third of the time for a 1,000-item page). None of these objects form
cycles, so while a body of DECODE_GC_PAUSE_BYTES or more decodes, automatic collection is
held off by setting the first collection threshold to 0 (what gc.set_threshold documents as
disabling collection). `gc.isenabled()`, the caller's own switch, is never touched, so a
caller's gc.disable()/gc.enable() keeps its meaning; the thresholds are put back by the last
of any overlapping decodes (threads share one pause), unless someone changed them meanwhile.
"""

from __future__ import annotations

import datetime
import gc
import json
import logging
import threading
import uuid
from collections.abc import Callable, Mapping
from typing import Any, NoReturn, TypeVar

T = TypeVar("T")

DECODE_GC_PAUSE_BYTES = 64 * 1024

log = logging.getLogger("cycle_sdk")

# --- the body: json.loads + parse, collection held off for large bodies -------------------

_lock = threading.Lock()
_depth = 0
_saved_threshold: tuple[int, int, int] | None = None


def _pause() -> None:
    global _depth, _saved_threshold
    with _lock:
        if _depth == 0:
            saved = gc.get_threshold()
            if saved[0] != 0:
                _saved_threshold = saved
                gc.set_threshold(0, saved[1], saved[2])
            else:
                _saved_threshold = None  # already off (by the caller): nothing to put back
        _depth += 1


def _unpause() -> None:
    global _depth, _saved_threshold
    with _lock:
        _depth -= 1
        if _depth == 0 and _saved_threshold is not None:
            if gc.get_threshold()[0] == 0:  # nobody set their own thresholds meanwhile
                gc.set_threshold(*_saved_threshold)
            _saved_threshold = None


def decode(status: int, body: bytes, parse: Callable[[int, Any], T]) -> T:
    """json.loads then parse; raises what they raise (the caller turns it into an Err)."""
    if len(body) < DECODE_GC_PAUSE_BYTES:
        return parse(status, json.loads(body))
    _pause()
    try:
        return parse(status, json.loads(body))
    finally:
        _unpause()


# --- errors ---------------------------------------------------------------------------------

_JSON_TYPES: dict[type, str] = {
    str: "string",
    int: "integer",
    float: "number",
    bool: "boolean",
    list: "array",
    dict: "object",
    type(None): "null",
}


def json_type(value: Any) -> str:
    """The JSON type name of a decoded JSON value (`string`, `integer`, ..., `null`)."""
    name = _JSON_TYPES.get(type(value))
    if name is not None:
        return name
    for kind, kind_name in _JSON_TYPES.items():  # subclasses (a str enum, say)
        if isinstance(value, kind):
            return kind_name
    return type(value).__name__


class DecodeError(ValueError):
    """A JSON value that does not fit its schema. `path` is where, from the document's root:
    object keys (str) and list indexes (int); str() reads `data[3].name: expected string, got integer`."""

    def __init__(self, message: str, origin: Any, path: list[str | int] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.origin = origin  # the value that did not fit; each level above finds it in its own value
        self.path: list[str | int] = path or []

    @property
    def location(self) -> str:
        out = ""
        for segment in self.path:
            if isinstance(segment, int):
                out += f"[{segment}]"
            elif segment.isidentifier():
                out += f".{segment}" if out else segment
            else:
                out += f"[{json.dumps(segment)}]"
        return out or "(document)"

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


def _describe(value: Any) -> str:
    return json_type(value)


def mismatch(value: Any, expected: str) -> NoReturn:
    raise DecodeError(f"expected {expected}, got {_describe(value)}", value)


def _find(container: Any, target: Any, depth: int = 0) -> list[str | int] | None:
    """The path from `container` to the object `target` (by identity), through lists and dicts."""
    if container is target:
        return []
    if depth > 64:
        return None
    if container.__class__ is list:
        for index, item in enumerate(container):
            found = _find(item, target, depth + 1)
            if found is not None:
                return [index, *found]
    elif container.__class__ is dict:
        for key, item in container.items():
            found = _find(item, target, depth + 1)
            if found is not None:
                return [key, *found]
    return None


def failure(exc: BaseException, obj: Any, src: Any, fields: tuple[tuple[str, str], ...]) -> DecodeError:
    """Turn what a model's from_dict raised into a DecodeError whose path starts at this model.

    Fields are set on the new instance in `fields` order, so the first one still unset is the
    one that failed (or additional_properties, when they all are). A source that is not a
    mapping is reported here rather than checked on every call: its first lookup failed."""
    if not isinstance(src, Mapping):
        return DecodeError(f"expected object, got {_describe(src)}", src)
    key: str | None = None
    for attr, name in fields:
        try:
            getattr(obj, attr)
        except AttributeError:
            key = name
            break
    if key is None:  # typed additional properties: the value is one of the unknown keys
        known = {name for _, name in fields}
        origin = exc.origin if isinstance(exc, DecodeError) else None
        for name, value in src.items():
            if name not in known:
                found = _find(value, origin)
                if found is not None:
                    key = name
                    break
    if isinstance(exc, DecodeError):
        err = exc
        if key is not None:
            found = _find(src.get(key), err.origin) if key in src else None
            err.path[:0] = [key, *(found or [])]
    elif isinstance(exc, KeyError) and key is not None and key not in src:
        err = DecodeError("required property missing", src, [key])
    else:
        err = DecodeError(f"{type(exc).__name__}: {exc}", src, [] if key is None else [key])
    err.origin = src
    return err


# --- checks the generated code calls when its inline check fails -------------------------------


def as_object(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    if isinstance(value, Mapping):
        return dict(value)
    mismatch(value, "object")


def string(value: Any) -> Any:
    if isinstance(value, str):
        return value
    mismatch(value, "string")


def integer(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():  # JSON Schema: 3.0 is an integer
        return int(value)
    mismatch(value, "integer")


def number(value: Any) -> Any:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    mismatch(value, "number")


def boolean(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    mismatch(value, "boolean")


def null(value: Any) -> Any:
    if value is None:
        return value
    mismatch(value, "null")


# What a Literal enum's value is checked against (`v.__class__ is ENUM_STR`), typed loosely:
# `v.__class__ is str` would narrow v to str, and a type checker refuses str for the
# Literal-typed field (a value the spec does not list yet is kept as its string, by design).
ENUM_STR: type[Any] = str
ENUM_INT: type[Any] = int


def array(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    mismatch(value, "array")


def const(value: Any, expected: Any) -> Any:
    if value == expected and type(value) is type(expected):
        return value
    raise DecodeError(f"expected {json.dumps(expected)}, got {_describe(value)}", value)


def _fallback_time(value: Any, kind: str, parse: Callable[[str], Any]) -> Any:
    if not isinstance(value, str):
        mismatch(value, kind)
    try:
        return parse(value)
    except (ValueError, OverflowError):
        # The value is not quoted: it is data, which may hold anything (a secret, say).
        raise DecodeError(f"expected {kind}, got a string that is not one", value) from None


def _isoparse(value: str) -> datetime.datetime:
    # python-dateutil reads the RFC 3339 / ISO 8601 forms fromisoformat does not (a lowercase
    # "z", 24:00, ordinal dates); imported on first use, as fromisoformat reads nearly all.
    from dateutil.parser import isoparse

    return isoparse(value)


def datetime_fallback(value: Any) -> datetime.datetime:
    """A timestamp datetime.fromisoformat rejected: python-dateutil's isoparse, or DecodeError."""
    return _fallback_time(value, "date-time", _isoparse)  # type: ignore[no-any-return]


def date_fallback(value: Any) -> datetime.date:
    return _fallback_time(value, "date", lambda v: _isoparse(v).date())  # type: ignore[no-any-return]


fromisoformat = datetime.datetime.fromisoformat
date_fromisoformat = datetime.date.fromisoformat


def parse_datetime(value: Any) -> datetime.datetime:
    try:
        return fromisoformat(value)
    except (TypeError, ValueError):
        return datetime_fallback(value)


def parse_date(value: Any) -> datetime.date:
    try:
        return date_fromisoformat(value)
    except (TypeError, ValueError):
        return date_fallback(value)


def parse_uuid(value: Any) -> uuid.UUID:
    if not isinstance(value, str):
        mismatch(value, "uuid")
    try:
        return uuid.UUID(value)
    except ValueError:
        raise DecodeError("expected uuid, got a string that is not one", value) from None


def first_fit(value: Any, decoders: tuple[Callable[[Any], Any], ...], expected: str) -> Any:
    """A union whose members cannot be told apart by type or discriminator: the first that fits."""
    for decoder in decoders:
        try:
            return decoder(value)
        except DecodeError:
            continue
    raise DecodeError(f"expected {expected}, got {_describe(value)} that fits none of them", value)


# --- additional properties -----------------------------------------------------------------------


class NoAdditionalProperties(dict[str, Any]):
    """The `additional_properties` of a decoded model that has no unknown keys: one empty dict
    shared by all of them, read-only, instead of an empty dict made (and freed) per object,
    which was about 6% of a large decode. It reads, compares and serialises as `{}`, and a copy
    (copy.copy, copy.deepcopy, `.copy()`, `dict(...)`) is a dict of its own;
    what would leave it empty behaves as on `{}` (`pop(k, d)`, `clear()`); adding a key raises
    TypeError. `model[key] = value` works: it gives that model a dict of its own first."""

    __slots__ = ()

    def _read_only(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError(
            "this decoded model's additional_properties is a shared, read-only empty dict; "
            "use model[key] = value, or assign model.additional_properties = {...}"
        )

    __setitem__ = _read_only

    def setdefault(self, key: str, default: Any = None) -> Any:  # empty: it would always add
        self._read_only()

    def update(self, *args: Any, **kwargs: Any) -> None:
        if args or kwargs:
            other = dict(*args, **kwargs)
            if other:
                self._read_only()

    def __ior__(self, other: Any) -> NoAdditionalProperties:  # type: ignore[override,misc]
        if other:
            self._read_only()
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (_no_additional_properties, ())

    # A copy is for changing: a dict of its own, as `.copy()` and `dict(...)` give.
    def __copy__(self) -> dict[str, Any]:
        return {}

    def __deepcopy__(self, memo: Any) -> dict[str, Any]:
        return {}


def _no_additional_properties() -> NoAdditionalProperties:
    return NO_ADDITIONAL_PROPERTIES  # type: ignore[return-value]


NO_ADDITIONAL_PROPERTIES: dict[str, Any] = NoAdditionalProperties()


# --- discriminated unions ------------------------------------------------------------------------


class UnknownVariant(dict[str, Any]):
    """An object of a discriminated union whose discriminator value this SDK does not know:
    a variant the API added after the SDK was generated. It is the object as sent (a dict
    subclass, so it serialises and compares as the dict it is); `property_name` names the
    discriminating property and `value` is its value."""

    __slots__ = ("property_name",)

    def __init__(self, raw: Mapping[str, Any], property_name: str) -> None:
        super().__init__(raw)
        self.property_name = property_name

    @property
    def value(self) -> Any:
        return self.get(self.property_name)

    def to_dict(self) -> dict[str, Any]:
        return dict(self)

    def __repr__(self) -> str:
        return f"UnknownVariant({self.property_name}={self.value!r}, {dict.__repr__(self)})"


def unknown_variant(value: dict[str, Any], property_name: str, found: Any, where: str) -> UnknownVariant:
    """`value[property_name]` matched no variant: wrong type or missing is a DecodeError, an
    unknown string is kept whole as UnknownVariant (and logged at DEBUG)."""
    if property_name not in value:
        raise DecodeError("required property missing", value, [property_name])
    if not isinstance(found, str):
        raise DecodeError(f"expected string, got {_describe(found)}", value, [property_name])
    log.debug("%s: unknown %s %r (newer than this SDK), kept as UnknownVariant", where, property_name, found)
    return UnknownVariant(value, property_name)


__all__ = [
    "DECODE_GC_PAUSE_BYTES",
    "ENUM_INT",
    "ENUM_STR",
    "NO_ADDITIONAL_PROPERTIES",
    "DecodeError",
    "NoAdditionalProperties",
    "UnknownVariant",
    "array",
    "as_object",
    "boolean",
    "const",
    "date_fallback",
    "date_fromisoformat",
    "datetime_fallback",
    "decode",
    "failure",
    "first_fit",
    "fromisoformat",
    "integer",
    "json_type",
    "mismatch",
    "null",
    "number",
    "parse_date",
    "parse_datetime",
    "parse_uuid",
    "string",
    "unknown_variant",
]
