"""Cycle's Internal API, as one container instance sees it (`X-CYCLE-TOKEN` auth, no hub header).

The emulated instance lives in a small world made on first use (and again after a reset): the hub,
one environment, one server, and the instance's container `app` with its one instance, running.

- `GET /v1/environment`, `/v1/environment/containers`, `/instances`, `/v1/hub`, `/v1/server`,
  `/v1/server/instances`, `/containers`, `/v1/sdn/networks/instances`, `/environments` read it;
- `GET /v1/container[/instances]` (and the certificates and domains of a container) take
  `?container-id=` (default: the instance's own container); an unknown one is 404 `404.container`;
- `POST /v1/conductor/tasks` starts or stops one of its instances (404 `404.instance` if unknown);
- `POST /v1/object-cache` stores `value` under (`scope`, `key`) for `expires` (a Go duration such
  as "1h30m"; empty or zero: no expiry); `GET /v1/object-cache?scope=&key=` answers it, or 404;
- `POST /v1/server/images/download` adds the image to `GET /v1/server/images`;
- `POST /v1/monitoring/metrics` and `/events` keep what they receive (kinds `monitoring/metrics`
  and `monitoring/events`, for `Emulator.list_resources`);
- `POST /v1/vpn/login` checks the Basic credentials against the configured users: `{"data": true}`,
  else 403 `{"data": false}`.

Every other operation answers its success schema's instance (see `_service`).
"""

from __future__ import annotations

import re
from typing import Final

from ._model import ApiError, Call, Reply
from ._schema import JSON
from ._service import Custom, ServiceHandlers, basic_credentials
from ._state import EmulatorState
from ._store import Record

HUB: Final = "hub"
ENVIRONMENT: Final = "environment"
SERVER: Final = "server"
CONTAINERS: Final = "containers"
INSTANCES: Final = "instances"
SERVER_IMAGES: Final = "server/images"
OBJECT_CACHE: Final = "object-cache"
METRICS: Final = "monitoring/metrics"
EVENTS: Final = "monitoring/events"
CONTEXT: Final = "context"  # the IDs of the emulated instance's world
CURRENT: Final = "current"  # the record ID of singletons (the hub, the environment, the server)
CLUSTER: Final = "production"

_DURATION_PART: Final = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h|d|w|y)")
_DURATION_UNITS: Final = {
    "ns": 1e-9,
    "us": 1e-6,
    "µs": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "m": 60.0,
    "h": 3600.0,
    "d": 86400.0,
    "w": 7 * 86400.0,
    "y": 365 * 86400.0,
}
_TASK_STATES: Final = {"container.instance.start": "running", "container.instance.stop": "stopped"}


def parse_duration(text: str) -> float:
    """Seconds in a Go-style duration ("72h45m2s", "1.5h", "-1s"); ValueError if malformed."""
    body = text.strip()
    sign = -1.0 if body.startswith("-") else 1.0
    body = body.lstrip("+-")
    if body in ("", "0"):
        return 0.0
    position, total = 0, 0.0
    for match in _DURATION_PART.finditer(body):
        if match.start() != position:
            break
        total += float(match.group(1)) * _DURATION_UNITS[match.group(2)]
        position = match.end()
    if position != len(body):
        raise ValueError(f"invalid duration {text!r}")
    return sign * total


