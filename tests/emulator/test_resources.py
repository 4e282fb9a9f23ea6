"""Stateful resources: create/read/update/delete, and filter, sort, page and include on collections."""

from __future__ import annotations

import itertools
from typing import Any

import httpx
import pytest

from cycle_sdk.emulator import Emulator, EmulatorConfig, FakeClock, run_emulator
from cycle_sdk.emulator._jobs import iso

from .helpers import component, container_body, environment_body, errors, new_image, response_validator, spec


def create_environment(api: httpx.Client, name: str, **fields: Any) -> dict[str, Any]:
    body = environment_body(name, about={"description": f"{name} env"}, **fields)
    response = api.post("/v1/environments", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json()["data"])


def create_container(
    api: httpx.Client, name: str, environment_id: str, image_id: str | None = None, **fields: Any
) -> dict[str, Any]:
    body = container_body(name, environment_id, image_id or new_image(api))
    response = api.post("/v1/containers", json={**body, **fields})
    assert response.status_code == 201, response.text
    return dict(response.json()["data"])


def names(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["name"] for item in response.json()["data"]]


# -- environments -----------------------------------------------------------------------------


def test_environment_lifecycle() -> None:
    clock = FakeClock()
    with run_emulator(clock=clock) as emu, httpx.Client(base_url=emu.url, headers=emu.headers) as api:
        check_environment_lifecycle(emu, api, clock)


def check_environment_lifecycle(cycle_emulator: Emulator, api: httpx.Client, clock: FakeClock) -> None:
    env = create_environment(api, "Production", identifier="prod")
    assert not errors(component("Environment"), env)
    assert env["name"] == "Production" and env["identifier"] == "prod" and env["cluster"] == "production"
    assert env["about"]["description"] == "Production env"
    assert env["hub_id"] == cycle_emulator.hub_id and env["state"]["current"] == "new"
    assert env["events"]["created"] == env["events"]["updated"] != "0001-01-01T00:00:00Z"

    fetched = api.get(f"/v1/environments/{env['id']}").json()["data"]
    assert fetched == env
    clock.advance(60)  # the platform's initialization job completed
    env = api.get(f"/v1/environments/{env['id']}").json()["data"]
    assert env["state"]["current"] == "live"

    about = {"description": "Production env", "favorite": True}  # the spec requires about.description
    patched = api.patch(f"/v1/environments/{env['id']}", json={"name": "Prod", "about": about})
    assert patched.status_code == 200
    updated = patched.json()["data"]
    assert updated["name"] == "Prod"
    assert updated["about"] == {"description": "Production env", "favorite": True}  # an extra key is kept
    assert api.get(f"/v1/environments/{env['id']}").json()["data"]["name"] == "Prod"

    deleted = api.delete(f"/v1/environments/{env['id']}")
    assert deleted.status_code == 202 and deleted.json()["data"]["action"] == "delete"
    assert api.get(f"/v1/environments/{env['id']}").json()["data"]["state"]["current"] == "deleting"
    clock.advance(3600)  # the deletion job completed
    gone = api.get(f"/v1/environments/{env['id']}")
    assert gone.json()["error"]["code"] == "404.environment"


def test_body_fields_the_schema_does_not_declare_are_ignored(api: httpx.Client) -> None:
    # (A declared field of the wrong type is refused: 422, see test_validation.)
    env = create_environment(api, "Typed", unknown_field="x")
    assert "unknown_field" not in env
    stolen = api.patch(
        f"/v1/environments/{env['id']}", json={"id": "other", "hub_id": "h", "state": {"current": "deleted"}}
    )
    assert (
        stolen.json()["data"]["id"] == env["id"]
        and stolen.json()["data"]["state"]["current"] == env["state"]["current"]
    )
    assert not errors(component("Environment"), stolen.json()["data"])


