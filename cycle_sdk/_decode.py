"""Decoding a success body into typed models: msgspec, from bytes straight into the attrs models.

msgspec reads each model's annotations and builds its instances itself, checking every JSON type
in C (`true` is not an integer, `5.0` is not one either, a required key must be there). What it
cannot do alone is done here, once per response type, when its decoder is first built:

- names: a model module imports the models and enums its annotations name only for type
  checkers; they are evaluated here (the models imported on first use, the model of a map of
  free keys at its first entry, an enum read as its JSON type: a value newer than the spec is
  kept), and each class's annotations are then
  replaced by what msgspec is to decode, evaluated (its "view");
- what msgspec decodes differently from what the model holds, finished in Python: a union it
  cannot tell apart alone (`OneOf`, read as `msgspec.Raw` and decided here by the JSON type,
  the discriminator, or the member that declares the object's keys), a model of free keys
  (`MapModel`, read as a dict), a model whose JSON keys are not its field names (read as a
  msgspec Struct of the JSON keys). These are finished in one pass over the decoded value once
  msgspec is done (a "walker" written out per response type, down to each such field), not by
  an `__attrs_post_init__` that msgspec would call from C for every object holding one;
- errors: msgspec's are turned into DecodeError with the JSON path in the SDK's form
  (`data[3].config.deploy.instances: expected integer, got string`), map keys included, which
  msgspec leaves out (`[...]`); this runs only when a body does not fit;
- timestamps msgspec's RFC 3339 parser rejects are read by python-dateutil's isoparse (`24:00`,
  ordinal dates), then the body is decoded again.

Garbage collection is left to run as it would: a page of models is tens of thousands of objects
the collector tracks, and it looks at them in small young collections while they are made,
on objects still in the cache. Holding it off for the decode (as this module once did) only
deferred that work to one collection over all of them at the caller's next allocations, which
cost an application that keeps the result more than the collections it skipped (`make bench`,
GC on with the result held).
"""

from __future__ import annotations

import datetime
import json
import logging
import math
import re
import sys
import threading
import typing
import uuid
from collections.abc import Callable, Mapping
from importlib import import_module
from types import ModuleType, UnionType
from typing import Any, Generic, Literal, TypeVar, get_args, get_origin

import attrs
import msgspec

from ._types import JSON_NAME, UNSET, Unset, fields_of, json_names, model_json, model_repr

T = TypeVar("T")
Self = TypeVar("Self", bound="Model")
V = TypeVar("V")

log = logging.getLogger("cycle_sdk")


# --- errors -----------------------------------------------------------------------------------------


class DecodeError(ValueError):
    """A JSON value that does not fit its schema. `path` is where, from the document's root:
    object keys (str) and list indexes (int); str() reads `data[3].name: expected string, got integer`."""

    def __init__(self, message: str, origin: Any = None, path: list[str | int] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.origin = origin
        self.path: list[str | int] = path or []
        self.timestamp: str | None = None  # "date-time" or "date": a string msgspec's parser rejected

    def at(self, *prefix: str | int) -> DecodeError:
        """The same error seen from `prefix` levels up."""
        self.path[:0] = prefix
        return self

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


class InvalidJSON(json.JSONDecodeError):
    """A body that is not JSON (RFC 8259: NaN and Infinity are not), with where it breaks.

    A `json.JSONDecodeError`, as the stdlib decoder's error was, so code that catches it (or reads
    an `Err`'s cause as one) keeps working; `pos` is the byte offset (0 where unknown), and the
    message is the SDK's, not reformatted with a line and column."""

    def __init__(self, message: str, pos: int = 0) -> None:
        ValueError.__init__(self, message)
        self.msg = message
        self.doc = ""  # the body is not kept: it is the server's data, possibly large
        self.pos = max(pos, 0)
        self.lineno = 1
        self.colno = self.pos + 1

    def __reduce__(self) -> tuple[type[InvalidJSON], tuple[str, int]]:
        return self.__class__, (self.msg, self.pos)


def json_type(value: Any) -> str:
    """The JSON type name of a decoded JSON value (`string`, `integer`, ..., `null`)."""
    if value is None:
        return "null"
    for kind, name in ((bool, "boolean"), (int, "integer"), (float, "number"), (str, "string"), (list, "array")):
        if isinstance(value, kind):
            return name
    return "object" if isinstance(value, Mapping) else type(value).__name__


# --- what generated code declares --------------------------------------------------------------------


class OneOf:
    """A union msgspec cannot decide alone, declared by a model module (for type checkers the
    same name is the union itself). `expr` is the union's members as annotation text, in the
    spec's order; `tag` and `variants` are its discriminator (the property, and each value's
    member), when it has one: an object is then decoded as the member its tag names, or kept
    whole as UnknownVariant for a value this SDK does not know. Without one, an object is the
    first object member that fits, and every other JSON type goes to its one member."""

    __slots__ = ("_union", "expr", "module", "tag", "variants")

    def __init__(self, expr: str, tag: str | None = None, variants: Mapping[str, str] | None = None) -> None:
        self.expr = expr
        self.tag = tag
        self.variants = dict(variants or {})
        self.module: ModuleType | None = None  # the module declaring it (set by _Names)
        self._union: _Union | None = None

    def __repr__(self) -> str:
        return f"OneOf({self.expr!r})"


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


# --- the models' base classes ---------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """A field's value as JSON-ready Python: models as dicts, timestamps as ISO 8601 text."""
    if value is None or value.__class__ in (str, int, float, bool):
        return value
    if isinstance(value, Model):
        return value.to_dict()
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


class Model:
    """The base of every generated model. Subclasses are attrs classes (`attrs.fields()` works
    on them) whose methods come from here."""

    __slots__ = ()

    def to_dict(self) -> dict[str, Any]:
        """The model as the API's JSON object (Python values): keys are the API's names, UNSET
        fields are left out, nested models are dicts and timestamps ISO 8601 strings."""
        out: dict[str, Any] = {}
        for (_, key), value in zip(fields_of(self.__class__).pairs, fields_of(self.__class__).get(self), strict=True):
            if value is not UNSET:
                out[key] = _plain(value)
        return out

    def to_json(self, *, indent: int | None = None) -> str:
        """The model as the API's JSON (`to_dict()`, serialized)."""
        return model_json(self, indent)

    @classmethod
    def from_dict(cls: type[Self], src_dict: Mapping[str, Any]) -> Self:
        """Decode a JSON object (as Python values); raises cycle_sdk.DecodeError (a ValueError
        naming the JSON path) if it does not fit, as a response body would."""
        return decode_value(cls, src_dict)  # type: ignore[no-any-return]

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        get = fields_of(self.__class__).get
        return bool(get(self) == get(other))

    def __repr__(self) -> str:
        return model_repr(self, *fields_of(self.__class__).names)

    def __str__(self) -> str:
        return model_json(self, 2)


class MapModel(Model, Generic[V]):
    """A model that is a JSON object of free keys (its schema's `additionalProperties`): its
    entries are `additional_properties`, also read and written as `model[key]`, beside the
    properties it declares (if any) as fields."""

    __slots__ = ()

    additional_properties: dict[str, V]

    def to_dict(self) -> dict[str, Any]:
        out = {key: _plain(value) for key, value in self.additional_properties.items()}
        for (name, key), value in zip(
            fields_of(self.__class__).pairs, fields_of(self.__class__).get(self), strict=True
        ):
            if value is not UNSET and name != "additional_properties":
                out[key] = _plain(value)
        return out

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties)

    def __getitem__(self, key: str) -> V:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: V) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: object) -> bool:
        return key in self.additional_properties


