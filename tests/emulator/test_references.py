"""Cross-references in request bodies must name resources that exist.

Every reference of `_references.REFERENCES` is tried over HTTP: naming an item that exists is
accepted (2xx); naming nothing gets the referenced kind's 404 pointing at the field, and nothing is
stored or started.
"""

from __future__ import annotations

import copy
from typing import Any

import httpx
import pytest

from cycle_sdk.emulator import Emulator, FakeClock, run_emulator
from cycle_sdk.emulator._references import EVERY_ITEM, REFERENCES, Reference
from cycle_sdk.emulator._server import default_spec

from .helpers import container_body, environment_body, new_image

UNKNOWN = "5f1e00000000000000000bad"
SPEC = default_spec("platform")
OPERATIONS = {op.operation_id: op for op in SPEC.operations}
BACKUPS = SPEC.document["components"]["schemas"]["ContainerIntegrations"]["properties"]["backups"]
LINKED = SPEC.document["components"]["schemas"]["DnsRecordTypes"]["properties"]["linked"]
# Task bodies name the action whose contents carry the reference; other bodies start from the
# spec's minimal valid instance.
TASK_BODIES: dict[str, dict[str, Any]] = {
    "createContainerJob": {"action": "reimage", "contents": {}},
    "createInstanceJob": {"action": "migration.start", "contents": {}},
    "createContainerBackupJob": {"action": "restore", "contents": {}},
    "createImagesJob": {"action": "prune", "contents": {}},
    "createStackBuildJob": {"action": "deploy", "contents": {}},
    "createNetworkJob": {"action": "reconfigure", "contents": {}},
    "createServerJob": {"action": "evacuation.start", "contents": {}},
}
# Optional parts whose other required fields the minimal instance lacks.
PARTS: dict[tuple[str, str], dict[str, Any]] = {
    ("createContainer", "config"): {"integrations": {"backups": SPEC.tools.instance(BACKUPS)}},
}
# A LINKED record is one of a container, a virtual machine or a deployment (oneOf, each member
# requiring its own key): the record a reference sits in is that member's minimal instance.
LINKED_MEMBERS = {
    next(iter(member["required"])): {"allOf": [LINKED["allOf"][0], member]} for member in LINKED["allOf"][1]["oneOf"]
}
CASES = [(op, ref) for op, refs in REFERENCES.items() for ref in refs]


def case_id(case: tuple[str, Reference]) -> str:
    return f"{case[0]}:{'.'.join(case[1].path)}"


def put(body: Any, path: tuple[str, ...], value: str) -> None:
    """Set `value` at `path` in `body`, making the objects (and a one-item list for `*`) on the way."""
    for index, key in enumerate(path[:-1]):
        if path[index + 1] == EVERY_ITEM:
            body[key] = [value]
            return
        if not isinstance(body.get(key), dict):
            body[key] = {}
        body = body[key]
    body[path[-1]] = value


def every_item_count(emulator: Emulator) -> int:
    return sum(len(emulator.list_resources(kind)) for kind in SPEC.kinds if kind not in ("hubs", "account"))


def request(
    api: httpx.Client, emulator: Emulator, operation_id: str, reference: Reference, value: str
) -> httpx.Response:
    """The operation over HTTP (its path's parents made first), its body naming `value` at the reference."""
    op = OPERATIONS[operation_id]
    path, parents = op.template, {}
    for param in op.params:
        assert param.kind is not None
        item = emulator.put_resource(param.kind.key, parents=dict(parents))
        parents[param.name] = str(item["id"])
        path = path.replace("{" + param.name + "}", parents[param.name])
    if operation_id == "createContainer":  # the environment and image must exist too
        body: Any = container_body("web", put_id(emulator, "environments"), new_image(api))
    elif operation_id in TASK_BODIES:
        body = copy.deepcopy(TASK_BODIES[operation_id])
    else:
        body = SPEC.tools.instance(op.request_schema) if op.request_schema is not None else {}
    for (operation, key), part in PARTS.items():
        if operation == operation_id and key == reference.path[0]:
            body.setdefault(key, {}).update(copy.deepcopy(part))
    if reference.path[:2] == ("type", "linked"):
        body.setdefault("type", {})["linked"] = SPEC.tools.instance(LINKED_MEMBERS[reference.path[2]])
    put(body, reference.path, value)
    return api.request(op.method, path, json=body)


