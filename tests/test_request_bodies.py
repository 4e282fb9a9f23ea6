"""Required bodies, and models/datetimes anywhere in a dict body, over real HTTP on loopback."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest

import cycle_sdk
from cycle_sdk import UNSET
from cycle_sdk.models import ContainerConfig
from generator.build import schema_needs_body
from tests.support.documents import document, spec
from tests.support.fault_server import FaultServer, Reply

CREATED = Reply(201, {"data": None})


def _sent(server: FaultServer) -> Any:
    return json.loads(server.requests[-1].body)


def test_every_body_whose_schema_requires_properties_is_required() -> None:
    # The overlay correction marks them; this fails if the spec (or the overlay) drifts.
    effective = spec()
    required = unmarked = 0
    for item in effective["paths"].values():
        for op in item.values():
            if not isinstance(op, dict) or "requestBody" not in op:
                continue
            body = op["requestBody"]
            schema = next(iter(body.get("content", {}).values()), {}).get("schema")
            if body.get("required"):
                required += 1
            elif schema is not None and schema_needs_body(effective, schema):
                unmarked += 1
    assert unmarked == 0 and required >= 60
    assert effective["paths"]["/v1/environments"]["post"]["requestBody"]["required"] is True


@pytest.mark.parametrize("missing", ["absent", None, UNSET])
def test_a_missing_required_body_is_a_type_error_before_sending(
    server: FaultServer, client: cycle_sdk.Client, missing: object
) -> None:
    call = client.environments.create_environment
    with pytest.raises(TypeError, match="body"):
        if missing == "absent":
            call()  # type: ignore[call-arg]
        else:
            call(body=missing)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="body"):
        client.containers.create_container_job("c1")  # type: ignore[call-arg]
    assert server.requests == []


async def test_async_missing_required_body(server: FaultServer, aclient: cycle_sdk.AsyncClient) -> None:
    with pytest.raises(TypeError, match="body"):
        await aclient.environments.create_environment(body=UNSET)  # type: ignore[arg-type]
    assert server.requests == []


def test_an_optional_body_may_still_be_left_out(server: FaultServer, client: cycle_sdk.Client) -> None:
    server.script("PATCH", "/v1/environments/e1", Reply(200, {"data": None}))
    client.environments.update_environment("e1")
    assert server.requests[-1].body == b""


def test_a_model_nested_in_a_dict_body_is_encoded(server: FaultServer, client: cycle_sdk.Client) -> None:
    # The case: a config read by GET, reused inside a dict body.
    raw = document("GET", "/v1/containers/{containerId}", full=True)["data"]["config"]
    config = ContainerConfig.from_dict(raw)
    server.script("POST", "/v1/containers", CREATED)
    body: Any = {"name": "web", "environment_id": "e1", "config": config, "volumes": [config, {"x": config}]}
    client.containers.create_container(body=body)
    sent = _sent(server)
    assert sent["config"] == config.to_dict()
    assert sent["volumes"] == [config.to_dict(), {"x": config.to_dict()}]


def test_datetimes_in_a_dict_body_are_rfc3339(server: FaultServer, client: cycle_sdk.Client) -> None:
    server.script("POST", "/v1/environments", CREATED)
    when = datetime.datetime(2026, 3, 26, 12, 30, tzinfo=datetime.UTC)
    body: Any = {"name": "n", "at": when, "on": [datetime.date(2026, 3, 26)], "gone": UNSET}
    client.environments.create_environment(body=body)
    assert _sent(server) == {"name": "n", "at": "2026-03-26T12:30:00+00:00", "on": ["2026-03-26"]}


def test_a_naive_datetime_is_refused_naming_where(server: FaultServer, client: cycle_sdk.Client) -> None:
    body: Any = {"name": "n", "about": {"at": datetime.datetime(2026, 3, 26)}}
    with pytest.raises(ValueError, match=r"body\['about'\]\['at'\].*UTC offset"):
        client.environments.create_environment(body=body)
    assert server.requests == []