class Document(Model):
    """The base of a success response's model: one decoded from a body keeps that body, which
    cycle_sdk.raw_json() reads (every key the API sent, those newer than this SDK included)."""

    __slots__ = ("_source",)
    _source: bytes


# --- entry points ------------------------------------------------------------------------------------


def decode_as(tp: type[T], body: bytes) -> T:
    """A response body decoded into `tp` (a model class); raises DecodeError or InvalidJSON."""
    plan = _PLANS.get(tp) or _plan(tp)
    try:
        value = plan.decode(body)
    except (msgspec.ValidationError, msgspec.DecodeError):
        value = _decode_slowly(tp, body)
    else:
        if plan.finish is not None:
            value = plan.finish(value)
    if isinstance(value, Document):
        value._source = body
    return value  # type: ignore[no-any-return]


def decode_value(tp: Any, value: Any) -> Any:
    """A JSON value held as Python values (a dict from json.loads, say) decoded into `tp`, with
    the same checks as a body (from_dict)."""
    if isinstance(value, Mapping) and not isinstance(value, dict):
        value = dict(value)
    try:
        try:
            body = msgspec.json.encode(value)
        except UnicodeEncodeError:  # a lone surrogate, which UTF-8 cannot hold: written as its JSON escape
            body = json.dumps(value, ensure_ascii=True).encode()
    except (TypeError, ValueError, msgspec.EncodeError) as exc:
        raise DecodeError(f"not a JSON value ({exc})", value) from None
    if b"null" in body:  # msgspec writes a float NaN or infinity as null: not the value given
        where = _non_finite(value)
        if where is not None:
            number = json.dumps(_at(value, where), allow_nan=True)
            raise DecodeError(f"{number} is not a JSON number (RFC 8259 has no NaN or Infinity)", value, where)
    if isinstance(tp, type) and issubclass(tp, Document):
        body = memoryview(body).tobytes()  # kept by the result: msgspec's buffer is larger than its bytes
    return decode_as(tp, body)


def decode_json(body: bytes) -> Any:
    """The JSON document as Python values, strictly: NaN, Infinity and numbers past a double's
    range are refused (InvalidJSON, DecodeError)."""
    try:
        return msgspec.json.decode(body)
    except (msgspec.ValidationError, msgspec.DecodeError):  # a number out of range, not JSON, a lone surrogate
        return _decode_slowly(Any, body)


def raw_json(document: object) -> Any:
    """The JSON a response model was decoded from, as Python values: every key the API sent,
    those this SDK does not know yet included (`raw_json(res.value)["data"]["new_field"]`)."""
    source = getattr(document, "_source", None) if isinstance(document, Document) else None
    if source is None:
        raise ValueError(
            f"{type(document).__name__} was not decoded from a response body: raw_json() takes a "
            "response's value (res.value), not a model inside it or one made in Python"
        )
    return decode_json(source)


# --- plans: one msgspec decoder per type, and what finishes its value ---------------------------------


class _Plan:
    __slots__ = ("decode", "finish", "view")

    def __init__(self, view: Any, finish: Callable[[Any], Any] | None) -> None:
        self.view = view
        self.finish = finish
        self.decode: Callable[[bytes], Any] = msgspec.json.Decoder(view).decode


_PLANS: dict[Any, _Plan] = {}
_build_lock = threading.RLock()


def _plan(tp: Any) -> _Plan:
    with _build_lock:
        found = _PLANS.get(tp)
        if found is None:
            # Every class the type reaches is made ready before msgspec sees any of them: msgspec
            # keeps what it reads of a class (its annotations) for good.
            ready = set(_READY)
            try:
                _reach(tp)
                found = _PLANS[tp] = _Plan(_view(tp), _finisher(tp))
            except BaseException:
                _READY.intersection_update(ready)  # not half-ready: the next attempt fails the same way
                raise
        return found


def _decode_bytes(tp: Any, data: bytes | msgspec.Raw) -> Any:
    plan = _PLANS.get(tp) or _plan(tp)
    try:
        value = plan.decode(data)
    except (msgspec.ValidationError, msgspec.DecodeError):
        return _decode_slowly(tp, data)
    return value if plan.finish is None else plan.finish(value)


# How many timestamps in one body dateutil may read before the body is given up on (each is a
# decode of the whole body again).
MAX_TIMESTAMP_FIXES = 64


def _decode_slowly(tp: Any, data: bytes | msgspec.Raw) -> Any:
    """The path of a body msgspec refused: name the place, or read the timestamps msgspec's
    RFC 3339 parser rejects with dateutil and try again."""
    plan = _PLANS.get(tp) or _plan(tp)
    data = bytes(data)  # a union member's msgspec.Raw too
    tree: list[Any] | None = None  # the document, in a list: a timestamp may be all of it
    error = DecodeError("too many timestamps that need dateutil")
    for _ in range(MAX_TIMESTAMP_FIXES + 1):
        try:
            value = plan.decode(data)
        except msgspec.ValidationError as exc:
            if tree is None:
                loose = _loose_tree(data)
                tree = None if loose is None else [loose]
            error = _locate(exc, tp, None if tree is None else tree[0])
        except msgspec.DecodeError as exc:
            marked = _mark_lone_surrogates(data)
            if marked is None:
                raise _invalid_json(exc, data) from None
            return _decode_marked(tp, *marked)
        else:
            return value if plan.finish is None else plan.finish(value)
        if error.timestamp is None or tree is None or not _read_timestamps(tree, error.path, error.timestamp):
            raise error
        data = json.dumps(tree[0], allow_nan=True).encode()  # ASCII: a lone surrogate stays an escape
    raise error


