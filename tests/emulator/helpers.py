"""Shared helpers of the emulator tests."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any, TypeVar

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from cycle_sdk.emulator._spec import load_spec_document

T = TypeVar("T")
SPEC_URI = "urn:cycle-sdk:effective-spec"


@functools.cache
def spec() -> dict[str, Any]:
    return load_spec_document()


@functools.cache
def _registry() -> Registry[Any]:
    return Registry().with_resource(SPEC_URI, Resource.from_contents(spec(), default_specification=DRAFT202012))


def pointer(*parts: str) -> str:
    return "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


def validator(*path: str) -> Draft202012Validator:
    """A Draft 2020-12 validator for the schema at `path` in the spec (its `$ref`s resolve in the spec)."""
    return Draft202012Validator({"$ref": f"{SPEC_URI}#/{pointer(*path)}"}, registry=_registry())


def component(name: str) -> Draft202012Validator:
    return validator("components", "schemas", name)


def errors(validator_: Draft202012Validator, instance: Any) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:300]}" for e in validator_.iter_errors(instance)]


def wait_for(probe: Callable[[], T | None], timeout: float = 5.0, interval: float = 0.02) -> T:
    """Poll until `probe()` returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s (last value: {value!r})")
        time.sleep(interval)
