"""Authentication, hub scope and request errors, with Cycle's error envelope; the OAuth token endpoint."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from cycle_sdk.emulator import Emulator, EmulatorClock, FakeClock, run_emulator

from .helpers import environment_body, spec


@pytest.fixture
def cycle_emulator_clock() -> EmulatorClock:
    return FakeClock()


ERROR_CODES = set(spec()["components"]["schemas"]["Error"]["properties"]["code"]["enum"])


def assert_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error", "data"} and body["data"] is None
    error = body["error"]
    assert error["status"] == status and error["code"] == code and error["title"]
    assert code in ERROR_CODES, f"{code} is not a code of the spec's Error schema"
    return dict(error)


def token(emu: Emulator, **form: str) -> httpx.Response:
    return httpx.post(f"{emu.url}/oauth/token", data=form)


def password_grant(emu: Emulator, username: str = "user@example.com", password: str = "password") -> dict[str, Any]:
    response = token(emu, grant_type="password", username=username, password=password)
    assert response.status_code == 200, response.text
    return dict(response.json())


def as_bearer(emu: Emulator, access_token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {access_token}", "X-Hub-Id": emu.hub_id}


# -- API keys and hubs ------------------------------------------------------------------------


def test_missing_or_wrong_credentials_answer_401_auth_invalid(cycle_emulator: Emulator) -> None:
    url = f"{cycle_emulator.url}/v1/environments"
    hub = {"X-Hub-Id": cycle_emulator.hub_id}
    assert_error(httpx.get(url, headers=hub), 401, "401.auth-invalid")
    assert_error(httpx.get(url, headers={**hub, "Authorization": "Bearer nope"}), 401, "401.auth-invalid")
    assert_error(httpx.get(url, headers={**hub, "Authorization": cycle_emulator.api_key}), 401, "401.auth-invalid")
    ok = httpx.get(url, headers={**hub, "Authorization": f"bearer {cycle_emulator.api_key}"})
    assert ok.status_code == 200  # the scheme is case-insensitive


def test_hub_header_is_required_and_checked(cycle_emulator: Emulator) -> None:
    url = f"{cycle_emulator.url}/v1/environments"
    auth = {"Authorization": f"Bearer {cycle_emulator.api_key}"}
    error = assert_error(httpx.get(url, headers=auth), 403, "403.wrong-hub")
    assert error["source"] == "/headers/X-Hub-Id"
    assert_error(httpx.get(url, headers={**auth, "X-Hub-Id": "unknown-hub"}), 404, "404.hub")


def test_bearer_only_and_public_routes_need_no_hub(cycle_emulator: Emulator) -> None:
    auth = {"Authorization": f"Bearer {cycle_emulator.api_key}"}
    hubs = httpx.get(f"{cycle_emulator.url}/v1/hubs", headers=auth)
    assert hubs.status_code == 200 and [h["id"] for h in hubs.json()["data"]] == [cycle_emulator.hub_id]
    account = httpx.get(f"{cycle_emulator.url}/v1/account", headers=auth).json()["data"]
    assert account["email"]["address"] == "user@example.com"
    assert httpx.get(f"{cycle_emulator.url}/v1/hubs/capabilities").status_code == 200  # security: []


def test_unknown_route_answers_404_uri(api: httpx.Client) -> None:
    assert_error(api.get("/v1/nothing-here"), 404, "404.uri")
    assert_error(api.put("/v1/nothing-here"), 404, "404.uri")
    assert_error(api.get("/"), 404, "404.uri")
    # An unknown route answers 404.uri even without credentials.
    assert_error(httpx.get(f"{api.base_url}/v2/environments"), 404, "404.uri")


def test_malformed_json_answers_400_invalid_syntax(api: httpx.Client) -> None:
    response = api.post("/v1/environments", content=b'{"name": ', headers={"Content-Type": "application/json"})
    assert_error(response, 400, "400.invalid-syntax")


def test_a_page_value_that_is_no_number_answers_422(api: httpx.Client) -> None:
    error = assert_error(api.get("/v1/environments", params={"page[size]": "zero"}), 422, "422.invalid-argument")
    assert error["source"] == "page[size]"
    assert_error(api.get("/v1/environments", params={"page[number]": "1_000"}), 422, "422.invalid-argument")


def test_api_key_made_through_the_api_works_in_its_hub_only(cycle_emulator: Emulator, api: httpx.Client) -> None:
    role = api.post("/v1/hubs/current/roles", json={"name": "dev", "identifier": "dev", "rank": 1}).json()["data"]
    key = api.post("/v1/hubs/current/api-keys", json={"name": "ci", "role_id": role["id"]}).json()["data"]
    assert key["secret"]
    headers = {"Authorization": f"Bearer {key['secret']}", "X-Hub-Id": cycle_emulator.hub_id}
    created = httpx.post(f"{cycle_emulator.url}/v1/environments", headers=headers, json=environment_body("by key"))
    assert created.status_code == 201
    assert created.json()["data"]["creator"] == {"id": key["id"], "type": "api-key"}
    other = cycle_emulator.create_hub("Other")
    response = httpx.get(f"{cycle_emulator.url}/v1/environments", headers={**headers, "X-Hub-Id": other})
    assert_error(response, 403, "403.wrong-hub")
    assert api.delete(f"/v1/hubs/current/api-keys/{key['id']}").status_code == 200
    gone = httpx.get(f"{cycle_emulator.url}/v1/environments", headers=headers)
    assert_error(gone, 401, "401.auth-invalid")


# -- OAuth ------------------------------------------------------------------------------------


def test_password_grant_issues_a_bearer_token(cycle_emulator: Emulator) -> None:
    issued = password_grant(cycle_emulator)
    assert issued["token_type"] == "bearer" and issued["expires_in"] == 7200
    assert issued["access_token"] and issued["refresh_token"]
    response = httpx.get(
        f"{cycle_emulator.url}/v1/environments", headers=as_bearer(cycle_emulator, issued["access_token"])
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("form", "status", "error"),
    [
        ({"grant_type": "password", "username": "user@example.com", "password": "wrong"}, 400, "invalid_grant"),
        ({"grant_type": "password", "username": "nobody@example.com", "password": "password"}, 400, "invalid_grant"),
        ({"grant_type": "password", "username": "user@example.com"}, 400, "invalid_request"),
        ({"grant_type": "refresh_token", "refresh_token": "forged"}, 400, "invalid_grant"),
        ({"grant_type": "client_credentials"}, 400, "unsupported_grant_type"),
        ({}, 400, "invalid_request"),
    ],
)
def test_token_endpoint_errors_follow_oauth(
    cycle_emulator: Emulator, form: dict[str, str], status: int, error: str
) -> None:
    response = token(cycle_emulator, **form)
    assert response.status_code == status
    assert response.json()["error"] == error and response.json()["error_description"]


def test_token_endpoint_wants_a_form(cycle_emulator: Emulator) -> None:
    response = httpx.post(f"{cycle_emulator.url}/oauth/token", json={"grant_type": "password"})
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"


def test_configured_users_can_log_in(cycle_emulator: Emulator) -> None:
    account_id = cycle_emulator.add_user("ops@example.com", "s3cret")
    issued = password_grant(cycle_emulator, "ops@example.com", "s3cret")
    me = httpx.get(f"{cycle_emulator.url}/v1/account", headers=as_bearer(cycle_emulator, issued["access_token"]))
    assert me.json()["data"]["id"] == account_id


def test_expired_token_then_exactly_one_refresh() -> None:
    clock = FakeClock()
    with run_emulator(token_ttl=5, clock=clock) as emulator:
        check_expiry_then_one_refresh(emulator, clock)


def test_the_clock_of_the_pytest_fixture_drives_token_expiry(
    cycle_emulator: Emulator, cycle_emulator_clock: FakeClock
) -> None:
    """The fixture runs on `cycle_emulator_clock` (overridden in this module): auth reads it."""
    issued = password_grant(cycle_emulator)
    url = f"{cycle_emulator.url}/v1/environments"
    cycle_emulator_clock.advance(7199)  # the default 2-hour lifetime, less a second
    assert httpx.get(url, headers=as_bearer(cycle_emulator, issued["access_token"])).status_code == 200
    cycle_emulator_clock.advance(1)
    assert_error(httpx.get(url, headers=as_bearer(cycle_emulator, issued["access_token"])), 401, "401.auth-expired")


def check_expiry_then_one_refresh(cycle_emulator: Emulator, clock: FakeClock) -> None:
    issued = password_grant(cycle_emulator)
    url = f"{cycle_emulator.url}/v1/environments"
    clock.advance(4.9)
    assert httpx.get(url, headers=as_bearer(cycle_emulator, issued["access_token"])).status_code == 200
    clock.advance(3600)  # an hour later: a token with a 5-second lifetime no longer works
    assert_error(httpx.get(url, headers=as_bearer(cycle_emulator, issued["access_token"])), 401, "401.auth-expired")

    refreshed = token(cycle_emulator, grant_type="refresh_token", refresh_token=issued["refresh_token"])
    assert refreshed.status_code == 200
    fresh = refreshed.json()
    assert fresh["refresh_token"] != issued["refresh_token"]
    assert httpx.get(url, headers=as_bearer(cycle_emulator, fresh["access_token"])).status_code == 200
    # Refresh tokens rotate: the used one is spent.
    reused = token(cycle_emulator, grant_type="refresh_token", refresh_token=issued["refresh_token"])
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"

    assert cycle_emulator.oauth_grants("password") == 1
    assert cycle_emulator.oauth_grants("refresh_token") == 2  # one good, one refused
    assert cycle_emulator.request_count("POST", "/oauth/token") == 3
    assert cycle_emulator.stats()["oauth_grants"] == {"password": 1, "refresh_token": 2}


def test_expire_access_tokens_control(cycle_emulator: Emulator) -> None:
    issued = password_grant(cycle_emulator)
    assert cycle_emulator.expire_access_tokens() == 1
    response = httpx.get(
        f"{cycle_emulator.url}/v1/environments", headers=as_bearer(cycle_emulator, issued["access_token"])
    )
    assert_error(response, 401, "401.auth-expired")
    # The configured API key is not a token: it keeps working.
    assert httpx.get(f"{cycle_emulator.url}/v1/environments", headers=cycle_emulator.headers).status_code == 200
