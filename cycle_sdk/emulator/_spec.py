"""The effective spec as the emulator sees it: operations, their routes and the resource kinds behind them.

One `ApiSpec` per API (platform, internal, scheduler: `load_spec_document(api)`); the kinds below
are the platform's (the internal and scheduler specs, without item paths, have none).

Everything here is inferred from the spec's path shapes and response schemas, so that a new
operation in the spec is served without emulator changes:

- a path ending in a parameter (`/v1/environments/{environmentId}`) addresses an item of a *kind*
  named by the literal segments of its collection (`environments`, `containers/instances`);
- GET on a collection path answering an array lists a kind, POST on it creates one;
- an operation answering a `JobDescriptor` starts a job;
- everything else is *derived*: answered from the schema, after its path's parents are checked.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Final

from ._schema import Schema, SchemaTools

HTTP_METHODS: Final = ("get", "post", "put", "patch", "delete")
JOB_DESCRIPTOR: Final = "JobDescriptor"
HUB_KIND: Final = "hubs"
ACCOUNT_KIND: Final = "account"
JOB_KIND: Final = "jobs"
RUN_KIND: Final = "pipelines/runs"
API_KEY_KIND: Final = "hubs/current/api-keys"
MEMBER_KIND: Final = "hubs/current/members"
CONTAINER_KIND: Final = "containers"
ENVIRONMENT_KIND: Final = "environments"
INSTANCE_KIND: Final = "containers/instances"
PIPELINE_KIND: Final = "pipelines"
# Kinds without a create operation whose items the emulator makes (jobs, pipeline runs): still strict.
_EMULATOR_CREATED: Final = frozenset({JOB_KIND, RUN_KIND, HUB_KIND, ACCOUNT_KIND})
# Singleton items: the path addresses one item without an ID parameter.
SINGLETONS: Final[Mapping[str, str]] = {"/v1/hubs/current": HUB_KIND, "/v1/account": ACCOUNT_KIND}

# Cycle's error code (must be in the spec's Error.code enum) and notification topic prefix per kind.
# Kinds not listed answer `404.uri` and get a topic made from their key.
_KIND_NAMES: Final[Mapping[str, tuple[str, str]]] = {
    "account": ("404.account", "account"),
    "account/invites": ("404.hub.invitation", "account.invite"),
    "billing/credits": ("404.billing.credit", "billing.credit"),
    "billing/invoices": ("404.billing.invoice", "billing.invoice"),
    "billing/methods": ("404.billing.payment-method", "billing.method"),
    "billing/orders": ("404.billing.order", "billing.order"),
    "billing/services": ("404.billing.service", "billing.service"),
    "containers": ("404.container", "container"),
    "containers/backups": ("404.container.backup", "container.backup"),
    "containers/instances": ("404.instance", "container.instance"),
    "dns/zones": ("404.dns.zone", "dns.zone"),
    "dns/zones/records": ("404.dns.record", "dns.record"),
    "environments": ("404.environment", "environment"),
    "environments/scoped-variables": ("404.environment.scoped-variable", "environment.scoped_variable"),
    "environments/services/vpn/users": ("404.vpn.account", "environment.vpn.user"),
    "hubs": ("404.hub", "hub"),
    "hubs/current/api-keys": ("404.hub.api-key", "hub.api_key"),
    "hubs/current/integrations": ("404.hub.integration", "hub.integration"),
    "hubs/current/invites": ("404.hub.invitation", "hub.invite"),
    "hubs/current/members": ("404.hub.membership", "hub.membership"),
    "hubs/current/members/account": ("404.hub.membership", "hub.membership"),
    "hubs/current/roles": ("404.hub.role", "hub.role"),
    "images": ("404.image", "image"),
    "images/sources": ("404.image.source", "image.source"),
    "infrastructure/auto-scale/groups": ("404.infrastructure.autoscale.group", "infrastructure.autoscale.group"),
    "infrastructure/clusters": ("404.infrastructure.cluster", "infrastructure.cluster"),
    "infrastructure/external-volumes": ("404.infrastructure.external-volume", "infrastructure.external_volume"),
    "infrastructure/ips/pools": ("404.infrastructure.ips.pool", "infrastructure.ips.pool"),
    "infrastructure/servers": ("404.infrastructure.server", "infrastructure.server"),
    "jobs": ("404.job", "job"),
    "pipelines": ("404.pipeline", "pipeline"),
    "pipelines/keys": ("404.pipeline.key", "pipeline.key"),
    "pipelines/runs": ("404.pipeline.run", "pipeline.run"),
    "sdn/networks": ("404.sdn.network", "sdn.network"),
    "stacks": ("404.stack", "stack"),
    "stacks/builds": ("404.stack-build", "stack.build"),
    "virtual-machines": ("404.virtual-machine", "virtual_machine"),
    "virtual-machines/ssh-keys": ("404.virtual-machine.ssh-key", "virtual_machine.ssh_key"),
}


class Role(enum.Enum):
    LIST = "list"
    CREATE = "create"
    READ = "read"
    UPDATE = "update"
    DELETE = "delete"
    JOB = "job"
    DERIVED = "derived"
    OAUTH = "oauth"
    NOTIFICATIONS = "notifications"


@dataclass(frozen=True)
class Segment:
    text: str
    param: bool


@dataclass(frozen=True)
class Kind:
    """A stored resource kind, e.g. `containers/instances` (items of `/v1/containers/{containerId}/instances`)."""

    key: str
    id_param: str | None
    schema: Schema
    creatable: bool  # has a create operation: unknown IDs are 404; otherwise items appear when first read
    global_scope: bool  # hubs and accounts live outside any hub
    not_found: str
    topic: str

    @property
    def schema_name(self) -> str | None:
        ref = self.schema.get("$ref") if isinstance(self.schema, dict) else None
        return str(ref).rsplit("/", 1)[-1] if ref else None


@dataclass(frozen=True)
class PathParam:
    """A path parameter and the kind whose item it names (None when the spec has no such kind)."""

    name: str
    index: int
    kind: Kind | None


@dataclass(frozen=True)
class Operation:
    method: str
    template: str
    segments: tuple[Segment, ...]
    operation_id: str
    status: int
    response_schema: Schema | None  # the whole success body
    data_schema: Schema | None  # its `data` property, when it has one
    request_schema: Schema | None
    needs_auth: bool
    needs_hub: bool
    role: Role
    kind: Kind | None
    params: tuple[PathParam, ...] = field(default=())
    alias: bool = False  # a LIST of another path's kind (e.g. a server's instances): parents filter by field

    @property
    def key(self) -> str:
        return f"{self.method} {self.template}"

    @property
    def target(self) -> PathParam | None:
        """The innermost item the path addresses (its last parameter naming a kind)."""
        return next((p for p in reversed(self.params) if p.kind is not None), None)

    @property
    def is_item_path(self) -> bool:
        return self.template in SINGLETONS or (bool(self.segments) and self.segments[-1].param)


def kind_key(segments: Iterable[Segment]) -> str:
    """`/v1/containers/{containerId}/instances` -> `containers/instances`."""
    literals = [s.text for s in segments if not s.param]
    return "/".join(literals[1:] if literals[:1] == ["v1"] else literals)


def split_template(template: str) -> tuple[Segment, ...]:
    parts = template.strip("/").split("/")
    return tuple(Segment(p[1:-1], True) if p.startswith("{") and p.endswith("}") else Segment(p, False) for p in parts)


# The package `make generate` writes each API's effective spec (spec.json) into.
SPEC_PACKAGES: Final[Mapping[str, str]] = {
    "platform": "cycle_sdk._generated",
    "internal": "cycle_sdk._generated_internal",
    "scheduler": "cycle_sdk._generated_scheduler",
}


def load_spec_document(api: str = "platform") -> dict[str, Any]:
    """An API's effective spec written by `make generate` (e.g. cycle_sdk/_generated/spec.json)."""
    try:
        package = SPEC_PACKAGES[api]
    except KeyError:
        raise ValueError(f"unknown API {api!r}; known: {', '.join(SPEC_PACKAGES)}") from None
    text = resources.files(package).joinpath("spec.json").read_text(encoding="utf-8")
    document: dict[str, Any] = json.loads(text)
    return document


