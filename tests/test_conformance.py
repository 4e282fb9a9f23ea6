"""Every operation called through the SDK against the emulator parses into its typed model.

Path parameters name real resources made through the API first (the emulator conformance
test's `World` finds or creates them); bodies are schema-valid instances; deletes run last.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

import cycle_sdk
from cycle_sdk._generated.operations import OPERATIONS
from cycle_sdk.emulator import Emulator, run_emulator
from tests.emulator.test_conformance import World, operations


def _snake(name: str) -> str:
    name = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    name = re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_").lower()
    return name + "_" if keyword.iskeyword(name) else name


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with run_emulator(job_speed=60) as emu:  # slow jobs: nothing deleted underneath the run
        yield emu


@pytest.mark.slow
def test_every_operation_parses_into_its_typed_model(emulator: Emulator) -> None:
    by_route = {(e.method, e.path): e for e in OPERATIONS}
    with (
        httpx.Client(base_url=emulator.url, headers=emulator.headers, timeout=10) as api,
        cycle_sdk.Client(api_key=emulator.api_key, team=emulator.hub_id, base_url=emulator.url) as client,
    ):
        world = World(api)
        passed: list[str] = []
        failures: list[str] = []
        for template, method, op in operations():
            entry = by_route[(method, template)]
            kwargs: dict[str, Any] = {}
            parts = template.split("/")
            for index, part in enumerate(parts):
                if part.startswith("{"):
                    name = part[1:-1]
                    kwargs[_snake(name)] = world.id_for(name, "/".join(parts[:index]))
            kwargs.update({_snake(name): value for name, value in world.query(op).items()})
            if op["operationId"] == "createOauthToken":
                kwargs["body"] = {"grant_type": "password", "username": "user@example.com", "password": "password"}
            elif "requestBody" in op:
                kwargs["body"] = world.body(op)
            method_fn = getattr(getattr(client, entry.namespace), entry.name)
            result = method_fn(**kwargs)
            label = f"{method} {template} ({entry.namespace}.{entry.name})"
            if result.ok is False:
                failures.append(f"{label}: {result.error}")
                continue
            value = result.value
            if value is not None and not hasattr(value, "to_dict"):
                failures.append(f"{label}: untyped {type(value).__name__}")
                continue
            passed.append(label)
    assert failures == []
    assert len(passed) == len(OPERATIONS)  # every operation the SDK has, each through its method