def test_filters(cycle_emulator: Emulator, api: httpx.Client) -> None:
    alpha = create_environment(api, "Alpha", identifier="alpha")
    beta = create_environment(api, "Beta", identifier="beta", cluster="staging")
    gamma = create_environment(api, "Gamma", identifier="gamma")
    # Set, not left to their initialization jobs (which leave an item that moved on alone).
    for env, state in ((alpha, "live"), (beta, "deleting"), (gamma, "live")):
        cycle_emulator.set_resource_state("environments", env["id"], state)

    assert names(api.get("/v1/environments", params={"filter[state]": "live"})) == ["Alpha", "Gamma"]
    assert names(api.get("/v1/environments", params={"filter[state]": "new,deleting"})) == ["Beta"]
    assert names(api.get("/v1/environments", params={"filter[identifier]": "gamma"})) == ["Gamma"]
    assert names(api.get("/v1/environments", params={"filter[cluster]": "staging"})) == ["Beta"]
    assert names(api.get("/v1/environments", params={"filter[search]": "AM"})) == ["Gamma"]
    assert names(api.get("/v1/environments", params={"filter[no_such_field]": "x"})) == ["Alpha", "Beta", "Gamma"]
    account = api.get("/v1/account").json()["data"]["id"]
    assert names(api.get("/v1/environments", params={"filter[creator]": account})) == ["Alpha", "Beta", "Gamma"]
    assert names(api.get("/v1/environments", params={"filter[creator]": "someone-else"})) == []


def test_sort(api: httpx.Client) -> None:
    for name, cluster in (("b", "one"), ("a", "two"), ("c", "one")):
        create_environment(api, name, cluster=cluster)
    assert names(api.get("/v1/environments")) == ["b", "a", "c"]  # creation order
    assert names(api.get("/v1/environments", params={"sort": "name"})) == ["a", "b", "c"]
    assert names(api.get("/v1/environments", params={"sort": "-name"})) == ["c", "b", "a"]
    assert names(api.get("/v1/environments", params={"sort": "-id"})) == ["c", "a", "b"]
    assert names(api.get("/v1/environments", params={"sort": "cluster,-name"})) == ["c", "b", "a"]


def test_pages(api: httpx.Client) -> None:
    for index in range(7):
        create_environment(api, f"env-{index}")
    page = {"page[size]": "3"}
    assert names(api.get("/v1/environments", params={**page, "page[number]": "1"})) == ["env-0", "env-1", "env-2"]
    assert names(api.get("/v1/environments", params={**page, "page[number]": "3"})) == ["env-6"]
    assert names(api.get("/v1/environments", params={**page, "page[number]": "4"})) == []
    assert len(names(api.get("/v1/environments", params={"page[number]": "1"}))) == 7


@pytest.mark.cycle_emulator(default_page_size=2)
def test_default_page_size(api: httpx.Client) -> None:
    for index in range(3):
        create_environment(api, f"env-{index}")
    assert names(api.get("/v1/environments")) == ["env-0", "env-1"]
    assert names(api.get("/v1/environments", params={"page[number]": "2"})) == ["env-2"]


def test_include_creators(api: httpx.Client) -> None:
    create_environment(api, "With creator")
    plain = api.get("/v1/environments").json()
    assert "includes" not in plain
    body = api.get("/v1/environments", params={"include": "creators,stacks"}).json()
    account = api.get("/v1/account").json()["data"]
    creator = body["includes"]["creators"]["accounts"][account["id"]]
    assert creator["email"]["address"] == "user@example.com" and creator["id"] == account["id"]
    assert body["includes"]["stacks"] == {}


# -- containers -------------------------------------------------------------------------------


