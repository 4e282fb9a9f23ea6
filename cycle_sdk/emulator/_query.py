"""Collection queries as the Cycle API documents them: filter, sort, page, include.

- `filter[key]=a,b`: keeps items whose `key` is one of the values. A field holding an object is
  compared by its `current` (states) or `id` (references: `filter[environment]=ID` on containers),
  and `key_id` fields count too. `filter[search]=text` is a case-insensitive substring match on
  name, identifier and ID. Keys the item schema does not declare are ignored, like the real API
  ignores filters it does not know.
- `sort=-id,name`: comma separated keys, `-` for descending; missing values sort first.
- `page[number]=N&page[size]=M`: 1-based pages; the size defaults to `default_page_size`.
- `include=creators,environments`: comma separated; answered in the document's `includes`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import parse_qsl

from ._schema import JSON

_BRACKETED: Final = re.compile(r"^(\w+)\[([^\]]*)\]$")
SEARCH_FIELDS: Final = ("name", "identifier", "id")


class QueryError(ValueError):
    """A query parameter with a value the API would refuse (422.invalid-argument)."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(message)
        self.parameter = parameter


@dataclass
class Query:
    filters: dict[str, str] = field(default_factory=dict)
    sort: list[str] = field(default_factory=list)
    page_number: int = 1
    page_size: int | None = None
    include: list[str] = field(default_factory=list)
    params: dict[str, str] = field(default_factory=dict)  # every plain parameter (e.g. `token`)


def parse_query(query_string: str) -> Query:
    query = Query()
    for name, value in parse_qsl(query_string, keep_blank_values=True):
        bracketed = _BRACKETED.match(name)
        if bracketed and bracketed.group(1) == "filter":
            query.filters[bracketed.group(2)] = value
        elif bracketed and bracketed.group(1) == "page":
            key = bracketed.group(2)
            if key not in ("number", "size"):
                continue
            number = _positive(name, value)
            if key == "number":
                query.page_number = number
            else:
                query.page_size = number
        elif name == "sort":
            query.sort.extend(part.strip() for part in value.split(",") if part.strip())
        elif name == "include":
            query.include.extend(part.strip() for part in value.split(",") if part.strip())
        else:
            query.params[name] = value
    return query


def _positive(name: str, value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise QueryError(name, f"{name} must be a positive integer, not {value!r}") from None
    if number < 1:
        raise QueryError(name, f"{name} must be at least 1, not {number}")
    return number


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
    docs: Iterable[dict[str, JSON]], filters: Mapping[str, str], declared: Callable[[str], bool]
) -> list[dict[str, JSON]]:
    """Items matching every filter; `declared(key)` says whether the item schema knows the key."""
    result = list(docs)
    for key, value in filters.items():
        if key == "search":
            needle = value.lower()
            result = [d for d in result if any(needle in _as_text(d.get(f)).lower() for f in SEARCH_FIELDS)]
        elif declared(key) or declared(f"{key}_id"):
            wanted = {part.strip() for part in value.split(",")}
            result = [d for d in result if wanted.intersection(_field_values(d, key))]
    return result


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
        result.sort(key=lambda d: _sort_key(d.get(name)), reverse=descending)
    return result


def paginate(docs: list[dict[str, JSON]], query: Query, default_size: int) -> list[dict[str, JSON]]:
    size = query.page_size or default_size
    start = (query.page_number - 1) * size
    return docs[start : start + size]
