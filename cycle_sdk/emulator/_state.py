"""The emulated platform: hubs, accounts, resources, jobs and their side effects.

Resources are schema documents: a new one is the schema's minimal instance with the request body
merged over it (only what keeps it valid) and the platform's stamps (ID, hub, creator, events,
state). Every change is announced on the hub's notification pipeline.

One re-entrant lock guards all state: requests run on the server's event loop thread, while tests
call the control methods from their own thread.
"""

from __future__ import annotations

import itertools
import re
import secrets
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final

from ._auth import AuthManager, Principal, account_id_for
from ._clock import SYSTEM_CLOCK, EmulatorClock
from ._config import OBJECT_ID, EmulatorConfig
from ._faults import FaultRegistry
from ._jobs import STEP_CAPTIONS, TERMINAL, JobPlan, Outcome, TaskSpec, iso, new_job, render
from ._model import not_found
from ._notifications import NotificationHub
from ._roles import DEFAULT_ROLES, role_capabilities
from ._schema import JSON, Schema
from ._spec import (
    ACCOUNT_KIND,
    API_KEY_KIND,
    CONTAINER_KIND,
    ENVIRONMENT_KIND,
    HUB_KIND,
    INSTANCE_KIND,
    JOB_KIND,
    MEMBER_KIND,
    ApiSpec,
    Kind,
    load_spec_document,
)
from ._store import Record, Store
from ._tasks import KIND_ACTION_STATES, apply_task

# The emulator's own record of password logins (no spec kind: the spec only lists them).
LOGIN_KIND: Final = "account/logins"
# Fields the platform owns: a request body never sets them.
PROTECTED: Final = frozenset({"id", "hub_id", "creator", "events", "state"})
# What deleting an environment deletes besides what its path holds ("EVERYTHING in it: all containers
# and their instances ..., all virtual machines ..., and the environment's service containers":
# Cycle's MCP server, its delete_environment tool).
ENVIRONMENT_CONTENTS: Final = (CONTAINER_KIND, "virtual-machines")
# Kinds whose items hold a secret the platform makes (a pipeline trigger key's, sent to trigger it).
SECRET_KINDS: Final = frozenset({"pipelines/keys"})
ROLE_KIND: Final = "hubs/current/roles"
MEMBER_ACCOUNT_KIND: Final = "hubs/current/members/account"
INVITE_KIND: Final = "hubs/current/invites"
ACCOUNT_INVITE_KIND: Final = "account/invites"
# Preferred state of a new resource, and of one whose creation job completed.
INITIAL_STATES: Final = ("live", "new", "active")
# Kinds that start `new` and reach `live` through a job, as Cycle's docs describe them: an image is
# a shell until imported; an environment is initialized by the platform; a stack build is
# generated or deployed. (Containers and virtual machines start `new` by their schemas' order.)
STARTS_NEW: Final = frozenset({"images", ENVIRONMENT_KIND, "stacks/builds"})
# The services Cycle starts in every environment ("two services are started in each
# environment"); the discovery service runs once the environment is initialized, the load
# balancer gets instances only when started.
ENVIRONMENT_SERVICES: Final = ("discovery", "loadbalancer")
FINAL_STATES: Final = ("live", "complete", "completed", "running", "active")
# Fields the platform works out from the rest of a new item, per kind.
DERIVED: Final[Mapping[str, Mapping[str, Callable[[Mapping[str, JSON]], JSON]]]] = {
    # An IP pool's kind is its block's family.
    "infrastructure/ips/pools": {"kind": lambda doc: "ipv6" if ":" in str(_at(doc, "block", "cidr")) else "ipv4"},
}
# Task actions that move their resource: (state while the job runs, state once it completed).
_ACTION_STATES: Final[Mapping[str, tuple[str, str]]] = {
    "start": ("starting", "running"),
    "stop": ("stopping", "stopped"),
    "restart": ("starting", "running"),
}


class IdFactory:
    """ObjectID-like IDs (24 hex digits: time, process, counter), so sorting by ID is creation order."""

    def __init__(self, now: Callable[[], float]) -> None:
        self._now = now
        self._process = secrets.token_hex(5)
        self._counter = itertools.count()
        self._lock = threading.Lock()

    def __call__(self) -> str:
        with self._lock:
            return f"{int(self._now()) & 0xFFFFFFFF:08x}{self._process}{next(self._counter) & 0xFFFFFF:06x}"


def snake_field(param: str) -> str:
    """`containerId` -> `container`, `scopedVariableId` -> `scoped_variable`."""
    base = param[:-2] if param.endswith("Id") else param
    return re.sub(r"(?<!^)(?=[A-Z])", "_", base).lower()


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


