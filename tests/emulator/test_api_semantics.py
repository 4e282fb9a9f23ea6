"""HTTP as the API speaks it, each case from a named public source.

CORS preflight and headers, hub requirements per route, the `Allow` header of literal paths, a
documented maximum page size, and the strictness decisions for `sort` and `page`.
"""

from __future__ import annotations

import httpx
import pytest

from cycle_sdk.emulator import DEFAULT_MAX_PAGE_SIZE, Emulator, run_emulator

from .helpers import environment_body, operations
from .rawhttp import request

# Sources (public): Cycle's Platform API reference (the spec's own introduction), its query docs,
# and the legacy official JS client's code.
API_REFERENCE = "https://api.docs.cycle.io/"
QUERY_DOCS = "https://docs.cycle.io/api/basics/query/"
LEGACY_CLIENT = "https://github.com/cycleplatform/api-client-nodejs"
RFC9110_405 = "https://www.rfc-editor.org/rfc/rfc9110#name-405-method-not-allowed"

ENVIRONMENTS = "/v1/environments"
LOCAL_PAGE = "http://localhost:5173"  # a web app in development, on this machine
OTHER_SITE = "https://evil.example"


def preflight(api: httpx.Client, path: str, origin: str, method: str = "POST") -> httpx.Response:
    headers = {
        "Origin": origin,
        "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": "authorization, content-type, x-hub-id",
    }
    # A browser sends no credentials with a preflight.
    return httpx.options(f"{api.base_url}{path}", headers=headers)


# -- CORS -----------------------------------------------------------------------------------------


def test_a_preflight_is_answered_as_the_spec_says_the_api_supports_cors(api: httpx.Client) -> None:
    """Source: API_REFERENCE ("There is also support for cross-origin resource sharing, so this API
    can be used in a client-side web application as well"); the legacy client fetches with
    `mode: "cors"` and sends Authorization, Content-Type and X-Hub-Id (LEGACY_CLIENT,
    src/common/api/request.ts), so a browser preflights every call. Before: 405."""
    answer = preflight(api, ENVIRONMENTS, LOCAL_PAGE)
    assert answer.status_code == 204, answer.text
    assert answer.headers["Access-Control-Allow-Origin"] == LOCAL_PAGE
    assert answer.headers["Access-Control-Allow-Methods"] == "GET, HEAD, POST"  # the path's own
    allowed = {h.strip().lower() for h in answer.headers["Access-Control-Allow-Headers"].split(",")}
    assert {"authorization", "content-type", "x-hub-id"} <= allowed
    assert int(answer.headers["Access-Control-Max-Age"]) > 0
    env = api.post(ENVIRONMENTS, json=environment_body("e")).json()["data"]["id"]
    item = preflight(api, f"{ENVIRONMENTS}/{env}", LOCAL_PAGE, "DELETE")
    assert item.headers["Access-Control-Allow-Methods"] == "GET, HEAD, PATCH, DELETE"


def test_answers_to_an_allowed_origin_carry_cors_headers_errors_too(api: httpx.Client) -> None:
    ok = api.get(ENVIRONMENTS, headers={"Origin": LOCAL_PAGE})
    assert ok.status_code == 200 and ok.headers["Access-Control-Allow-Origin"] == LOCAL_PAGE
    assert "Retry-After" in ok.headers["Access-Control-Expose-Headers"]
    unauthorized = httpx.get(f"{api.base_url}{ENVIRONMENTS}", headers={"Origin": LOCAL_PAGE})
    assert unauthorized.status_code == 401 and unauthorized.headers["Access-Control-Allow-Origin"] == LOCAL_PAGE
    # No Origin (a program, not a page): no CORS headers.
    assert "Access-Control-Allow-Origin" not in api.get(ENVIRONMENTS).headers


