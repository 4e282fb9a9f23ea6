"""Every operation of the effective spec answers its documented success status, with a body that
validates (jsonschema, Draft 2020-12, `$ref`s resolved in the spec) against its success schema.

Path parameters name real resources, made through the API first (parents before children): the
test finds, for each parameter, the collection that creates its kind. Deletes run last, deepest
paths first, so that nothing is gone before it is used; jobs are slow here so no delete completes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from cycle_sdk._generated.operations import OPERATIONS as SDK_OPERATIONS
from cycle_sdk.emulator import Emulator, run_emulator
from cycle_sdk.emulator._references import REFERENCES as BODY_REFERENCES
from cycle_sdk.emulator._references import found_at
from cycle_sdk.emulator._schema import SchemaTools
from cycle_sdk.emulator._server import default_spec

from .helpers import errors, spec, validator

HTTP_METHODS = ("get", "post", "put", "patch", "delete")

# Creation bodies the schema's minimal instance would make empty (a count of 0, no items).
CREATION_BODIES: dict[str, Any] = {
    "createInstances": [{"server_id": "{serverId}", "new_instances": 1}],
    "createServers": {
        "cluster": "production",
        "servers": [{"integration_id": "{integrationId}", "model_id": "m1", "location_id": "l1", "quantity": 1}],
    },
}


def operations() -> list[tuple[str, str, dict[str, Any]]]:
    found = [
        (template, method.upper(), op)
        for template, item in spec()["paths"].items()
        for method, op in item.items()
        if method in HTTP_METHODS
    ]

    # Deletes last, deepest first; deleting the hub or the account last of all.
    def order(entry: tuple[str, str, dict[str, Any]]) -> tuple[int, int, str]:
        template, method, _ = entry
        if method != "DELETE":
            return (0, 0, "")
        if template in ("/v1/hubs/current", "/v1/account"):
            return (2, 0, template)
        return (1, -template.count("/"), template)

    return sorted(found, key=order)


def success(op: dict[str, Any]) -> tuple[int, Any]:
    for code, response in op["responses"].items():
        if code.startswith("2"):
            return int(code), response.get("content", {}).get("application/json", {}).get("schema")
    raise AssertionError(f"{op['operationId']} has no success response")


class World:
    """Resources made through the API, one per path parameter kind, for the operations' paths."""

    def __init__(self, api: httpx.Client) -> None:
        self.api = api
        self.tools = SchemaTools(spec())
        self.paths: dict[str, Any] = spec()["paths"]
        self.ids: dict[str, str] = {}

    def path(self, template: str) -> str:
        parts = template.split("/")
        for index, part in enumerate(parts):
            if part.startswith("{"):
                parts[index] = quote(self.id_for(part[1:-1], "/".join(parts[:index])), safe="")
        return "/".join(parts)

    def body(self, op: dict[str, Any]) -> Any:
        if op["operationId"] in CREATION_BODIES:
            return self._fill(CREATION_BODIES[op["operationId"]])
        content = op.get("requestBody", {}).get("content", {}).get("application/json")
        if content is None:
            return None
        body = self.tools.instance(content["schema"])
        if isinstance(body, list) and not body and "items" in self.tools.resolve(content["schema"]):
            body = [self.tools.instance(self.tools.resolve(content["schema"])["items"])]
        for reference in BODY_REFERENCES.get(op["operationId"], ()):  # references must name items that exist
            kind = default_spec().kinds[reference.kind]
            assert kind.id_param is not None
            for pointer, _ in found_at(body, reference.path):
                *parents, last = pointer.split("/")[2:]
                holder: Any = body
                for key in parents:
                    holder = holder[int(key) if isinstance(holder, list) else key]
                holder[int(last) if isinstance(holder, list) else last] = self.id_for(kind.id_param, f"/v1/{kind.key}")
        return body

    def query(self, op: dict[str, Any]) -> dict[str, Any]:
        """Values of the operation's required query parameters (a deepObject one with every property:
        `filter[controller]` is required in words, not always in the schema)."""
        values: dict[str, Any] = {}
        for param in map(self.tools.resolve, op.get("parameters", [])):
            if param.get("in") != "query" or not param.get("required"):
                continue
            schema = self.tools.resolve(param.get("schema", {}))
            if param.get("style") == "deepObject":
                values[param["name"]] = {k: self._text(s) for k, s in self.tools.properties(schema).items()}
            else:
                values[param["name"]] = self._text(schema)
        return values

    def params(self, op: dict[str, Any]) -> dict[str, str]:
        """`query(op)` as a query string's parameters (`filter[controller]=...`)."""
        flat: dict[str, str] = {}
        for name, value in self.query(op).items():
            if isinstance(value, dict):
                flat.update({f"{name}[{key}]": item for key, item in value.items()})
            else:
                flat[name] = value
        return flat

    def _text(self, schema: Any) -> str:
        value = self.tools.instance(schema)
        if isinstance(value, str):
            return value or "example"  # an empty value is a missing one
        return json.dumps(value)

    def _fill(self, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: self._fill(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self._fill(v) for v in value]
        if isinstance(value, str) and value.startswith("{"):
            return self.id_for(value[1:-1], "")
        return value

    def id_for(self, param: str, collection: str) -> str:
        if collection == "/v1/account/invites":  # an invite to the caller: sent from its hub
            if "account invite" not in self.ids:
                address = self.api.get("/v1/account").json()["data"]["email"]["address"]
                body = {"recipient": address, "role_id": self.id_for("roleId", "/v1/hubs/current/roles")}
                self.ids["account invite"] = self.api.post("/v1/hubs/current/invites", json=body).json()["data"]["id"]
            return self.ids["account invite"]
        creator = self._creator(param, collection)
        key = f"{param} {creator or collection}"
        if key not in self.ids:
            self.ids[key] = self._make(param, creator)
        return self.ids[key]

    def _creator(self, param: str, collection: str) -> str | None:
        """The collection template whose POST makes items named by `{param}`."""
        if "post" in self.paths.get(collection, {}):
            return collection
        return next(
            (
                t[: -len(param) - 3]
                for t in self.paths
                if t.endswith(f"/{{{param}}}") and "post" in self.paths.get(t[: -len(param) - 3], {})
            ),
            None,
        )

    def _make(self, param: str, creator: str | None) -> str:
        if param == "jobId":
            response = self.api.post(self.path("/v1/environments/{environmentId}/tasks"), json={"action": "start"})
            return str(response.json()["data"]["job"]["id"])
        if param == "runId":
            self.api.post(self.path("/v1/pipelines/{pipelineId}/trigger"), json={"secret": "s", "variables": {}})
            return str(self.api.get(self.path("/v1/pipelines/{pipelineId}/runs")).json()["data"][-1]["id"])
        if param == "accountId":  # a member named by its account: the caller's (the hub's owner)
            return str(self.api.get("/v1/account").json()["data"]["id"])
        if creator is None:
            return "5f1e00000000000000000001"  # a kind the API cannot create: an ID of its shape names an item
        op = self.paths[creator]["post"]
        response = self.api.post(self.path(creator), json=self.body(op))
        assert response.is_success, f"creating {param} via POST {creator}: {response.status_code} {response.text}"
        data = response.json()["data"]
        if "job" in data:  # created by a job (servers, instances): the items exist at once
            data = self.api.get(self.path(creator)).json()["data"][-1]
        return str(data["id"])


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    # Slow jobs: no delete completes during the run, so every path stays valid to the end.
    with run_emulator(job_speed=60) as emu:
        yield emu


@pytest.mark.slow
def test_every_operation_answers_a_schema_valid_success_body(emulator: Emulator) -> None:
    with httpx.Client(base_url=emulator.url, headers=emulator.headers, timeout=10) as api:
        world = World(api)
        checked: list[str] = []
        failures: list[str] = []
        for template, method, op in operations():
            name = f"{op['operationId']} ({method} {template})"
            status, schema = success(op)
            if template == "/oauth/token":
                response = api.post(
                    template, data={"grant_type": "password", "username": "user@example.com", "password": "password"}
                )
            else:
                response = api.request(method, world.path(template), params=world.params(op), json=world.body(op))
            if response.status_code != status:
                failures.append(f"{name}: status {response.status_code}, expected {status}: {response.text[:300]}")
                continue
            pointer = (
                "paths",
                template,
                method.lower(),
                "responses",
                str(status),
                "content",
                "application/json",
                "schema",
            )
            problems = errors(validator(*pointer), response.json()) if schema is not None else []
            if problems:
                failures.append(f"{name}: {problems[:3]}")
            else:
                checked.append(name)
    # Every operation the SDK has was checked (not a count copied from the spec: it changes with it).
    served = {(method, template) for template, method, _ in operations()}
    assert served == {(o.method, o.path) for o in SDK_OPERATIONS}
    assert not failures, f"{len(checked)}/{len(served)} conform; failures:\n" + "\n".join(failures)
    assert len(checked) == len(served)
