"""Realistic response documents: schema-valid, every optional field present, ids varied."""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

from benchmarks.instances import InstanceBuilder

ROOT = Path(__file__).resolve().parents[1]
SPEC_PATH = ROOT / "cycle_sdk" / "_generated" / "spec.json"

# kind -> (list path, one-item path, component schema)
KINDS: dict[str, tuple[str, str, str]] = {
    "environments": ("/v1/environments", "/v1/environments/{environmentId}", "Environment"),
    "containers": ("/v1/containers", "/v1/containers/{containerId}", "Container"),
    "jobs": ("/v1/jobs", "/v1/jobs/{jobId}", "Job"),
}


@cache
def spec() -> dict[str, Any]:
    return json.loads(SPEC_PATH.read_text())  # type: ignore[no-any-return]


def _success_schema(path: str) -> Any:
    builder = InstanceBuilder(spec(), full=True)
    response = builder.resolve(spec()["paths"][path]["get"]["responses"]["200"])
    return response["content"]["application/json"]["schema"]


def one(kind: str) -> dict[str, Any]:
    """The GET-one document of `kind` (`{"data": {...}}`), all optional fields present."""
    doc = InstanceBuilder(spec(), full=True).build(_success_schema(KINDS[kind][1]))
    assert isinstance(doc, dict)
    return doc


def item(kind: str, i: int) -> dict[str, Any]:
    base = _item_template(kind)
    value = copy.deepcopy(base)
    value.update({k: v for k, v in item_fields(kind, i).items() if k == "id" or k in value})
    return value


@cache
def _item_template(kind: str) -> dict[str, Any]:
    value = InstanceBuilder(spec(), full=True).build({"$ref": f"#/components/schemas/{KINDS[kind][2]}"})
    assert isinstance(value, dict)
    return value


def page(kind: str, count: int, start: int = 0) -> dict[str, Any]:
    """A list document of `kind` with `count` items (ids start..start+count-1), includes as the spec has them."""
    doc = InstanceBuilder(spec(), full=True).build(_success_schema(KINDS[kind][0]))
    assert isinstance(doc, dict)
    doc["data"] = [item(kind, start + i) for i in range(count)]
    return doc


def encode(doc: Any) -> bytes:
    return json.dumps(doc, separators=(",", ":")).encode()


_MARKS = {"id": "\x00id\x00", "identifier": "\x00identifier\x00", "name": "\x00name\x00"}


def page_body(kind: str, count: int, start: int = 0) -> bytes:
    """encode(page(kind, count, start)), the same bytes, made faster: one item is encoded once with
    marks where the varied fields go, and the marks are replaced per item."""
    doc = {**page(kind, 0), "data": "\x00items\x00"}
    head, _, tail = encode(doc).decode().partition(json.dumps(doc["data"]))
    item = dict(_item_template(kind))
    marked = encode({**item, **{k: v for k, v in _MARKS.items() if k in item}}).decode()
    parts = []
    for i in range(start, start + count):
        varied = item_fields(kind, i)
        text = marked
        for key, mark in _MARKS.items():
            if key in item:
                text = text.replace(json.dumps(mark), json.dumps(varied[key]))
        parts.append(text)
    return (head + "[" + ",".join(parts) + "]" + tail).encode()


def item_fields(kind: str, i: int) -> dict[str, str]:
    """The fields that tell the items of a page apart."""
    return {"id": f"{i:024x}", "identifier": f"{kind}-{i}", "name": f"{kind} {i}"}
