"""The wire format of every kind of parameter, over real HTTP on loopback."""

from __future__ import annotations

import pytest

import cycle_sdk
from cycle_sdk import UNSET
from cycle_sdk._generated.api.environments import get_environments
from cycle_sdk.models import GetEnvironmentsFilter
from tests.support.fault_server import FaultServer, Reply

LIST = Reply(200, {"data": []})


def test_deep_object_filter_and_page(server: FaultServer, client: cycle_sdk.Client) -> None:
    server.script("GET", "/v1/environments", LIST)
    res = client.environments.get_environments(filter={"state": "live"}, page={"number": 2, "size": 20})
    assert res.ok
    assert server.requests[-1].query == [("filter[state]", "live"), ("page[number]", "2"), ("page[size]", "20")]


def test_filter_takes_generated_model(server: FaultServer, client: cycle_sdk.Client) -> None:
    server.script("GET", "/v1/environments", LIST)
    res = client.environments.get_environments(filter=GetEnvironmentsFilter(search="web", state="live"))
    assert res.ok
    assert dict(server.requests[-1].query) == {"filter[search]": "web", "filter[state]": "live"}


def test_include_meta_sort_are_one_comma_separated_value(server: FaultServer, client: cycle_sdk.Client) -> None:
    server.script("GET", "/v1/environments", LIST)
    client.environments.get_environments(
        include=["creators", "clusters"], meta=["containers_count"], sort=["-id", "name"]
    )
    raw = server.requests[-1].raw_query
    assert "include=creators%2Cclusters" in raw or "include=creators,clusters" in raw
    assert server.requests[-1].query == [
        ("meta", "containers_count"),
        ("include", "creators,clusters"),
        ("sort", "-id,name"),
    ]


def test_hostile_query_values_are_encoded(server: FaultServer, client: cycle_sdk.Client) -> None:
    server.script("GET", "/v1/environments", LIST)
    hostile = "a&b=c[d]#e ü\x01"
    client.environments.get_environments(filter={"search": hostile})
    req = server.requests[-1]
    assert req.query == [("filter[search]", hostile)]
    assert "#" not in req.target and " " not in req.target


@pytest.mark.parametrize("job_id", ["a/b", "../v1", "a?b=c", "a#b", "%2e%2e", "ünï", "a b", "x%2Fy", "...", ". ."])
def test_path_parameter_stays_one_segment(server: FaultServer, client: cycle_sdk.Client, job_id: str) -> None:
    server.fallback = lambda req: Reply(404, {"error": {"status": 404, "code": "404.job", "title": "nope"}})
    client.jobs.get_job(job_id)
    req = server.requests[-1]
    assert req.segments == ["v1", "jobs", job_id]
    assert req.raw_query == ""


@pytest.mark.parametrize("bad", ["", ".", "..", " .. "])
def test_unsafe_path_parameter_refused_before_sending(server: FaultServer, client: cycle_sdk.Client, bad: str) -> None:
    with pytest.raises(ValueError, match="'job_id'"):
        client.jobs.get_job(bad)
    assert server.requests == []


def test_wrong_types_refused_before_sending(server: FaultServer, client: cycle_sdk.Client) -> None:
    with pytest.raises(TypeError, match="'job_id'"):
        client.jobs.get_job(None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="filter"):
        client.environments.get_environments(filter="state=live")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="include"):
        client.environments.get_environments(include=[object()])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="body"):
        client.environments.create_environment(body=42)  # type: ignore[arg-type]
    assert server.requests == []


def test_errors_name_the_argument_as_the_method_does() -> None:
    # The wire names (`environmentId`, `container-id`) are not what a caller wrote.
    from cycle_sdk._generated.api.environments import get_environment
    from cycle_sdk._generated_internal.api.containers import get_container

    with pytest.raises(ValueError, match=r"^path parameter 'environment_id' is empty"):
        get_environment.build_request("")
    with pytest.raises(TypeError, match=r"^query parameter 'container_id' takes str"):
        get_container.build_request(container_id=object())  # type: ignore[arg-type]
    assert get_container.build_request(container_id="c1").params == [("container-id", "c1")]


def test_body_accepts_dict_and_team_override(server: FaultServer, client: cycle_sdk.Client) -> None:
    server.script("POST", "/v1/environments", Reply(200, {"data": None}))
    client.environments.create_environment(body={"name": "web", "cluster": "prod"}, team="other-hub")
    req = server.requests[-1]
    assert req.headers["x-hub-id"] == "other-hub"
    assert req.headers["authorization"].startswith("Bearer ")
    assert b'"name": "web"' in req.body or b'"name":"web"' in req.body


def test_sync_namespace_encodes_filter(server: FaultServer, client: cycle_sdk.Client) -> None:
    server.script("GET", "/v1/environments", LIST)
    res = client.environments.get_environments(filter={"state": "live"})
    assert res.ok
    assert server.requests[-1].query == [("filter[state]", "live")]


async def test_async_namespace_encodes_page_and_path(server: FaultServer, aclient: cycle_sdk.AsyncClient) -> None:
    server.script("GET", "/v1/environments", LIST)
    res = await aclient.environments.get_environments(page={"number": 3, "size": 5})
    assert res.ok
    assert server.requests[-1].query == [("page[number]", "3"), ("page[size]", "5")]
    with pytest.raises(ValueError, match="'job_id'"):
        await aclient.jobs.get_job("..")
    res2 = await aclient.environments.get_environment("a/b")
    assert not res2.ok  # fallback body is not an environment document
    assert server.requests[-1].segments == ["v1", "environments", "a/b"]


def test_endpoint_modules_have_one_calling_convention() -> None:
    # Namespace methods are the one way to call; the module-level sync()/asyncio() are gone.
    assert not hasattr(get_environments, "sync") and not hasattr(get_environments, "asyncio")
    assert callable(get_environments.build_request) and callable(get_environments.parse)


async def test_async_namespaces_encode_the_same(server: FaultServer, aclient: cycle_sdk.AsyncClient) -> None:
    server.script("GET", "/v1/environments", LIST)
    res = await aclient.environments.get_environments(filter={"state": "live"}, sort=["-id"])
    assert res.ok
    assert server.requests[-1].query == [("filter[state]", "live"), ("sort", "-id")]


@pytest.mark.parametrize("missing", [None, UNSET])
def test_required_query_parameter_is_not_silently_dropped(
    server: FaultServer, client: cycle_sdk.Client, missing: object
) -> None:
    seen = server.count
    with pytest.raises(TypeError, match="'identifier' is required"):
        client.utility.lookup_identifier(identifier=missing, desired_component="environment")  # type: ignore[arg-type]
    assert server.count == seen  # raised before anything was sent