def test_containers_reference_their_environment(api: httpx.Client) -> None:
    prod = create_environment(api, "prod", cluster="production")
    dev = create_environment(api, "dev", cluster="development")
    image = new_image(api)
    web = create_container(api, "web", prod["id"], image)
    create_container(api, "db", prod["id"], stateful=True)
    create_container(api, "sandbox", dev["id"])
    assert not errors(component("Container"), web)
    assert web["environment"]["id"] == prod["id"] and web["environment"]["cluster"] == "production"
    assert web["image"]["id"] == image and web["state"]["current"] == "new"

    # Every environment runs its discovery and load balancer service containers from the start.
    in_prod = names(api.get("/v1/containers", params={"filter[environment]": prod["id"]}))
    assert in_prod == ["discovery", "loadbalancer", "web", "db"]
    assert names(api.get("/v1/containers", params={"filter[stateful]": "true"})) == ["db"]
    in_prod = names(api.get("/v1/containers", params={"sort": "-name", "filter[environment]": prod["id"]}))
    assert in_prod == ["web", "loadbalancer", "discovery", "db"]

    body = api.get("/v1/containers", params={"include": "environments,creators", "filter[search]": "sand"}).json()
    assert [c["name"] for c in body["data"]] == ["sandbox"]
    assert list(body["includes"]["environments"]) == [dev["id"]]
    assert body["includes"]["environments"][dev["id"]]["name"] == "dev"

    one = api.get(f"/v1/containers/{web['id']}", params={"include": "environments"}).json()
    assert list(one["includes"]["environments"]) == [prod["id"]]

    renamed = api.patch(f"/v1/containers/{web['id']}", json={"name": "frontend"}).json()["data"]
    assert renamed["name"] == "frontend" and renamed["environment"]["id"] == prod["id"]


def test_unknown_ids_answer_the_kinds_404(api: httpx.Client) -> None:
    cases = {
        "/v1/environments/missing": "404.environment",
        "/v1/containers/missing": "404.container",
        "/v1/containers/missing/instances": "404.container",
        "/v1/jobs/missing": "404.job",
        "/v1/images/missing": "404.image",
        "/v1/images/sources/missing": "404.image.source",
        "/v1/stacks/missing": "404.stack",
        "/v1/stacks/builds/missing": "404.stack-build",
        "/v1/dns/zones/missing": "404.dns.zone",
        "/v1/sdn/networks/missing": "404.sdn.network",
        "/v1/infrastructure/servers/missing": "404.infrastructure.server",
        "/v1/infrastructure/clusters/missing": "404.infrastructure.cluster",
        "/v1/pipelines/missing": "404.pipeline",
        "/v1/hubs/current/api-keys/missing": "404.hub.api-key",
    }
    for path, code in cases.items():
        response = api.get(path)
        assert response.status_code == 404, path
        assert response.json()["error"]["code"] == code, path


# -- other kinds, generically -----------------------------------------------------------------


def test_nested_resources_live_under_their_parent(api: httpx.Client) -> None:
    zone = api.post("/v1/dns/zones", json={"origin": "example.com", "hosted": True}).json()["data"]
    other = api.post("/v1/dns/zones", json={"origin": "example.org", "hosted": True}).json()["data"]
    assert zone["origin"] == "example.com"
    record = api.post(f"/v1/dns/zones/{zone['id']}/records", json={"type": {"a": {"ip": "10.0.0.1"}}, "name": "www"})
    assert record.status_code == 201
    record_id = record.json()["data"]["id"]
    assert names(api.get(f"/v1/dns/zones/{zone['id']}/records")) == ["www"]
    assert names(api.get(f"/v1/dns/zones/{other['id']}/records")) == []
    moved = api.patch(f"/v1/dns/zones/{other['id']}/records/{record_id}", json={"type": {"a": {"ip": "10.0.0.2"}}})
    assert moved.status_code == 404 and moved.json()["error"]["code"] == "404.dns.record"
    missing_zone = api.get("/v1/dns/zones/missing/records")
    assert missing_zone.json()["error"]["code"] == "404.dns.zone"


