"""The emulator's schema work, as quoted in the README's emulator section.

    .venv/bin/python benchmarks/bench_emulator_schema.py

Prints: a Container document checked by jsonschema-rs (what the emulator runs on every answer) and
by jsonschema (what it would cost instead), a container body's 422 check (jsonschema, lenient), and
listing 100 containers over HTTP.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import httpx

from cycle_sdk.emulator import run_emulator
from cycle_sdk.emulator._checks import request_checks
from cycle_sdk.emulator._server import default_spec

ENVIRONMENT = {
    "name": "e",
    "cluster": "production",
    "about": {"description": ""},
    "features": {"legacy_networking": False},
}


def container(environment_id: str) -> dict[str, object]:
    config = {"network": {"public": "enable", "hostname": "web"}, "deploy": {"instances": 2}, "env": {"A": "1"}}
    return {"name": "web", "environment_id": environment_id, "image_id": "i", "stateful": False, "config": config}


def per_call(function: Callable[[], object], rounds: int) -> float:
    function()
    started = time.perf_counter()
    for _ in range(rounds):
        function()
    return (time.perf_counter() - started) / rounds


def main() -> None:
    spec = default_spec("platform")
    tools = spec.tools
    schema = {"$ref": "#/components/schemas/Container"}
    document = tools.instance(schema)
    print(f"Container check, jsonschema-rs: {per_call(lambda: tools.conforms(schema, document), 2000) * 1e6:.1f} us")
    print(f"Container check, jsonschema:    {per_call(lambda: tools.violation(schema, document), 200) * 1e6:.1f} us")
    checks = request_checks(spec)
    op = next(o for o in spec.operations if o.key == "POST /v1/containers")
    body_schema, body = checks.prepared(op).body, container("5f1e00000000000000000001")
    check = per_call(lambda: tools.violation(body_schema, body, lenient=True), 500)
    print(f"container body 422 check (jsonschema, lenient): {check * 1e6:.1f} us")
    with run_emulator() as emu, httpx.Client(base_url=emu.url, headers=emu.headers) as api:
        environment_id = api.post("/v1/environments", json=ENVIRONMENT).json()["data"]["id"]
        for _ in range(100):
            api.post("/v1/containers", json=container(environment_id)).raise_for_status()
        samples = []
        for _ in range(15):
            started = time.perf_counter()
            api.get("/v1/containers", params={"page[size]": 100}).raise_for_status()
            samples.append(time.perf_counter() - started)
        print(f"GET /v1/containers, 100 items: median {statistics.median(samples) * 1e3:.1f} ms")


if __name__ == "__main__":
    main()