def _loose_tree(data: bytes) -> Any:
    """The body as Python values, read by the standard library (NaN and 1e400 read too, so
    that the value they are can be found); None if even that fails."""
    try:
        return json.loads(data)
    except (ValueError, RecursionError):
        return None


# --- names: what a model module's annotations mean ------------------------------------------------------

_MODULES: dict[str, dict[str, Any]] = {}  # module -> the real objects of the names its annotations use


class _Names(dict[str, Any]):
    """The names a model module's annotations use, for eval: the models and enums of its
    package (imported on first use), its OneOf unions, UnknownVariant. Anything else falls
    through to the module's globals (datetime, Any, Unset) and the builtins."""

    def __init__(self, module: ModuleType) -> None:
        super().__init__()
        self.module = module
        self.package = module.__name__.rsplit(".models.", 1)[0] + ".models"
        try:
            index = sys.modules.get(self.package + "._index") or import_module(self.package + "._index")
        except ImportError:  # a subclass declared outside a generated package: its own globals only
            index = None
        self.index: dict[str, str] = getattr(index, "MODULES", {})
        self.enums: dict[str, str] = getattr(index, "ENUMS", {})

    def __missing__(self, name: str) -> Any:
        own = self.module.__dict__.get(name)
        if isinstance(own, OneOf):
            own.module = self.module
            self[name] = own
            return own
        kind = self.enums.get(name)
        if kind is not None:  # an enum: any value of its JSON type (the API adds values before the spec)
            value: Any = int if kind == "int" else str
            self[name] = value
            return value
        target = self.index.get(name)
        if target is not None:
            value = getattr(import_module(target, self.package), name)
            self[name] = value
            return value
        if name == "UnknownVariant":
            return UnknownVariant
        raise KeyError(name)


def _names(module: ModuleType) -> _Names:
    names = _MODULES.get(module.__name__)
    if not isinstance(names, _Names):
        names = _Names(module)
        _MODULES[module.__name__] = names
    return names


_CODE: dict[str, Any] = {}


def _evaluate(text: str, module: ModuleType) -> Any:
    code = _CODE.get(text)
    if code is None:
        code = _CODE[text] = compile(text, "<annotation>", "eval")
    return eval(code, module.__dict__, _names(module))


_OWN_HINTS: dict[type, dict[str, Any]] = {}
_HINTS: dict[type, dict[str, Any]] = {}


def _own_hints(cls: type) -> dict[str, Any]:
    """The types a class's own annotations name (the models and enums: not views), evaluated
    once: _reach then gives msgspec the views in their place."""
    found = _OWN_HINTS.get(cls)
    if found is None:
        notes = cls.__dict__.get("__annotations__") or {}  # noqa: RUF063  (the class's own; inspect's is slower)
        module = sys.modules[cls.__module__]
        names = {field.name for field in attrs.fields(cls)}
        later = _later_entries(cls, names, notes.get("additional_properties"), module)
        found = _OWN_HINTS[cls] = {
            name: _evaluate(text, module) if isinstance(text, str) else text
            for name, text in notes.items()
            if name in names and (name != "additional_properties" or later is None)
        }
        if later is not None:
            found["additional_properties"] = dict[str, later]  # type: ignore[valid-type]
    return found


class _Later:
    """The model class a map of free keys holds, named but not imported yet: each entry is read
    as msgspec.Raw and decoded by that class's own decoder, built (its module imported) at the
    first entry. A map of models is often empty (no ACL roles yet, no included creators), and
    its model's tree is then never loaded."""

    __slots__ = ("_cls", "module", "name")

    def __init__(self, name: str, module: ModuleType) -> None:
        self.name = name
        self.module = module
        self._cls: type | None = None

    @property
    def cls(self) -> type:
        found = self._cls
        if found is None:
            found = self._cls = _names(self.module)[self.name]
        return found

    def __repr__(self) -> str:
        return f"_Later({self.name!r})"


_MAP_OF_MODELS = re.compile(r"dict\[str, (\w+)\]")


def _later_entries(cls: type, names: set[str], text: Any, module: ModuleType) -> _Later | None:
    """A _Later for the entries of a map of free keys that holds one model class and declares
    nothing else (declared properties are read from the same map: their class is needed)."""
    if names != {"additional_properties"} or not isinstance(text, str) or not issubclass(cls, MapModel):
        return None
    found = _MAP_OF_MODELS.fullmatch(text)
    if found is None:
        return None
    index = _names(module)
    if found.group(1) not in index.index or found.group(1) in index.enums:
        return None
    return _Later(found.group(1), module)


def _hints(cls: type) -> dict[str, Any]:
    """A model class's fields and their types (its bases' fields first), as the models and enums they name."""
    found = _HINTS.get(cls)
    if found is None:
        found = {}
        for base in reversed(cls.__mro__):
            if attrs.has(base) and "__annotations__" in base.__dict__:
                found.update(_own_hints(base))
        _HINTS[cls] = found
    return found


# --- reaching every class a type decodes into ------------------------------------------------------------

_READY: set[type] = set()


def _reach(tp: Any) -> None:
    """Make ready every model class under `tp`: names bound, annotations made views."""
    if isinstance(tp, OneOf | _Later):  # read as Raw: made ready when one is first decoded
        return
    if isinstance(tp, type) and issubclass(tp, Model) and attrs.has(tp):
        if tp in _READY:
            return
        _READY.add(tp)
        hints = _hints(tp)
        if issubclass(tp, MapModel):
            entry = get_args(hints["additional_properties"])[1]
            odd = [n for n, h in hints.items() if n != "additional_properties" and _without_unset(h) != entry]
            if odd:
                raise TypeError(f"{tp.__name__}: properties {odd} differ in type from its free keys' {entry}")
        for base in tp.__mro__:  # what msgspec reads: each field's view, evaluated (no name to look up)
            if attrs.has(base) and "__annotations__" in base.__dict__:
                base.__annotations__ = {name: _view(hint) for name, hint in _own_hints(base).items()}
        for hint in hints.values():
            _reach(hint)
        return
    for arg in get_args(tp):
        _reach(arg)


_WALKERS: dict[type, Callable[[Any], Any]] = {}
_NEEDS: dict[type, bool] = {}


def _scan(hint: Any, models: list[type]) -> bool:
    """Whether a value of this hint needs finishing itself (a union read as Raw, a map read as a
    dict, a renamed model read as a Struct); the plain model classes it holds go to `models`."""
    if isinstance(hint, OneOf | _Later):
        return True
    if isinstance(hint, type) and issubclass(hint, Model):
        if issubclass(hint, MapModel) or _json_keys(hint):
            return True
        models.append(hint)
        return False
    return any([_scan(arg, models) for arg in get_args(hint)])


