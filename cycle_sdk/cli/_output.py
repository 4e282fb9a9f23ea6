"""Output: the API's JSON document as is (default), a table of the main fields, or YAML (with
PyYAML, the [cli] extra, imported only for `--output yaml`)."""

from __future__ import annotations

import json
import sys
from typing import Any

OUTPUT_FORMATS = ("json", "table", "yaml")
# Columns a table shows first when the items have them; then other short scalar fields.
_PREFERRED = ("id", "name", "identifier", "state", "hub_id", "environment_id", "created")
_MAX_COLUMNS = 6
_MAX_WIDTH = 48


def write_json(document: Any) -> None:
    sys.stdout.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")


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
    text = str(value).replace("\n", " ")
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
        rows = [{"field": k, "value": _cell(v)} for k, v in data.items()]
        columns = ["field", "value"]
    elif isinstance(data, list):
        items = [d for d in data if isinstance(d, dict)]
        columns = _columns(items)
        rows = [{c: _cell(item.get(c)) for c in columns} for item in items]
        if not columns and data:
            columns, rows = ["value"], [{"value": _cell(d)} for d in data]
    else:
        return "" if data is None else _cell(data) + "\n"
    headers = [c.upper() for c in columns]
    widths = [max([len(h)] + [len(str(r.get(c, ""))) for r in rows]) for c, h in zip(columns, headers, strict=True)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    for row in rows:
        lines.append("  ".join(str(row.get(c, "")).ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip())
    return "\n".join(lines) + "\n"


def yaml_dumper() -> Any:
    """PyYAML's safe dumper (its C one when built); ImportError without the [cli] extra."""
    import yaml

    return getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def write(document: Any, output: str) -> None:
    if document is None:
        return  # 204 No Content, or a 202 without a body
    if output == "table":
        sys.stdout.write(table(document))
    elif output == "yaml":
        import yaml

        sys.stdout.write(
            yaml.dump(document, Dumper=yaml_dumper(), sort_keys=False, allow_unicode=True, default_flow_style=False)
        )
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