def test_pages_of_other_sites_are_refused_unless_allowed(cycle_emulator: Emulator, api: httpx.Client) -> None:
    """The emulator's API key is well known, so only pages on this machine may call it by default."""
    refused = preflight(api, ENVIRONMENTS, OTHER_SITE)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "403.not-allowed"
    assert "Access-Control-Allow-Origin" not in refused.headers
    assert "Access-Control-Allow-Origin" not in api.get(ENVIRONMENTS, headers={"Origin": OTHER_SITE}).headers
    # The token endpoint and the control routes take no cross-origin request, preflight or not.
    assert preflight(api, "/oauth/token", LOCAL_PAGE).status_code == 403
    assert preflight(api, "/v1/no-such-route", LOCAL_PAGE).status_code == 404
    with run_emulator(cors_origins=(OTHER_SITE,)) as opened:
        allowed = httpx.options(
            f"{opened.url}{ENVIRONMENTS}", headers={"Origin": OTHER_SITE, "Access-Control-Request-Method": "GET"}
        )
        assert allowed.status_code == 204 and allowed.headers["Access-Control-Allow-Origin"] == OTHER_SITE
    with run_emulator(cors_origins=("*",)) as everyone:
        allowed = httpx.options(
            f"{everyone.url}{ENVIRONMENTS}", headers={"Origin": OTHER_SITE, "Access-Control-Request-Method": "GET"}
        )
        assert allowed.status_code == 204


def test_an_options_request_that_is_no_preflight_is_still_405(cycle_emulator: Emulator) -> None:
    response = request(cycle_emulator, "OPTIONS", ENVIRONMENTS)
    assert response.status == 405 and response.headers["allow"] == "GET, HEAD, POST"


# -- hub requirements -----------------------------------------------------------------------------

ACCOUNT_WRITES = [
    ("PATCH", "/v1/account", {"name": {"first": "Ada", "last": "Lovelace"}}),
    ("GET", "/v1/account/2fa/setup", None),
    ("POST", "/v1/account/2fa/setup", {"token": "123456"}),
    ("POST", "/v1/account/2fa/disable", {"token": "123456"}),
    ("POST", "/v1/account/2fa/recover", {"email": "user@example.com", "password": "password", "recovery_codes": ["a"]}),
]


@pytest.mark.parametrize(("method", "path", "body"), ACCOUNT_WRITES, ids=lambda v: v if isinstance(v, str) else "")
def test_account_routes_need_no_hub(cycle_emulator: Emulator, method: str, path: str, body: object) -> None:
    """Source: the legacy official client updates the account with a token and no hub (LEGACY_CLIENT,
    src/resources/accounts/account.ts: `update` sends no hubId), and the spec's scope rule asks
    for X-Hub-Id "to fetch resources that are part of a hub" (API_REFERENCE). The spec's own
    getAccount declares bearerAuth alone; its writes inherited hubAuth (corrected in the overlay).
    Before: 403 403.wrong-hub."""
    headers = {"Authorization": f"Bearer {cycle_emulator.api_key}"}
    response = httpx.request(method, f"{cycle_emulator.url}{path}", json=body, headers=headers)
    assert response.status_code < 400, response.text


def test_hub_items_still_need_the_hub(cycle_emulator: Emulator) -> None:
    headers = {"Authorization": f"Bearer {cycle_emulator.api_key}"}
    refused = httpx.get(f"{cycle_emulator.url}{ENVIRONMENTS}", headers=headers)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "403.wrong-hub"


def test_account_changes_are_applied_without_a_hub(cycle_emulator: Emulator) -> None:
    headers = {"Authorization": f"Bearer {cycle_emulator.api_key}"}
    url = f"{cycle_emulator.url}/v1/account"
    httpx.patch(url, json={"name": {"first": "Ada", "last": "Lovelace"}}, headers=headers)
    assert httpx.get(url, headers=headers).json()["data"]["name"] == {"first": "Ada", "last": "Lovelace"}


# -- Allow: a path's own methods ------------------------------------------------------------------

PATHS = sorted({template for template, _, _ in operations()})
UNKNOWN_ID = "5f1e00000000000000000bad"


def test_the_405_allow_header_lists_only_the_paths_own_methods(api: httpx.Client) -> None:
    """Source: RFC9110_405 (the origin server MUST generate an Allow header listing the target
    resource's currently supported methods). `/v1/hubs/current/roles/defaults` is a path of its own
    (GET); that `/v1/hubs/current/roles/{roleId}` takes PATCH and DELETE does not make them its
    methods. Before: 7 literal paths listed their template's methods too (and routed them there)."""
    methods: dict[str, set[str]] = {}
    for template, method, _ in operations():
        methods.setdefault(template, set()).add(method)
    wrong = []
    for template in PATHS:
        path = "/".join(UNKNOWN_ID if part.startswith("{") else part for part in template.split("/"))
        own = [m for m in ("GET", "POST", "PUT", "PATCH", "DELETE") if m in methods[template]]
        missing = next(m for m in ("PUT", "PATCH", "DELETE", "POST", "GET") if m not in own)
        response = api.request(missing, path)
        expected = ", ".join([*own[:1], "HEAD", *own[1:]] if own[0] == "GET" else own)
        if response.status_code != 405 or response.headers.get("Allow") != expected:
            wrong.append(f"{missing} {path}: {response.status_code} Allow={response.headers.get('Allow')!r}")
    assert not wrong, wrong