def _subtree_needs(cls: type) -> bool:
    """Whether anything under a plain model class needs finishing once msgspec has made it."""
    found = _NEEDS.get(cls)
    if found is None:
        found, seen, stack = False, set(), [cls]
        while stack and not found:
            here = stack.pop()
            if here in seen:
                continue
            seen.add(here)
            for hint in _hints(here).values():
                if _scan(hint, stack):
                    found = True
                    break
        _NEEDS[cls] = found
    return found


def _needs(hint: Any) -> bool:
    models: list[type] = []
    return _scan(hint, models) or any(_subtree_needs(m) for m in models)


def _one_member(hint: Any) -> Any:
    """The one member of a union beside None and UNSET (the hint itself if no union); None if several."""
    members = get_args(hint) if get_origin(hint) in (typing.Union, UnionType) else (hint,)
    rest = [m for m in members if m is not Unset and m is not type(None)]
    return rest[0] if len(rest) == 1 else None


def _plain_model(tp: Any) -> type | None:
    if isinstance(tp, type) and issubclass(tp, Model) and not issubclass(tp, MapModel) and not _json_keys(tp):
        return tp
    return None


# How deep a walker writes out the walks of the models under its own before calling theirs.
_INLINE_DEPTH = 6


def _walker(cls: type) -> Callable[[Any], Any]:
    """What finishes a plain model's subtree once msgspec has made it: its unions read as Raw,
    its maps read as dicts, and so on down, in place; it returns the model. msgspec would call
    an __attrs_post_init__ for each object (a call from C per object holding one such field);
    this is one pass over the decoded value, written out for the class (as attrs writes its
    methods), the models on the way written out inside it: a field holding a map, the commonest
    case, is two attribute reads and a class test."""
    found = _WALKERS.get(cls)
    if found is not None:
        return found
    scope: dict[str, Any] = {"UNSET": UNSET, "DecodeError": DecodeError, "_new": object.__new__, "_index": _index}
    later: list[tuple[str, Any]] = []  # names in scope bound once this walker is registered (recursion)
    lines = _walk_lines(cls, "o", 0, [cls], scope, later)
    source = "def walk(o):\n" + "".join(f"    {line}\n" for line in lines) + "    return o\n"
    exec(compile(source, f"<finishing {cls.__qualname__}>", "exec"), scope)
    walk: Callable[[Any], Any] = scope["walk"]
    _WALKERS[cls] = walk
    for name, tp in later:
        scope[name] = _finisher(tp)
    return walk


def _walk_lines(
    cls: type, var: str, depth: int, inside: list[type], scope: dict[str, Any], later: list[tuple[str, Any]]
) -> list[str]:
    """The lines that finish the model in `var` (of class `cls`), each field's errors seen from it."""

    def bind(kind: str, value: Any, now: bool) -> str:
        name = f"{kind}{len(scope)}"
        if now:
            scope[name] = value
        else:
            later.append((name, value))
            scope[name] = None
        return name

    def guarded(body: list[str], *at: str) -> list[str]:
        return [
            "try:",
            *(f"    {line}" for line in body),
            "except DecodeError as exc:",
            f"    raise exc.at({', '.join(at)}) from None",
        ]

    def model_lines(model: type, value: str) -> list[str]:
        if model in inside or depth + 1 >= _INLINE_DEPTH:
            return [f"{bind('W', model, now=False)}({value})"]
        return _walk_lines(model, value, depth + 1, [*inside, model], scope, later) or ["pass"]

    lines: list[str] = []
    v = f"v{depth}"
    for name, hint in _hints(cls).items():
        if not _needs(hint):
            continue
        lines.append(f"{v} = {var}.{name}")
        member = _one_member(hint)
        wrapped = _map_class(hint)
        if wrapped is not None and list(_hints(wrapped)) == ["additional_properties"]:
            lines += [f"if {v}.__class__ is dict:", f"    m = _new({bind('C', wrapped, now=True)})"]
            entries = _hints(wrapped)["additional_properties"]
            if not _needs(entries):
                lines.append(f"    m.additional_properties = {v}")
            else:  # an empty map (the common case) has no entry to finish
                finish = bind("E", entries, now=False)
                lines += [
                    f"    {line}"
                    for line in guarded([f"m.additional_properties = {finish}({v}) if {v} else {v}"], repr(name))
                ]
            lines.append(f"    {var}.{name} = m")
        elif (model := _plain_model(member)) is not None:
            lines.append(f"if {v}.__class__ is {bind('C', model, now=True)}:")
            lines += [f"    {line}" for line in guarded(model_lines(model, v), repr(name))]
        elif get_origin(member) is list and (model := _plain_model(get_args(member)[0])) is not None:
            w = f"w{depth}"
            body = [f"for {w} in {v}:", *(f"    {line}" for line in model_lines(model, w))]
            lines.append(f"if {v}.__class__ is list:")
            lines += [f"    {line}" for line in guarded(body, repr(name), f"_index({v}, {w})")]
        else:
            finish = bind("F", hint, now=False)
            lines.append(f"if {v} is not UNSET:")
            lines += [f"    {line}" for line in guarded([f"{var}.{name} = {finish}({v})"], repr(name))]
    return lines


def _index(values: list[Any], value: Any) -> int:
    return next(i for i, item in enumerate(values) if item is value)


def _map_class(hint: Any) -> type | None:
    """The model of free keys a field holds, when it holds one (beside None or UNSET) and no other object."""
    members = get_args(hint) if get_origin(hint) in (typing.Union, UnionType) else (hint,)
    objects = [m for m in members if m is not Unset and _kind_of(m) in ("object", "any")]
    if len(objects) == 1 and isinstance(objects[0], type) and issubclass(objects[0], MapModel):
        return objects[0]
    return None


def _json_keys(cls: type) -> tuple[tuple[str, str], ...]:
    """(field, JSON key) of the fields whose JSON key is not their name; () for most models."""
    return tuple((f.name, f.metadata[JSON_NAME]) for f in attrs.fields(cls) if JSON_NAME in f.metadata)


# --- views: what msgspec decodes, for what the model holds ----------------------------------------------

_VIEWS: dict[Any, Any] = {}


def _view(tp: Any) -> Any:
    return _memo(_VIEWS, tp, _make_view)


def _memo(cache: dict[Any, Any], tp: Any, make: Callable[[Any], Any]) -> Any:
    """cache[tp], made by make(tp) on first use (a type that cannot be hashed is made each time)."""
    try:
        return cache[tp]
    except KeyError:
        found = cache[tp] = make(tp)
        return found
    except TypeError:
        return make(tp)


