"""Collection queries as the Cycle API documents them: filter, sort, page, include.

- `filter[key]=a,b`: keeps items whose `key` is one of the values; a repeated key
  (`filter[state]=a&filter[state]=b`) adds its values. A field holding an object is compared by its
  `current` (states) or `id` (references: `filter[environment]=ID` on containers), and `key_id`
  fields count too. `filter[search]=text` is a case-insensitive substring match on name,
  identifier and ID. Keys the item schema does not declare are ignored, like the real API ignores
  filters it does not know.
- `sort=-id,name`: comma separated keys, `-` for descending; a key is a field of the items,
  dotted for nested ones (`-events.created`); missing values sort first. A key that names no
  field sorts nothing: the spec types sort keys as any string, and neither Cycle's docs nor its
  clients say an unknown one is refused (the README's emulator section has the sources).
- `page[number]=N&page[size]=M`: 1-based pages; the size defaults to `default_page_size`. The
  spec types both as any JSON number, and so does this: a fraction is read as its whole part, a
  number below 1 as page 1, a size below 1 as the default. Only what is no number is a 422, and
  a size over `max_page_size` (any size no integer type holds among them), naming the limit.
- Array parameters (`include`, `meta`, `sort`...) are taken comma-joined (`include=a,b`, as the SDK
  and Cycle's older JS client send them) and repeated (`include=a&include=b`, as Cycle's TypeScript
  client does), or both at once: `Query.array(name)`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal
from typing import Any, Final
from urllib.parse import parse_qsl

from ._schema import JSON

_BRACKETED: Final = re.compile(r"^(\w+)\[([^\]]*)\]$")
# A page value past this many digits is past any integer type (int64 has 19): it stands as _HUGE.
_LARGEST_DIGITS: Final = 30
_HUGE: Final = 2**64
_JSON_NUMBER: Final = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?", re.ASCII)
SEARCH_FIELDS: Final = ("name", "identifier", "id")


class QueryError(ValueError):
    """A query parameter with a value the API would refuse (422.invalid-argument)."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(message)
        self.parameter = parameter


@dataclass
class Query:
    filters: dict[str, list[str]] = field(default_factory=dict)  # every value sent per `filter[key]`
    page_number: int = 1
    page_size: int | None = None  # None: the default size
    params: dict[str, str] = field(default_factory=dict)  # every plain parameter's last value (`token`)
    sent: dict[str, list[str]] = field(default_factory=dict)  # every plain parameter's values, in order

    def array_parts(self, name: str) -> list[str]:
        """An array parameter's items as sent, comma-joined, repeated, or both; empty ones kept."""
        return [part.strip() for value in self.sent.get(name, ()) for part in value.split(",")]

    def array(self, name: str) -> list[str]:
        """An array parameter's items, whether sent comma-joined, repeated, or both."""
        return [part for part in self.array_parts(name) if part]

    @property
    def sort(self) -> list[str]:
        return self.array("sort")

    @property
    def include(self) -> list[str]:
        return self.array("include")

    @property
    def meta(self) -> list[str]:
        return self.array("meta")


def parse_query(query_string: str, *, max_page_size: int | None = None) -> Query:
    query = Query()
    for name, value in parse_qsl(query_string, keep_blank_values=True):
        bracketed = _BRACKETED.match(name)
        if bracketed and bracketed.group(1) == "filter":
            query.filters.setdefault(bracketed.group(2), []).append(value)
        elif bracketed and bracketed.group(1) == "page":
            key = bracketed.group(2)
            if key == "number":
                query.page_number = max(1, _whole(name, value))
            elif key == "size":
                size = _whole(name, value)
                if max_page_size is not None and size > max_page_size:
                    shown = value if len(value) <= 40 else value[:37] + "..."
                    raise QueryError(name, f"{name} must be at most {max_page_size} (max_page_size), not {shown}")
                query.page_size = size if size >= 1 else None
        else:
            query.params[name] = value
            query.sent.setdefault(name, []).append(value)
    return query


def _whole(name: str, value: str) -> int:
    """A page value: any JSON number, as the spec types it, read as its whole part (rounded down)."""
    text = value.strip()
    if not _JSON_NUMBER.fullmatch(text):
        raise QueryError(name, f"{name} must be a number, not {value!r}")
    number = Decimal(text)
    if number.adjusted() > _LARGEST_DIGITS:  # past every integer type: no need to build it
        return _HUGE if number > 0 else -_HUGE
    return int(number.to_integral_value(rounding=ROUND_FLOOR))


def comparable(value: JSON) -> JSON:
    """What a filter or sort compares for a field: states by `current`, references by `id`."""
    if isinstance(value, dict):
        if "current" in value:
            return value["current"]
        return value.get("id")
    return value


def _as_text(value: JSON) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _field_values(doc: Mapping[str, JSON], key: str) -> list[str]:
    values: list[str] = []
    for name in (key, f"{key}_id"):
        raw = doc.get(name)
        for item in raw if isinstance(raw, list) else [raw]:
            value = comparable(item)
            if value is not None:
                values.append(_as_text(value))
    return values


def filter_docs(
    docs: Iterable[dict[str, JSON]], filters: Mapping[str, Sequence[str]], declared: Callable[[str], bool]
) -> list[dict[str, JSON]]:
    """Items matching every filter; `declared(key)` says whether the item schema knows the key."""
    result = list(docs)
    for key, values in filters.items():
        if key == "search":
            for needle in (value.lower() for value in values):
                result = [d for d in result if any(needle in _as_text(d.get(f)).lower() for f in SEARCH_FIELDS)]
        elif declared(key) or declared(f"{key}_id"):
            wanted = {part.strip() for value in values for part in value.split(",")}
            result = [d for d in result if wanted.intersection(_field_values(d, key))]
    return result


def field_at(doc: Mapping[str, JSON], path: str) -> JSON:
    """The value at a dotted field path (`events.created`), or None."""
    value: JSON = doc
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _sort_key(value: JSON) -> tuple[int, Any]:
    value = comparable(value)
    if value is None:
        return (0, 0)
    if isinstance(value, bool):
        return (1, value)
    if isinstance(value, int | float):
        return (2, value)
    if isinstance(value, str):
        return (3, value)
    return (4, str(value))


def sort_docs(docs: list[dict[str, JSON]], keys: list[str]) -> list[dict[str, JSON]]:
    result = list(docs)
    # Stable sorts applied from the last key to the first give a multi-key sort.
    for key in reversed(keys):
        descending = key.startswith("-")
        name = key.lstrip("-+")
        result.sort(key=lambda d: _sort_key(field_at(d, name)), reverse=descending)
    return result


def paginate(docs: list[dict[str, JSON]], query: Query, default_size: int) -> list[dict[str, JSON]]:
    size = query.page_size or default_size
    start = (query.page_number - 1) * size
    return docs[start : start + size] if start < len(docs) else []


__all__ = [
    "SEARCH_FIELDS",
    "Query",
    "QueryError",
    "comparable",
    "field_at",
    "filter_docs",
    "paginate",
    "parse_query",
    "sort_docs",
]
