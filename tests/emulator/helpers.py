"""Shared helpers of the emulator tests."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import httpx
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from cycle_sdk.emulator._spec import load_spec_document

T = TypeVar("T")
SPEC_URI = "urn:cycle-sdk:effective-spec"


@functools.cache
def spec(api: str = "platform") -> dict[str, Any]:
    """An API's effective spec: "platform", "internal" or "scheduler"."""
    return load_spec_document(api)


@functools.cache
def _registry(api: str) -> Registry[Any]:
    resource = Resource.from_contents(spec(api), default_specification=DRAFT202012)
    return Registry().with_resource(f"{SPEC_URI}:{api}", resource)


def pointer(*parts: str) -> str:
    return "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


def validator(*path: str, api: str = "platform", formats: FormatChecker | None = None) -> Draft202012Validator:
    """A Draft 2020-12 validator for the schema at `path` in an API's spec (its `$ref`s resolve in
    it), checking `formats` (none by default: JSON Schema's reading)."""
    reference = {"$ref": f"{SPEC_URI}:{api}#/{pointer(*path)}"}
    return Draft202012Validator(reference, registry=_registry(api), format_checker=formats)


def response_validator(
    template: str, method: str, status: int, api: str = "platform", formats: FormatChecker | None = None
) -> Draft202012Validator:
    """A validator for an operation's JSON response body of that status."""
    path = ("paths", template, method.lower(), "responses", str(status), "content", "application/json", "schema")
    return validator(*path, api=api, formats=formats)


def operations(api: str = "platform") -> list[tuple[str, str, dict[str, Any]]]:
    """(template, METHOD, spec operation) of every operation of an API's spec."""
    return [
        (template, method.upper(), op)
        for template, item in spec(api)["paths"].items()
        for method, op in item.items()
        if method in ("get", "post", "put", "patch", "delete")
    ]


def component(name: str) -> Draft202012Validator:
    return validator("components", "schemas", name)


def errors(validator_: Draft202012Validator, instance: Any) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:300]}" for e in validator_.iter_errors(instance)]


def environment_body(name: str, **fields: Any) -> dict[str, Any]:
    """A createEnvironment body valid against the spec (cluster, about.description and
    features.legacy_networking are required), with `fields` laid over it."""
    features = {"legacy_networking": False}
    return {"name": name, "cluster": "production", "about": {"description": ""}, "features": features, **fields}


def container_body(name: str, environment_id: str, image_id: str, **config: Any) -> dict[str, Any]:
    """A createContainer body valid against the spec (its config requires `network` and `deploy`),
    with `config` laid over the config. The environment and image must exist (see `new_image`)."""
    network = {"public": "enable", "hostname": name}
    config = {"network": network, "deploy": {"instances": 1}, **config}
    return {"name": name, "environment_id": environment_id, "image_id": image_id, "stateful": False, "config": config}


def server_order(*, quantity: int = 1, **fields: Any) -> dict[str, Any]:
    """An item of a createServers body valid against the spec (its `integration_id` is an ID, which
    the emulator does not look up), with `fields` laid over it."""
    return {
        "integration_id": "5f1e000000000000000000e1",
        "model_id": "m",
        "location_id": "l",
        "quantity": quantity,
        **fields,
    }


def new_image(api: httpx.Client, *, headers: Mapping[str, str] | None = None) -> str:
    """Create an image (and the docker-hub source it comes from) over HTTP; its ID."""
    origin = {"type": "docker-hub", "details": {"target": "nginx:latest"}}
    source = api.post("/v1/images/sources", json={"name": "hub", "type": "direct", "origin": origin}, headers=headers)
    assert source.status_code == 201, source.text
    created = api.post("/v1/images", json={"source_id": source.json()["data"]["id"]}, headers=headers)
    assert created.status_code == 201, created.text
    return str(created.json()["data"]["id"])


# Generous: it only turns a hang into a failure (a loaded machine may take seconds), never a timing.
POLL_GUARD = 60.0
POLL_INTERVAL = 0.02


def wait_for(probe: Callable[[], T | None], timeout: float = POLL_GUARD, interval: float = POLL_INTERVAL) -> T:
    """Poll until `probe()` returns something truthy; fail after `timeout` seconds.

    Only for the state of another process (an emulator in a subprocess), which offers nothing to
    wait on; an emulator in this process is waited on with `emu.wait_until(condition)`, which
    its requests wake."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s (last value: {value!r})")
        time.sleep(interval)  # the other process gives no signal: poll it