def _make_view(tp: Any) -> Any:
    if isinstance(tp, OneOf | _Later):
        return msgspec.Raw
    if isinstance(tp, type) and issubclass(tp, Model):
        if issubclass(tp, MapModel):  # its entries: `additional_properties: dict[str, V]`
            return _view(_hints(tp)["additional_properties"])
        if _json_keys(tp):
            return _twin(tp)
        return tp
    origin = get_origin(tp)
    if origin is list:
        return list[_view(get_args(tp)[0])]  # type: ignore[misc]
    if origin is dict:  # JSON object keys are strings
        return dict[str, _view(get_args(tp)[1])]  # type: ignore[misc]
    if origin is typing.Union or origin is UnionType:
        return typing.Union[tuple(_view(arg) for arg in get_args(tp))]  # noqa: UP007
    return tp


# What a msgspec Struct refuses in a renamed field's key (the twin is then a dict of raw values).
_UNRENAMABLE = re.compile(r'["\\\x00-\x1f]')


def _twin(cls: type) -> Any:
    """A msgspec Struct of a model's fields under their JSON keys (msgspec matches a key to an
    attrs field by its name, and `from` cannot be a field's name): msgspec decodes into it,
    _renamed_finisher makes the model of it. A key msgspec will not rename (a quote, a
    backslash or a control character in it) makes it a dict of raw values, decoded by key."""
    keys = dict(json_names(cls))
    if any(_UNRENAMABLE.search(key) for key in keys.values()):
        return dict[str, msgspec.Raw]
    hints = _hints(cls)
    fields = [
        (f.name, _view(hints[f.name]), *(() if f.default is attrs.NOTHING else (f.default,))) for f in attrs.fields(cls)
    ]
    fields.sort(key=len)  # the required ones (no default) first, as a Struct wants
    return msgspec.defstruct(f"{cls.__name__}JSON", fields, rename=keys, kw_only=True)


def _without_unset(tp: Any) -> Any:
    if get_origin(tp) in (typing.Union, UnionType):
        args: list[Any] = [a for a in get_args(tp) if a is not Unset]
        return typing.Union[tuple(args)] if len(args) > 1 else args[0]  # noqa: UP007
    return tp


# --- finishers: a view's value made into what the model holds -------------------------------------------

_FINISHERS: dict[Any, Callable[[Any], Any] | None] = {}


def _finisher(tp: Any) -> Callable[[Any], Any] | None:
    return _memo(_FINISHERS, tp, _make_finisher)  # type: ignore[no-any-return]


def _make_finisher(tp: Any) -> Callable[[Any], Any] | None:
    if isinstance(tp, OneOf):
        return _union(tp)
    if isinstance(tp, _Later):
        return lambda raw: _decode_bytes(tp.cls, raw)
    if isinstance(tp, type) and issubclass(tp, Model):
        if issubclass(tp, MapModel):
            return _map_finisher(tp, _finisher(_hints(tp)["additional_properties"]))
        if _json_keys(tp):
            return _renamed_finisher(tp)
        return _walker(tp) if _subtree_needs(tp) else None
    origin = get_origin(tp)
    if origin is list:
        return _list_finisher(_finisher(get_args(tp)[0]))
    if origin is dict:
        return _dict_finisher(_finisher(get_args(tp)[1]))
    if origin is typing.Union or origin is UnionType:
        # msgspec decodes at most one member per JSON type: the value's class says which.
        by_class: dict[type, Callable[[Any], Any]] = {}
        for arg in get_args(tp):
            finish = _finisher(arg)
            if finish is not None:
                by_class[_json_class(_view(arg))] = finish
        if not by_class:
            return None
        return lambda value: by_class[value.__class__](value) if value.__class__ in by_class else value
    return None


def _json_class(view: Any) -> type:
    """The Python class msgspec gives a value of this view: dict, list, Raw..."""
    origin = get_origin(view) or view
    if origin is dict:
        return dict
    if origin is list:
        return list
    return origin  # type: ignore[no-any-return]


def _list_finisher(item: Callable[[Any], Any] | None) -> Callable[[Any], Any] | None:
    if item is None:
        return None

    def finish(values: list[Any]) -> list[Any]:
        out = []
        for index, value in enumerate(values):
            try:
                out.append(item(value))
            except DecodeError as exc:
                raise exc.at(index) from None
        return out

    return finish


def _dict_finisher(item: Callable[[Any], Any] | None) -> Callable[[Any], Any] | None:
    if item is None:
        return None

    def finish(values: dict[str, Any]) -> dict[str, Any]:
        out = {}
        for key, value in values.items():
            try:
                out[key] = item(value)
            except DecodeError as exc:
                raise exc.at(key) from None
        return out

    return finish


def _map_finisher(cls: Any, entries: Callable[[Any], Any] | None) -> Callable[[Any], Any]:
    declared = [
        (f.name, key, f.default is attrs.NOTHING)
        for f, (_, key) in zip(attrs.fields(cls), json_names(cls), strict=True)
    ]
    declared = [d for d in declared if d[0] != "additional_properties"]
    if not declared:

        def finish(values: dict[str, Any]) -> Any:
            made: Any = object.__new__(cls)
            made.additional_properties = values if entries is None else entries(values)
            return made

        return finish

    # Properties it declares beside its free keys: of the same type (checked in _reach), read from the map.
    def split(values: dict[str, Any]) -> Any:
        made: Any = object.__new__(cls)
        rest = dict(values if entries is None else entries(values))
        for name, key, required in declared:
            if key in rest:
                setattr(made, name, rest.pop(key))
            elif required:
                raise DecodeError("required property missing", None, [key])
            else:
                setattr(made, name, UNSET)
        made.additional_properties = rest
        return made

    return split


def _renamed_finisher(cls: type) -> Callable[[Any], Any]:
    hints = _hints(cls)
    if _view(cls) == dict[str, msgspec.Raw]:
        return _by_key_finisher(cls, hints)
    fields = [(name, key, _finisher(hints[name])) for name, key in json_names(cls)]

    def finish(twin: Any) -> Any:
        made: Any = object.__new__(cls)
        for name, key, item in fields:
            value = getattr(twin, name)
            if item is not None and value is not UNSET:
                try:
                    value = item(value)
                except DecodeError as exc:
                    raise exc.at(key) from None
            setattr(made, name, value)
        return made

    return finish


def _by_key_finisher(cls: type, hints: dict[str, Any]) -> Callable[[Any], Any]:
    required = {f.name for f in attrs.fields(cls) if f.default is attrs.NOTHING}
    fields = [(name, key, _without_unset(hints[name]), name in required) for name, key in json_names(cls)]

    def finish(raws: dict[str, msgspec.Raw]) -> Any:
        made: Any = object.__new__(cls)
        for name, key, tp, needed in fields:
            if key in raws:
                try:
                    setattr(made, name, _decode_bytes(tp, raws[key]))
                except DecodeError as exc:
                    raise exc.at(key) from None
            elif needed:
                raise DecodeError("required property missing", None, [key])
            else:
                setattr(made, name, UNSET)
        return made

    return finish