def test_a_literal_path_is_never_an_id_of_its_template(api: httpx.Client) -> None:
    assert api.get("/v1/images/tasks").status_code == 405  # not "the image with ID tasks"
    response = api.delete("/v1/hubs/current/roles/defaults")
    assert response.status_code == 405 and response.headers["Allow"] == "GET, HEAD"


# -- pages ----------------------------------------------------------------------------------------


def test_a_page_size_over_the_documented_maximum_is_a_422_naming_it(api: httpx.Client) -> None:
    """Neither the spec nor QUERY_DOCS gives a maximum page size; the emulator's is documented
    (100, `max_page_size`), so code that asks for everything at once fails here rather than pass.
    Before: page[size]=99999999999999999999 answered every item."""
    for size in ("101", "99999999999999999999", "1e400"):
        response = api.get(ENVIRONMENTS, params={"page[size]": size})
        assert response.status_code == 422, (size, response.text)
        error = response.json()["error"]
        assert error["code"] == "422.invalid-argument" and error["source"] == "page[size]"
        assert f"at most {DEFAULT_MAX_PAGE_SIZE}" in error["detail"]
    assert api.get(ENVIRONMENTS, params={"page[size]": str(DEFAULT_MAX_PAGE_SIZE)}).status_code == 200


def test_the_maximum_page_size_is_configurable() -> None:
    with run_emulator(max_page_size=500) as emu, httpx.Client(base_url=emu.url, headers=emu.headers) as api:
        assert api.get(ENVIRONMENTS, params={"page[size]": "500"}).status_code == 200
        detail = api.get(ENVIRONMENTS, params={"page[size]": "501"}).json()["error"]["detail"]
        assert "at most 500" in detail


def test_page_values_are_read_as_the_published_spec_types_them(api: httpx.Client) -> None:
    """Decision (the README's emulator section): the published spec types page[number] and
    page[size] as any JSON number; QUERY_DOCS and the official clients (LEGACY_CLIENT types both as
    `number`) say nothing stricter. So no number is refused for being 0 or a fraction; it is read
    as its whole part, a page number below 1 as page 1, a size below 1 as the default. Before: 422."""
    ids = [api.post(ENVIRONMENTS, json=environment_body(f"e{n}")).json()["data"]["id"] for n in range(5)]

    def page(**params: str) -> list[str]:
        response = api.get(ENVIRONMENTS, params={f"page[{k}]": v for k, v in params.items()})
        assert response.status_code == 200, (params, response.text)
        return [e["id"] for e in response.json()["data"]]

    assert page(number="0", size="2") == page(number="1", size="2") == ids[:2]
    assert page(number="-3", size="2") == ids[:2]
    assert page(number="2.9", size="2.5") == ids[2:4]
    assert page(number="2e0", size="2") == ids[2:4]
    assert page(size="0") == page(size="-1") == ids  # the default size
    assert page(number="99999999999999999999", size="2") == []  # past the last page


# -- sort -----------------------------------------------------------------------------------------


def test_an_unknown_sort_key_is_accepted_as_the_spec_allows(api: httpx.Client) -> None:
    """Decision (the README's emulator section): the spec types sort keys as any string; QUERY_DOCS
    says results "can be sorted based on certain criteria that will vary for each request, though
    most support sorting by ID", and no official client checks them. So a key that names no field
    sorts nothing and is no error. Before: 422 on 22 operations."""
    ids = [api.post(ENVIRONMENTS, json=environment_body(name)).json()["data"]["id"] for name in ("b", "a")]
    response = api.get(ENVIRONMENTS, params={"sort": "bogus"})
    assert response.status_code == 200 and [e["id"] for e in response.json()["data"]] == ids
    assert [e["id"] for e in api.get(ENVIRONMENTS, params={"sort": "bogus,name"}).json()["data"]] == ids[::-1]
