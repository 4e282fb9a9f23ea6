"""What msgspec does not decode alone is finished in one pass over the decoded value: no Python
runs per object while msgspec decodes (no model class has an __attrs_post_init__), and that pass
keeps the meaning of each field it finishes, with the failure's whole JSON path."""

from __future__ import annotations

import copy
import json
from typing import Any

import attrs
import pytest

from benchmarks import documents
from cycle_sdk import UnknownVariant
from cycle_sdk._decode import DecodeError, MapModel, Model
from cycle_sdk._generated.api.containers.get_containers import parse as parse_containers
from cycle_sdk._generated.api.environments.get_environments import parse as parse_environments


def _classes(value: Any, found: set[type]) -> set[type]:
    if isinstance(value, Model):
        found.add(type(value))
        for field in attrs.fields(type(value)):
            _classes(getattr(value, field.name), found)
    elif isinstance(value, list):
        for item in value:
            _classes(item, found)
    elif isinstance(value, dict):
        for item in value.values():
            _classes(item, found)
    return found


@pytest.mark.parametrize("kind", ["environments", "containers"])
def test_msgspec_calls_no_python_per_object(kind: str) -> None:
    parse = {"environments": parse_environments, "containers": parse_containers}[kind]
    page = parse(200, documents.page_body(kind, 3))
    classes = _classes(page, set())
    assert any(issubclass(cls, MapModel) for cls in classes)  # maps were read as dicts, then wrapped
    assert [cls.__name__ for cls in classes if hasattr(cls, "__attrs_post_init__")] == []


def _environments(change: Any) -> dict[str, Any]:
    doc = documents.page("environments", 3)
    change(doc["data"][1])
    return doc


def test_maps_and_unions_deep_in_a_page_are_finished() -> None:
    page = parse_environments(200, documents.page_body("environments", 3))
    for item in page.data:
        assert isinstance(item.acl.roles, MapModel) and item.acl.roles.additional_properties == {}
        assert isinstance(item.services.discovery.config.hosts, MapModel)
        assert type(item.services.loadbalancer.config).__name__ == "V1LbType"
        assert isinstance(item.meta.containers_count.state, MapModel)


def test_an_entry_of_a_map_of_models_deep_in_a_page_names_its_key() -> None:
    role = {"view": True, "modify": False, "manage": False}
    doc = _environments(lambda env: env["acl"].update(roles={"r1": role, "r2": {**role, "manage": "yes"}}))
    with pytest.raises(DecodeError) as info:
        parse_environments(200, json.dumps(doc).encode())
    assert info.value.path == ["data", 1, "acl", "roles", "r2", "manage"]
    assert info.value.message == "expected boolean, got string"
    doc["data"][1]["acl"]["roles"]["r2"]["manage"] = True
    page = parse_environments(200, json.dumps(doc).encode())
    assert sorted(page.data[1].acl.roles.additional_keys) == ["r1", "r2"]
    assert page.data[1].acl.roles["r2"].manage is True
    assert page.data[0].acl.roles.additional_properties == {}


@pytest.mark.parametrize(
    ("config", "outcome"),
    [
        (None, None),
        ({"type": "v9", "x": 1}, UnknownVariant({"type": "v9", "x": 1}, "type")),
        ("text", ([], "expected object or null, got string")),
        (5, ([], "expected object or null, got integer")),
        ([], ([], "expected object or null, got array")),
        ({"type": 7}, (["type"], "expected string, got integer")),
        ({"performance": True}, (["type"], "required property missing")),
    ],
)
def test_a_discriminated_union_off_its_common_path(config: Any, outcome: Any) -> None:
    doc = _environments(lambda env: env["services"]["loadbalancer"].update(config=copy.deepcopy(config)))
    body = json.dumps(doc).encode()
    if isinstance(outcome, tuple):
        with pytest.raises(DecodeError) as info:
            parse_environments(200, body)
        assert info.value.path == ["data", 1, "services", "loadbalancer", "config", *outcome[0]]
        assert info.value.message == outcome[1]
        return
    page = parse_environments(200, body)
    assert page.data[1].services.loadbalancer.config == outcome
    assert type(page.data[2].services.loadbalancer.config).__name__ == "V1LbType"