def test_hubs_are_isolated(cycle_emulator: Emulator, api: httpx.Client) -> None:
    create_environment(api, "in default hub")
    created = api.post("/v1/hubs", json={"name": "Second"})
    assert created.status_code == 200
    second = created.json()["data"]["id"]
    assert sorted(h["id"] for h in api.get("/v1/hubs").json()["data"]) == sorted([cycle_emulator.hub_id, second])
    in_second = {"X-Hub-Id": second}
    assert names(api.get("/v1/environments", headers=in_second)) == []
    assert api.get("/v1/hubs/current", headers=in_second).json()["data"]["name"] == "Second"
    members = api.get("/v1/hubs/current/members", headers=in_second).json()["data"]
    assert [m["account_id"] for m in members] == [api.get("/v1/account").json()["data"]["id"]]


def test_items_the_api_cannot_create_exist_on_first_read(api: httpx.Client) -> None:
    invoice = api.get("/v1/billing/invoices/5f1e00000000000000000042")
    assert invoice.status_code == 200 and invoice.json()["data"]["id"] == "5f1e00000000000000000042"
    assert [i["id"] for i in api.get("/v1/billing/invoices").json()["data"]] == ["5f1e00000000000000000042"]


def test_an_id_the_api_could_not_have_made_names_nothing(api: httpx.Client) -> None:
    """Cycle's IDs are 24 hexadecimal digits. Before: an item the API cannot create was made on
    first read under any ID, so a smoke run left an account invite with ID "0" in the list."""
    for method, path, body, code in [
        ("PATCH", "/v1/account/invites/0", {"accept": True}, "404.hub.invitation"),
        ("GET", "/v1/billing/invoices/abc", None, "404.billing.invoice"),
        ("GET", "/v1/hubs/current/members/5f1e0000000000000000004", None, "404.hub.membership"),
    ]:
        response = api.request(method, path, json=body)
        assert response.status_code == 404, (path, response.text)
        assert response.json()["error"]["code"] == code, path
    assert api.get("/v1/account/invites").json()["data"] == []
    assert api.get("/v1/billing/invoices").json()["data"] == []
    assert len(api.get("/v1/hubs/current/members").json()["data"]) == 1  # the hub's creator


def test_a_hub_id_is_an_id(cycle_emulator: Emulator) -> None:
    with pytest.raises(ValueError, match="24 hexadecimal digits"):
        EmulatorConfig(hub_id="hub-1")
    made = httpx.post(f"{cycle_emulator.url}/_emulator/hubs", json={"name": "Other", "id": "0"})
    assert made.status_code == 400 and "24 hexadecimal digits" in made.json()["error"]
    assert "0" not in cycle_emulator.state.hub_ids()


def test_a_network_holds_the_environments_it_was_made_with() -> None:
    """createNetwork takes `environments` as IDs; a Network lists them as `{id, added}` (the spec).
    Before: the IDs were dropped and the network held no environment (Cycle's TypeScript client
    found it)."""
    clock = FakeClock()
    with run_emulator(clock=clock) as emu, httpx.Client(base_url=emu.url, headers=emu.headers) as api:
        env = create_environment(api, "edge")["id"]
        clock.advance(30)
        body = {"name": "mesh", "identifier": "mesh", "cluster": "production", "environments": [env]}
        made = api.post("/v1/sdn/networks", json=body)
        assert made.status_code == 201, made.text
        network = made.json()["data"]
        assert not errors(component("Network"), network)
        assert network["environments"] == [{"id": env, "added": network["events"]["created"]}]
        assert network["events"]["created"] == iso(clock.time())
        assert api.get(f"/v1/sdn/networks/{network['id']}").json()["data"] == network


def test_resource_controls(cycle_emulator: Emulator, api: httpx.Client) -> None:
    env = cycle_emulator.put_resource("environments", {"name": "seeded"})
    assert (
        cycle_emulator.get_resource("environments", env["id"])
        == api.get(f"/v1/environments/{env['id']}").json()["data"]
    )
    assert [e["name"] for e in cycle_emulator.list_resources("environments")] == ["seeded"]
    assert cycle_emulator.get_resource("environments", "missing") is None
    assert not cycle_emulator.set_resource_state("environments", env["id"], "no-such-state")
    with pytest.raises(KeyError, match="unknown resource kind"):
        cycle_emulator.list_resources("nope")


