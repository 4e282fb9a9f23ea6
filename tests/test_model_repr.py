"""Readable models. repr shows only set fields and stays short for deep nesting
(full_repr shows everything); models have to_dict() and to_json(); print() of a result reads
like the JSON the API sent. Against the emulator, sync and async.
"""

from __future__ import annotations

import contextlib
import datetime
import io
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

import cycle_sdk
from cycle_sdk.emulator import Emulator, run_emulator
from cycle_sdk.models import JobState

ENV_BODY = {
    "name": "web",
    "cluster": "production",
    "about": {"description": ""},
    "features": {"legacy_networking": False},
}


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with run_emulator() as emulator:
        yield emulator


async def call(emu: Emulator, kind: str, dotted: str, *args: Any, **kwargs: Any) -> Any:
    namespace, name = dotted.split(".")
    if kind == "sync":
        with cycle_sdk.Client(api_key=emu.api_key, team=emu.hub_id, base_url=emu.url) as client:
            return getattr(getattr(client, namespace), name)(*args, **kwargs)
    async with cycle_sdk.AsyncClient(api_key=emu.api_key, team=emu.hub_id, base_url=emu.url) as aclient:
        return await getattr(getattr(aclient, namespace), name)(*args, **kwargs)


def normalized(value: Any) -> Any:
    """JSON with timestamps compared as instants (the API may write `Z` where Python writes +00:00)."""
    if isinstance(value, dict):
        return {k: normalized(v) for k, v in value.items()}
    if isinstance(value, list):
        return [normalized(v) for v in value]
    if isinstance(value, str) and len(value) >= 20 and value[4:5] == "-" and value[10:11] == "T":
        with contextlib.suppress(ValueError):
            return datetime.datetime.fromisoformat(value)
    return value


async def test_repr_shows_set_fields_only_and_stays_short(emu: Emulator, kind: str) -> None:
    res = await call(emu, kind, "environments.create_environment", body=ENV_BODY)
    env = res.unwrap().data
    text = repr(env)
    assert text.startswith("Environment(id=") and "name='web'" in text
    assert "UNSET" not in text and "additional_properties={}" not in text
    assert "creator=CreatorScope(id=" in text and "type='account'" in text  # the API's field names
    # One level deeper than the model's children, only plain fields: services' load balancer is
    # a model inside a model inside the environment.
    doc = repr(res)
    assert doc.startswith("Ok(value=CreateEnvironmentResponse201(data=Environment(")
    assert "services=EnvironmentServices(...)" in doc
    full = cycle_sdk.full_repr(res)
    assert "services=EnvironmentServices(loadbalancer=LoadBalancerEnvironmentService(" in full
    assert "UNSET" not in full and len(doc) < len(full)


async def test_long_lists_are_cut_in_repr_not_in_full_repr(emu: Emulator, kind: str) -> None:
    for _ in range(7):
        await call(emu, kind, "environments.create_environment", body=ENV_BODY)
    res = await call(emu, kind, "environments.get_environments", page={"size": 100})
    envs = res.unwrap().data
    assert len(envs) >= 7
    assert f"... +{len(envs) - 5} more]" in repr(res)
    full = cycle_sdk.full_repr(res.value)
    assert all(repr(e.id) in full for e in envs) and "more]" not in full


async def test_to_dict_to_json_and_print_read_like_the_api(emu: Emulator, kind: str) -> None:
    created = (await call(emu, kind, "environments.create_environment", body=ENV_BODY)).unwrap().data
    res = await call(emu, kind, "environments.get_environment", created.id)
    env = res.unwrap().data
    assert json.loads(env.to_json()) == env.to_dict()
    assert env.to_json(indent=2) == str(env) and "\n  " in str(env)
    raw = httpx.get(
        f"{emu.url}/v1/environments/{created.id}",
        headers={"Authorization": f"Bearer {emu.api_key}", "X-Hub-Id": emu.hub_id},
    ).json()
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        print(res)
    printed = out.getvalue()
    assert printed.startswith("Ok {\n")
    assert normalized(json.loads(printed[len("Ok ") :])) == normalized(raw)


async def test_print_of_an_err_reads_the_error(emu: Emulator, kind: str) -> None:
    res = await call(emu, kind, "environments.get_environment", "000000000000000000000bad")
    assert str(res).startswith("Err 404.") and "[GET /v1/environments/" in str(res)


def test_keys_the_model_does_not_declare_do_not_show() -> None:
    state = JobState.from_dict({"current": "queued", "error": None, "extra": 1})
    assert repr(state) == "JobState(current='queued', error=None)"
    assert json.loads(state.to_json()) == {"current": "queued", "error": None}
