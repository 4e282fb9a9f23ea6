"""The CLI's view of the SDK's operation index and of the effective spec.

Names: namespaces and operations are the SDK's snake_case names in kebab-case
(`services_load_balancer` -> `services-load-balancer`, `get_environments` -> `get-environments`).
The index (`_generated/operations.py`) is small and loads on every run; the spec (`spec.json`,
about 1 MB) loads only when a command needs an operation's parameters, body schema or help.
No endpoint module or model is imported to run an operation.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from attrs import frozen

if TYPE_CHECKING:
    from cycle_sdk._request import Operation as OperationEntry

SPEC_PATH = Path(__file__).resolve().parents[1] / "_generated" / "spec.json"
_PATH_PARAM = re.compile(r"\{([^}]+)\}")
# Query parameters the CLI gives their own options; any other one becomes `--<kebab-name>`.
COMMON_QUERY = ("filter", "include", "meta", "sort", "page")


def kebab(name: str) -> str:
    return name.replace("_", "-")


def metavar(name: str) -> str:
    """`environmentId` -> `ENVIRONMENT_ID`."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).replace("-", "_").upper()


@functools.cache
def namespaces() -> dict[str, dict[str, OperationEntry]]:
    """kebab namespace -> kebab operation -> index entry, in the index's order."""
    from cycle_sdk._generated.operations import OPERATIONS

    out: dict[str, dict[str, OperationEntry]] = {}
    for entry in OPERATIONS:
        out.setdefault(kebab(entry.namespace), {})[kebab(entry.name)] = entry
    return out


@functools.cache
def spec() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SPEC_PATH.read_bytes())
    return data


def resolve(node: Any) -> Any:
    """Follow `$ref`s (local ones, `#/...`) until a node without one."""
    seen = 0
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        if not isinstance(ref, str) or not ref.startswith("#/") or seen > 32:
            return {}
        target: Any = spec()
        for part in ref[2:].split("/"):
            target = target.get(part.replace("~1", "/").replace("~0", "~"), {}) if isinstance(target, dict) else {}
        node = target
        seen += 1
    return node


@frozen
class Param:
    name: str
    location: str
    style: str
    required: bool
    description: str
    schema: dict[str, Any]

    @property
    def enum(self) -> list[Any]:
        """Allowed values: of the parameter, or of each item of an array parameter."""
        schema = resolve(self.schema)
        if schema.get("type") == "array":
            schema = resolve(schema.get("items", {}))
        values = schema.get("enum")
        return list(values) if isinstance(values, list) else []


@frozen
class Operation:
    entry: OperationEntry
    summary: str
    description: str
    path_params: tuple[Param, ...]
    query: tuple[Param, ...]
    body_schema: dict[str, Any] | None
    body_required: bool
    body_description: str
    body_form: bool
    task: bool

    @property
    def command(self) -> str:
        return f"{kebab(self.entry.namespace)} {kebab(self.entry.name)}"

    def query_param(self, name: str) -> Param | None:
        return next((p for p in self.query if p.name == name), None)


def _is_task(op: dict[str, Any]) -> bool:
    """A task operation answers with a job descriptor (`{"data": {"job": {"id": ...}}}`)."""
    for status, response in op.get("responses", {}).items():
        if not str(status).startswith("2"):
            continue
        schema = resolve(resolve(response).get("content", {}).get("application/json", {}).get("schema", {}))
        data = schema.get("properties", {}).get("data", {}) if isinstance(schema, dict) else {}
        if isinstance(data, dict) and str(data.get("$ref", "")).endswith("/JobDescriptor"):
            return True
        job = resolve(data).get("properties", {}).get("job") if isinstance(resolve(data), dict) else None
        if isinstance(job, dict) and "id" in resolve(job).get("properties", {}):
            return True
    return False


def operation(entry: OperationEntry) -> Operation:
    """An operation's parameters and body from the effective spec."""
    item = spec()["paths"][entry.path]
    op = item[entry.method.lower()]
    params = [resolve(p) for p in (*item.get("parameters", []), *op.get("parameters", []))]
    by_name = {p.get("name"): p for p in params if p.get("in") == "path"}
    path_params = []
    for name in _PATH_PARAM.findall(entry.path):
        p = by_name.get(name, {})
        path_params.append(Param(name, "path", "simple", True, str(p.get("description") or ""), p.get("schema", {})))
    query = tuple(
        Param(
            str(p["name"]),
            "query",
            str(p.get("style") or ("deepObject" if resolve(p.get("schema", {})).get("type") == "object" else "form")),
            bool(p.get("required")),
            str(p.get("description") or ""),
            p.get("schema", {}),
        )
        for p in params
        if p.get("in") == "query"
    )
    body = resolve(op.get("requestBody")) if op.get("requestBody") else None
    content = body.get("content", {}) if body else {}
    media = "application/json" if "application/json" in content else next(iter(content), None)
    return Operation(
        entry=entry,
        summary=str(op.get("summary") or ""),
        description=str(op.get("description") or "").strip(),
        path_params=tuple(path_params),
        query=query,
        body_schema=content[media].get("schema", {}) if media else None,
        body_required=bool(body and body.get("required")),
        body_description=str(body.get("description") or "") if body else "",
        body_form=media == "application/x-www-form-urlencoded",
        task=_is_task(op),
    )


__all__ = [
    "COMMON_QUERY",
    "SPEC_PATH",
    "Operation",
    "Param",
    "kebab",
    "metavar",
    "namespaces",
    "operation",
    "resolve",
    "spec",
]