# -- hubs, members, invites, keys ------------------------------------------------------------

ROLES_DOCS = "https://cycle.io/docs/platform/roles-and-capabilities"


def test_a_hubs_creator_is_its_accepted_owner() -> None:
    """Source: ROLES_DOCS ("Every member of a hub has an assigned role"; the default roles made for
    every hub include "Owner / Root", rank 10, "a special super user role") and the spec
    (getHubMembership "Gets the Hub Membership for the requesting Account"; `events.joined`, "when
    the membership was accepted"). Before: the creator's membership was `pending`, never joined,
    named a role that did not exist, and `/v1/hubs/current/membership` answered a placeholder with
    the all-zeros ID."""
    clock = FakeClock()
    with run_emulator(clock=clock) as emu, httpx.Client(base_url=emu.url, headers=emu.headers) as api:
        account = api.get("/v1/account").json()["data"]["id"]
        mine = api.get("/v1/hubs/current/membership", params={"include": "roles"}).json()
        member = mine["data"]
        assert (member["account_id"], member["hub_id"]) == (account, emu.hub_id)
        assert member["state"]["current"] == "accepted"
        assert member["events"]["joined"] == member["events"]["created"] == iso(clock.time())
        owner = mine["includes"]["roles"][member["role_id"]]
        assert (owner["name"], owner["identifier"], owner["root"], owner["rank"]) == ("Owner", "owner", True, 10)
        assert owner["capabilities"]["all"] is True
        assert [m["id"] for m in api.get("/v1/hubs/current/members").json()["data"]] == [member["id"]]
        assert api.get(f"/v1/hubs/current/members/account/{account}").json()["data"] == member
        stranger = api.get("/v1/hubs/current/members/account/5f1e000000000000000000aa")
        assert stranger.status_code == 404 and stranger.json()["error"]["code"] == "404.hub.membership"
        # A hub made over the API is the same: its maker owns it.
        made = api.post("/v1/hubs", json={"name": "Second"}).json()["data"]["id"]
        theirs = api.get("/v1/hubs/current/membership", headers={"X-Hub-Id": made}).json()["data"]
        assert theirs["account_id"] == account and theirs["state"]["current"] == "accepted"


MEMBERS_DOCS = "https://cycle.io/docs/portal/managing-hub-members"
# Cycle's default roles and ranks, as ROLES_DOCS and MEMBERS_DOCS list them.
DEFAULT_ROLES = [
    ("Owner", 10),
    ("Admin", 7),
    ("DevOps Engineer", 5),
    ("Developer", 4),
    ("Consultant", 2),
    ("Analyst", 1),
]
INVITING = {"hubs-invites-send", "hubs-invites-manage"}


def check_default_roles(roles: list[dict[str, Any]]) -> None:
    """The documented facts about the default roles: names and ranks, the Owner the root super
    user, managing roles the Owner's alone (MEMBERS_DOCS), inviting the Owner's and the Admin's
    ("Only admins and the owner can invite new hub members"); each role's capabilities, the
    emulator's choice, hold those of every role ranked below it and only capabilities the spec lists."""
    assert [(r["name"], r["rank"]) for r in roles] == DEFAULT_ROLES
    assert [r["identifier"] for r in roles] == [
        "owner",
        "admin",
        "devops-engineer",
        "developer",
        "consultant",
        "analyst",
    ]
    assert [r["default"] for r in roles] == [r["identifier"] for r in roles]
    assert [r["root"] for r in roles] == [True, False, False, False, False, False]
    owner, *others = roles
    assert owner["capabilities"] == {"all": True, "specific": []}
    known = set(spec()["components"]["schemas"]["Capability"]["enum"])
    granted = [set(r["capabilities"]["specific"]) for r in others]
    assert all(r["capabilities"]["all"] is False for r in others)
    assert all(capabilities and capabilities <= known for capabilities in granted)
    assert all(lower < higher for higher, lower in itertools.pairwise(granted))
    assert not any("hubs-roles-manage" in capabilities for capabilities in granted)
    assert [bool(INVITING & capabilities) for capabilities in granted] == [True, False, False, False, False]
    admin, *_, analyst = granted
    assert admin == known - {"hubs-roles-manage", "hubs-delete"}
    assert all(capability.endswith("-view") for capability in analyst)