# --- unions msgspec cannot decide alone ----------------------------------------------------------------

_KIND_BY_BYTE = {ord("{"): "object", ord("["): "array", ord('"'): "string", ord("t"): "boolean", ord("f"): "boolean"}
_KIND_BY_BYTE[ord("n")] = "null"


def _oneof_members(oneof: OneOf) -> list[Any]:
    """The members of a union, in order; a discriminated union's variants as _Lazy (imported
    when an object names one: a page of load balancers need not load every kind there is)."""
    if oneof.module is None:
        raise TypeError(f"{oneof!r} is not bound to a module")
    variants = set(oneof.variants.values())
    members: list[Any] = []
    for text in _split_union(oneof.expr):
        if text in variants:
            members.append(_Lazy(text, oneof.module))
            continue
        union = _evaluate(text, oneof.module)
        if union is None:
            union = type(None)
        members += list(get_args(union)) if get_origin(union) in (typing.Union, UnionType) else [union]
    return [m for m in members if m is not Unset and m is not UnknownVariant]


def _split_union(expr: str) -> list[str]:
    """`A | list[B | C] | None` -> ["A", "list[B | C]", "None"]."""
    parts, depth, start = [], 0, 0
    for index, char in enumerate(expr):
        depth += char == "["
        depth -= char == "]"
        if char == "|" and depth == 0:
            parts.append(expr[start:index].strip())
            start = index + 1
    return [*parts, expr[start:].strip()]


class _Lazy:
    """A union's variant, named, imported on first use."""

    __slots__ = ("module", "name")

    def __init__(self, name: str, module: ModuleType) -> None:
        self.name, self.module = name, module

    def resolve(self) -> Any:
        return _names(self.module)[self.name]


def _kind_of(tp: Any) -> str:
    """The JSON type a member takes."""
    if tp is type(None):
        return "null"
    if tp is Any:
        return "any"
    origin = get_origin(tp)
    if origin is list:
        return "array"
    if origin is dict or (isinstance(tp, type) and issubclass(tp, Model)):
        return "object"
    if origin is Literal:
        return _kind_of(type(get_args(tp)[0]))
    if tp in (str, datetime.datetime, datetime.date, uuid.UUID):
        return "string"
    return {bool: "boolean", int: "integer", float: "number"}.get(tp, "any")


_KEYS = msgspec.json.Decoder(dict[str, msgspec.Raw]).decode  # an object's keys, its values left unread


class _Union:
    """A OneOf's members by the JSON type each takes, and how an object picks its member."""

    def __init__(self, oneof: OneOf, decoders: dict[str, Callable[[Any], Any]]) -> None:
        members = _oneof_members(oneof)
        self.tag = oneof.tag
        self.module = oneof.module
        self.variants: dict[str, Any] = dict(oneof.variants)  # tag value -> class name, then class
        # tag value -> its variant's decode (msgspec's, then the finisher if it has one), once met
        self.decoders = decoders
        self.by_kind: dict[str, list[Any]] = {}
        for member in members:
            self.by_kind.setdefault("object" if isinstance(member, _Lazy) else _kind_of(member), []).append(member)
        numbers = self.by_kind.pop("integer", []) + self.by_kind.pop("number", [])
        if numbers:  # one msgspec union of the numeric members: an int is not a float's only form
            self.by_kind["number"] = [typing.Union[tuple(numbers)]]  # noqa: UP007
        kinds = [k for k in ("object", "string", "number", "boolean", "array", "null") if k in self.by_kind]
        self.expected = " or ".join(_EXPECTED.get(k, k) for k in kinds) or "any value"
        self.any = "any" in self.by_kind
        # An object member's JSON keys (None for a map, which takes any): what _by_keys ranks by.
        self.peek: Callable[[Any], Any] | None = None
        self.keys: dict[Any, frozenset[str] | None] = {}
        if self.tag is None:
            self.keys = {
                m: frozenset(key for _, key in json_names(m)) if _is_model(m) and not issubclass(m, MapModel) else None
                for m in self.by_kind.get("object", [])
            }
        elif _UNRENAMABLE.search(self.tag):
            self.peek = _KEYS
        else:  # a Struct of the tag alone: msgspec skips every other key (a TypedDict misses non-ASCII keys)
            tag_only = msgspec.defstruct("Tag", [("tag", Any, UNSET)], rename={"tag": self.tag})
            self.peek = msgspec.json.Decoder(tag_only).decode

    def __call__(self, raw: msgspec.Raw) -> Any:
        kind = _KIND_BY_BYTE.get(memoryview(raw)[0], "number")
        if kind == "object" and self.peek is not None:
            return self._by_tag(raw)
        members = self.by_kind.get(kind)
        if members is None:
            if self.any:
                return decode_json(bytes(raw))
            got = kind if kind != "number" else json_type(decode_json(bytes(raw)))
            raise DecodeError(f"expected {self.expected}, got {got}")
        if kind == "null":
            return None
        if len(members) == 1:
            return _decode_bytes(members[0], raw)
        if kind == "object":  # told apart by nothing: first the members that declare its keys
            found = _KEYS(raw).keys()
            members = sorted(members, key=lambda m: len(found - k) if (k := self.keys[m]) is not None else len(found))
        for member in members:  # then the first that fits
            try:
                return _decode_bytes(member, raw)
            except DecodeError:
                continue
        names = " or ".join(getattr(m, "__name__", str(m)) for m in members)
        raise DecodeError(f"expected {names}, got {json_type(decode_json(bytes(raw)))} that fits none of them")

    def _by_tag(self, raw: msgspec.Raw) -> Any:
        assert self.peek is not None and self.tag is not None
        found = self.peek(raw)
        value = found.get(self.tag, UNSET) if isinstance(found, dict) else found.tag
        decode = self.decoders.get(value) if value.__class__ is str else None
        if decode is not None:
            try:
                return decode(raw)
            except (msgspec.ValidationError, msgspec.DecodeError):
                pass  # the path below names the place, or reads the timestamps msgspec rejects
        if value is UNSET:
            raise DecodeError("required property missing", None, [self.tag])
        if isinstance(value, msgspec.Raw):
            value = decode_json(bytes(value))
        cls = self.variants.get(value) if isinstance(value, str) else None
        if cls is not None:
            if isinstance(cls, str):
                assert self.module is not None
                cls = self.variants[value] = _names(self.module)[cls]
            plan = _PLANS.get(cls) or _plan(cls)
            self.decoders[value] = plan.decode if plan.finish is None else _then(plan.decode, plan.finish)
            return _decode_bytes(cls, raw)
        if not isinstance(value, str):
            raise DecodeError(f"expected string, got {json_type(value)}", None, [self.tag])
        log.debug("unknown %s %r (newer than this SDK), kept as UnknownVariant", self.tag, value)
        return UnknownVariant(decode_json(bytes(raw)), self.tag)