def put_id(emulator: Emulator, kind: str, **fields: Any) -> str:
    return str(emulator.put_resource(kind, fields)["id"])


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_a_reference_naming_nothing_is_404_at_the_field(
    cycle_emulator: Emulator, api: httpx.Client, case: tuple[str, Reference]
) -> None:
    operation_id, reference = case
    kind = SPEC.kinds[reference.kind]
    # Accepted when it names an item that exists...
    accepted = request(api, cycle_emulator, operation_id, reference, put_id(cycle_emulator, reference.kind))
    assert accepted.status_code in (200, 201, 202), accepted.text
    # ...and refused, with nothing stored or started, when it names nothing.
    before = every_item_count(cycle_emulator)
    refused = request(api, cycle_emulator, operation_id, reference, UNKNOWN)
    assert refused.status_code == 404, refused.text
    error = refused.json()["error"]
    pointer = "/body/" + "/".join("0" if key == EVERY_ITEM else key for key in reference.path)
    assert (error["code"], error["source"]) == (kind.not_found, pointer)
    assert UNKNOWN in error["detail"]
    # The request's parents were made before it was sent; nothing else appeared.
    # A container's environment (with its two service containers), image and image source.
    parents_made = len(OPERATIONS[operation_id].params) + (5 if operation_id == "createContainer" else 0)
    assert every_item_count(cycle_emulator) == before + parents_made


@pytest.mark.parametrize("case", [c for c in CASES if c[1].hybrid], ids=case_id)
def test_a_hybrid_identifier_may_name_the_item_by_its_identifier(
    cycle_emulator: Emulator, api: httpx.Client, case: tuple[str, Reference]
) -> None:
    operation_id, reference = case
    put_id(cycle_emulator, reference.kind, identifier="backups-s3")
    accepted = request(api, cycle_emulator, operation_id, reference, "backups-s3")
    assert accepted.status_code in (200, 201, 202), accepted.text
    assert request(api, cycle_emulator, operation_id, reference, "no-such-identifier").status_code == 404


def test_a_reference_to_another_hubs_item_is_404(cycle_emulator: Emulator, api: httpx.Client) -> None:
    other = cycle_emulator.create_hub("Other")
    env = api.post("/v1/environments", json=environment_body("e"), headers={"X-Hub-Id": other}).json()["data"]["id"]
    image = new_image(api, headers={"X-Hub-Id": other})
    response = api.post("/v1/containers", json=container_body("web", env, image))
    assert response.status_code == 404 and response.json()["error"]["source"] == "/body/environment_id"
    created = api.post("/v1/containers", json=container_body("web", env, image), headers={"X-Hub-Id": other})
    assert created.status_code == 201, created.text


def test_a_deleted_item_can_no_longer_be_referenced() -> None:
    clock = FakeClock()
    with run_emulator(clock=clock) as emu, httpx.Client(base_url=emu.url, headers=emu.headers) as api:
        check_deleted_reference(api, clock)


def check_deleted_reference(api: httpx.Client, clock: FakeClock) -> None:
    image = new_image(api)
    env = api.post("/v1/environments", json=environment_body("e")).json()["data"]["id"]
    assert api.delete(f"/v1/images/{image}").status_code in (200, 202)
    clock.advance(3600)  # its deletion job, if any, completed
    assert api.get(f"/v1/images/{image}").status_code == 404
    response = api.post("/v1/containers", json=container_body("web", env, image))
    assert response.status_code == 404
    assert (response.json()["error"]["code"], response.json()["error"]["source"]) == ("404.image", "/body/image_id")


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_each_reference_is_where_the_spec_puts_it(case: tuple[str, Reference]) -> None:
    """The table follows the spec: the path exists in the request body schema, and `hybrid` is set
    exactly where the field is a `HybridIdentifier` (ID or identifier)."""
    operation_id, reference = case
    op = OPERATIONS[operation_id]
    assert op.request_schema is not None
    leaves = _leaves(op.request_schema, reference.path)
    assert leaves, f"{'.'.join(reference.path)} is not in {operation_id}'s body"
    assert ("HybridIdentifier" in leaves) == reference.hybrid


def _leaves(schema: Any, path: tuple[str, ...]) -> list[str]:
    """What the schema says is at `path`: the names of referenced components, or "inline"."""
    components = SPEC.document["components"]["schemas"]
    if isinstance(schema, dict) and "$ref" in schema:
        name = str(schema["$ref"]).rsplit("/", 1)[-1]
        return [name] if not path else _leaves(components[name], path)
    if not isinstance(schema, dict):
        return []
    found = [
        leaf
        for part in ("oneOf", "anyOf", "allOf")
        for branch in schema.get(part, [])
        for leaf in _leaves(branch, path)
    ]
    if not path:
        return found or ["inline"]
    head, rest = path[0], path[1:]
    if head == EVERY_ITEM and "items" in schema:
        found += _leaves(schema["items"], rest)
    elif head in schema.get("properties", {}):
        found += _leaves(schema["properties"][head], rest)
    return found