class InternalHandlers(ServiceHandlers):
    def __init__(self, state: EmulatorState) -> None:
        super().__init__(state, secret=state.config.token)

        def one(kind: str) -> Custom:
            return lambda call: self.answer(call, self._one(kind))

        def every(kind: str) -> Custom:
            return lambda call: self.answer(call, self.items(call, self._all(kind)))

        self.custom = {
            "getEnvironment": one(ENVIRONMENT),
            "getHub": one(HUB),
            "getServer": one(SERVER),
            "getEnvironmentContainers": every(CONTAINERS),
            "getEnvironmentInstances": every(INSTANCES),
            "getNetworkInstances": every(INSTANCES),
            "getNetworkEnvironments": lambda call: self.answer(call, [self._one(ENVIRONMENT)]),
            "getServerInstances": self._server_instances,
            "getServerContainers": self._server_containers,
            "getServerInstancesTelemetry": self._telemetry,
            "getServerImages": every(SERVER_IMAGES),
            "downloadImage": self._download_image,
            "getContainer": lambda call: self.answer(call, self._container(call).doc),
            "getContainerInstances": self._container_instances,
            "getContainerCertificates": self._of_container,
            "getContainerDomains": self._of_container,
            "createInstanceJob": self._instance_task,
            "postMetric": lambda call: self._keep(call, METRICS),
            "postEvent": lambda call: self._keep(call, EVENTS),
            "validateVPNLogin": self._vpn_login,
            "getObjectCache": self._get_object,
            "postObjectCache": self._post_object,
        }

    def handle(self, call: Call) -> Reply:
        with self.state.lock:
            self._ensure_world()
        return super().handle(call)

    # -- the world --------------------------------------------------------------------------

    def _ensure_world(self) -> None:
        if self.get(CONTEXT, CURRENT) is not None:
            return
        now = self.now()
        hub_id, env_id, server_id = self.scope, self.new_id(), self.new_id()
        container_id, instance_id, location_id = self.new_id(), self.new_id(), self.new_id()
        creator: dict[str, JSON] = {"id": self.new_id(), "type": "account"}
        events: dict[str, JSON] = {"created": now, "updated": now}

        def state(current: str, **more: str) -> dict[str, JSON]:
            return {"current": current, "changed": now, **more}

        common: dict[str, JSON] = {"hub_id": hub_id, "creator": creator, "events": events}
        self.save(
            HUB, CURRENT, self.document("PublicHub", {**common, "id": hub_id, "name": self.state.config.hub_name})
        )
        environment = {
            **common,
            "id": env_id,
            "name": "Emulator Environment",
            "identifier": "emulator",
            "cluster": CLUSTER,
            "about": {"description": "The environment of the emulated instance", "favorite": False},
            "state": state("live"),
        }
        self.save(ENVIRONMENT, CURRENT, self.document("Environment", environment))
        server = {
            **common,
            "id": server_id,
            "hostname": "emulator-node-1",
            "cluster": CLUSTER,
            "location_id": location_id,
            "model_id": "emulator",
            "node_id": self.new_id(),
            "state": state("live"),
        }
        self.save(SERVER, CURRENT, self.document("Server", server))
        container = {
            **common,
            "id": container_id,
            "name": "app",
            "identifier": "app",
            "environment": {"id": env_id, "cluster": CLUSTER},
            "instances": 1,
            "state": state("running", desired="running"),
        }
        self.save(CONTAINERS, container_id, self.document("Container", container))
        instance = {
            **common,
            "id": instance_id,
            "container_id": container_id,
            "location_id": location_id,
            "server_id": server_id,
            "hostname": "app-1",
            "environment": {"id": env_id},
            "provider": {"vendor": "emulator", "integration_id": self.new_id(), "location": "emulator"},
            "state": state("running"),
        }
        self.save(INSTANCES, instance_id, self.document("Instance", instance), parents={"containerId": container_id})
        context: dict[str, JSON] = {
            "environment_id": env_id,
            "server_id": server_id,
            "container_id": container_id,
            "instance_id": instance_id,
        }
        self.save(CONTEXT, CURRENT, context)

    def _one(self, kind: str) -> dict[str, JSON]:
        record = self.get(kind, CURRENT)
        return record.doc if record is not None else {}

    def _all(self, kind: str) -> list[dict[str, JSON]]:
        return [record.doc for record in self.records(kind)]

    def _context(self, name: str) -> str:
        return str(self._one(CONTEXT).get(f"{name}_id", ""))

    # -- server -----------------------------------------------------------------------------

    def _server_instances(self, call: Call) -> Reply:
        server = self._context("server")
        return self.answer(call, self.items(call, [d for d in self._all(INSTANCES) if d.get("server_id") == server]))

    def _server_containers(self, call: Call) -> Reply:
        server = self._context("server")
        on_server = {d.get("container_id") for d in self._all(INSTANCES) if d.get("server_id") == server}
        return self.answer(call, self.items(call, [d for d in self._all(CONTAINERS) if d.get("id") in on_server]))

    def _telemetry(self, call: Call) -> Reply:
        server = self._context("server")
        stats = self.tools.instance({"$ref": "#/components/schemas/ResourceSnapshot"})
        rows: list[dict[str, JSON]] = [
            {
                "instance_id": d.get("id"),
                "container_id": d.get("container_id"),
                "environment_id": self._context("environment"),
                "stats": stats,
            }
            for d in self._all(INSTANCES)
            if d.get("server_id") == server
        ]
        return self.answer(call, self.items(call, rows))

    def _download_image(self, call: Call) -> Reply:
        body = call.body if isinstance(call.body, dict) else {}
        image_id = str(body.get("image_id", ""))
        self.save(SERVER_IMAGES, image_id, {"id": image_id, "access_time": self.now()})
        return self.answer(call, self.items(call, self._all(SERVER_IMAGES)))

    # -- containers and instances -----------------------------------------------------------

    def _container(self, call: Call) -> Record:
        """The container of `?container-id=`, or the emulated instance's own."""
        container_id = call.query.params.get("container-id") or self._context("container")
        record = self.get(CONTAINERS, container_id)
        if record is None:
            raise ApiError(
                404, "404.container", "Container not found", f"no container {container_id!r}", source="container-id"
            )
        return record

    def _container_instances(self, call: Call) -> Reply:
        container = self._container(call)
        docs = [d for d in self._all(INSTANCES) if d.get("container_id") == container.id]
        return self.answer(call, self.items(call, docs))

    def _of_container(self, call: Call) -> Reply:
        self._container(call)
        return self.answer(call, self.derived(call))

    def _instance_task(self, call: Call) -> Reply:
        body = call.body if isinstance(call.body, dict) else {}
        contents = body.get("contents") if isinstance(body.get("contents"), dict) else {}
        assert isinstance(contents, dict)
        instance_id = str(contents.get("instance_id", ""))
        record = self.get(INSTANCES, instance_id)
        if record is None or record.doc.get("container_id") != contents.get("container_id"):
            raise ApiError(404, "404.instance", "Instance not found", f"no instance {instance_id!r} in that container")
        target = _TASK_STATES.get(str(body.get("action")))
        if target is not None:
            schema = {"$ref": "#/components/schemas/Instance"}
            record.doc = self.tools.merge(record.doc, {"state": {"current": target, "changed": self.now()}}, schema)
            self.state.store.save(record)
        return self.answer(call, None)

    # -- monitoring, VPN --------------------------------------------------------------------

    def _keep(self, call: Call, kind: str) -> Reply:
        for item in call.body if isinstance(call.body, list) else []:
            if isinstance(item, dict):
                id_ = self.new_id()
                self.save(kind, id_, {**item, "id": id_, "received": self.now()})
        return self.answer(call, True)

    def _vpn_login(self, call: Call) -> Reply:
        if self.auth.valid_user(basic_credentials(call.headers)):
            return self.answer(call, True)
        return Reply(403, {"data": False})

    # -- object cache -----------------------------------------------------------------------

    def _get_object(self, call: Call) -> Reply:
        scope, key = call.query.params["scope"], call.query.params["key"]
        record = self.get(OBJECT_CACHE, f"{scope}:{key}")
        expires = record.extra.get("expires_at") if record is not None else None
        if record is not None and isinstance(expires, int | float) and expires <= self.state.now():
            self.delete(OBJECT_CACHE, record.id)
            record = None
        if record is None:
            raise ApiError(404, "404.uri", "Object not found", f"no cached object {key!r} in scope {scope!r}")
        return self.answer(call, record.doc)

    def _post_object(self, call: Call) -> Reply:
        body = call.body if isinstance(call.body, dict) else {}
        try:
            ttl = parse_duration(str(body.get("expires", "")))
        except ValueError as error:
            raise ApiError(422, "422.invalid-input", "Invalid duration", str(error), source="/expires") from None
        extra: dict[str, JSON] = {"expires_at": self.state.now() + ttl} if ttl > 0 else {}
        doc = {k: body[k] for k in ("scope", "expires", "key", "value") if k in body}
        self.save(OBJECT_CACHE, f"{body.get('scope')}:{body.get('key')}", doc, extra=extra)
        return self.answer(call, None)


__all__ = [
    "CLUSTER",
    "CONTAINERS",
    "CONTEXT",
    "CURRENT",
    "ENVIRONMENT",
    "EVENTS",
    "HUB",
    "INSTANCES",
    "METRICS",
    "OBJECT_CACHE",
    "SERVER",
    "SERVER_IMAGES",
    "InternalHandlers",
    "parse_duration",
]
