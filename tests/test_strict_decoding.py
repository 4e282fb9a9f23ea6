"""Decoded data is right, or it is an Err, over a real HTTP round trip.

The three cases the issue reported: a discriminated union decoded into the wrong class, wrong
field types accepted, and a list operation taking `{"data": {}}` as `[]`. Each comes back
right (the emulator) or as `0.parse_error` naming the JSON path (a scripted loopback server).
"""

from __future__ import annotations

import copy
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import cycle_sdk
from benchmarks.instances import InstanceBuilder
from cycle_sdk._result import PARSE_ERROR
from cycle_sdk.emulator import Emulator, run_emulator
from cycle_sdk.models import (
    CycleUploadOrigin,
    DockerHubOrigin,
    DockerRegistryOrigin,
    ImageSource,
    OciRegistryOrigin,
)
from tests.support.fault_server import FaultServer, Reply

SPEC: dict[str, Any] = json.loads((Path(__file__).parents[1] / "cycle_sdk/_generated/spec.json").read_text())


def _document(path: str, method: str = "get", status: str = "200") -> dict[str, Any]:
    builder = InstanceBuilder(SPEC, full=True)
    response = builder.resolve(SPEC["paths"][path][method]["responses"][status])
    doc = builder.build(response["content"]["application/json"]["schema"])
    assert isinstance(doc, dict)
    return doc


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with run_emulator() as emu:
        yield emu


ORIGINS = [
    ("docker-registry", {"target": "nginx", "url": "https://r.example"}, DockerRegistryOrigin),
    ("oci-registry", {"target": "nginx", "url": "https://r.example"}, OciRegistryOrigin),
    ("cycle-upload", {"expires": "2026-03-26T12:00:00+00:00", "token": "upload-token"}, CycleUploadOrigin),
    ("docker-hub", {"target": "nginx"}, DockerHubOrigin),
]


@pytest.mark.parametrize(("kind", "details", "cls"), ORIGINS, ids=[o[0] for o in ORIGINS])
def test_image_source_origin_decodes_into_the_class_its_type_names(
    emulator: Emulator, kind: str, details: dict[str, Any], cls: type[Any]
) -> None:
    # Before: docker-registry and oci-registry came back as DockerHubOrigin (url pushed into
    # additional_properties) and cycle-upload as DockerFileOrigin: the first variant that fit.
    with cycle_sdk.Client(api_key=emulator.api_key, team=emulator.hub_id, base_url=emulator.url) as client:
        body = {"name": f"src-{kind}", "type": "direct", "origin": {"type": kind, "details": details}}
        created = client.image_sources.create_image_source(body=body).unwrap().data
        assert type(created.origin) is cls
        listed = client.image_sources.get_image_sources().unwrap().data
    origin = next(s for s in listed if s.id == created.id).origin
    assert type(origin) is cls
    assert origin.type == kind
    if "url" in details:
        assert origin.details.url == details["url"]
    assert origin.to_dict() == {"type": kind, "details": details}


def _scripted(path: str, doc: Any) -> Any:
    with (
        FaultServer() as server,
        cycle_sdk.Client(api_key="k", team="h", base_url=server.url, max_retries=0) as client,
    ):
        server.script("GET", path, Reply(200, doc))
        if path == "/v1/containers":
            return client.containers.get_containers()
        if path == "/v1/containers/c1":
            return client.containers.get_container("c1")
        if path == "/v1/environments":
            return client.environments.get_environments()
        if path == "/v1/environments/e1":
            return client.environments.get_environment("e1")
        if path == "/v1/images/sources/s1":
            return client.image_sources.get_image_source("s1")
        raise AssertionError(path)


def test_a_wrong_field_type_is_a_parse_error_naming_the_path() -> None:
    # Before: Ok, with data.config.deploy.instances == "three".
    item = _document("/v1/containers/{containerId}")["data"]
    doc = _document("/v1/containers")
    doc["data"] = [copy.deepcopy(item) for _ in range(5)]
    doc["data"][3]["config"]["deploy"]["instances"] = "three"
    res = _scripted("/v1/containers", doc)
    assert res.ok is False
    assert res.error.code == PARSE_ERROR
    assert res.error.detail == "data[3].config.deploy.instances: expected integer, got string"


def test_a_number_where_a_string_belongs_is_a_parse_error() -> None:
    # Before: Ok, with data.name == 12345 (an int).
    doc = _document("/v1/environments/{environmentId}")
    doc["data"]["name"] = 12345
    res = _scripted("/v1/environments/e1", doc)
    assert res.ok is False
    assert res.error.code == PARSE_ERROR
    assert res.error.detail == "data.name: expected string, got integer"


def test_a_bool_is_not_an_integer() -> None:
    doc = _document("/v1/containers/{containerId}")
    doc["data"]["config"]["deploy"]["instances"] = True
    res = _scripted("/v1/containers/c1", doc)
    assert res.ok is False
    assert res.error.detail == "data.config.deploy.instances: expected integer, got boolean"


def test_a_list_operation_given_an_object_for_data_is_a_parse_error() -> None:
    # Before: Ok, with data == [].
    res = _scripted("/v1/environments", {"data": {}})
    assert res.ok is False
    assert res.error.code == PARSE_ERROR
    assert res.error.detail == "data: expected array, got object"


def test_an_unknown_discriminator_value_is_kept_whole(caplog: pytest.LogCaptureFixture) -> None:
    doc = _document("/v1/images/sources/{sourceId}")
    origin = {"type": "quantum-registry", "details": {"target": "nginx", "qubits": 7}}
    doc["data"]["origin"] = origin
    with caplog.at_level(logging.DEBUG, logger="cycle_sdk"):
        res = _scripted("/v1/images/sources/s1", doc)
    assert res.ok is True
    decoded = res.value.data.origin
    assert isinstance(decoded, cycle_sdk.UnknownVariant)
    assert decoded == origin and decoded.property_name == "type" and decoded.value == "quantum-registry"
    assert res.value.data.to_dict()["origin"] == origin
    assert ImageSource.from_dict(res.value.data.to_dict()) == res.value.data
    assert any("quantum-registry" in r.getMessage() and r.levelno == logging.DEBUG for r in caplog.records)


def test_unknown_enum_values_and_properties_are_still_tolerated() -> None:
    doc = _document("/v1/environments/{environmentId}")
    doc["data"]["state"]["current"] = "hibernating"  # a state newer than the spec
    doc["data"]["brand_new_field"] = {"x": [1, 2]}
    res = _scripted("/v1/environments/e1", doc)
    assert res.ok is True
    assert res.value.data.state.current == "hibernating"
    assert "brand_new_field" not in res.value.data.to_dict()  # not in the model: in the document's JSON
    assert cycle_sdk.raw_json(res.value)["data"]["brand_new_field"] == {"x": [1, 2]}