class ApiSpec:
    """Operations and kinds of one spec document, and route matching over them."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document
        self.tools = SchemaTools(document)
        self._global_security = document.get("security", [])
        raw = list(self._raw_operations())
        self.kinds: dict[str, Kind] = self._build_kinds(raw)
        self._param_kinds = {k.id_param: k for k in reversed(self.kinds.values()) if k.id_param}
        self.operations: tuple[Operation, ...] = tuple(self._classify(r) for r in raw)
        self._by_length: dict[int, list[Operation]] = {}
        for op in self.operations:
            self._by_length.setdefault(len(op.segments), []).append(op)

    # -- raw operations ---------------------------------------------------------------------

    def _raw_operations(self) -> Iterable[_RawOperation]:
        for template, item in self.document["paths"].items():
            for method in HTTP_METHODS:
                spec_op = item.get(method)
                if isinstance(spec_op, dict):
                    yield _RawOperation(self, method.upper(), template, spec_op)

    def _build_kinds(self, raw: list[_RawOperation]) -> dict[str, Kind]:
        schemas: dict[str, list[tuple[int, Schema]]] = {}
        id_params: dict[str, str | None] = {}
        creatable: set[str] = set()
        for op in raw:
            singleton = SINGLETONS.get(op.template)
            if singleton is not None:
                key, id_param, rank = singleton, None, _ITEM_RANK.get(op.method)
            elif op.segments[-1].param:
                key, id_param, rank = kind_key(op.segments), op.segments[-1].text, _ITEM_RANK.get(op.method)
            else:
                continue
            id_params.setdefault(key, id_param)
            if (
                rank is not None
                and op.data_schema is not None
                and self.tools.ref_name(op.data_schema) != JOB_DESCRIPTOR
            ):
                schemas.setdefault(key, []).append((rank, op.data_schema))
        for op in raw:
            key = kind_key(op.segments)
            if op.method == "POST" and not op.segments[-1].param and key in id_params:
                creatable.add(key)
                if op.data_schema is not None and self.tools.ref_name(op.data_schema) != JOB_DESCRIPTOR:
                    schemas.setdefault(key, []).append((3, op.data_schema))
            if op.method == "GET" and key in id_params and op.list_item_schema is not None:
                schemas.setdefault(key, []).append((4, op.list_item_schema))
        kinds: dict[str, Kind] = {}
        for key, id_param in id_params.items():
            # Items are addressed by ID: a schema declaring `id` describes them better than one that
            # does not (the spec's `Order` lacks it, `BillingOrder` has it).
            candidates = sorted(
                schemas.get(key, []), key=lambda pair: ("id" not in self.tools.properties(pair[1]), pair[0])
            )
            code, topic = _KIND_NAMES.get(key, ("404.uri", key.replace("/", ".").replace("-", "_")))
            kinds[key] = Kind(
                key=key,
                id_param=id_param,
                schema=candidates[0][1] if candidates else {"type": "object"},
                creatable=key in creatable or key in _EMULATOR_CREATED,
                # Hubs, and what belongs to an account (its invites), live outside any hub.
                global_scope=key in (HUB_KIND, ACCOUNT_KIND) or key.startswith(ACCOUNT_KIND + "/"),
                not_found=code,
                topic=topic,
            )
        return kinds

    # -- classification ---------------------------------------------------------------------

    def _classify(self, raw: _RawOperation) -> Operation:
        params = tuple(self._path_params(raw.segments))
        role, kind, alias = self._role(raw, params)
        security = raw.spec_op.get("security", self._global_security)
        needs_auth = bool(security)
        needs_hub = needs_auth and (
            any("hubAuth" in requirement for requirement in security) or raw.template.startswith("/v1/hubs/current")
        )
        return Operation(
            method=raw.method,
            template=raw.template,
            segments=raw.segments,
            operation_id=str(raw.spec_op.get("operationId", "")),
            status=raw.status,
            response_schema=raw.response_schema,
            data_schema=raw.data_schema,
            request_schema=raw.request_schema,
            needs_auth=needs_auth,
            needs_hub=needs_hub,
            role=role,
            kind=kind,
            params=params,
            alias=alias,
        )

    def _path_params(self, segments: tuple[Segment, ...]) -> Iterable[PathParam]:
        for index, segment in enumerate(segments):
            if segment.param:
                # The kind of `/a/{aId}` is the one of that prefix; a parent without its own item
                # path (`/v1/infrastructure/providers/{integrationId}`) is known by its parameter name.
                kind = self.kinds.get(kind_key(segments[:index]))
                if kind is None or kind.id_param != segment.text:
                    kind = self._param_kinds.get(segment.text)
                yield PathParam(segment.text, index, kind)

    def _role(self, raw: _RawOperation, params: tuple[PathParam, ...]) -> tuple[Role, Kind | None, bool]:
        method, data_name = raw.method, self.tools.ref_name(raw.data_schema) if raw.data_schema else None
        if raw.template == "/oauth/token":
            return Role.OAUTH, None, False
        if raw.template == "/v1/hubs/current/notifications" and method == "GET":
            return Role.NOTIFICATIONS, None, False
        key = SINGLETONS.get(raw.template) or kind_key(raw.segments)
        own = self.kinds.get(key)
        if data_name == JOB_DESCRIPTOR:
            return Role.JOB, own, False
        if own is not None and (raw.template in SINGLETONS or raw.segments[-1].param):
            return (
                {"GET": Role.READ, "PATCH": Role.UPDATE, "PUT": Role.UPDATE, "DELETE": Role.DELETE}.get(
                    method, Role.DERIVED
                ),
                own,
                False,
            )
        if method == "GET" and raw.list_item_schema is not None:
            if own is not None:
                return Role.LIST, own, False
            other = self.kind_for_schema(raw.list_item_schema, near=key)
            if other is not None:
                return Role.LIST, other, True
            return Role.DERIVED, None, False
        if method == "POST" and own is not None:
            return Role.CREATE, own, False
        # A sub-path answering its item's own schema (`PATCH .../access`, `POST /v1/pipelines/clone`).
        by_schema = self.kind_for_schema(raw.data_schema) if raw.data_schema is not None else None
        if by_schema is not None:
            context = self._context_kind(raw.template, params)
            if context is by_schema:
                return (Role.READ if method == "GET" else Role.UPDATE), by_schema, False
            if method == "POST" and context is None:
                return Role.CREATE, by_schema, False
        return Role.DERIVED, None, False

    def _context_kind(self, template: str, params: tuple[PathParam, ...]) -> Kind | None:
        for prefix, key in SINGLETONS.items():
            if template.startswith(prefix + "/") and not params:
                return self.kinds.get(key)
        target = next((p for p in reversed(params) if p.kind is not None), None)
        return target.kind if target is not None else None

    def kind_for_schema(self, schema: Schema, near: str = "") -> Kind | None:
        """The kind whose items have this schema; among several, the one whose key ends most like `near`."""
        name = self.tools.ref_name(schema)
        found = [k for k in self.kinds.values() if name is not None and k.schema_name == name]
        last = near.rsplit("/", 1)[-1]
        return max(found, key=lambda k: _common_prefix(k.key.rsplit("/", 1)[-1], last), default=None)

    def spec_operation(self, op: Operation) -> Mapping[str, Any]:
        """The spec's own object of an operation (parameters, security, request body...)."""
        found: Mapping[str, Any] = self.document["paths"][op.template][op.method.lower()]
        return found

    def security(self, op: Operation) -> list[dict[str, list[str]]]:
        """The operation's security requirements (alternatives; each names schemes that all apply)."""
        requirements: list[dict[str, list[str]]] = self.spec_operation(op).get("security", self._global_security)
        return requirements

    # -- routing ----------------------------------------------------------------------------

    def route(self, segments: list[str]) -> dict[str, Operation]:
        """The operations (by method) of the path these decoded segments name: the path is found
        first, whatever the method, and literal segments beat parameters, so `/roles/defaults`
        is its own path (GET only), never a role named "defaults" of `/roles/{roleId}`."""
        best: list[int] | None = None
        found: dict[str, Operation] = {}
        for op in self._by_length.get(len(segments), ()):
            score: list[int] = []
            for pattern, text in zip(op.segments, segments, strict=True):
                if pattern.param and text:
                    score.append(1)
                elif not pattern.param and pattern.text == text:
                    score.append(0)
                else:
                    break
            else:
                if best is None or score < best:
                    best, found = score, {}
                if score == best:
                    found.setdefault(op.method, op)
        return found

    def match(self, method: str, segments: list[str]) -> tuple[Operation, dict[str, str]] | None:
        """The operation for a method and decoded path segments (None: no such path, or not this
        method on it; see `route`)."""
        op = self.route(segments).get(method)
        return None if op is None else (op, self.path_values(op, segments))

    @staticmethod
    def path_values(op: Operation, segments: list[str]) -> dict[str, str]:
        """The path parameters' values: `{"environmentId": "..."}`."""
        return {p.text: text for p, text in zip(op.segments, segments, strict=True) if p.param}


