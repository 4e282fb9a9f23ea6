"""Output: the API's JSON document as is (default), a table of the main fields, or YAML (with
PyYAML, the [cli] extra, imported only for `--output yaml`).

Nothing from the server reaches the terminal raw (see cycle_sdk/_printable.py): a table shows
controls, bidi overrides and lone surrogates as visible escapes, and JSON and YAML write them as
their own escapes (`\\u009b`, `\\u202e`), which read back as the same value. JSON output is strict
JSON (no NaN or Infinity), so `jq` can always read it.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from cycle_sdk._printable import has_unsafe, json_text, printable

from ._errors import Failure

OUTPUT_FORMATS = ("json", "table", "yaml")
# Columns a table shows first when the items have them; then other short scalar fields.
_PREFERRED = ("id", "name", "identifier", "state", "hub_id", "environment_id", "created")
_MAX_COLUMNS = 6
_MAX_WIDTH = 48


def json_document(document: Any, *, indent: int | None = 2) -> str:
    """The document as strict JSON text, safe on a terminal; a Failure when it holds a number JSON
    cannot carry (NaN, Infinity), rather than text that is not JSON."""
    try:
        text = json.dumps(document, indent=indent, ensure_ascii=False, allow_nan=False)
    except ValueError as exc:
        raise Failure(
            "0.parse_error", "The response holds a value JSON cannot carry", f"{exc} (NaN or Infinity)"
        ) from None
    return json_text(text)


def write_json(document: Any) -> None:
    sys.stdout.write(json_document(document) + "\n")


def _cell(value: Any) -> str:
    if isinstance(value, dict):
        # Cycle's states and timestamps: {"current": "live", ...} and {"created": "..."}.
        for key in ("current", "created"):
            if key in value and not isinstance(value[key], dict | list):
                return _cell(value[key])
        return "{...}"
    if isinstance(value, list):
        return ",".join(_cell(v) for v in value[:5]) + (",..." if len(value) > 5 else "")
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = printable(str(value))
    return text if len(text) <= _MAX_WIDTH else text[: _MAX_WIDTH - 1] + "…"


def _columns(rows: list[dict[str, Any]]) -> list[str]:
    keys: list[str] = []
    for row in rows:
        keys.extend(k for k in row if k not in keys)
    chosen = [k for k in _PREFERRED if k in keys]
    if "events" in keys and "created" not in chosen:
        chosen.append("events")  # Cycle keeps `created` under `events`
    for key in keys:
        if len(chosen) >= _MAX_COLUMNS:
            break
        if key not in chosen and all(not isinstance(r.get(key), dict | list) for r in rows):
            chosen.append(key)
    return chosen[:_MAX_COLUMNS]


def table(document: Any) -> str:
    """A plain-text table of a list document's `data` items (one row each), or of one
    resource's fields (one row per field)."""
    data = document.get("data") if isinstance(document, dict) else document
    if isinstance(data, dict):
        rows = [{"field": printable(str(k)), "value": _cell(v)} for k, v in data.items()]
        columns = ["field", "value"]
    elif isinstance(data, list):
        items = [d for d in data if isinstance(d, dict)]
        columns = _columns(items)
        rows = [{c: _cell(item.get(c)) for c in columns} for item in items]
        if not columns and data:
            columns, rows = ["value"], [{"value": _cell(d)} for d in data]
    else:
        return "" if data is None else _cell(data) + "\n"
    headers = [printable(str(c).upper()) for c in columns]
    widths = [max([len(h)] + [len(str(r.get(c, ""))) for r in rows]) for c, h in zip(columns, headers, strict=True)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    for row in rows:
        lines.append("  ".join(str(row.get(c, "")).ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip())
    return "\n".join(lines) + "\n"


def yaml_dumper() -> Any:
    """PyYAML's safe dumper, with strings that hold unsafe characters double-quoted (where YAML
    escapes them); ImportError without the [cli] extra. The pure-Python dumper: libyaml's cannot
    write a lone surrogate."""
    import yaml

    class Dumper(yaml.SafeDumper):
        pass

    def quoted_when_unsafe(dumper: yaml.SafeDumper, text: str) -> Any:
        style = '"' if has_unsafe(text) else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)

    Dumper.add_representer(str, quoted_when_unsafe)
    return Dumper


def yaml_document(document: Any) -> str:
    import yaml

    text = yaml.dump(document, Dumper=yaml_dumper(), sort_keys=False, allow_unicode=True, default_flow_style=False)
    # PyYAML escapes controls and surrogates in a double-quoted string but writes bidi controls
    # as they are; any left is inside such a string, where YAML reads \uXXXX as JSON does.
    return json_text(text)


def write(document: Any, output: str) -> None:
    if document is None:
        return  # 204 No Content, or a 202 without a body
    if output == "table":
        sys.stdout.write(table(document))
    elif output == "yaml":
        sys.stdout.write(yaml_document(document))
    else:
        write_json(document)
    sys.stdout.flush()


def merge_pages(pages: list[Any]) -> Any:
    """One document out of every page of a list: `data` concatenated, `includes` merged."""
    if not pages:
        return {"data": []}
    data: list[Any] = []
    merged: dict[str, Any] = {"data": data}
    for page in pages:
        if not isinstance(page, dict):
            continue
        for key, value in page.items():
            if key == "data":
                data.extend(value if isinstance(value, list) else [value])
            elif isinstance(value, dict) and isinstance(merged.get(key), dict):
                _deep_merge(merged[key], value)
            elif key not in merged:
                merged[key] = value
    return merged


def _deep_merge(into: dict[str, Any], more: dict[str, Any]) -> None:
    for key, value in more.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _deep_merge(into[key], value)
        else:
            into.setdefault(key, value)


__all__ = ["OUTPUT_FORMATS", "json_document", "merge_pages", "table", "write", "write_json", "yaml_dumper"]