def _then(decode: Callable[[Any], Any], finish: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda raw: finish(decode(raw))


def _union(oneof: OneOf) -> Callable[[Any], Any]:
    decoders: dict[str, Callable[[Any], Any]] = {}  # tag value -> its variant's decode, once met

    def general(raw: msgspec.Raw) -> Any:
        union = oneof._union
        if union is None:  # built on first use: its members' decoders only once every class is ready
            union = oneof._union = _Union(oneof, decoders)
        return union(raw)

    if oneof.tag is None or _UNRENAMABLE.search(oneof.tag):
        return general
    # An object of a known variant, the common case, in two msgspec calls: its tag, then the
    # variant. Anything else (null, another JSON type, a tag not met yet or that does not fit)
    # goes the general way, which names the place and keeps unknown variants.
    tag_only = msgspec.defstruct("Tag", [("tag", str | msgspec.UnsetType, UNSET)], rename={"tag": oneof.tag})
    peek = msgspec.json.Decoder(tag_only | None).decode

    def finish(raw: msgspec.Raw) -> Any:
        try:
            found = peek(raw)
            decode = decoders.get(found.tag) if found is not None else None
            if decode is not None:
                return decode(raw)
        except (msgspec.ValidationError, msgspec.DecodeError):
            pass
        return general(raw)

    return finish


# --- naming the place a body does not fit --------------------------------------------------------------

_EXPECTED = {
    "str": "string",
    "int": "integer",
    "float": "number",
    "bool": "boolean",
    "datetime": "date-time",
    "number": "number",
}
_SUFFIX = re.compile(r" - at `(\$[^`]*)`$")
_MISMATCH = re.compile(r"^Expected `([^`]*)`, got `([^`]*)`$")
_MISSING = re.compile(r"^Object missing required field `(.*)`$")


def _locate(exc: msgspec.ValidationError, tp: Any, tree: Any) -> DecodeError:
    text = str(exc)
    found = _SUFFIX.search(text)
    where = found.group(1) if found else "$"
    base = text[: found.start()] if found else text
    path, leaf = _resolve(where, tp, tree)
    cause = exc.__cause__
    if isinstance(cause, DecodeError):  # a finisher's error, inside the object msgspec names
        return cause.at(*path)
    error = DecodeError(base, None, path)
    if (m := _MISMATCH.match(base)) is not None:
        wanted = " or ".join(_EXPECTED.get(t, t) for t in m.group(1).split(" | "))
        error.message = f"expected {wanted}, got {_EXPECTED.get(m.group(2), m.group(2))}"
    elif (m := _MISSING.match(base)) is not None:
        error.path.append(m.group(1))
        error.message = "required property missing"
    elif base.startswith("Invalid RFC3339 encoded "):
        error.timestamp = "date-time" if base.endswith("datetime") else "date"
        error.message = f"expected {error.timestamp}, got a string that is not one"
    elif base == "Invalid UUID":
        error.message = "expected uuid, got a string that is not one"
    elif base.startswith("Invalid enum value"):  # the value is data: not quoted back
        values = [v for v in get_args(_without_none(leaf)) if not isinstance(v, type)]
        error.message = f"expected {' or '.join(json.dumps(v) for v in values) or 'another value'}, got another value"
    elif base == "Number out of range":
        error.message = "number out of range (past a double's; JSON numbers here must be finite)"
    return error


def _without_none(tp: Any) -> Any:
    if get_origin(tp) in (typing.Union, UnionType):
        args = [a for a in get_args(tp) if a is not type(None) and a is not Unset]
        return args[0] if len(args) == 1 else tp
    return tp


_STEP = re.compile(r"\[(\d+|\.\.\.)\]")


def _resolve(where: str, tp: Any, tree: Any) -> tuple[list[str | int], Any]:
    """msgspec's `$.data[0].name` as a path, walking the type and the document together: a
    field name may hold `.` or `[`, and a map's key is `[...]`, found here by the entry that
    does not fit."""
    rest = where[1:]
    path: list[str | int] = []
    node: Any = tree
    while rest:
        tp = _member_for(tp, node)
        step = _STEP.match(rest)
        if step is not None:
            rest = rest[step.end() :]
            if step.group(1) != "...":
                index = int(step.group(1))
                path.append(index)
                node = node[index] if isinstance(node, list) and index < len(node) else None
                tp = _item_type(tp)
                continue
            value_type = _value_type(tp)
            key = _failing_key(node, value_type) if isinstance(node, dict) else None
            path.append("..." if key is None else key)
            node = node.get(key) if isinstance(node, dict) and key is not None else None
            tp = value_type
            continue
        if not rest.startswith("."):
            path.append(rest)
            break
        rest = rest[1:]
        names = [key for _, key in json_names(tp)] if _is_model(tp) else []
        names += list(node) if isinstance(node, dict) else []
        fits = [n for n in names if rest.startswith(n) and rest[len(n) : len(n) + 1] in ("", ".", "[")]
        name = max(fits, key=len) if fits else re.split(r"[.\[]", rest, maxsplit=1)[0]
        rest = rest[len(name) :]
        path.append(name)
        node = node.get(name) if isinstance(node, dict) else None
        tp = _field_type(tp, name)
    return path, tp


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, Model) and attrs.has(tp)


def _member_for(tp: Any, node: Any) -> Any:
    """In a union, the member a JSON value of this kind was decoded as."""
    if get_origin(tp) not in (typing.Union, UnionType):
        return tp
    kind = json_type(node) if node is not None else None
    for arg in get_args(tp):
        arg_kind = _kind_of(arg)
        if arg_kind == kind or (arg_kind == "number" and kind == "integer"):
            return arg
    return tp


def _item_type(tp: Any) -> Any:
    return get_args(tp)[0] if get_origin(tp) is list else Any


def _value_type(tp: Any) -> Any:
    if isinstance(tp, type) and issubclass(tp, MapModel):
        tp = _hints(tp)["additional_properties"]
    return get_args(tp)[1] if get_origin(tp) is dict else Any


def _field_type(tp: Any, name: str) -> Any:
    if not _is_model(tp):
        return Any
    for field, key in json_names(tp):
        if key == name:
            return _hints(tp).get(field, Any)
    return Any


