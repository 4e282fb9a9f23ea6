"""Encoding of arguments onto the wire, as the Cycle API documents it.

- path parameters: percent-encoded so that no value can reach another route; values that
  cannot be encoded safely (empty, `.`, `..`) are refused with a ValueError naming the parameter;
- deepObject query parameters: `filter[state]=live`, `page[number]=2&page[size]=20`;
- array query parameters (include, meta, sort): one comma separated value;
- everything is checked before a request exists: a wrong type is a TypeError naming the parameter.
"""

from __future__ import annotations

import datetime
import enum
import json
from collections.abc import Mapping, Sequence
from typing import Any, Literal
from urllib.parse import quote

from ._types import Unset

QueryStyle = Literal["form", "comma", "deepObject"]
_UNSAFE_SEGMENTS = frozenset({".", ".."})


def path_param(name: str, value: object) -> str:
    """One path segment, fully percent-encoded (`/`, `?`, `#`, `%`, `..` cannot escape it)."""
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise TypeError(f"path parameter {name!r} must be a str, not {type(value).__name__}")
    text = str(value)
    if not text:
        raise ValueError(f"path parameter {name!r} is empty: an empty ID would address another route")
    if text.strip() in _UNSAFE_SEGMENTS:
        raise ValueError(f"path parameter {name!r} is {text!r}: dot segments would be resolved to another route")
    if "\x00" in text:
        raise ValueError(f"path parameter {name!r} contains a NUL character")
    _check_utf8("path", name, text)
    return quote(text, safe="")


def _check_utf8(kind: str, name: str, text: str) -> None:
    # A lone surrogate cannot be sent: refuse it here, naming the parameter, not deep in httpx.
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError(f"{kind} parameter {name!r} is not valid Unicode text ({exc.reason})") from None


def _scalar(name: str, value: object) -> str:
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        _check_utf8("query", name, value)
        return value
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    raise TypeError(f"query parameter {name!r} takes str, int, float or bool values, not {type(value).__name__}")


def _comma(name: str, value: object) -> str:
    if isinstance(value, str | enum.Enum):
        return _scalar(name, value)
    if isinstance(value, Sequence | set | frozenset) and not isinstance(value, bytes | bytearray):
        return ",".join(_scalar(name, item) for item in value)
    raise TypeError(f"query parameter {name!r} takes a list of strings, not {type(value).__name__}")


def _deep(out: list[tuple[str, str]], prefix: str, name: str, value: object) -> None:
    if value is None or isinstance(value, Unset):
        return
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        value = to_dict()
    if not isinstance(value, Mapping):
        raise TypeError(f"query parameter {name!r} takes a dict (e.g. {{'state': 'live'}}), not {type(value).__name__}")
    for key, item in value.items():
        if not isinstance(key, str):
            raise TypeError(f"query parameter {name!r} has a non-string key {key!r}")
        _check_utf8("query", name, key)
        if item is None or isinstance(item, Unset):
            continue
        if isinstance(item, Mapping):
            _deep(out, f"{prefix}[{key}]", name, item)
        elif isinstance(item, list | tuple | set | frozenset):
            out.append((f"{prefix}[{key}]", _comma(name, item)))
        else:
            out.append((f"{prefix}[{key}]", _scalar(name, item)))


def query_param(
    out: list[tuple[str, str]],
    name: str,
    value: object,
    style: QueryStyle,
    *,
    required: bool = False,
    arg: str | None = None,
) -> None:
    """Append the encoding of one query parameter `name` to `out` (UNSET and None are left out,
    unless the operation requires the parameter: then they are a TypeError naming it). Errors
    name `arg`, the method's argument, where it is not the wire name (`container_id`)."""
    label = arg or name
    if value is None or isinstance(value, Unset):
        if required:
            raise TypeError(f"query parameter {label!r} is required, not {value!r}")
        return
    if style == "deepObject":
        _deep(out, name, label, value)
    elif style == "comma":
        joined = _comma(label, value)
        if joined or isinstance(value, str | enum.Enum):
            out.append((name, joined))  # an empty list is no items: the parameter is left out
    else:
        out.append((name, _scalar(label, value)))


def _json_value(value: Any, where: str) -> Any:
    """A body value with every generated model (at any depth, in dicts and lists) turned into its
    `to_dict()`, datetimes into RFC 3339 text, enums into their values and UNSET keys left out."""
    if value is None or isinstance(value, str | int | float):
        return value  # bool is an int
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        return to_dict()
    if isinstance(value, Mapping):
        out: dict[Any, Any] = {}
        for key, item in value.items():
            if not isinstance(item, Unset):
                out[key] = _json_value(item, f"{where}[{key!r}]")
        return out
    if isinstance(value, list | tuple):
        return [_json_value(item, f"{where}[{i}]") for i, item in enumerate(value)]
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime.datetime):
        if value.utcoffset() is None:
            raise ValueError(
                f"{where} is a datetime without a UTC offset; RFC 3339 needs one (e.g. tzinfo=datetime.UTC)"
            )
        return value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value  # json.dumps below names what it cannot encode


def body_kwargs(body: object, kind: str, *, required: bool = False) -> dict[str, Any]:
    """The request body as httpx keyword arguments: a generated model or a plain dict (which may
    hold generated models at any depth). A required body that is missing is a TypeError."""
    if body is None or isinstance(body, Unset):
        if required:
            raise TypeError(f"body is required by this operation, not {body!r}: pass body=...")
        if body is None:
            raise TypeError("body must be a generated model or a dict, not None (leave it out instead)")
        return {}
    to_dict = getattr(body, "to_dict", None)
    if callable(to_dict):
        payload = to_dict()
    elif isinstance(body, Mapping | list | tuple):
        payload = _json_value(body, "body")
    else:
        raise TypeError(f"body must be a generated model or a dict, not {type(body).__name__}")
    if kind == "data":
        if not isinstance(payload, Mapping):
            raise TypeError(f"body must be a dict of form fields, not {type(payload).__name__}")
        for key, value in payload.items():
            values = value if isinstance(value, list | tuple) else [value]
            if not isinstance(key, str) or not all(isinstance(v, str | int | float | bool | None) for v in values):
                raise TypeError(f"body field {key!r} takes str, int, float or bool values, not {type(value).__name__}")
        return {"data": payload}
    try:
        # Encoded as httpx will encode it, so what cannot be sent fails here, before any I/O.
        json.dumps(payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")
    except TypeError as exc:
        raise TypeError(f"body cannot be sent as JSON: {exc}") from None
    except ValueError as exc:
        raise ValueError(f"body cannot be sent as JSON: {exc}") from None
    return {"json": payload}


__all__ = ["QueryStyle", "body_kwargs", "path_param", "query_param"]