def test_a_new_hub_is_made_with_cycles_default_roles_and_its_creator_is_the_owner(api: httpx.Client) -> None:
    """Source: ROLES_DOCS ("The default roles and their ranks created for every hub": Owner / Root
    10, Admin 7, DevOps Engineer 5, Developer 4, Consultant 2, Analyst 1) and MEMBERS_DOCS (the
    same six, "included upon hub create"; managing roles "given only to the Owner role"; only
    admins and the owner invite). Before: a hub was made with its Owner role alone."""
    made = api.post("/v1/hubs", json={"name": "Second"}).json()["data"]["id"]
    for hub in (None, made):  # the emulator's own hub and one made over the API
        headers = {"X-Hub-Id": hub} if hub else {}
        roles = api.get("/v1/hubs/current/roles", headers=headers).json()["data"]
        check_default_roles(roles)
        assert all(not errors(component("Role"), role) for role in roles)
        mine = api.get("/v1/hubs/current/membership", headers=headers).json()["data"]
        assert mine["role_id"] == roles[0]["id"]  # the Owner's


def test_default_roles_are_answered_from_what_a_hub_is_made_with(api: httpx.Client) -> None:
    """Source: the spec (getDefaultHubRoles "Returns a list of the default roles/capabilities for a
    hub"; no security) and ROLES_DOCS ("Every hub has a set of default roles ... Default roles can
    be edited or removed"). The answer is the platform's defaults, so editing or removing a hub's
    own copies changes nothing in it. Before: one placeholder role, named "", identifier "", no
    capabilities."""
    roles = api.get("/v1/hubs/current/roles").json()["data"]
    fields = ("name", "identifier", "root", "capabilities")
    made_with = [{name: role[name] for name in fields} for role in roles]
    assert api.get("/v1/hubs/current/roles/defaults").json()["data"] == made_with
    api.patch(
        f"/v1/hubs/current/roles/{roles[1]['id']}", json={"name": "Boss", "identifier": "boss", "rank": 6}
    ).raise_for_status()
    api.delete(f"/v1/hubs/current/roles/{roles[-1]['id']}").raise_for_status()
    with httpx.Client(base_url=api.base_url) as anonymous:  # it takes no credentials
        for client in (api, anonymous):
            answer = client.get("/v1/hubs/current/roles/defaults")
            assert answer.status_code == 200, answer.text
            assert answer.json()["data"] == made_with
    assert not errors(response_validator("/v1/hubs/current/roles/defaults", "GET", 200), answer.json())


def test_a_hub_invite_keeps_its_recipient_and_sender(api: httpx.Client) -> None:
    """createHubInvite takes `recipient`; a membership holds it as `invitation.recipient`, with its
    `sender` (the spec's HubMembershipInvitation). Before: the recipient was dropped (Cycle's legacy
    JS client found it)."""
    body = {"name": "Developer", "identifier": "developer", "rank": 4, "capabilities": {"all": False, "specific": []}}
    role = api.post("/v1/hubs/current/roles", json=body).json()["data"]["id"]
    made = api.post("/v1/hubs/current/invites", json={"recipient": "grace@example.com", "role_id": role})
    assert made.status_code == 201, made.text
    invite = made.json()["data"]
    account = api.get("/v1/account").json()["data"]["id"]
    assert invite["invitation"]["recipient"] == "grace@example.com"
    assert invite["invitation"]["sender"] == {"id": account, "type": "account"}
    assert invite["invitation"]["events"]["created"] == invite["events"]["created"]
    assert invite["state"]["current"] == "pending"
    listed = api.get("/v1/hubs/current/invites").json()["data"]
    assert [i["invitation"]["recipient"] for i in listed] == ["grace@example.com"]


