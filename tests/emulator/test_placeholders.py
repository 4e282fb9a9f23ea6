"""No placeholder ever reaches a stored resource.

For every kind the emulator stores, two items are made the way a user makes them: the kind's create
operation with the spec's minimal valid body (references naming real items, path parents made
first), one second apart on a fake clock; kinds the API cannot create are read (the emulator makes
them on first read), and jobs, runs, instances, members and accounts come from what makes them.
Every field of a stored item must then be one of:

- what the request sent (a value of its body, its path, its hub, the account it acts for);
- a stamp: a value that differs between the two items (IDs, timestamps);
- the platform's own fields: `creator`, `hub_id`, `state`;
- empty: null, "", 0, false, [], {}, Go's zero time (how Cycle renders "not yet") or zero
  ObjectID (how it renders "none");
- a time of this run (when something happened), or an ID of an item that exists (a reference that
  resolves), or a value of an item the document names by ID (an image's source, copied in);
- or listed in `SERVER_VALUES`, with the reason the API sets it.

Anything else is a placeholder: a value the schema's example generator invented, such as the
`image.service: "discovery"` every container once claimed, which made every user container look
like a discovery service.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from cycle_sdk.emulator import Emulator, FakeClock, run_emulator
from cycle_sdk.emulator._references import REFERENCES
from cycle_sdk.emulator._server import default_spec
from cycle_sdk.emulator._spec import Operation, Role

from .helpers import container_body, environment_body, new_image
from .test_references import put

SPEC = default_spec("platform")
TOOLS = SPEC.tools
ZERO_TIME = "0001-01-01T00:00:00Z"
ZERO_ID = "000000000000000000000000"
EMPTY: tuple[Any, ...] = (None, "", 0, False, [], {}, ZERO_TIME, ZERO_ID)
PLATFORM_FIELDS = ("creator", "hub_id", "state")
# Kinds made by something else than a create operation of their own.
MADE_BY_OTHERS = {"account", "jobs", "pipelines/runs", "containers/instances", "hubs/current/members"}
# (kind, dotted path with `*` for list items) -> why the API sets that value although the request
# did not send it. Each is a value the schema demands (required, not nullable) and no request
# chooses, or one the platform computes.
SERVER_VALUES: Mapping[tuple[str, str], str] = {
    ("account", "email.verified"): "the emulator's users log in with their address: it is verified",
    ("billing/methods", "source.type"): "required and not nullable, and createBillingMethod takes no source: "
    "the card form, as a method added in the portal",
    ("billing/services", "discount.amount.term"): "billing services are made on first read (the API cannot "
    "create them); a term is required and not nullable",
    ("billing/services", "price.term"): "the same",
    (
        "infrastructure/ips/pools",
        "kind",
    ): "worked out from the block's CIDR (test_an_ip_pools_kind_is_its_blocks_family)",
    ("containers/instances", "ready_state"): "active: the instance can be started or stopped, as a new one can",
    ("jobs", "caption"): "the platform's description of the job it runs",
    ("jobs", "tasks.*.caption"): "the same, per task",
    ("jobs", "tasks.*.steps.*.caption"): "the same, per step",
}


def creating_operations() -> dict[str, Operation]:
    found: dict[str, Operation] = {}
    for op in SPEC.operations:
        kind = op.kind
        if kind is None or kind.key in found:
            continue
        if op.role is Role.CREATE or (op.role is Role.JOB and op.method == "POST" and not op.is_item_path):
            found[kind.key] = op
    return found


CREATES = creating_operations()
READ_ON_FIRST_USE = {
    op.kind.key: op
    for op in SPEC.operations
    if op.kind is not None and not op.kind.creatable and op.role in (Role.READ, Role.UPDATE)
}


@dataclass
class Made:
    """Two items of a kind, made alike, and what their requests carried."""

    first: dict[str, Any]
    second: dict[str, Any]
    sent: set[str] = field(default_factory=set)  # JSON texts of every value the requests carried


def present(body: Any, path: tuple[str, ...]) -> bool:
    for key in path:
        if key == "*":
            return isinstance(body, list) and bool(body)
        if not isinstance(body, dict) or key not in body:
            return False
        body = body[key]
    return True


def leaves(value: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    if isinstance(value, dict) and value:
        for key, item in value.items():
            yield from leaves(item, (*path, str(key)))
    elif isinstance(value, list) and value:
        for item in value:
            yield from leaves(item, (*path, "*"))
    else:
        yield path, value


def texts(*values: Any) -> set[str]:
    return {json.dumps(leaf) for value in values for _, leaf in leaves(value)}


class Maker:
    def __init__(self, emu: Emulator, api: httpx.Client, clock: FakeClock) -> None:
        self.emu, self.api, self.clock = emu, api, clock
        self.sent: set[str] = texts(emu.hub_id, *emu.config.users)

    def put(self, kind: str, **parents: str) -> str:
        return str(self.emu.put_resource(kind, parents=parents)["id"])

    def call(self, method: str, path: str, body: Any = None) -> httpx.Response:
        response = self.api.request(method, path, json=body)
        assert response.status_code < 300, f"{method} {path}: {response.text}"
        self.sent |= texts(body, *path.split("/"))
        self.clock.advance(1)
        return response

    def newest(self, kind: str, count: int = 2) -> list[dict[str, Any]]:
        items = self.emu.list_resources(kind)
        assert len(items) >= count, (kind, items)
        return items[-count:]

    def make(self, kind: str) -> Made:
        maker = getattr(self, "make_" + kind.replace("/", "_").replace("-", "_"), None)
        if maker is not None:
            first, second = maker()
        elif kind in READ_ON_FIRST_USE:
            first, second = self.read_twice(READ_ON_FIRST_USE[kind])
        else:
            first, second = self.create_twice(CREATES[kind])
        return Made(first, second, self.sent)

    def path_of(self, op: Operation) -> str:
        path, parents = op.template, {}
        for param in op.params:
            assert param.kind is not None
            parents[param.name] = self.put(param.kind.key, **parents)
            path = path.replace("{" + param.name + "}", parents[param.name])
        return path

    def create_twice(self, op: Operation) -> tuple[dict[str, Any], dict[str, Any]]:
        body = TOOLS.instance(op.request_schema) if op.request_schema is not None else {}
        for reference in REFERENCES.get(op.operation_id, ()):
            if present(body, reference.path):  # only where the minimal body has the field
                put(body, reference.path, self.put(reference.kind))
        path = self.path_of(op)
        for _ in range(2):
            self.call(op.method, path, body)
        assert op.kind is not None
        first, second = self.newest(op.kind.key)
        return first, second

    def read_twice(self, op: Operation) -> tuple[dict[str, Any], dict[str, Any]]:
        path = self.path_of(op).rsplit("/", 1)[0]
        ids = ["5f1e000000000000000000a1", "5f1e000000000000000000a2"]
        for id_ in ids:
            body = TOOLS.instance(op.request_schema) if op.method != "GET" and op.request_schema else None
            self.call(op.method, f"{path}/{id_}", body)
        assert op.kind is not None
        first, second = self.newest(op.kind.key)
        return first, second

    # -- kinds made by something else -----------------------------------------------------------

    def environment(self) -> str:
        return str(self.call("POST", "/v1/environments", environment_body("env")).json()["data"]["id"])

    def container(self, **config: Any) -> str:
        body = container_body("web", self.environment(), new_image(self.api), **config)
        return str(self.call("POST", "/v1/containers", body).json()["data"]["id"])

    def make_images(self) -> tuple[dict[str, Any], dict[str, Any]]:
        for _ in range(2):
            new_image(self.api)
            self.clock.advance(1)
        first, second = self.newest("images")
        return first, second

    def make_containers(self) -> tuple[dict[str, Any], dict[str, Any]]:
        env, image = self.environment(), new_image(self.api)
        for _ in range(2):
            self.call("POST", "/v1/containers", container_body("web", env, image))
        first, second = self.newest("containers")
        return first, second

    def make_account(self) -> tuple[dict[str, Any], dict[str, Any]]:
        for email in ("ada.lovelace@example.com", "alan.turing@example.com"):
            self.emu.add_user(email, "password")
            self.clock.advance(1)
            self.sent |= texts(email, "Ada", "Lovelace", "Alan", "Turing")
        first, second = (self.emu.get_resource("account", id_) for id_ in self.account_ids())
        assert first is not None and second is not None
        return first, second

    def account_ids(self) -> list[str]:
        from cycle_sdk.emulator._auth import account_id_for

        return [account_id_for(e) for e in ("ada.lovelace@example.com", "alan.turing@example.com")]

    def make_jobs(self) -> tuple[dict[str, Any], dict[str, Any]]:
        container = self.container()
        for _ in range(2):
            self.call("POST", f"/v1/containers/{container}/tasks", {"action": "start"})
        first, second = self.newest("jobs")
        return first, second

    def make_pipelines_runs(self) -> tuple[dict[str, Any], dict[str, Any]]:
        pipeline = self.call("POST", "/v1/pipelines", {"name": "deploy", "stages": []}).json()["data"]["id"]
        for _ in range(2):
            self.call("POST", f"/v1/pipelines/{pipeline}/trigger", {"secret": "s", "variables": {}})
        first, second = self.newest("pipelines/runs")
        return first, second

    def make_containers_instances(self) -> tuple[dict[str, Any], dict[str, Any]]:
        container = self.container(deploy={"instances": 2})
        self.call("POST", f"/v1/containers/{container}/tasks", {"action": "start"})
        self.clock.advance(3600)  # the start job completed
        first, second = self.newest("containers/instances")
        return first, second

    def make_hubs_current_members(self) -> tuple[dict[str, Any], dict[str, Any]]:
        hubs = [self.call("POST", "/v1/hubs", {"name": name}).json()["data"]["id"] for name in ("one", "two")]
        first, second = (self.emu.list_resources("hubs/current/members", hub_id=hub)[0] for hub in hubs)
        return first, second

    def make_account_invites(self) -> tuple[dict[str, Any], dict[str, Any]]:
        # Not stored: the hub invites sent to the caller's address.
        address = self.call("GET", "/v1/account").json()["data"]["email"]["address"]
        role = self.put("hubs/current/roles")
        for _ in range(2):
            self.call("POST", "/v1/hubs/current/invites", {"recipient": address, "role_id": role})
        first, second = self.call("GET", "/v1/account/invites").json()["data"][-2:]
        return first, second

    def make_hubs_current_members_account(self) -> tuple[dict[str, Any], dict[str, Any]]:
        # Not stored: the member a path names by its account's ID, in two hubs.
        account = self.call("GET", "/v1/account").json()["data"]["id"]
        hubs = [self.call("POST", "/v1/hubs", {"name": name}).json()["data"]["id"] for name in ("one", "two")]
        path = f"/v1/hubs/current/members/account/{account}"
        first, second = (self.api.get(path, headers={"X-Hub-Id": hub}).json()["data"] for hub in hubs)
        return first, second

    def make_infrastructure_servers(self) -> tuple[dict[str, Any], dict[str, Any]]:
        integration = self.put("hubs/current/integrations")
        server = {"integration_id": integration, "model_id": "m", "location_id": "l", "quantity": 2}
        self.call("POST", "/v1/infrastructure/servers", {"cluster": "production", "servers": [server]})
        first, second = self.newest("infrastructure/servers")
        return first, second


def is_time_of_this_run(value: Any, since: float, now: float) -> bool:
    if not isinstance(value, str):
        return False
    try:
        moment = datetime.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return False
    return since - 1 <= moment <= now + 1


def named_items(emu: Emulator, doc: Mapping[str, Any], ids: set[str]) -> list[dict[str, Any]]:
    """The stored items `doc` names by ID (other than itself)."""
    named = {leaf for _, leaf in leaves(doc) if isinstance(leaf, str) and leaf in ids and leaf != doc.get("id")}
    found = []
    for kind in SPEC.kinds:
        found += [item for item in emu.list_resources(kind) if item.get("id") in named]
    return found


def existing_ids(emu: Emulator) -> set[str]:
    found: set[str] = set()
    for hub in [emu.hub_id, *(h["id"] for h in emu.list_resources("hubs"))]:
        for kind in SPEC.kinds:
            if kind in ("hubs", "account") and hub != emu.hub_id:
                continue
            found.update(str(item.get("id")) for item in emu.list_resources(kind, hub_id=hub))
    return found


def placeholders(emu: Emulator, kind: str, made: Made, since: float) -> list[str]:
    ids = existing_ids(emu)
    second = dict(leaves(made.second))
    named = texts(*(named_items(emu, made.first, ids)))
    found = []
    for path, value in leaves(made.first):
        dotted = ".".join(path)
        platform = path[0] in PLATFORM_FIELDS or "state" in path  # a nested state too (a job's tasks')
        if value in EMPTY or platform or (isinstance(value, str) and value in ids):
            continue
        if is_time_of_this_run(value, since, emu.clock.time()) or json.dumps(value) in named:
            continue
        if second.get(path) != value or json.dumps(value) in made.sent:
            continue  # a stamp, or what the request sent
        if (kind, dotted) not in SERVER_VALUES:
            found.append(f"{dotted} = {json.dumps(value)[:60]}")
    return found


@pytest.fixture(scope="module")
def world() -> Iterator[tuple[Emulator, httpx.Client, FakeClock]]:
    clock = FakeClock()
    with (
        run_emulator(job_speed=0.5, clock=clock) as emu,
        httpx.Client(base_url=emu.url, headers=emu.headers, timeout=10) as api,
    ):
        yield emu, api, clock


def test_the_sweep_covers_every_stored_kind() -> None:
    covered = set(CREATES) | set(READ_ON_FIRST_USE) | MADE_BY_OTHERS
    assert set(SPEC.kinds) <= covered, set(SPEC.kinds) - covered


@pytest.mark.parametrize("kind", sorted(SPEC.kinds))
def test_no_placeholder_reaches_a_stored_item(world: tuple[Emulator, httpx.Client, FakeClock], kind: str) -> None:
    emu, api, clock = world
    since = clock.time()
    made = Maker(emu, api, clock).make(kind)
    clock.advance(3600)  # every job made on the way has ended: its effects are in the items
    made = Made(
        emu.get_resource(kind, made.first["id"], hub_id=hub_of(emu, made.first)) or made.first,
        emu.get_resource(kind, made.second["id"], hub_id=hub_of(emu, made.second)) or made.second,
        made.sent,
    )
    assert not placeholders(emu, kind, made, since), kind


def hub_of(emu: Emulator, item: Mapping[str, Any]) -> str:
    hub = item.get("hub_id")
    return hub if isinstance(hub, str) and hub else emu.hub_id


def test_a_user_container_is_no_service_container(world: tuple[Emulator, httpx.Client, FakeClock]) -> None:
    """`image.service` names the environment service a container is (discovery, vpn...); a
    container a user creates is none, and `image.extension` is null for a plain image. Before,
    every container read `service: "discovery"`, `extension: virtual-machine-v1`."""
    emu, api, clock = world
    container = Maker(emu, api, clock).container()
    image = api.get(f"/v1/containers/{container}").json()["data"]["image"]
    assert image["service"] is None and image["extension"] is None


@pytest.mark.parametrize(
    ("cidr", "gateway", "family"), [("10.0.0.0/24", "10.0.0.1", "ipv4"), ("fd00::/64", "fd00::1", "ipv6")]
)
def test_an_ip_pools_kind_is_its_blocks_family(
    api: httpx.Client, cycle_emulator: Emulator, cidr: str, gateway: str, family: str
) -> None:
    server = cycle_emulator.put_resource("infrastructure/servers")["id"]
    created = api.post(
        "/v1/infrastructure/ips/pools", json={"server_id": server, "block": {"cidr": cidr, "gateway": gateway}}
    )
    assert created.status_code == 201, created.text
    assert created.json()["data"]["kind"] == family


def test_account_logins_are_the_logins_that_happened(cycle_emulator: Emulator) -> None:
    """`GET /v1/account/logins` held one invented entry (an "employee" login at the zero time);
    now it lists the account's password logins, newest first, failures included."""
    url, headers = cycle_emulator.url, {"Authorization": f"Bearer {cycle_emulator.api_key}"}
    assert httpx.get(f"{url}/v1/account/logins", headers=headers).json()["data"] == []
    for password in ("wrong", "password"):
        form = {"grant_type": "password", "username": "user@example.com", "password": password}
        httpx.post(f"{url}/oauth/token", data=form)
    logins = httpx.get(f"{url}/v1/account/logins", headers=headers).json()["data"]
    assert [(login["type"], login["success"]) for login in logins] == [("password", True), ("password", False)]
    assert {login["account"]["ip"] for login in logins} == {"127.0.0.1"}