class EmulatorState:
    def __init__(
        self,
        config: EmulatorConfig,
        spec: ApiSpec | None = None,
        clock: EmulatorClock = SYSTEM_CLOCK,
    ) -> None:
        self.config = config
        self.spec = spec if spec is not None else ApiSpec(load_spec_document(config.api))
        self.tools = self.spec.tools
        # Everything time-based reads it through `now()` (auth and notifications too), so a clock
        # put here later is the one every part reads from then on.
        self.clock = clock
        self.lock = threading.RLock()
        self.new_id = IdFactory(self.now)
        self.store = Store(config.db_path)
        self.auth = AuthManager(
            api_key=config.api_key,
            users=config.users,
            token_ttl=config.token_ttl,
            refresh_token_ttl=config.refresh_token_ttl,
            clock=self.now,
        )
        # Woken on every request and notification socket change, for `wait_until`.
        self._activity = threading.Condition(threading.Lock())
        self._activity_seen = 0
        self.notifications = NotificationHub(
            token_ttl=config.notification_token_ttl, clock=self.now, on_change=self.announce_activity
        )
        self.faults = FaultRegistry()
        self.requests: Counter[str] = Counter()
        self._active_jobs: set[tuple[str, str]] = set()
        self._next_job: dict[str, Any] = {}
        self._bootstrap()

    # -- setup ------------------------------------------------------------------------------

    def _bootstrap(self) -> None:
        if self.config.api != "platform":
            return  # the internal and scheduler APIs make what they serve on first use (see _service)
        with self.lock:
            for email in self.auth.users:
                self.ensure_account(email)
            if self.store.get("", HUB_KIND, self.config.hub_id) is None:
                self.create_hub(self.config.hub_name, hub_id=self.config.hub_id)
            # A persisted database brings back API keys made through the API, and unfinished jobs.
            for hub_id in self.hub_ids():
                for record in self.store.records(hub_id, API_KEY_KIND):
                    self._register_api_key(record)
                for record in self.store.records(hub_id, JOB_KIND):
                    if JobPlan.from_json(record.extra["plan"]).announced not in TERMINAL:
                        self._active_jobs.add((hub_id, record.id))

    def reset(self) -> None:
        """Forget everything (resources, tokens, faults, counters) and start as new."""
        with self.lock:
            self.store.clear()
            self.auth.reset()
            self.faults.clear()
            self.notifications.reset()
            self.requests.clear()
            self._active_jobs.clear()
            self._next_job.clear()
            self._bootstrap()

    def now(self) -> float:
        """The emulator's time: seconds since the epoch, on its clock."""
        return self.clock.time()

    def kind(self, key: str) -> Kind:
        try:
            return self.spec.kinds[key]
        except KeyError:
            raise KeyError(f"unknown resource kind {key!r}; known: {', '.join(sorted(self.spec.kinds))}") from None

    def scope(self, kind: Kind, hub_id: str | None) -> str:
        return "" if kind.global_scope or hub_id is None else hub_id

    # -- accounts and hubs ------------------------------------------------------------------

    def ensure_account(self, email: str) -> Record:
        kind = self.kind(ACCOUNT_KIND)
        account_id = account_id_for(email)
        record = self.store.get("", ACCOUNT_KIND, account_id)
        if record is None:
            first, _, rest = email.partition("@")[0].partition(".")
            body = {
                "name": {"first": first.capitalize(), "last": rest.capitalize()},
                "email": {"address": email, "verified": True, "added": iso(self.now())},
            }
            record = self.create_resource(kind, None, body, principal=None, id_=account_id, notify=False)
        return record

    def record_login(self, email: str, *, ip: str, success: bool) -> None:
        """A password login of a user (`GET /v1/account/logins` lists its account's)."""
        with self.lock:
            account = self.ensure_account(email)
            doc: dict[str, JSON] = {
                "id": self.new_id(),
                "account": {"id": account.id, "ip": ip},
                "time": iso(self.now()),
                "type": "password",
                "success": success,
            }
            self.store.save(Record("", LOGIN_KIND, str(doc["id"]), doc, {"accountId": account.id}))

    def logins(self, principal: Principal) -> list[dict[str, JSON]]:
        account_id = self.account(principal).id
        return [r.doc for r in self.store.records("", LOGIN_KIND) if r.parents.get("accountId") == account_id]

    def account(self, principal: Principal) -> Record:
        return self.ensure_account(principal.email)

    def hub_ids(self) -> list[str]:
        return [record.id for record in self.store.records("", HUB_KIND)]

    def hub(self, hub_id: str) -> Record | None:
        return self.store.get("", HUB_KIND, hub_id)

    def default_roles(self) -> list[dict[str, JSON]]:
        """Cycle's default roles, Owner first, as a hub is made with them (see `_roles`): each one's
        identifier is its name's, as the platform makes one, and `default` names it as their origin."""
        every = self.capabilities()
        return [
            {
                "name": role.name,
                "identifier": slug(role.name),
                "default": slug(role.name),
                "root": role.root,
                "rank": role.rank,
                "capabilities": role_capabilities(role, every),
            }
            for role in DEFAULT_ROLES
        ]

    def capabilities(self) -> list[str]:
        """Every capability the spec lists, in its order (a role's `capabilities.specific` items)."""
        if ROLE_KIND not in self.spec.kinds:
            return []
        specific = self.tools.property(
            self.tools.property(self.kind(ROLE_KIND).schema, "capabilities") or {}, "specific"
        )
        items = self.tools.resolve(specific).get("items", {}) if isinstance(specific, dict) else {}
        return [str(value) for part in self.tools.parts(items) for value in part.get("enum", ())]

    def create_hub(
        self, name: str, *, hub_id: str | None = None, principal: Principal | None = None, body: JSON = None
    ) -> Record:
        principal = principal or self.auth.default_principal
        if hub_id is not None and OBJECT_ID.fullmatch(hub_id) is None:
            raise ValueError(f"a hub ID is an ID (24 hexadecimal digits), not {hub_id!r}")
        with self.lock:
            fields = {**(body if isinstance(body, dict) else {}), "name": name}
            record = self.create_resource(self.kind(HUB_KIND), None, fields, principal=principal, id_=hub_id)
            # The hub is made with Cycle's default roles; its creator is its first member, joined
            # now, with the first of them, the Owner (https://cycle.io/docs/platform/roles-and-capabilities:
            # "Owner / Root", rank 10, "a special super user role").
            if MEMBER_KIND in self.spec.kinds and ROLE_KIND in self.spec.kinds:
                role_kind = self.kind(ROLE_KIND)
                owner, *_ = [
                    self.create_resource(role_kind, record.id, role, principal=principal, notify=False)
                    for role in self.default_roles()
                ]
                member_kind = self.kind(MEMBER_KIND)
                joined = {"account_id": principal.account_id, "role_id": owner.id}
                member = self.create_resource(
                    member_kind, record.id, joined, principal=principal, state="accepted", notify=False
                )
                self.stamp_event(member_kind, member, "joined")
            return record

    def invites_to(self, principal: Principal) -> list[Record]:
        """The hub invites sent to the account's email address, in every hub, still pending."""
        address = _at(self.account(principal).doc, "email", "address")
        return [
            record
            for hub_id in self.hub_ids()
            for record in self.store.records(hub_id, INVITE_KIND)
            if _at(record.doc, "invitation", "recipient") == address and current_state(record.doc) == "pending"
        ]

    def answer_invite(self, principal: Principal, invite_id: str, answer: str | None) -> Record:
        """Accept (`answer` "accepted": the account joins the hub, a member with the invite's role)
        or decline ("declined") an invite sent to the account, or (None) read it; `404.hub.invitation`
        for any other ID."""
        with self.lock:
            invite = next((r for r in self.invites_to(principal) if r.id == invite_id), None)
            if invite is None:
                raise not_found(self.kind(ACCOUNT_INVITE_KIND).not_found, "invite", invite_id)
            if answer is None:
                return invite
            accept = answer == "accepted"
            now = iso(self.now())
            doc = self.tools.merge(
                invite.doc,
                {
                    "state": {"current": answer, "changed": now},
                    "events": {"updated": now, **({"joined": now} if accept else {})},
                    "invitation": {"events": {answer: now, "updated": now}},
                },
                self.kind(MEMBER_KIND).schema,
            )
            if accept:
                doc["account_id"] = principal.account_id  # past the merge: the schema may not declare it
                self.store.delete(invite.scope, INVITE_KIND, invite.id)
                invite = self.store.save(Record(invite.scope, MEMBER_KIND, invite.id, doc, {}))
                self.notify(invite.scope, self.kind(MEMBER_KIND), invite, "created")
            else:
                invite.doc = doc
                self.store.save(invite)
            return invite

    def membership(self, hub_id: str, account_id: str) -> Record | None:
        """An account's membership of a hub (None: not a member)."""
        members = self.store.records(hub_id, MEMBER_KIND)
        return next((m for m in members if m.doc.get("account_id") == account_id), None)

    def delete_hub(self, hub_id: str) -> None:
        """Delete a hub and everything in it."""
        with self.lock:
            record = self.store.delete("", HUB_KIND, hub_id)
            if record is not None:
                self.notify(hub_id, self.kind(HUB_KIND), record, "state_changed", state="deleted")
            self.store.delete_scope(hub_id)
            self._active_jobs = {key for key in self._active_jobs if key[0] != hub_id}

    # -- resources --------------------------------------------------------------------------

    def find(self, kind: Kind, hub_id: str | None, id_: str, parents: Mapping[str, str] | None = None) -> Record:
        """The item, checked against the path's parents; 404 if unknown.

        Kinds the API cannot create (billing invoices, memberships, backups...) have no way to
        exist in an emulator: their items are made on first read, so every route stays usable.
        """
        parents = parents or {}
        with self.lock:
            if kind.key == MEMBER_ACCOUNT_KIND:  # a member named by its account's ID
                member = self.membership(hub_id or "", id_)
                if member is None:
                    raise not_found(kind.not_found, "member", id_)
                return member
            record = self.store.get(self.scope(kind, hub_id), kind.key, id_)
            if record is not None and all(record.parents.get(k, v) == v for k, v in parents.items()):
                return record
            # Only an ID the API could have made names an item: `0` or `abc` never exists.
            if kind.creatable or record is not None or OBJECT_ID.fullmatch(id_) is None:
                raise not_found(kind.not_found, kind.key.rsplit("/", 1)[-1].rstrip("s"), id_)
            return self.create_resource(kind, hub_id, {}, principal=None, parents=parents, id_=id_, notify=False)

    def view(self, record: Record) -> dict[str, JSON]:
        """The API document of a record as of now (jobs are rendered from their plan)."""
        if record.kind == JOB_KIND:
            return render(record.doc, JobPlan.from_json(record.extra["plan"]), self.now())
        return record.doc

    def create_resource(
        self,
        kind: Kind,
        hub_id: str | None,
        body: Mapping[str, JSON],
        *,
        principal: Principal | None,
        parents: Mapping[str, str] | None = None,
        id_: str | None = None,
        state: str | None = None,
        notify: bool = True,
    ) -> Record:
        parents = dict(parents or {})
        id_ = id_ or self.new_id()
        now = iso(self.now())
        schema = kind.schema
        with self.lock:
            # Blank: what the request did not send and the platform does not stamp stays null or
            # empty, never a schema placeholder (a user's container is no "discovery" service).
            doc = self.tools.merge(self.tools.instance(schema, blank=True), self._input(kind, hub_id, body), schema)
            stamps: dict[str, JSON] = {
                "id": id_,
                "events": {"created": now, "updated": now},
                "state": {"current": state or self.initial_state(kind), "changed": now},
            }
            if hub_id is not None and not kind.global_scope:
                stamps["hub_id"] = hub_id
            if principal is not None:
                stamps["creator"] = principal.creator
            if kind.key == INVITE_KIND:  # a hub invite: who sent it, to whom, when
                recipient = body.get("recipient")
                stamps["invitation"] = {
                    "recipient": recipient if isinstance(recipient, str) else "",
                    "events": {"created": now, "updated": now},
                    **({"sender": principal.creator} if principal is not None else {}),
                }
            # A resource under another names it: an instance's `container_id`, a run's `pipeline_id`.
            stamps.update(self._input(kind, hub_id, {f"{snake_field(k)}_id": v for k, v in parents.items()}))
            for name, derive in DERIVED.get(kind.key, {}).items():
                stamps[name] = derive(doc)
            if "identifier" in self.tools.properties(schema) and not body.get("identifier"):
                name = doc.get("name")
                stamps["identifier"] = slug(name) if isinstance(name, str) and slug(name) else id_
            doc = self.tools.merge(doc, stamps, schema)
            if "id" not in doc and self.tools.conforms(schema, {**doc, "id": id_}):
                doc["id"] = id_  # the schema forgot to declare it; every item keeps its ID
            record = self.store.save(Record(self.scope(kind, hub_id), kind.key, id_, doc, parents))
            if kind.key == API_KEY_KIND:
                self._register_api_key(record)
            elif kind.key in SECRET_KINDS and not record.doc.get("secret"):
                record.doc["secret"] = secrets.token_urlsafe(32)  # the platform makes it, as an API key's
                self.store.save(record)
            if notify and hub_id is not None:
                self.notify(hub_id, kind, record, "created")
            self._after_create(kind, record)
            return record

    def update_resource(self, kind: Kind, record: Record, body: Mapping[str, JSON], hub_id: str | None) -> Record:
        with self.lock:
            doc = self.tools.merge(record.doc, self._input(kind, hub_id, body), kind.schema)
            record.doc = self.tools.merge(doc, {"events": {"updated": iso(self.now())}}, kind.schema)
            self.store.save(record)
            self.notify(hub_id or record.id, kind, record, "updated")
            return record

    def remove_resource(self, kind: Kind, record: Record) -> None:
        """Delete an item and everything under it (an environment's scoped variables...), and an
        environment's contents: its containers (services included, with their instances) and
        virtual machines."""
        with self.lock:
            self.store.delete(record.scope, record.kind, record.id)
            if kind.key == ENVIRONMENT_KIND:
                for key in ENVIRONMENT_CONTENTS:
                    for item in self.store.records(record.scope, key):
                        if _at(item.doc, "environment", "id") == record.id:
                            self.remove_resource(self.kind(key), item)
            if kind.key == API_KEY_KIND:
                self.auth.revoke_api_key(str(record.doc.get("secret", "")))
            if kind.key == INSTANCE_KIND:  # its container counts one fewer (if it is not going too)
                container = self.store.get(record.scope, CONTAINER_KIND, str(record.doc.get("container_id")))
                if container is not None:
                    self.count_instances(container)
            if kind.id_param is not None:
                for child_kind in self.spec.kinds.values():
                    for child in self.store.records(record.scope, child_kind.key):
                        if child.parents.get(kind.id_param) == record.id:
                            self.remove_resource(child_kind, child)
            hub_id = record.scope or record.id
            self.notify(hub_id, kind, record, "state_changed", state="deleted")

    def set_state(self, kind: Kind, record: Record, value: str, *, at: float | None = None) -> bool:
        """Move an item to a state its schema allows; False (unchanged) otherwise."""
        if value not in self.tools.enum_at(kind.schema, "state", "current"):
            return False
        with self.lock:
            state = record.doc.setdefault("state", {})
            if state.get("current") == value:
                return True
            state["current"] = value
            state["changed"] = iso(self.now() if at is None else at)
            self.store.save(record)
            self.notify(record.scope or record.id, kind, record, "state_changed", state=value)
            return True

    def initial_state(self, kind: Kind) -> str:
        return self.pick_state(kind, ("new",) if kind.key in STARTS_NEW else INITIAL_STATES)

    def stamp_event(self, kind: Kind, record: Record, event: str, *, at: float | None = None) -> None:
        """Set `events.<event>` (dotted: `provisioning.completed`) to `at` (default now), where the
        schema has it."""
        path = event.split(".")
        if self._event_schema(kind, path) is None:
            return
        value: JSON = iso(self.now() if at is None else at)
        for key in reversed(path):
            value = {key: value}
        with self.lock:  # `events` is the platform's: straight into the document, not through `_input`
            record.doc = self.tools.merge(record.doc, {"events": value}, kind.schema)
            self.store.save(record)

    def _event_schema(self, kind: Kind, path: list[str]) -> Schema | None:
        node: Schema | None = self.tools.property(kind.schema, "events")
        for key in path:
            node = self.tools.property(node, key) if node is not None else None
        return node

    def pick_state(self, kind: Kind, preferred: Iterable[str]) -> str:
        allowed = self.tools.enum_at(kind.schema, "state", "current")
        return next((s for s in preferred if s in allowed), allowed[0] if allowed else "live")

    def _input(self, kind: Kind, hub_id: str | None, body: Mapping[str, JSON]) -> dict[str, JSON]:
        """A request body as resource fields: protected fields dropped, `x_id` references expanded.

        Bodies name related resources by ID (`environment_id`) where the resource embeds a summary
        (`environment: {id, cluster}`): the summary is filled from the referenced item when known.
        """
        props = self.tools.properties(kind.schema)
        fields = {k: v for k, v in body.items() if k not in PROTECTED}
        for key, value in body.items():
            base = key[:-3]
            if not (key.endswith("_id") and isinstance(value, str) and key not in props and base in props):
                continue
            referenced = self._referenced(base, value, hub_id)
            if kind.key == "images" and base == "source" and referenced is not None:
                # An image names its source as `{type, details: {id, origin}}`, not as a summary.
                details = {"id": value, "origin": referenced.doc.get("origin")}
                fields[base] = {"type": referenced.doc.get("type"), "details": details}
            elif "id" in self.tools.properties(props[base]):
                fields[base] = {**(referenced.doc if referenced is not None else {}), "id": value}
        for key, value in body.items():
            if key in props and isinstance(value, list) and all(isinstance(v, str) for v in value):
                entries = self._id_entries(props[key], value)
                if entries is not None:
                    fields[key] = entries
        return fields

    def _id_entries(self, schema: Schema, ids: list[str]) -> list[JSON] | None:
        """A body's list of IDs as the item's list of `{id, <time>}` entries, each time now: a
        network made with `environments: [id]` holds `[{id, added}]`. None if the field is not
        such a list."""
        items = next((p["items"] for p in self.tools.parts(schema) if isinstance(p.get("items"), dict)), None)
        fields = self.tools.properties(items) if items is not None else {}
        if "id" not in fields:
            return None
        now = iso(self.now())
        times = [
            name for name, sub in fields.items() if any(p.get("format") == "date-time" for p in self.tools.parts(sub))
        ]
        blank = self.tools.instance(items, blank=True)
        base = blank if isinstance(blank, dict) else {}
        return [{**base, **dict.fromkeys(times, now), "id": id_} for id_ in ids]

    def _referenced(self, name: str, id_: str, hub_id: str | None) -> Record | None:
        plural = {name + "s", name.replace("_", "-") + "s"}
        for kind in self.spec.kinds.values():
            if kind.key.rsplit("/", 1)[-1] in plural:
                record = self.store.get(self.scope(kind, hub_id), kind.key, id_)
                if record is not None:
                    return record
        return None

    def _register_api_key(self, record: Record) -> None:
        """API keys made through the API authenticate with their secret, in their hub only."""
        if not record.doc.get("secret"):
            record.doc["secret"] = secrets.token_urlsafe(32)
            self.store.save(record)
        principal = self.auth.principal_for(
            self.auth.default_principal.email, hub_id=record.scope, api_key_id=record.id
        )
        self.auth.set_api_key(str(record.doc["secret"]), principal)

    # -- notifications ----------------------------------------------------------------------

    def notify(self, hub_id: str, kind: Kind, record: Record, event: str, *, state: str | None = None) -> None:
        doc = self.view(record) if state is None else record.doc
        current = state or current_state(doc)
        message: dict[str, JSON] = {
            "topic": f"{kind.topic}.{event}",
            "object": {"id": record.id, **({"state": current} if current else {})},
            "context": self._context(hub_id, kind, record),
        }
        self.notifications.publish(hub_id, message)

    def _context(self, hub_id: str, kind: Kind, record: Record) -> dict[str, JSON]:
        doc = record.doc

        def ids(field_name: str, param: str, own: str) -> list[str] | None:
            found = {record.id} if kind.key == own else set()
            value = doc.get(field_name)
            if isinstance(value, dict) and isinstance(value.get("id"), str):
                found.add(value["id"])
            for name in (f"{field_name}_id", param):
                source = doc.get(name) if name.endswith("_id") else record.parents.get(name)
                if isinstance(source, str):
                    found.add(source)
            return sorted(found) or None

        cluster = doc.get("cluster")
        return {
            "hub_id": hub_id,
            "account_id": None,
            "environments": ids("environment", "environmentId", "environments"),
            "dns_zones": ids("zone", "zoneId", "dns/zones"),
            "clusters": [cluster] if isinstance(cluster, str) and cluster else None,
            "containers": ids("container", "containerId", CONTAINER_KIND),
        }

    # -- jobs -------------------------------------------------------------------------------

    def start_job(
        self,
        hub_id: str,
        principal: Principal | None,
        *,
        action: str,
        subject: str,
        queue: str,
        task_input: Mapping[str, JSON],
        effects: list[dict[str, JSON]],
        platform: bool = False,
    ) -> Record:
        """Create a job (with one task) that runs on its own from now, per the job controls.

        `platform`: a job the platform starts by itself (an environment's initialization), which the
        next-job controls (`fail_next_job`...) leave for the next job a request starts."""
        now = self.now()
        with self.lock:
            plan = JobPlan(created=now, speed=self.config.job_speed, effects=effects, steps=len(STEP_CAPTIONS))
            overrides = {}
            if not platform:
                overrides, self._next_job = self._next_job, {}
            plan.outcome = overrides.get("outcome", plan.outcome)
            plan.message = overrides.get("message", "")
            plan.visible_at = now + float(overrides.get("delay_seconds") or 0.0)
            plan.hidden_requests = int(overrides.get("delay_requests") or 0)
            task = TaskSpec(caption=f"{action.capitalize()} {subject}", header=action, input=dict(task_input))
            creator = (principal or self.auth.default_principal).creator
            doc = new_job(
                job_id=self.new_id(),
                hub_id=hub_id,
                creator=creator,
                caption=task.caption,
                queue=queue,
                tasks=[task],
                task_ids=[self.new_id()],
                plan=plan,
                job_hash=secrets.token_hex(16),
            )
            record = Record(hub_id, JOB_KIND, str(doc["id"]), doc, extra={"plan": plan.to_json(), "action": action})
            self.store.save(record)
            self._active_jobs.add((hub_id, record.id))
            self.notify(hub_id, self.kind(JOB_KIND), record, "new", state="new")
            # A zero job speed finishes at once: apply it now rather than on the next tick.
            self._advance(record, now)
            return record

    def job(self, hub_id: str, job_id: str, *, count_request: bool = False) -> Record:
        """A job as of now; 404 while it is still hidden (see `delay_next_job`). A job of an
        account route (no hub: deleting the account) is found from any hub too, as the CLI's
        `--wait` and the SDK's tracker ask for it with the hub they use."""
        with self.lock:
            record = self.store.get(hub_id, JOB_KIND, job_id)
            if record is None and hub_id:
                record = self.store.get("", JOB_KIND, job_id)
            if record is None:
                raise not_found("404.job", "job", job_id)
            plan = JobPlan.from_json(record.extra["plan"])
            now = self.now()
            if not plan.visible(now):
                if count_request and plan.hidden_requests > 0:
                    plan.hidden_requests -= 1
                    record.extra["plan"] = plan.to_json()
                    self.store.save(record)
                raise not_found("404.job", "job", job_id)
            self._advance(record, now)
            return record

    def job_visible(self, record: Record) -> bool:
        return JobPlan.from_json(record.extra["plan"]).visible(self.now())

    def tick(self) -> None:
        """Advance every unfinished job to now (called periodically by the server)."""
        with self.lock:
            now = self.now()
            for hub_id, job_id in list(self._active_jobs):
                record = self.store.get(hub_id, JOB_KIND, job_id)
                if record is None:
                    self._active_jobs.discard((hub_id, job_id))
                else:
                    self._advance(record, now)

    def _advance(self, record: Record, now: float) -> None:
        plan = JobPlan.from_json(record.extra["plan"])
        phase = plan.phase(now)
        if phase == plan.announced:
            return
        order = (
            ["new", "queued", "expired"] if plan.outcome == "expired" else ["new", "queued", "running", plan.outcome]
        )
        # Announce every phase passed since the last tick, in order, even if it was brief.
        passed = order[order.index(plan.announced) + 1 : order.index(phase) + 1]
        plan.announced = phase
        record.extra["plan"] = plan.to_json()
        record.doc = render(record.doc, plan, now)
        self.store.save(record)
        job_kind = self.kind(JOB_KIND)
        for step in passed:
            self.notify(record.scope, job_kind, record, step, state=step)
        if phase in TERMINAL:
            self._active_jobs.discard((record.scope, record.id))
            # Effects take the moment the job ended, however late it is read (a fake clock's jump).
            ended = plan.at(plan.done_at if phase != "expired" else 2.0)
            started = plan.at(2.0)  # the running phase began after new and queued
            self._apply_effects(plan.effects, success=phase == "completed", at=ended, started=started)

    def _apply_effects(self, effects: list[dict[str, JSON]], *, success: bool, at: float, started: float) -> None:
        for effect in effects:
            op = effect["op"]
            if op == "delete_hub":
                if success:
                    self.delete_hub(str(effect["hub"]))
                continue
            kind = self.spec.kinds.get(str(effect.get("kind")))
            if kind is None:
                continue
            scope = str(effect["scope"])
            if op == "delete_where":
                if success:
                    parents = effect.get("parents") or {}
                    for child in self.store.records(scope, kind.key):
                        if all(child.parents.get(k) == v for k, v in parents.items()):
                            self.remove_resource(kind, child)
                continue
            record = self.store.get(scope, kind.key, str(effect["id"]))
            if record is None:
                continue
            if op == "delete" and success:
                self.remove_resource(kind, record)
            elif op in ("scale", "reconfigure", "reimage", "generate", "deploy"):
                if success:
                    apply_task(self, kind, record, effect)
            elif op in ("delete", "state"):
                target = effect.get("final") if success else effect.get("revert")
                moved = "during" in effect and current_state(record.doc) != effect["during"]
                if isinstance(target, str) and not moved:  # moved on meanwhile (deleted): left there
                    self.set_state(kind, record, target, at=at)
                    if success and kind.key == CONTAINER_KIND:
                        self._sync_instances(record, target, at=at)
                    stamp = effect.get("stamp")
                    if success and isinstance(stamp, str):
                        self.stamp_event(kind, record, stamp, at=at)
                    began = effect.get("stamp_started")  # an event of when the job began running
                    if success and isinstance(began, str):
                        self.stamp_event(kind, record, began, at=started)

    def _sync_instances(self, container: Record, state: str, *, at: float | None = None) -> None:
        """A started container has instances (as `config.deploy.instances` says, at least one), in
        its state; `instances` counts them."""
        kind = self.spec.kinds.get(INSTANCE_KIND)
        if kind is None:
            return
        instances = self.instances_of(container)
        if not instances and state == "running":
            instances = self.add_instances(container, max(1, deploy_count(container.doc)))
        for instance in instances:
            self.set_state(kind, instance, state, at=at)
        self.count_instances(container)

    def instances_of(self, container: Record) -> list[Record]:
        return [
            r
            for r in self.store.records(container.scope, INSTANCE_KIND)
            if r.parents.get("containerId") == container.id
        ]

    def add_instances(self, container: Record, count: int) -> list[Record]:
        """`count` new instances of a container, in its environment (state `new`)."""
        kind = self.spec.kinds.get(INSTANCE_KIND)
        if kind is None or count <= 0:
            return []
        environment = container.doc.get("environment")
        fields = {"environment_id": environment.get("id")} if isinstance(environment, dict) else {}
        return [
            self.create_resource(
                kind,
                container.scope,
                fields,
                principal=self.auth.default_principal,
                parents={"containerId": container.id},
            )
            for _ in range(count)
        ]

    def _start_services(self, kind: Kind, environment: Record) -> None:
        """The services Cycle starts in every environment, discovery and the load balancer, as
        service containers (`image.service` says which) listed in the environment's `services`."""
        container_kind = self.spec.kinds.get(CONTAINER_KIND)
        if container_kind is None:
            return
        services: dict[str, JSON] = {}
        for name in ENVIRONMENT_SERVICES:
            body = {"name": name, "identifier": name, "environment_id": environment.id, "image": {"service": name}}
            service = self.create_resource(
                container_kind, environment.scope, body, principal=self.auth.default_principal
            )
            services[name] = {"enable": True, "container_id": service.id, "high_availability": False}
        self.update_resource(kind, environment, {"services": services}, environment.scope or None)

    def service_container(self, environment: Record, name: str) -> Record | None:
        services = environment.doc.get("services")
        entry = services.get(name) if isinstance(services, dict) else None
        container_id = entry.get("container_id") if isinstance(entry, dict) else None
        return (
            self.store.get(environment.scope, CONTAINER_KIND, container_id) if isinstance(container_id, str) else None
        )

    def count_instances(self, container: Record) -> None:
        """`container.instances`: how many instances the container has, whatever their state."""
        count = len(self.instances_of(container))
        if container.doc.get("instances") != count and "instances" in self.tools.properties(
            self.kind(CONTAINER_KIND).schema
        ):
            self.update_resource(self.kind(CONTAINER_KIND), container, {"instances": count}, container.scope or None)

    def _after_create(self, kind: Kind, record: Record) -> None:
        """What the platform does when an item is made: an environment's service containers; a
        container's initial instances (its `config.deploy.instances`, created with it); a stack's
        `events.last_build`."""
        if kind.key == ENVIRONMENT_KIND:
            self._start_services(kind, record)
        elif kind.key == CONTAINER_KIND:
            self.add_instances(record, deploy_count(record.doc))
            self.count_instances(record)
        elif kind.key == "stacks/builds":
            stack_id = record.parents.get("stackId")
            stack = self.store.get(record.scope, "stacks", stack_id) if stack_id else None
            if stack is not None:
                self.stamp_event(self.kind("stacks"), stack, "last_build")

    def job_effects_for_action(self, kind: Kind | None, record: Record | None, action: str) -> list[dict[str, JSON]]:
        """What a task does to its resource: `start` makes a container `starting`, then `running`."""
        if kind is None or record is None:
            return []
        states = KIND_ACTION_STATES.get((kind.key, action)) or _ACTION_STATES.get(action)
        if states is None:
            return []
        during, final = states
        before = current_state(record.doc)
        if during is not None:
            self.set_state(kind, record, during)
        effect: dict[str, JSON] = {
            "op": "state",
            "kind": kind.key,
            "scope": record.scope,
            "id": record.id,
            "final": final,
            "revert": before,
            "during": during if during is not None else before,
        }
        if action in ("start", "restart") and self._event_schema(kind, ["started"]) is not None:
            effect["stamp"] = "started"  # `events.started`: when it (re)started, on completion
        return [effect]

    # -- job controls -----------------------------------------------------------------------

    def plan_next_job(self, **overrides: Any) -> None:
        with self.lock:
            self._next_job.update({k: v for k, v in overrides.items() if v is not None})

    def replan_job(self, job_id: str, *, outcome: Outcome, message: str, hub_id: str | None = None) -> bool:
        """Change how an unfinished job ends; False if it is unknown or already finished."""
        with self.lock:
            for scope in [hub_id] if hub_id else self.hub_ids():
                record = self.store.get(scope, JOB_KIND, job_id)
                if record is None:
                    continue
                plan = JobPlan.from_json(record.extra["plan"])
                phase = plan.phase(self.now())
                # A job that started running can still fail, but no longer expire.
                if phase in TERMINAL or (outcome == "expired" and phase == "running"):
                    return False
                plan.outcome, plan.message = outcome, message
                record.extra["plan"] = plan.to_json()
                self.store.save(record)
                return True
            return False

    # -- stats ------------------------------------------------------------------------------

    def count_request(self, key: str) -> None:
        with self.lock:
            self.requests[key] += 1
        self.announce_activity()

    def announce_activity(self) -> None:
        """Wake `wait_until`: a request arrived, or a notification socket opened or closed."""
        with self._activity:
            self._activity_seen += 1
            self._activity.notify_all()

    def wait_until(self, condition: Callable[[], bool], timeout: float) -> bool:
        """Whether `condition()` held within `timeout` real seconds, checked now and after each
        announced activity. It runs with no lock of ours held (it may take the state's own)."""
        deadline = time.monotonic() + timeout
        while True:
            with self._activity:
                seen = self._activity_seen
            if condition():
                return True
            with self._activity:
                while self._activity_seen == seen:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        return False
                    self._activity.wait(left)

    def stats(self) -> dict[str, JSON]:
        with self.lock:
            return {
                "requests": dict(self.requests),
                "oauth_grants": dict(self.auth.grants),
                "notifications": {
                    "open_sockets": self.notifications.open_sockets,
                    "connections": self.notifications.connections,
                    "sent": self.notifications.sent,
                },
                "active_jobs": len(self._active_jobs),
            }


def deploy_count(doc: Mapping[str, JSON]) -> int:
    """A container's `config.deploy.instances` (0 when unset)."""
    config = doc.get("config")
    deploy = config.get("deploy") if isinstance(config, dict) else None
    count = deploy.get("instances") if isinstance(deploy, dict) else None
    return count if isinstance(count, int) and not isinstance(count, bool) and count > 0 else 0


def current_state(doc: Mapping[str, JSON]) -> str | None:
    state = doc.get("state")
    current = state.get("current") if isinstance(state, dict) else None
    return current if isinstance(current, str) else None


def _at(doc: Mapping[str, JSON], *path: str) -> JSON:
    value: JSON = doc
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value


__all__ = [
    "ACCOUNT_INVITE_KIND",
    "FINAL_STATES",
    "INITIAL_STATES",
    "PROTECTED",
    "EmulatorState",
    "IdFactory",
    "current_state",
    "slug",
    "snake_field",
]