# Which operation's schema describes a kind's items best: the item GET, else PATCH, a create (3),
# the list's items (4), and last a DELETE (whose answer is sometimes not the item at all).
def _common_prefix(a: str, b: str) -> int:
    return next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))


_ITEM_RANK: Final[Mapping[str, int]] = {"GET": 0, "PATCH": 1, "PUT": 1, "DELETE": 5}


class _RawOperation:
    """One spec operation before classification (schemas pulled out of the OpenAPI structure)."""

    def __init__(self, spec: ApiSpec, method: str, template: str, spec_op: Mapping[str, Any]) -> None:
        self.method = method
        self.template = template
        self.spec_op = spec_op
        self.segments = split_template(template)
        self._tools = tools = spec.tools
        self.status, self.response_schema = 200, None
        for code, response in spec_op.get("responses", {}).items():
            if code.startswith("2"):
                response = tools.resolve(response)
                content = response.get("content", {}).get("application/json", {})
                self.status, self.response_schema = int(code), content.get("schema")
                break
        self.data_schema: Schema | None = None
        if self.response_schema is not None:
            self.data_schema = tools.property(self.response_schema, "data")
        body = tools.resolve(spec_op.get("requestBody", {}))
        content = body.get("content", {}) if isinstance(body, dict) else {}
        media = content.get("application/json") or content.get("application/x-www-form-urlencoded") or {}
        self.request_schema: Schema | None = media.get("schema")

    @property
    def list_item_schema(self) -> Schema | None:
        data = self._tools.resolve(self.data_schema) if self.data_schema is not None else None
        if isinstance(data, dict) and data.get("type") == "array":
            items: Schema | None = data.get("items")
            return items
        return None


__all__ = [
    "ACCOUNT_KIND",
    "API_KEY_KIND",
    "CONTAINER_KIND",
    "ENVIRONMENT_KIND",
    "HTTP_METHODS",
    "HUB_KIND",
    "INSTANCE_KIND",
    "JOB_DESCRIPTOR",
    "JOB_KIND",
    "MEMBER_KIND",
    "PIPELINE_KIND",
    "RUN_KIND",
    "SINGLETONS",
    "SPEC_PACKAGES",
    "ApiSpec",
    "Kind",
    "Operation",
    "PathParam",
    "Role",
    "Segment",
    "kind_key",
    "load_spec_document",
    "split_template",
]
