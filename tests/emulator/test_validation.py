"""Request input is checked against the spec on the platform API too: 422s that name the field.

Bodies against the operation's requestBody schema (`422.invalid-input`, `source` a JSON pointer
under `/body`), required and typed query parameters (`422.missing-argument`,
`422.invalid-argument`, `source` the parameter), and what the SDK makes of those answers.
"""

from __future__ import annotations

from typing import Any

import httpx

import cycle_sdk
from cycle_sdk.emulator import Emulator
from cycle_sdk.emulator._checks import request_checks
from cycle_sdk.emulator._schema import SchemaTools
from cycle_sdk.emulator._server import default_spec

from .helpers import component, container_body, environment_body, errors, new_image, server_order, spec

TOOLS = SchemaTools(spec())
ENVIRONMENTS = "/v1/environments"


def error_of(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["data"] is None and not errors(component("Error"), body["error"]), body
    error: dict[str, Any] = body["error"]
    assert error["status"] == status and error["code"] == code and error["title"], error
    return error


def environment_id(api: httpx.Client) -> str:
    return str(api.post(ENVIRONMENTS, json=environment_body("env")).json()["data"]["id"])


# -- bodies -------------------------------------------------------------------------------------


def test_a_missing_required_body_field_is_named(api: httpx.Client) -> None:
    body = {k: v for k, v in environment_body("web").items() if k != "cluster"}
    error = error_of(api.post(ENVIRONMENTS, json=body), 422, "422.invalid-input")
    assert error["detail"] == "cluster is required" and error["source"] == "/body/cluster"
    nested = environment_body("web", features={})
    error = error_of(api.post(ENVIRONMENTS, json=nested), 422, "422.invalid-input")
    assert error["source"] == "/body/features/legacy_networking"
    assert error["detail"] == "features.legacy_networking is required"
    assert api.get(ENVIRONMENTS).json()["data"] == []  # nothing was created


def test_a_wrongly_typed_field_is_named(api: httpx.Client) -> None:
    body = environment_body("web", about={"description": 42})
    error = error_of(api.post(ENVIRONMENTS, json=body), 422, "422.invalid-input")
    assert error["source"] == "/body/about/description"
    assert error["detail"] == "about.description must be a string, not an integer"
    error = error_of(api.post(ENVIRONMENTS, json=["not", "an", "object"]), 422, "422.invalid-input")
    assert error["source"] == "/body" and error["detail"] == "the body must be an object, not an array"


def test_a_value_outside_its_enum_is_named(api: httpx.Client) -> None:
    body = container_body(
        "web", environment_id(api), new_image(api), network={"public": "sometimes", "hostname": "web"}
    )
    error = error_of(api.post("/v1/containers", json=body), 422, "422.invalid-input")
    assert error["source"] == "/body/config/network/public"
    allowed = '"enable", "egress-only", "environment-limited", "disable"'
    assert error["detail"] == f"config.network.public must be one of {allowed}"
    assert "sometimes" not in error["detail"]  # what was sent is not echoed back


def test_array_items_are_pointed_at_by_index(api: httpx.Client) -> None:
    body = {"cluster": "production", "servers": [server_order(), server_order(model_id=7)]}
    error = error_of(api.post("/v1/infrastructure/servers", json=body), 422, "422.invalid-input")
    assert error["source"] == "/body/servers/1/model_id"
    assert error["detail"] == "servers[1].model_id must be a string, not an integer"


def test_a_failed_alternative_is_explained_by_the_one_that_got_furthest(api: httpx.Client) -> None:
    # EnvironmentTask is a oneOf over its actions: a deployment start without its contents fails
    # every branch, and the deployment.start one (whose `action` matched) says why.
    response = api.post(f"{ENVIRONMENTS}/{environment_id(api)}/tasks", json={"action": "deployment.start"})
    error = error_of(response, 422, "422.invalid-input")
    assert error["source"] == "/body/contents" and error["detail"] == "contents is required"


def test_overlapping_one_of_alternatives_are_read_as_any_of(api: httpx.Client) -> None:
    # Both branches of the deployment selector accept any object: strictly, no body would be valid.
    selector = TOOLS.property({"$ref": "#/components/schemas/EnvironmentDeploymentStartActionContents"}, "deployment")
    assert not TOOLS.conforms(selector, {"tag": "v1"})  # answers are checked strictly...
    assert TOOLS.violation(selector, {"tag": "v1"}, lenient=True) is None  # ...request bodies are not
    body = {"action": "deployment.start", "contents": {"deployment": {"tag": "v1"}}}
    assert api.post(f"{ENVIRONMENTS}/{environment_id(api)}/tasks", json=body).status_code == 202
    assert TOOLS.violation(selector, "v1", lenient=True) is not None  # no branch at all still fails


def test_required_names_the_schema_does_not_declare_are_not_enforced(api: httpx.Client) -> None:
    # Upstream, createEnvironment lists `stack` as required without declaring it: no client could
    # know what to send. The overlays drop it (and the emulator never enforced it).
    schema = spec()["paths"][ENVIRONMENTS]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert "stack" not in schema["required"] and "stack" not in schema["properties"]
    assert api.post(ENVIRONMENTS, json=environment_body("web")).status_code == 201


def test_no_request_body_schema_requires_a_name_it_does_not_declare() -> None:
    """What schemathesis found (createEnvironment `stack`, createServers `quantity`, backups
    `destination`, an ISO NIC's `static_ip`, an L2 route's `network`): corrected in the overlays,
    so a spec-following client and the emulator agree on what a valid body is."""
    document = spec()
    found: list[str] = []
    seen: set[int] = set()

    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            if "$ref" in node:
                name = str(node["$ref"]).rsplit("/", 1)[-1]
                target = document["components"]["schemas"][name]
                if id(target) not in seen:
                    seen.add(id(target))
                    walk(target, name)
            required, declared = node.get("required"), node.get("properties")
            if isinstance(required, list) and isinstance(declared, dict) and "allOf" not in node:
                found.extend(f"{where}: {name}" for name in required if name not in declared)
            for key, child in node.items():
                walk(child, f"{where}/{key}")
        elif isinstance(node, list):
            for index, child in enumerate(node):
                walk(child, f"{where}/{index}")

    for template, item in document["paths"].items():
        for method, op in item.items():
            body = (
                op.get("requestBody", {}).get("content", {}).get("application/json", {}) if isinstance(op, dict) else {}
            )
            if "schema" in body:
                walk(body["schema"], f"{method.upper()} {template}")
    assert found == []


def test_an_optional_body_sent_as_null_is_checked_like_any_value(api: httpx.Client) -> None:
    env = environment_id(api)
    response = api.patch(f"{ENVIRONMENTS}/{env}", content=b"null", headers={"Content-Type": "application/json"})
    assert error_of(response, 422, "422.invalid-input")["source"] == "/body"
    assert api.patch(f"{ENVIRONMENTS}/{env}").status_code == 200  # left out: fine


def test_a_delete_body_is_checked_where_the_spec_gives_one(cycle_emulator: Emulator, api: httpx.Client) -> None:
    volumes = "/v1/infrastructure/external-volumes"
    bad = api.request("DELETE", f"{volumes}/{cycle_emulator.put_resource(volumes[4:])['id']}", json={"options": 1})
    assert error_of(bad, 422, "422.invalid-input")["source"] == "/body/options"
    assert api.delete(f"{volumes}/{cycle_emulator.put_resource(volumes[4:])['id']}").status_code == 202


def test_int32_fields_refuse_numbers_past_32_bits(api: httpx.Client) -> None:
    # Cycle decodes these into 32-bit integers (`format: int32`): refused, never wrapped or stored.
    def volume(lun: int) -> dict[str, Any]:
        source = {"type": "san-iscsi", "details": {"integration_ids": [], "lun": lun}}
        attachment = {"type": "block", "mode": "multi-node-writer", "details": {}}
        return {
            "name": "v",
            "cluster": "c",
            "location_id": "5f1e000000000000000000e2",
            "server_ids": [],
            "source": source,
            "attachment": attachment,
            "options": {"create": None},
        }

    response = api.post("/v1/infrastructure/external-volumes", json=volume(2**31))
    assert error_of(response, 422, "422.invalid-input")["source"] == "/body/source/details/lun"
    created = api.post("/v1/infrastructure/external-volumes", json=volume(2**31 - 1))
    assert created.status_code == 201, created.text


def test_malformed_json_is_still_400_invalid_syntax(api: httpx.Client) -> None:
    response = api.post(ENVIRONMENTS, content=b'{"name": ', headers={"Content-Type": "application/json"})
    error_of(response, 400, "400.invalid-syntax")


def test_the_oauth_form_is_left_to_its_handler(cycle_emulator: Emulator) -> None:
    form = {"grant_type": "password", "username": "user@example.com", "password": "password"}
    assert httpx.post(f"{cycle_emulator.url}/oauth/token", data=form).status_code == 200
    assert httpx.post(f"{cycle_emulator.url}/oauth/token", data={}).json()["error"] == "invalid_request"


# -- query parameters ---------------------------------------------------------------------------


def test_a_missing_required_query_parameter_is_named(api: httpx.Client) -> None:
    error = error_of(api.get("/v1/dns/tls/certificates/lookup"), 422, "422.missing-argument")
    assert error["source"] == "domain" and error["detail"] == "domain is required"
    assert api.get("/v1/dns/tls/certificates/lookup", params={"domain": "example.com"}).status_code == 200
    report = f"{ENVIRONMENTS}/{environment_id(api)}/services/lb/telemetry/report"
    error = error_of(api.get(report), 422, "422.missing-argument")
    assert error["source"] == "filter[controller]" and error["detail"] == "filter[controller] is required"
    assert api.get(report, params={"filter[controller]": "port-443"}).status_code == 200


def test_query_parameter_types_and_enums_are_checked(api: httpx.Client) -> None:
    lookup = {"identifier": "web", "desired-component": "container"}
    assert api.get("/v1/utils/resource/lookup", params=lookup).status_code == 200
    wrong = api.get("/v1/utils/resource/lookup", params={**lookup, "desired-component": "galaxy"})
    error = error_of(wrong, 422, "422.invalid-argument")
    assert error["source"] == "desired-component" and error["detail"].startswith("desired-component must be one of")
    certificates = {"domain": "example.com", "private": "maybe"}
    error = error_of(api.get("/v1/dns/tls/certificates/lookup", params=certificates), 422, "422.invalid-argument")
    assert error["source"] == "private" and error["detail"] == "private must be a boolean"
    assert api.get("/v1/dns/tls/certificates/lookup", params={**certificates, "private": "true"}).status_code == 200


# -- the SDK's view -----------------------------------------------------------------------------


def test_the_sdk_surfaces_a_422_as_an_err_naming_the_field(cycle_emulator: Emulator) -> None:
    emu = cycle_emulator
    with cycle_sdk.Client(api_key=emu.api_key, team=emu.hub_id, base_url=emu.url) as client:
        body = environment_body("web", about={})
        result = client.environments.create_environment(body=body)
        assert result.ok is False
        assert result.error.status == 422 and result.error.code == "422.invalid-input"
        assert result.error.source == "/body/about/description"
        assert result.error.detail is not None and "about.description" in result.error.detail
        missing = client.tls.lookup_tls_certificate(domain="")
        assert missing.ok is False and missing.error.code == "422.missing-argument"
        assert missing.error.source == "domain" and missing.error.detail == "domain is required"


# -- cost ---------------------------------------------------------------------------------------


def test_the_checks_of_an_operation_are_prepared_once() -> None:
    checks = request_checks(default_spec("platform"))
    op = next(o for o in checks.spec.operations if o.key == "POST /v1/containers")
    body = container_body(
        "web", "5f1e00000000000000000001", "5f1e00000000000000000002", deploy={"instances": 2}, env={"A": "1"}
    )
    schema = checks.prepared(op).body
    assert checks.prepared(op) is checks.prepared(op)  # prepared once per operation
    assert checks.prepared(op).body_required
    assert TOOLS.violation(schema, body, lenient=True) is None


def test_violations_point_with_json_pointers() -> None:
    schema = {"additionalProperties": {"additionalProperties": {"items": {"additionalProperties": {"type": "string"}}}}}
    found = TOOLS.violation(schema, {"a/b": {"c~d": [1, {"e": None}]}})
    assert found is not None and found.pointer == "/a~1b/c~0d/1/e" and found.field == "a/b.c~d[1].e"
    assert found.message == "must be a string, not null"


def test_every_operation_documents_an_error_answer() -> None:
    # Upstream, getVirtualProviderIsos listed only 200, so its 422 for a bad `sort` was undocumented
    # (schemathesis: "undocumented status code"); the overlays give it the default error.
    undocumented = [
        f"{method.upper()} {template}"
        for template, item in spec()["paths"].items()
        for method, op in item.items()
        if isinstance(op, dict) and "responses" in op
        if not any(code == "default" or code.startswith(("4", "5")) for code in op["responses"])
    ]
    assert undocumented == []


def test_an_id_filter_must_be_an_id(api: httpx.Client) -> None:
    # Found by schemathesis: `filter[pipeline]=-Infinity` (a number it generated) was accepted.
    for value in ("null", "-Infinity", "abc"):
        response = api.get("/v1/monitoring/events", params={"filter[pipeline]": value})
        error = error_of(response, 422, "422.invalid-argument")
        assert error["source"] == "filter[pipeline]"
        assert error["detail"] == "filter[pipeline] must be an ID (24 hexadecimal digits)"
    assert api.get("/v1/monitoring/events", params={"filter[pipeline]": "651586fca6078e98982dbd90"}).status_code == 200
    assert api.get("/v1/monitoring/events", params={"filter[pipeline]": ""}).status_code == 200  # no filter


def test_an_id_in_a_body_must_be_an_id(api: httpx.Client) -> None:
    # Found by schemathesis: a pipeline rerun took any string as `contents.run_id` (the spec's `ID`).
    pipeline = api.post("/v1/pipelines", json={"name": "deploy", "stages": []}).json()["data"]["id"]
    for run_id in ("i1", "", "null", "651586fca6078e98982dbd9", "651586fca6078e98982dbd90z"):
        rerun = {"action": "rerun", "contents": {"run_id": run_id}}
        error = error_of(api.post(f"/v1/pipelines/{pipeline}/tasks", json=rerun), 422, "422.invalid-input")
        assert error["source"] == "/body/contents/run_id", run_id
        assert error["detail"] == "contents.run_id must be an ID (24 hexadecimal digits)"
    # Array items are IDs too, and pointed at by index.
    volume = {
        "name": "v",
        "cluster": "c",
        "location_id": "651586fca6078e98982dbd90",
        "server_ids": ["651586fca6078e98982dbd91", "s2"],
        "source": {"type": "san-iscsi", "details": {"integration_ids": [], "lun": 1}},
        "attachment": {"type": "block", "mode": "multi-node-writer", "details": {}},
        "options": {"create": None},
    }
    error = error_of(api.post("/v1/infrastructure/external-volumes", json=volume), 422, "422.invalid-input")
    assert error["source"] == "/body/server_ids/1"
    # IDs of any case get past the check, to the lookup of the servers they name.
    volume["server_ids"] = ["651586FCA6078E98982DBD92", "651586fca6078e98982dbd91"]
    unknown = api.post("/v1/infrastructure/external-volumes", json=volume)
    assert error_of(unknown, 404, "404.infrastructure.server")["source"] == "/body/server_ids/0"