def test_a_pipeline_trigger_key_has_a_secret(api: httpx.Client) -> None:
    """A trigger key's `secret` is "used when calling the trigger key programmatically" (the spec;
    triggerPipeline requires it). Before: every key's secret was "" (Cycle's legacy JS client found
    it)."""
    pipeline = api.post("/v1/pipelines", json={"name": "ship", "dynamic": False, "stages": []}).json()["data"]["id"]
    keys = [api.post(f"/v1/pipelines/{pipeline}/keys", json={"name": name}).json()["data"] for name in ("a", "b")]
    secrets = [key["secret"] for key in keys]
    assert all(len(secret) >= 32 for secret in secrets) and secrets[0] != secrets[1]
    assert api.get(f"/v1/pipelines/{pipeline}/keys/{keys[0]['id']}").json()["data"]["secret"] == secrets[0]


HUB_DOCS = "https://cycle.io/docs/platform/introduction-to-hubs"


def test_an_invited_account_sees_its_invite_and_joins_by_accepting(cycle_emulator: Emulator, api: httpx.Client) -> None:
    """Source: HUB_DOCS ("Once an invite is accepted, that email account will become a new member of
    the hub") and the spec (updateAccountInvite: "If true, the Invite will be accepted and the
    associated Account will join the Hub"). Before: `/v1/account/invites` listed only items made on
    first read (any ID, the recipient nobody), and accepting one changed nothing."""
    from .test_auth import as_bearer, password_grant

    cycle_emulator.add_user("grace@example.com", "s3cret")
    grace = as_bearer(cycle_emulator, password_grant(cycle_emulator, "grace@example.com", "s3cret")["access_token"])
    grace_id = api.get("/v1/account", headers=grace).json()["data"]["id"]
    body = {"name": "Developer", "identifier": "developer", "rank": 4, "capabilities": {"all": False, "specific": []}}
    role = api.post("/v1/hubs/current/roles", json=body).json()["data"]["id"]
    invites = [
        api.post("/v1/hubs/current/invites", json={"recipient": to, "role_id": role}).json()["data"]["id"]
        for to in ("grace@example.com", "grace@example.com", "someone@example.com")
    ]
    assert api.get("/v1/account/invites").json()["data"] == []  # none is the caller's
    listed = api.get("/v1/account/invites", headers=grace).json()["data"]
    assert [i["id"] for i in listed] == invites[:2]

    someone_elses = api.patch(f"/v1/account/invites/{invites[2]}", json={"accept": True}, headers=grace)
    assert someone_elses.status_code == 404 and someone_elses.json()["error"]["code"] == "404.hub.invitation"

    accepted = api.patch(f"/v1/account/invites/{invites[0]}", json={"accept": True}, headers=grace)
    assert accepted.status_code == 200, accepted.text
    member = accepted.json()["data"]
    assert (member["account_id"], member["role_id"], member["state"]["current"]) == (grace_id, role, "accepted")
    assert member["events"]["joined"] != "0001-01-01T00:00:00Z"
    assert member["invitation"]["events"]["accepted"] == member["events"]["joined"]
    members = api.get("/v1/hubs/current/members").json()["data"]
    assert grace_id in [m["account_id"] for m in members]
    assert [m["id"] for m in api.get("/v1/account/memberships", headers=grace).json()["data"]] == [invites[0]]
    assert api.get(f"/v1/hubs/current/members/account/{grace_id}").json()["data"]["id"] == invites[0]

    declined = api.patch(f"/v1/account/invites/{invites[1]}", json={"decline": True}, headers=grace).json()["data"]
    assert declined["state"]["current"] == "declined" and declined["events"]["joined"] == "0001-01-01T00:00:00Z"
    assert api.get("/v1/account/invites", headers=grace).json()["data"] == []  # none pending
    pending = [
        i["id"] for i in api.get("/v1/hubs/current/invites").json()["data"] if i["state"]["current"] == "pending"
    ]
    assert pending == [invites[2]]