def _failing_key(node: dict[str, Any], value_type: Any) -> str | None:
    for key, value in node.items():
        try:
            _decode_bytes(value_type, json.dumps(value, allow_nan=True).encode())
        except (DecodeError, InvalidJSON):
            return key
    return None


# --- timestamps msgspec's parser rejects ----------------------------------------------------------------


def _isoparse(value: str) -> datetime.datetime:
    # python-dateutil reads the RFC 3339 / ISO 8601 forms msgspec does not (24:00, ordinal
    # dates); imported on first use, as msgspec reads nearly all.
    from dateutil.parser import isoparse

    return isoparse(value)


_TIMESTAMP_CHECK = {
    "date-time": msgspec.json.Decoder(datetime.datetime).decode,
    "date": msgspec.json.Decoder(datetime.date).decode,
}


def _read_timestamp(value: Any, kind: str) -> str | None:
    """A timestamp msgspec refuses and dateutil reads, rewritten in RFC 3339; else None."""
    if not isinstance(value, str):
        return None
    try:
        _TIMESTAMP_CHECK[kind](json.dumps(value).encode())
    except msgspec.ValidationError:
        pass
    else:
        return None  # msgspec reads it: not what failed
    try:
        parsed = _isoparse(value)
    except (ValueError, OverflowError):
        return None
    return parsed.isoformat() if kind == "date-time" else parsed.date().isoformat()


def _read_timestamps(holder: list[Any], path: list[str | int], kind: str) -> bool:
    """Rewrite the timestamp at `path` in the document (`holder[0]`: it may be all of it),
    and at the same place in every other item of the lists on the way: a page of 1,000
    objects with one odd field is one retry, not 1,000."""
    return _rewrite(holder, [0, *path], kind) > 0


def _rewrite(node: Any, path: list[str | int], kind: str) -> int:
    head, rest = path[0], path[1:]
    if isinstance(head, int) and isinstance(node, list):
        keys: Any = range(len(node))
    elif isinstance(node, dict) and head in node:
        keys = (head,)
    else:
        return 0
    count = 0
    for key in keys:
        if rest:
            count += _rewrite(node[key], rest, kind)
        elif (fixed := _read_timestamp(node[key], kind)) is not None:
            node[key] = fixed
            count += 1
    return count


# --- lone surrogates ----------------------------------------------------------------------------------------
# JSON may escape a lone UTF-16 surrogate (`"\ud800"`), which json.loads reads into a str and
# msgspec refuses. It is the server's data, so it is kept as sent: a body msgspec refused that
# holds one is decoded again with each lone escape written as a marker (a noncharacter the body
# does not hold, then the surrogate's four hex digits), and every string of the result unmarked.

_ESCAPE = re.compile(
    rb"\\\\"  # an escaped backslash (so that the `\\u` after it is no escape)
    rb"|\\u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}"  # a surrogate pair: msgspec reads it
    rb"|\\u([dD][89a-fA-F][0-9a-fA-F]{2})"  # a lone surrogate
)
_MARKERS = [chr(code) for code in range(0xFDD0, 0xFDF0)]  # noncharacters: no text needs them


def _mark_lone_surrogates(data: bytes) -> tuple[bytes, Callable[[str], str]] | None:
    """The body with its lone surrogate escapes marked, and what unmarks a string; None if it
    holds none (or every marker already)."""
    if b"\\u" not in data or not any(m.group(1) for m in _ESCAPE.finditer(data)):
        return None
    lowered = data.lower()
    marker = next(
        (m for m in _MARKERS if m.encode() not in data and f"\\u{ord(m):04x}".encode() not in lowered),
        None,
    )
    if marker is None:
        return None
    escape = f"\\u{ord(marker):04x}".encode()
    marked = _ESCAPE.sub(lambda m: escape + m.group(1).lower() if m.group(1) else m.group(0), data)
    found = re.compile(marker + "([0-9a-f]{4})")

    def unmark(text: str) -> str:
        return found.sub(lambda m: chr(int(m.group(1), 16)), text) if marker in text else text

    return marked, unmark


def _decode_marked(tp: Any, data: bytes, unmark: Callable[[str], str]) -> Any:
    """A body whose lone surrogates are marked, decoded, its strings (and a failure's path) unmarked."""
    try:
        return _unmark(_decode_slowly(tp, data), unmark)
    except DecodeError as exc:
        exc.path = [unmark(key) if isinstance(key, str) else key for key in exc.path]
        raise


def _unmark(value: Any, unmark: Callable[[str], str]) -> Any:
    """`value` with every string in it (map keys too, and a model's fields) unmarked."""
    if value.__class__ is str:
        return unmark(value)
    if isinstance(value, list):
        value[:] = [_unmark(item, unmark) for item in value]
    elif isinstance(value, dict):  # in place: an UnknownVariant stays one
        items = [(unmark(key), _unmark(item, unmark)) for key, item in value.items()]
        value.clear()
        value.update(items)
    elif isinstance(value, Model):
        for name in fields_of(value.__class__).names:
            setattr(value, name, _unmark(getattr(value, name), unmark))
    return value


# --- bodies that are not JSON -----------------------------------------------------------------------------

_BYTE = re.compile(r"\(byte (\d+)\)")
_NON_NUMBER = re.compile(rb"-?(?:NaN|Infinity)")


def _invalid_json(exc: msgspec.DecodeError, body: bytes) -> InvalidJSON:
    """msgspec's message, and where: a NaN or Infinity (which are not JSON) is named by its
    JSON path, anything else by its byte offset."""
    text = str(exc)
    found = _BYTE.search(text)
    offset = int(found.group(1)) if found else -1
    start = offset - 1 if offset > 0 and body[offset - 1 : offset] == b"-" else offset
    word = _NON_NUMBER.match(body, start) if offset >= 0 else None
    if word is not None:
        name = word.group(0).decode("ascii")
        tree = _loose_tree(body)
        path = _non_finite(tree) if tree is not None else None
        where = DecodeError("", None, path).location if path is not None else f"byte {offset}"
        return InvalidJSON(f"{where}: {name} is not a JSON number (RFC 8259 has no NaN or Infinity)", offset)
    return InvalidJSON(text, offset)


def _at(node: Any, path: list[str | int]) -> Any:
    for key in path:
        node = node[key]
    return node


def _non_finite(node: Any) -> list[str | int] | None:
    if isinstance(node, float) and not math.isfinite(node):
        return []
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in items:
        found = _non_finite(value)
        if found is not None:
            return [key, *found]
    return None


__all__ = [
    "DecodeError",
    "Document",
    "InvalidJSON",
    "MapModel",
    "Model",
    "OneOf",
    "UnknownVariant",
    "decode_as",
    "decode_json",
    "decode_value",
    "json_type",
    "raw_json",
]
