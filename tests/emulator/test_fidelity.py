"""What Cycle's own clients and a property-based tester found, over real HTTP.

Missing bodies, request formats and discriminators, query checks (include, meta, sort, repeated
filters, comma-joined and repeated array parameters).
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

import cycle_sdk
from cycle_sdk.emulator import Emulator

from .helpers import container_body, environment_body, errors, new_image, response_validator
from .test_validation import error_of

ENVIRONMENTS = "/v1/environments"
SOURCES = "/v1/images/sources"


def environment_id(api: httpx.Client, name: str = "env") -> str:
    return str(api.post(ENVIRONMENTS, json=environment_body(name)).json()["data"]["id"])


# -- 1. a missing or null body where one is needed ----------------------------------------------


@pytest.mark.parametrize("path", ["/v1/containers", ENVIRONMENTS, "/v1/images", "/v1/hubs/current/api-keys", SOURCES])
@pytest.mark.parametrize("content", [b"", b"null"])
def test_a_missing_or_null_body_is_a_422_naming_body(api: httpx.Client, path: str, content: bytes) -> None:
    before = api.get(path).json()["data"]
    response = api.post(path, content=content, headers={"Content-Type": "application/json"})
    error = error_of(response, 422, "422.missing-argument")
    assert error["source"] == "/body" and error["detail"] == "body is required"
    assert api.get(path).json()["data"] == before  # nothing was made


def test_a_body_is_needed_when_its_schema_requires_properties(api: httpx.Client) -> None:
    # createImageSource's requestBody is not marked required, but its schema requires type and origin.
    error = error_of(api.post(SOURCES), 422, "422.missing-argument")
    assert error["source"] == "/body"
    # A task without a required body still runs when its body schema requires nothing.
    assert api.post(f"{ENVIRONMENTS}/{environment_id(api)}/tasks", json={"action": "start"}).status_code == 202


# -- 2. request formats and discriminators --------------------------------------------------------


def upload_source(expires: str) -> dict[str, Any]:
    details = {"expires": expires, "token": "t"}
    return {"name": "up", "type": "direct", "origin": {"type": "cycle-upload", "details": details}}


def test_a_bad_date_time_in_a_body_is_refused_and_never_served(api: httpx.Client) -> None:
    error = error_of(api.post(SOURCES, json=upload_source("")), 422, "422.invalid-input")
    assert error["source"] == "/body/origin/details/expires"
    assert error["detail"] == "origin.details.expires must be a valid date-time"
    error_of(api.post(SOURCES, json=upload_source("2026-13-01T00:00:00Z")), 422, "422.invalid-input")
    assert api.post(SOURCES, json=upload_source("2026-11-29T15:00:00.5+01:00")).status_code == 201
    listed = api.get(SOURCES)
    assert listed.status_code == 200
    assert not errors(response_validator(SOURCES, "GET", 200), listed.json())
    assert [s["origin"]["details"]["expires"] for s in listed.json()["data"]] == ["2026-11-29T15:00:00.5+01:00"]


def test_a_discriminated_body_is_checked_against_the_branch_its_tag_names(api: httpx.Client) -> None:
    body = upload_source("2026-11-29T15:00:00Z")
    body["origin"]["type"] = "ftp"
    error = error_of(api.post(SOURCES, json=body), 422, "422.invalid-input")
    assert error["source"] == "/body/origin/type" and "cycle-upload" in error["detail"]
    # The tag picks its branch: a none origin with upload details is checked as a none origin.
    body["origin"] = {"type": "docker-hub", "details": {"expires": "2026-11-29T15:00:00Z", "token": "t"}}
    error = error_of(api.post(SOURCES, json=body), 422, "422.invalid-input")
    assert error["source"].startswith("/body/origin/details/"), error


def test_a_bad_date_time_in_a_filter_is_refused(api: httpx.Client) -> None:
    error = error_of(api.get("/v1/jobs", params={"filter[range-start]": "yesterday"}), 422, "422.invalid-argument")
    assert error["source"] == "filter[range-start]"
    assert error["detail"] == "filter[range-start] must be a valid date-time"
    assert api.get("/v1/jobs", params={"filter[range-start]": "2026-11-29T00:00:00Z"}).status_code == 200


def test_ip_addresses_and_cidrs_in_a_body_must_parse(api: httpx.Client) -> None:
    """The spec's `ip-address` and `cidr` formats (a network's L2 routes) are checked, as Go's
    net.ParseIP/ParseCIDR would: found by schemathesis (a route with gateway "y" was accepted)."""
    created = api.post(
        "/v1/sdn/networks", json={"name": "n", "identifier": "n", "cluster": "production", "environments": []}
    )
    assert created.status_code == 201, created.text
    tasks = f"/v1/sdn/networks/{created.json()['data']['id']}/tasks"

    def reconfigure(usable: str, gateway: str) -> httpx.Response:
        route = {"usable": usable, "gateway": gateway}
        return api.post(tasks, json={"action": "reconfigure", "contents": {"l2": {"routes": [route]}}})

    assert reconfigure("10.0.0.0/24", "10.0.0.1").status_code == 202
    assert reconfigure("fd00::/64", "fd00::1").status_code == 202
    error = error_of(reconfigure("10.0.0.0/24", "y"), 422, "422.invalid-input")
    assert error["source"] == "/body/contents/l2/routes/0/gateway"
    error = error_of(reconfigure("10.0.0.0/33", "10.0.0.1"), 422, "422.invalid-input")
    assert error["source"] == "/body/contents/l2/routes/0/usable"


# -- 5. query checks ------------------------------------------------------------------------------


@pytest.mark.parametrize("parameter", ["include", "meta"])
def test_an_unknown_include_or_meta_value_is_a_422_naming_the_parameter(api: httpx.Client, parameter: str) -> None:
    for sent in ("bogus", "creators,bogus" if parameter == "include" else "containers_count,bogus"):
        error = error_of(api.get(ENVIRONMENTS, params={parameter: sent}), 422, "422.invalid-argument")
        assert error["source"] == parameter and "bogus" not in error["detail"]
    repeated = api.get(f"{ENVIRONMENTS}?{parameter}=bogus&{parameter}=bogus")
    error_of(repeated, 422, "422.invalid-argument")


def test_array_parameters_are_taken_comma_joined_and_repeated(api: httpx.Client) -> None:
    environment_id(api)
    joined = api.get(f"{ENVIRONMENTS}?include=creators,stacks")
    repeated = api.get(f"{ENVIRONMENTS}?include=creators&include=stacks")
    assert joined.status_code == repeated.status_code == 200
    assert joined.json()["includes"] == repeated.json()["includes"]
    assert "creators" in joined.json()["includes"]
    error_of(api.get(f"{ENVIRONMENTS}?include=creators&include=bogus"), 422, "422.invalid-argument")


def test_an_empty_include_item_is_refused_and_the_sdk_sends_none(cycle_emulator: Emulator) -> None:
    """`include=` names one empty item, which no enum value is (schemathesis' negative case); the
    SDK leaves an empty list out rather than sending it."""
    with httpx.Client(base_url=cycle_emulator.url, headers=cycle_emulator.headers, timeout=10) as api:
        for query in ("include=", "include=creators,", "meta="):
            error = error_of(api.get(f"{ENVIRONMENTS}?{query}"), 422, "422.invalid-argument")
            assert error["source"] == query.split("=")[0]
    with cycle_sdk.Client(
        api_key=cycle_emulator.api_key, team=cycle_emulator.hub_id, base_url=cycle_emulator.url
    ) as client:
        result = client.environments.get_environments(include=[], meta=[])
        assert result.ok, result


def test_sort_keys_name_fields_and_unknown_ones_sort_nothing(api: httpx.Client) -> None:
    """The spec types sort keys as any string (see test_api_semantics for the decision's sources):
    a key naming a field sorts by it, dotted for nested ones; any other key is accepted and ignored."""
    ids = [environment_id(api, name) for name in ("b", "c", "a")]

    def order(query: str) -> list[str]:
        response = api.get(f"{ENVIRONMENTS}?{query}")
        assert response.status_code == 200, response.text
        return [e["id"] for e in response.json()["data"]]

    assert order("sort=-events.created") == list(reversed(ids))
    assert order("sort=events.created") == ids
    assert order("sort=name") == [ids[2], ids[0], ids[1]]
    assert order("sort=-name") == [ids[1], ids[0], ids[2]]
    assert order("sort=state.current,-name") == order("sort=state.current&sort=-name") == [ids[1], ids[0], ids[2]]
    assert order("sort=bogus") == ids  # creation order, as with no sort
    assert order("sort=bogus,-name") == order("sort=-events.bogus,-name") == [ids[1], ids[0], ids[2]]


def test_repeated_filter_keys_keep_every_value(api: httpx.Client, cycle_emulator: Any) -> None:
    live, other = environment_id(api, "live"), environment_id(api, "other")
    cycle_emulator.set_resource_state("environments", live, "live")
    cycle_emulator.set_resource_state("environments", other, "deleting")

    def ids(query: str) -> set[str]:
        return {e["id"] for e in api.get(f"{ENVIRONMENTS}?{query}").json()["data"]}

    assert ids("filter[state]=live") == {live}
    assert ids("filter[state]=live&filter[state]=deleting") == {live, other}
    assert ids("filter[state]=live,deleting") == {live, other}


def test_a_container_body_with_a_bad_nested_enum_still_names_it(api: httpx.Client) -> None:
    body = container_body(
        "web", environment_id(api), new_image(api), network={"public": "sometimes", "hostname": "web"}
    )
    error = error_of(api.post("/v1/containers", json=body), 422, "422.invalid-input")
    assert error["source"] == "/body/config/network/public"
